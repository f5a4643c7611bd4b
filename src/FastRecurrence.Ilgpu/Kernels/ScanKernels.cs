using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;

namespace FastRecurrence.Ilgpu.Kernels;

/// <summary>An affine map x -> A x + B: one step (a_t, b_t) of the scan, or several composed.</summary>
internal struct ScanPair
{
    public float A, B;
}

/// <summary>
/// Composition of affine maps for ILGPU.Algorithms' warp scans. ILGPU 1.5's warp scans call Apply(later, earlier):
/// <c>first</c> is the map of the higher lane, <c>second</c> the accumulated lower lanes, so the result is
/// (a2, b2) after (a1, b1) = (a2 a1, a2 b1 + b2) with (a2, b2) = first; identity (1, 0). The operation is not
/// commutative: the scan suites (CPU accelerator here, the PTX backend on a GPU) catch a change of that order.
/// </summary>
internal readonly struct ComposeAffine : IScanReduceOperation<ScanPair>
{
    public string CLCommand => string.Empty;

    public ScanPair Identity => new() { A = 1.0f, B = 0.0f };

    public ScanPair Apply(ScanPair first, ScanPair second) =>
        new() { A = Times(first.A, second.A), B = Times(first.A, second.B) + first.B };

    /// <summary>
    /// x y, except that an exact zero times an infinity is zero: a product of a over many steps (|a| > 1) can exceed
    /// float's range before a zero a ends it, where the sequential recurrence stays finite, and inf * 0 would make
    /// everything after it NaN. A NaN x or y still gives NaN (docs/decisions/0045, as the CUDA C scan's times).
    /// </summary>
    public static float Times(float x, float y)
    {
        float p = x * y;
        return float.IsNaN(p) && !float.IsNaN(x) && !float.IsNaN(y) ? 0.0f : p;
    }

    public void AtomicApply(ref ScanPair target, ScanPair value) => target = Apply(target, value);
}

/// <summary>
/// The scan h_t = a_t h_{t-1} + b_t (math.md section 5) on [B, T, L] (L = NH D lanes): one warp per (batch, lane)
/// sequence walks T in chunks of one warp, lane k taking step t0 + k; an inclusive warp scan of the (a, b) pairs gives
/// each step's map from the chunk's entering state, and the carry (the state after the chunk) passes through the last
/// lane's value. Steps past T are identity pairs. Backward runs the same in decreasing t on (a_t, a_t dh_t) with an
/// exclusive scan (the gradient arriving from step t + 1).
/// </summary>
internal static class ScanKernels
{
    public static void Forward(ScanKernelShape s, ArrayView<float> a, ArrayView<float> b, ArrayView<float> h0, ArrayView<float> h)
    {
        int width = Warp.WarpSize;
        int sequence = Grid.IdxX * Group.DimX / width + Group.IdxX / width;
        if (sequence >= s.Batch * s.Lanes) return; // whole warps: the sequence is uniform across a warp
        int lane = Warp.LaneIdx;
        int batch = sequence / s.Lanes, unit = sequence % s.Lanes;
        float carry = s.HasInitial != 0 ? h0[(long)batch * s.Lanes + unit] : 0.0f;
        for (int t0 = 0; t0 < s.Steps; t0 += width)
        {
            int t = t0 + lane;
            long at = ((long)batch * s.Steps + t) * s.Lanes + unit;
            var pair = t < s.Steps ? new ScanPair { A = a[at], B = b[at] } : new ScanPair { A = 1.0f, B = 0.0f };
            ScanPair prefix = WarpExtensions.InclusiveScan<ScanPair, ComposeAffine>(pair);
            float value = ComposeAffine.Times(prefix.A, carry) + prefix.B;
            if (t < s.Steps) h[at] = value;
            carry = Warp.Shuffle(value, width - 1);
        }
    }

    public static void Backward(ScanKernelShape s, ArrayView<float> a, ArrayView<float> h, ArrayView<float> h0,
        ArrayView<float> dh, ArrayView<float> da, ArrayView<float> db, ArrayView<float> dh0)
    {
        int width = Warp.WarpSize;
        int sequence = Grid.IdxX * Group.DimX / width + Group.IdxX / width;
        if (sequence >= s.Batch * s.Lanes) return;
        int lane = Warp.LaneIdx;
        int batch = sequence / s.Lanes, unit = sequence % s.Lanes;
        float carry = 0.0f; // the gradient arriving from after the last step
        for (int t0 = s.Steps - 1; t0 >= 0; t0 -= width)
        {
            int t = t0 - lane;
            long at = ((long)batch * s.Steps + t) * s.Lanes + unit;
            float at_ = t >= 0 ? a[at] : 1.0f;
            float dht = t >= 0 ? dh[at] : 0.0f;
            var pair = new ScanPair { A = at_, B = ComposeAffine.Times(at_, dht) };
            ScanPair prefix = WarpExtensions.ExclusiveScan<ScanPair, ComposeAffine>(pair);
            float arriving = ComposeAffine.Times(prefix.A, carry) + prefix.B; // dL/dh_t through step t + 1
            float delta = dht + arriving;
            if (t >= 0)
            {
                db[at] = delta;
                float before = t > 0 ? h[at - s.Lanes] : (s.HasInitial != 0 ? h0[(long)batch * s.Lanes + unit] : 0.0f);
                da[at] = ComposeAffine.Times(delta, before);
            }
            carry = Warp.Shuffle(ComposeAffine.Times(at_, delta), width - 1);
        }
        if (lane == 0 && s.WriteInitialGradient != 0) dh0[(long)batch * s.Lanes + unit] = carry;
    }
}

/// <summary>The scan's shape, passed by value: B, T and the lanes L = NH D of [B, T, L].</summary>
internal struct ScanKernelShape
{
    public int Batch, Steps, Lanes, HasInitial, WriteInitialGradient;
}
