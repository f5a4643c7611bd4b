namespace FastRecurrence.Planning.Ilgpu;

/// <summary>
/// How the ILGPU recurrent kernels run one problem: one group per (head, batch tile), looping over all T steps inside
/// the kernel with group barriers; the head's recurrent weights (and, backward, their gradient accumulators) in shared
/// memory when they fit, else read from (accumulated in) global memory; likewise the tile's per-row buffers (states,
/// products and, backward, their gradients), which go to a global scratch slice of the group's own when even one row
/// does not fit (a head of any size runs).
/// </summary>
/// <param name="GroupSize">Threads per group: a multiple of the warp size.</param>
/// <param name="BatchTile">Batch rows per group; the grid is (heads, ceil(B / BatchTile)).</param>
/// <param name="WeightsInShared">R (backward: R and dR) held in shared memory for the whole sequence.</param>
/// <param name="SharedFloats">Dynamic shared memory per group, in floats.</param>
/// <param name="BatchTiles">Groups per head: ceil(B / BatchTile).</param>
/// <param name="Rationale">Why this plan, in words (the binding limits and the objective).</param>
/// <param name="RowsInShared">The tile's per-row buffers in shared memory; false: in <see cref="RowFloats"/> floats of
/// global scratch per group (heads x batch tiles groups).</param>
/// <param name="RowFloats">The per-row buffers of one group (batch tile x the floats one row needs).</param>
public sealed record IlgpuRecurrentPlan(int GroupSize, int BatchTile, bool WeightsInShared, long SharedFloats, int BatchTiles,
    IReadOnlyList<string> Rationale, bool RowsInShared = true, long RowFloats = 0)
{
    public long SharedBytes => SharedFloats * sizeof(float);
}

/// <summary>
/// How the ILGPU scan kernels run: one warp per (batch, lane) sequence, walking T in chunks of one warp's width with a
/// warp scan of (a, b) pairs and the carry held in registers; <see cref="WarpsPerGroup"/> sequences per group.
/// </summary>
public sealed record IlgpuScanPlan(int WarpSize, int WarpsPerGroup, int Groups, IReadOnlyList<string> Rationale)
{
    public int GroupSize => WarpSize * WarpsPerGroup;
}
