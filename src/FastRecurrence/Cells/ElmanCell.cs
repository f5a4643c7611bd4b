using System.Numerics;

namespace FastRecurrence.Cells;

/// <summary>Elman RNN with tanh, as PyTorch nn.RNN: h_t = tanh(Wx + R h_{t-1} + b).</summary>
internal readonly struct ElmanCell<T> : ICellRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static CellKind Kind => CellKind.Elman;

    public static void Forward(ReadOnlySpan<T> wx, ReadOnlySpan<T> rh, ReadOnlySpan<T> bias, ReadOnlySpan<T> prev, Span<T> next) =>
        next[0] = T.Tanh(wx[0] + rh[0] + bias[0]);

    public static void Backward(ReadOnlySpan<T> wx, ReadOnlySpan<T> rh, ReadOnlySpan<T> bias, ReadOnlySpan<T> prev,
        ReadOnlySpan<T> next, ReadOnlySpan<T> dNext, Span<T> dWx, Span<T> dRh, Span<T> dBias, Span<T> dPrev)
    {
        var h = next[0];
        var dPre = dNext[0] * (T.One - h * h);
        dWx[0] = dPre;
        dRh[0] = dPre;
        dBias[0] = dPre;
        dPrev[0] = T.Zero;
    }
}
