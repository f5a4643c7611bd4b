using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Bench.Planning;

/// <summary>One problem of the planner sweep: a catalog GPU and a fused-family request.</summary>
/// <param name="Index">Position in the full sweep (<see cref="PlannerSweepProblems.All"/>), stable across runs.</param>
/// <param name="Gpu">The catalog GPU planned for.</param>
/// <param name="Request">The fused-family request.</param>
public sealed record PlannerProblem(int Index, GpuSpec Gpu, PlanRequest Request);

/// <summary>
/// The sweep of issue 3 (item 6, timed by item 7): every catalog GPU x {Lstm, Gru, SLstm, Elman} x {Float32,
/// BFloat16, Float16} x head size {16 .. 2560} x heads {1, 4, 12} x batch {1, 8, 16, 64, 256}, family Fused,
/// forward, T = 1024. Enumerated in that order (batch fastest), so an index names the same problem in every run.
/// </summary>
public static class PlannerSweepProblems
{
    public static readonly CellKind[] Cells = [CellKind.Lstm, CellKind.Gru, CellKind.SLstm, CellKind.Elman];
    public static readonly DataType[] DataTypes = [DataType.Float32, DataType.BFloat16, DataType.Float16];
    public static readonly int[] HeadSizes = [16, 32, 64, 128, 256, 512, 768, 1024, 1536, 2048, 2560];
    public static readonly int[] HeadCounts = [1, 4, 12];
    public static readonly int[] Batches = [1, 8, 16, 64, 256];

    /// <summary>
    /// The default sample takes every 19th problem. Not 20: 20 is a multiple of the 5 batch sizes (the fastest
    /// index), so every 20th problem would be a batch-1 problem. 19 is prime and shares no factor with any
    /// dimension (or with the sweep's size, 27720 = 2^3 3^2 5 7 11 for 14 GPUs), so the sample visits every value
    /// of every dimension about equally: ~1460 problems, ~5% of the sweep.
    /// </summary>
    public const int DefaultStride = 19;

    /// <summary>Every problem of the sweep, in sweep order.</summary>
    public static IReadOnlyList<PlannerProblem> All() => Sample(stride: 1, offset: 0);

    /// <summary>Problems <paramref name="offset"/>, offset + stride, offset + 2 stride, ... of the sweep.</summary>
    public static IReadOnlyList<PlannerProblem> Sample(int stride, int offset = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var problems = new List<PlannerProblem>();
        var index = 0;
        foreach (var gpu in GpuCatalog.All)
        foreach (var cell in Cells)
        foreach (var dataType in DataTypes)
        foreach (var headSize in HeadSizes)
        foreach (var heads in HeadCounts)
        foreach (var batch in Batches)
        {
            if (index >= offset && (index - offset) % stride == 0)
                problems.Add(new PlannerProblem(index, gpu,
                    new PlanRequest(KernelFamily.Fused, cell, dataType, batch, heads, headSize)));
            index++;
        }
        return problems;
    }

    /// <summary>The number of problems in the full sweep.</summary>
    public static int Count =>
        GpuCatalog.All.Count * Cells.Length * DataTypes.Length * HeadSizes.Length * HeadCounts.Length * Batches.Length;
}
