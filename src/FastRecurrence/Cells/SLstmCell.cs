using System.Numerics;
using static FastRecurrence.Cells.Activations;

namespace FastRecurrence.Cells;

/// <summary>
/// sLSTM (xLSTM) with the log-space stabiliser m; gates i, f, z, o; states y, c, n, m (math.md section 2).
/// n rule: plain, as in xLSTM (no clamp; docs/decisions/0003-slstm-normaliser.md). From zero states n_t >= 1,
/// so the division is safe; where n_{t-1} = 0, m_t = g~_i, and f' may then overflow: it multiplies zero states,
/// so a zero times that f' is zero (<see cref="TimesForgetGate"/>; docs/decisions/0044-slstm-overflowed-forget-gate.md).
/// </summary>
/// <remarks>
/// Backward: m_t is held constant (math.md). Because y depends on c and n only through c/n, which m does not
/// change, the gradients reaching y are exact; the gradient on m_{t-1} is the one through log f = log σ + m_{t-1}.
/// Gradients given on the last c and n are taken with the last m held fixed.
/// </remarks>
internal readonly struct SLstmCell<T> : ICellRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static CellKind Kind => CellKind.SLstm;

    public static void Forward(ReadOnlySpan<T> wx, ReadOnlySpan<T> rh, ReadOnlySpan<T> bias, ReadOnlySpan<T> prev, Span<T> next)
    {
        var gi = wx[0] + rh[0] + bias[0];
        var gf = wx[1] + rh[1] + bias[1];
        var z = T.Tanh(wx[2] + rh[2] + bias[2]);
        var o = Sigmoid(wx[3] + rh[3] + bias[3]);
        var logF = LogSigmoid(gf) + prev[3];
        var m = prev[2] == T.Zero ? gi : T.Max(gi, logF);
        var iGate = T.Exp(gi - m);
        var fGate = T.Exp(logF - m);
        var c = TimesForgetGate(prev[1], fGate) + iGate * z;
        var n = TimesForgetGate(prev[2], fGate) + iGate;
        next[0] = o * c / n;
        next[1] = c;
        next[2] = n;
        next[3] = m;
    }

    public static void Backward(ReadOnlySpan<T> wx, ReadOnlySpan<T> rh, ReadOnlySpan<T> bias, ReadOnlySpan<T> prev,
        ReadOnlySpan<T> next, ReadOnlySpan<T> dNext, Span<T> dWx, Span<T> dRh, Span<T> dBias, Span<T> dPrev)
    {
        var gi = wx[0] + rh[0] + bias[0];
        var gf = wx[1] + rh[1] + bias[1];
        var z = T.Tanh(wx[2] + rh[2] + bias[2]);
        var o = Sigmoid(wx[3] + rh[3] + bias[3]);
        var logF = LogSigmoid(gf) + prev[3];
        var m = next[3];
        var iGate = T.Exp(gi - m);
        var fGate = T.Exp(logF - m);
        var c = next[1];
        var n = next[2];

        var dy = dNext[0];
        var dc = dNext[1] + dy * o / n;
        var dn = dNext[2] - dy * o * c / (n * n);
        var dIGate = dc * z + dn;
        var dFGate = dc * prev[1] + dn * prev[2];
        var dLogF = TimesForgetGate(dFGate, fGate);

        dWx[0] = dIGate * iGate;
        dWx[1] = dLogF * (T.One - Sigmoid(gf));
        dWx[2] = dc * iGate * (T.One - z * z);
        dWx[3] = dy * (c / n) * o * (T.One - o);
        for (var k = 0; k < 4; k++)
        {
            dRh[k] = dWx[k];
            dBias[k] = dWx[k];
        }
        dPrev[0] = T.Zero;
        dPrev[1] = TimesForgetGate(dc, fGate);
        dPrev[2] = TimesForgetGate(dn, fGate);
        dPrev[3] = dLogF;
    }

    /// <summary>
    /// x f', where an exact zero x stays zero though f' overflowed: from a zero state (n_{t-1} = 0, so m_t = g~_i), a very
    /// negative g~_i makes f' = exp(log f - g~_i) exceed the type's range, and inf * 0 would turn y into NaN although the
    /// state it multiplies is zero. A NaN x or f' still gives NaN.
    /// </summary>
    private static T TimesForgetGate(T x, T fGate) => x == T.Zero && T.IsPositiveInfinity(fGate) ? T.Zero : x * fGate;
}
