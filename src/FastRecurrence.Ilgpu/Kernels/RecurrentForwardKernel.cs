using FastRecurrence.Ilgpu.Cells;
using ILGPU;

namespace FastRecurrence.Ilgpu.Kernels;

/// <summary>
/// The fused forward: one group per (head, batch tile) runs the whole sequence. The head's R is loaded into shared
/// memory once (or read from global memory when it does not fit), the tile's states stay in shared memory across all
/// steps, and each step is two phases separated by group barriers: the recurrent product R y_{t-1} for every
/// (row, gate, unit), then the cell's pointwise update per (row, unit), which writes y_t (and all states) to global.
/// </summary>
/// <remarks>
/// Shared memory (floats): [W: G D D weights when in shared] [rows: states S x tile x D, products tile x G x D], the
/// rows in global scratch instead when TRows is <see cref="GlobalRows"/>.
/// Each unit's states are read and written by the one thread that owns the unit in the pointwise phase, so the
/// update is in place; the barrier after it keeps the next product from reading y before every unit is written.
/// </remarks>
internal static class RecurrentForwardKernel
{
    public static void Run<TCell, TRows>(RecurrentKernelShape s, ArrayView<float> wx, ArrayView<float> r, ArrayView<float> bias,
        ArrayView<float> initial, ArrayView<float> y, ArrayView<float> allStates, ArrayView<float> lastStates, ArrayView<int> lengths,
        ArrayView<float> rowScratch)
        where TCell : struct, IIlgpuCell
        where TRows : struct, IRowStore
    {
        var shared = SharedMemory.GetDynamic<float>();
        int tid = Group.IdxX, threads = Group.DimX;
        int head = Grid.IdxX;
        // gates and states from the cell type (compile-time constants of the specialised kernel), not from s
        int d = s.HeadSize, g = default(TCell).Gates, biases = default(TCell).Biases, states = default(TCell).States;
        int hidden = s.Hidden, bt = s.BatchTile;
        int b0 = Grid.IdxY * bt;
        int rows = XMin(bt, s.Batch - b0);
        int wLength = s.WeightsInShared != 0 ? g * d * d : 0;
        var rowsView = default(TRows).Rows(shared, wLength, rowScratch, (states + g) * bt * d);
        int statesAt = 0;
        int productsAt = statesAt + states * bt * d;

        for (int i = tid; i < wLength; i += threads)
            shared[i] = r[(long)head * d * d + (long)(i / (d * d)) * s.Heads * d * d + i % (d * d)];
        for (int i = tid; i < states * rows * d; i += threads)
        {
            int state = i / (rows * d), row = i / d % rows, unit = i % d;
            rowsView[statesAt + (state * bt + row) * d + unit] =
                s.HasInitialStates != 0 ? initial[((long)state * s.Batch + b0 + row) * hidden + head * d + unit] : 0.0f;
        }
        Group.Barrier();

        for (int t = 0; t < s.Steps; t++)
        {
            // products[row, gate, unit] = sum_p R[gate, head, unit, p] * y[row, p]
            for (int i = tid; i < rows * g * d; i += threads)
            {
                int row = i / (g * d), gu = i % (g * d);
                float sum = 0.0f;
                for (int p = 0; p < d; p++)
                {
                    float w = s.WeightsInShared != 0 ? shared[gu * d + p]
                        : r[((long)(gu / d) * s.Heads + head) * d * d + (long)(gu % d) * d + p];
                    sum += w * rowsView[statesAt + row * d + p];
                }
                rowsView[productsAt + i] = sum;
            }
            Group.Barrier();

            for (int i = tid; i < rows * d; i += threads)
            {
                int row = i / d, unit = i % d;
                int b = b0 + row, j = head * d + unit;
                Vec4 wxUnit = default, rhUnit = default, biasUnit = default, prev = default;
                for (int k = 0; k < g; k++)
                {
                    wxUnit[k] = wx[(((long)b * s.Steps + t) * g + k) * hidden + j];
                    rhUnit[k] = rowsView[productsAt + (row * g + k) * d + unit];
                }
                for (int k = 0; k < biases; k++) biasUnit[k] = bias[(long)k * hidden + j];
                for (int k = 0; k < states; k++) prev[k] = rowsView[statesAt + (k * bt + row) * d + unit];
                // Past its length a sequence keeps its states and writes y = 0.
                bool ended = s.HasLengths != 0 && t >= lengths[b];
                Vec4 next = ended ? prev : default(TCell).Forward(wxUnit, rhUnit, biasUnit, prev);
                for (int k = 0; k < states; k++) rowsView[statesAt + (k * bt + row) * d + unit] = next[k];
                y[((long)b * s.Steps + t) * hidden + j] = ended ? 0.0f : next.V0;
                if (s.WriteAllStates != 0)
                {
                    for (int k = 0; k < states; k++)
                        allStates[(((long)k * s.Batch + b) * s.Steps + t) * hidden + j] = next[k];
                }
            }
            Group.Barrier();
        }

        if (s.WriteLastStates != 0)
        {
            for (int i = tid; i < states * rows * d; i += threads)
            {
                int state = i / (rows * d), row = i / d % rows, unit = i % d;
                lastStates[((long)state * s.Batch + b0 + row) * hidden + head * d + unit] = rowsView[statesAt + (state * bt + row) * d + unit];
            }
        }
    }

    private static int XMin(int a, int b) => a < b ? a : b;
}
