using System.Numerics;

namespace FastRecurrence.Reference;

/// <summary>
/// The CPU reference of the diagonal linear recurrence h_t = a_t h_{t-1} + b_t and its backward
/// δ_t = g_t + a_{t+1} δ_{t+1}; db = δ, da_t = δ_t h_{t-1}, dh0 = a_1 δ_1 (math.md section 5). Sequential in T.
/// </summary>
internal static class ScanReference
{
    public static void Forward<T>(ScanProblem p, ScanInputs<T> inputs, Span<T> h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = p.Heads * p.HeadSize;
        for (var b = 0; b < p.Batch; b++)
        for (var lane = 0; lane < lanes; lane++)
        {
            var state = inputs.H0.IsEmpty ? T.Zero : inputs.H0[b * lanes + lane];
            for (var t = 0; t < p.TimeSteps; t++)
            {
                var at = (b * p.TimeSteps + t) * lanes + lane;
                state = inputs.A[at] * state + inputs.B[at];
                h[at] = state;
            }
        }
    }

    public static void Backward<T>(ScanProblem p, ScanInputs<T> inputs, ReadOnlySpan<T> dh, ScanGradients<T> gradients)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = p.Heads * p.HeadSize;
        for (var b = 0; b < p.Batch; b++)
        for (var lane = 0; lane < lanes; lane++)
        {
            var delta = T.Zero;
            var aNext = T.Zero;
            for (var t = p.TimeSteps - 1; t >= 0; t--)
            {
                var at = (b * p.TimeSteps + t) * lanes + lane;
                delta = dh[at] + aNext * delta;
                gradients.DB[at] = delta;
                aNext = inputs.A[at];
            }
            // Second pass forward for da_t = δ_t h_{t-1}: recomputing h keeps the reference free of a [T] buffer.
            var hPrev = inputs.H0.IsEmpty ? T.Zero : inputs.H0[b * lanes + lane];
            for (var t = 0; t < p.TimeSteps; t++)
            {
                var at = (b * p.TimeSteps + t) * lanes + lane;
                gradients.DA[at] = gradients.DB[at] * hPrev;
                hPrev = inputs.A[at] * hPrev + inputs.B[at];
            }
            if (!gradients.DH0.IsEmpty)
                gradients.DH0[b * lanes + lane] = inputs.A[b * p.TimeSteps * lanes + lane] * gradients.DB[b * p.TimeSteps * lanes + lane];
        }
    }
}
