using ILGPU;

namespace FastRecurrence.Ilgpu.Kernels;

/// <summary>
/// Where a group's per-row buffers live (the planner's <c>IlgpuRecurrentPlan.RowsInShared</c>): a kernel type
/// parameter, so each specialised kernel addresses one memory and never chooses per access (docs/decisions/0033).
/// </summary>
internal interface IRowStore
{
    /// <summary>The group's rows: <paramref name="length"/> floats of dynamic shared memory from
    /// <paramref name="sharedAt"/>, or the group's own slice of <paramref name="scratch"/> (grid (heads, batch tiles)).</summary>
    ArrayView<float> Rows(ArrayView<float> shared, int sharedAt, ArrayView<float> scratch, int length);
}

/// <summary>Rows in shared memory, after the weights: what every plan whose single row fits uses.</summary>
internal struct SharedRows : IRowStore
{
    public readonly ArrayView<float> Rows(ArrayView<float> shared, int sharedAt, ArrayView<float> scratch, int length) =>
        shared.SubView(sharedAt, length);
}

/// <summary>Rows in global scratch, [batch tiles, heads, length]: a head whose single row does not fit shared memory.</summary>
internal struct GlobalRows : IRowStore
{
    public readonly ArrayView<float> Rows(ArrayView<float> shared, int sharedAt, ArrayView<float> scratch, int length) =>
        scratch.SubView(((long)Grid.IdxY * Grid.DimX + Grid.IdxX) * length, length);
}
