using System.Numerics;

namespace FastRecurrence.Cells;

/// <summary>
/// The pointwise part of one cell for one hidden unit (math.md sections 2 and 3). The recurrent matrix
/// product is done by the caller: <c>rh[k] = (R_k y_{t-1})[unit]</c>. One readonly struct per cell, used
/// through static abstract members so the JIT specialises each caller for each cell.
/// </summary>
/// <remarks>
/// Spans are per unit: wx and rh hold G values, bias Gb values, states S values (state 0 is y).
/// </remarks>
internal interface ICellRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract CellKind Kind { get; }

    /// <summary>Computes the states after one step from those before it.</summary>
    static abstract void Forward(ReadOnlySpan<T> wx, ReadOnlySpan<T> rh, ReadOnlySpan<T> bias, ReadOnlySpan<T> prev, Span<T> next);

    /// <summary>
    /// Given dL/d(next states) (the totals reaching them), writes dL/dWx (G), dL/d(rh) (G: the gradient on
    /// R_k y_{t-1}, which the caller turns into dR and dy_{t-1}), dL/dbias for this step (Gb) and the pointwise
    /// part of dL/d(prev states) (S; the caller adds the recurrent part to state 0).
    /// </summary>
    static abstract void Backward(ReadOnlySpan<T> wx, ReadOnlySpan<T> rh, ReadOnlySpan<T> bias, ReadOnlySpan<T> prev,
        ReadOnlySpan<T> next, ReadOnlySpan<T> dNext, Span<T> dWx, Span<T> dRh, Span<T> dBias, Span<T> dPrev);
}

/// <summary>Activation functions written once for every element type.</summary>
internal static class Activations
{
    public static T Sigmoid<T>(T x) where T : IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));

    /// <summary>log σ(x) without overflow for large |x|.</summary>
    public static T LogSigmoid<T>(T x) where T : IFloatingPointIeee754<T> =>
        x >= T.Zero ? -T.LogP1(T.Exp(-x)) : x - T.LogP1(T.Exp(x));
}
