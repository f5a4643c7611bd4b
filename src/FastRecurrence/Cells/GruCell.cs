using System.Numerics;
using static FastRecurrence.Cells.Activations;

namespace FastRecurrence.Cells;

/// <summary>
/// GRU as PyTorch and cuDNN define it ("linear before reset"): gates r, z, n; biases (r, z, n_input, n_hidden),
/// where b_hn sits inside the reset product and b_in outside: n = tanh(Wx_n + b_in + r * (R_n h + b_hn)).
/// </summary>
internal readonly struct GruCell<T> : ICellRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static CellKind Kind => CellKind.Gru;

    public static void Forward(ReadOnlySpan<T> wx, ReadOnlySpan<T> rh, ReadOnlySpan<T> bias, ReadOnlySpan<T> prev, Span<T> next)
    {
        var r = Sigmoid(wx[0] + rh[0] + bias[0]);
        var u = Sigmoid(wx[1] + rh[1] + bias[1]);
        var n = T.Tanh(wx[2] + bias[2] + r * (rh[2] + bias[3]));
        next[0] = (T.One - u) * n + u * prev[0];
    }

    public static void Backward(ReadOnlySpan<T> wx, ReadOnlySpan<T> rh, ReadOnlySpan<T> bias, ReadOnlySpan<T> prev,
        ReadOnlySpan<T> next, ReadOnlySpan<T> dNext, Span<T> dWx, Span<T> dRh, Span<T> dBias, Span<T> dPrev)
    {
        var r = Sigmoid(wx[0] + rh[0] + bias[0]);
        var u = Sigmoid(wx[1] + rh[1] + bias[1]);
        var hiddenN = rh[2] + bias[3];
        var n = T.Tanh(wx[2] + bias[2] + r * hiddenN);
        var dh = dNext[0];

        var dPreN = dh * (T.One - u) * (T.One - n * n);
        var dPreU = dh * (prev[0] - n) * u * (T.One - u);
        var dPreR = dPreN * hiddenN * r * (T.One - r);
        var dHiddenN = dPreN * r;

        dWx[0] = dPreR;
        dWx[1] = dPreU;
        dWx[2] = dPreN;
        dRh[0] = dPreR;
        dRh[1] = dPreU;
        dRh[2] = dHiddenN;
        dBias[0] = dPreR;
        dBias[1] = dPreU;
        dBias[2] = dPreN;
        dBias[3] = dHiddenN;
        dPrev[0] = dh * u;
    }
}
