using FastRecurrence.Ilgpu.Cells;
using ILGPU;

namespace FastRecurrence.Ilgpu.Kernels;

/// <summary>
/// The fused backward (BPTT): one group per (head, batch tile) walks the sequence from the last step to the first,
/// reading the forward's states (all states, [S, B, T, H]) and keeping dL/d(states) of its rows in shared memory.
/// Per step: y_{t-1} into shared memory; the products R y_{t-1} again; the cell's backward per unit (dWx to global,
/// dL/d(R y) and the bias terms to shared memory); then dR += dRh^T y_{t-1}, dbias += the rows' terms, and
/// dL/dy_{t-1} += R^T dRh; the new state gradients replace the old.
/// </summary>
/// <remarks>
/// Every group owns its own slice of dR and dbias partial sums ([tiles, G, NH, D, D] and [tiles, Gb, H]), so no
/// atomics are needed and results do not depend on timing; the host sums the tiles. Shared memory (floats):
/// [R: W] [dR: W] (when in shared) [rows: y_prev tile D, rh tile G D, dRh tile G D, dS S tile D, dS new S tile D, bias
/// terms tile Gb D], W = G D D; the rows in global scratch instead when TRows is <see cref="GlobalRows"/>.
/// </remarks>
internal static class RecurrentBackwardKernel
{
    public static void Run<TCell, TRows>(RecurrentKernelShape s, ArrayView<float> wx, ArrayView<float> r, ArrayView<float> bias,
        ArrayView<float> initial, ArrayView<float> allStates, ArrayView<float> dy, ArrayView<float> dLastStates,
        ArrayView<float> dWx, ArrayView<float> dRPartial, ArrayView<float> dBiasPartial, ArrayView<float> dInitial,
        ArrayView<int> lengths, ArrayView<float> rowScratch)
        where TCell : struct, IIlgpuCell
        where TRows : struct, IRowStore
    {
        var shared = SharedMemory.GetDynamic<float>();
        int tid = Group.IdxX, threads = Group.DimX;
        int head = Grid.IdxX, tile = Grid.IdxY;
        // gates, biases and states from the cell type (compile-time constants of the specialised kernel)
        int d = s.HeadSize, g = default(TCell).Gates, gb = default(TCell).Biases, st = default(TCell).States;
        int hidden = s.Hidden, bt = s.BatchTile;
        int b0 = tile * bt;
        int rows = XMin(bt, s.Batch - b0);
        int wLength = s.WeightsInShared != 0 ? s.WeightsPerHead : 0;
        int dRAt = wLength;
        var rowsView = default(TRows).Rows(shared, dRAt + wLength, rowScratch, bt * (d + 2 * g * d + 2 * st * d + gb * d));
        int yAt = 0;
        int rhAt = yAt + bt * d;
        int dRhAt = rhAt + bt * g * d;
        int dSAt = dRhAt + bt * g * d;
        int dSNewAt = dSAt + st * bt * d;
        int biasTermsAt = dSNewAt + st * bt * d;
        // this group's slices of the partial sums
        long dRBase = (long)tile * g * s.Heads * d * d;
        long dBiasBase = (long)tile * gb * hidden;

        for (int i = tid; i < wLength; i += threads)
        {
            shared[i] = r[(long)head * d * d + (long)(i / (d * d)) * s.Heads * d * d + i % (d * d)];
            shared[dRAt + i] = 0.0f;
        }
        if (wLength == 0)
        {
            for (int i = tid; i < s.WeightsPerHead; i += threads)
                dRPartial[dRBase + WeightIndex(s, head, i)] = 0.0f;
        }
        for (int i = tid; i < gb * d; i += threads)
            dBiasPartial[dBiasBase + (long)(i / d) * hidden + head * d + i % d] = 0.0f;
        for (int i = tid; i < st * rows * d; i += threads)
        {
            int state = i / (rows * d), row = i / d % rows, unit = i % d;
            rowsView[dSAt + (state * bt + row) * d + unit] =
                s.HasLastStateGradients != 0 ? dLastStates[((long)state * s.Batch + b0 + row) * hidden + head * d + unit] : 0.0f;
        }
        Group.Barrier();

        for (int t = s.Steps - 1; t >= 0; t--)
        {
            for (int i = tid; i < rows * d; i += threads)
            {
                int row = i / d, unit = i % d;
                rowsView[yAt + row * d + unit] = StateBefore(s, initial, allStates, 0, b0 + row, t, head * d + unit);
            }
            Group.Barrier();

            for (int i = tid; i < rows * g * d; i += threads)
            {
                int row = i / (g * d), gu = i % (g * d);
                float sum = 0.0f;
                for (int p = 0; p < d; p++) sum += Weight(s, shared, r, head, gu * d + p) * rowsView[yAt + row * d + p];
                rowsView[rhAt + i] = sum;
            }
            Group.Barrier();

            for (int i = tid; i < rows * d; i += threads)
            {
                int row = i / d, unit = i % d;
                int b = b0 + row, j = head * d + unit;
                if (s.HasLengths != 0 && t >= lengths[b])
                {
                    // The step did not run for this sequence: no gate gradient, y was a constant zero, and the state
                    // gradients pass through unchanged.
                    for (int k = 0; k < g; k++)
                    {
                        dWx[(((long)b * s.Steps + t) * g + k) * hidden + j] = 0.0f;
                        rowsView[dRhAt + (row * g + k) * d + unit] = 0.0f;
                    }
                    for (int k = 0; k < gb; k++) rowsView[biasTermsAt + (row * gb + k) * d + unit] = 0.0f;
                    for (int k = 0; k < st; k++) rowsView[dSNewAt + (k * bt + row) * d + unit] = rowsView[dSAt + (k * bt + row) * d + unit];
                    continue;
                }
                Vec4 wxUnit = default, rhUnit = default, biasUnit = default, prev = default, next = default, dNext = default;
                for (int k = 0; k < g; k++)
                {
                    wxUnit[k] = wx[(((long)b * s.Steps + t) * g + k) * hidden + j];
                    rhUnit[k] = rowsView[rhAt + (row * g + k) * d + unit];
                }
                for (int k = 0; k < gb; k++) biasUnit[k] = bias[(long)k * hidden + j];
                for (int k = 0; k < st; k++)
                {
                    prev[k] = StateBefore(s, initial, allStates, k, b, t, j);
                    next[k] = allStates[(((long)k * s.Batch + b) * s.Steps + t) * hidden + j];
                    float total = rowsView[dSAt + (k * bt + row) * d + unit];
                    if (k == 0) total += dy[((long)b * s.Steps + t) * hidden + j];
                    dNext[k] = total;
                }
                CellGradients grads = default(TCell).Backward(wxUnit, rhUnit, biasUnit, prev, next, dNext);
                for (int k = 0; k < g; k++)
                {
                    dWx[(((long)b * s.Steps + t) * g + k) * hidden + j] = grads.DWx[k];
                    rowsView[dRhAt + (row * g + k) * d + unit] = grads.DRh[k];
                }
                for (int k = 0; k < gb; k++) rowsView[biasTermsAt + (row * gb + k) * d + unit] = grads.DBias[k];
                for (int k = 0; k < st; k++) rowsView[dSNewAt + (k * bt + row) * d + unit] = grads.DPrev[k];
            }
            Group.Barrier();

            // dR[gate, unit, p] += sum_rows dRh[row, gate, unit] * y_prev[row, p]
            for (int i = tid; i < s.WeightsPerHead; i += threads)
            {
                int gu = i / d, p = i % d;
                float sum = 0.0f;
                for (int row = 0; row < rows; row++) sum += rowsView[dRhAt + row * g * d + gu] * rowsView[yAt + row * d + p];
                if (wLength != 0) shared[dRAt + i] += sum;
                else dRPartial[dRBase + WeightIndex(s, head, i)] += sum;
            }
            for (int i = tid; i < gb * d; i += threads)
            {
                int k = i / d, unit = i % d;
                float sum = 0.0f;
                for (int row = 0; row < rows; row++) sum += rowsView[biasTermsAt + (row * gb + k) * d + unit];
                dBiasPartial[dBiasBase + (long)k * hidden + head * d + unit] += sum;
            }
            // dL/dy_{t-1}[row, p] += sum_{gate, unit} R[gate, unit, p] * dRh[row, gate, unit]
            for (int i = tid; i < rows * d; i += threads)
            {
                int row = i / d, p = i % d;
                float sum = 0.0f;
                for (int gu = 0; gu < g * d; gu++) sum += Weight(s, shared, r, head, gu * d + p) * rowsView[dRhAt + row * g * d + gu];
                rowsView[dSNewAt + row * d + p] += sum;
            }
            Group.Barrier();

            for (int i = tid; i < st * rows * d; i += threads)
            {
                int state = i / (rows * d), row = i / d % rows, unit = i % d;
                int at = (state * bt + row) * d + unit;
                rowsView[dSAt + at] = rowsView[dSNewAt + at];
            }
            Group.Barrier();
        }

        if (wLength != 0)
        {
            for (int i = tid; i < wLength; i += threads)
                dRPartial[dRBase + WeightIndex(s, head, i)] = shared[dRAt + i];
        }
        if (s.WriteInitialGradients != 0)
        {
            for (int i = tid; i < st * rows * d; i += threads)
            {
                int state = i / (rows * d), row = i / d % rows, unit = i % d;
                dInitial[((long)state * s.Batch + b0 + row) * hidden + head * d + unit] = rowsView[dSAt + (state * bt + row) * d + unit];
            }
        }
    }

    /// <summary>Element i = (gate, unit, p) of the head's R: from shared memory or global.</summary>
    private static float Weight(RecurrentKernelShape s, ArrayView<float> shared, ArrayView<float> r, int head, int i) =>
        s.WeightsInShared != 0 ? shared[i] : r[WeightIndex(s, head, i)];

    /// <summary>The [G, NH, D, D] index of element i = (gate, unit, p) of head `head`.</summary>
    private static long WeightIndex(RecurrentKernelShape s, int head, int i)
    {
        int dd = s.HeadSize * s.HeadSize;
        return ((long)(i / dd) * s.Heads + head) * dd + i % dd;
    }

    /// <summary>State k of (b, unit j) before step t: the forward's states after t - 1, or the initial states.</summary>
    private static float StateBefore(RecurrentKernelShape s, ArrayView<float> initial, ArrayView<float> allStates, int k, int b, int t, int j)
    {
        int hidden = s.Hidden;
        if (t > 0) return allStates[(((long)k * s.Batch + b) * s.Steps + t - 1) * hidden + j];
        return s.HasInitialStates != 0 ? initial[((long)k * s.Batch + b) * hidden + j] : 0.0f;
    }

    private static int XMin(int a, int b) => a < b ? a : b;
}
