using System.Numerics;
using static FastRecurrence.Cells.Activations;

namespace FastRecurrence.Cells;

/// <summary>LSTM, PyTorch gate order i, f, g(z), o; states h, c.</summary>
internal readonly struct LstmCell<T> : ICellRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static CellKind Kind => CellKind.Lstm;

    public static void Forward(ReadOnlySpan<T> wx, ReadOnlySpan<T> rh, ReadOnlySpan<T> bias, ReadOnlySpan<T> prev, Span<T> next)
    {
        var i = Sigmoid(wx[0] + rh[0] + bias[0]);
        var f = Sigmoid(wx[1] + rh[1] + bias[1]);
        var z = T.Tanh(wx[2] + rh[2] + bias[2]);
        var o = Sigmoid(wx[3] + rh[3] + bias[3]);
        var c = f * prev[1] + i * z;
        next[0] = o * T.Tanh(c);
        next[1] = c;
    }

    public static void Backward(ReadOnlySpan<T> wx, ReadOnlySpan<T> rh, ReadOnlySpan<T> bias, ReadOnlySpan<T> prev,
        ReadOnlySpan<T> next, ReadOnlySpan<T> dNext, Span<T> dWx, Span<T> dRh, Span<T> dBias, Span<T> dPrev)
    {
        var i = Sigmoid(wx[0] + rh[0] + bias[0]);
        var f = Sigmoid(wx[1] + rh[1] + bias[1]);
        var z = T.Tanh(wx[2] + rh[2] + bias[2]);
        var o = Sigmoid(wx[3] + rh[3] + bias[3]);
        var tanhC = T.Tanh(next[1]);
        var dh = dNext[0];
        var dc = dNext[1] + dh * o * (T.One - tanhC * tanhC);

        dWx[0] = dc * z * i * (T.One - i);
        dWx[1] = dc * prev[1] * f * (T.One - f);
        dWx[2] = dc * i * (T.One - z * z);
        dWx[3] = dh * tanhC * o * (T.One - o);
        for (var k = 0; k < 4; k++)
        {
            dRh[k] = dWx[k];
            dBias[k] = dWx[k];
        }
        dPrev[0] = T.Zero;
        dPrev[1] = dc * f;
    }
}
