using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Bench.Planning;

/// <summary>
/// A named planner problem for <see cref="PlannerBenchmarks"/>. <see cref="ToString"/> is the short key
/// BenchmarkDotNet shows in the parameter column (it truncates parameter values past 20 characters); the
/// Problem column (<see cref="PlannerProblemColumn"/>) spells the problem out.
/// </summary>
public sealed class PlannerCase(string key, string gpu, CellKind cell, DataType dataType, int batch, int heads, int headSize)
{
    public string Key { get; } = key;
    public GpuSpec Gpu { get; } = GpuCatalog.Find(gpu);
    public PlanRequest Request { get; } = new(KernelFamily.Fused, cell, dataType, batch, heads, headSize);

    private string? _description;

    /// <summary>The GPU, the problem and what the planner answers (the regime, or that no fused plan exists).</summary>
    public string Describe() => _description ??= DescribeNow();

    private string DescribeNow()
    {
        var answer = Planner.Plan(Gpu, Request).Plan is { } plan ? plan.Regime.ToString() : "no fused plan";
        return $"{Gpu.Name} {Request.Cell} {Request.DataType} D={Request.HeadSize} NH={Request.Heads} B={Request.Batch} -> {answer}";
    }

    public override string ToString() => Key;

    /// <summary>
    /// The representative problems: the FlashRNN headline shape, many small heads, a problem with no fused plan
    /// (the planner must prove every regime infeasible), and a small easy one.
    /// </summary>
    public static IEnumerable<PlannerCase> Representative() =>
    [
        new("headline", "H100-SXM", CellKind.Lstm, DataType.BFloat16, batch: 16, heads: 1, headSize: 768),
        new("12-heads-x-64", "H100-SXM", CellKind.Lstm, DataType.BFloat16, batch: 16, heads: 12, headSize: 64),
        new("no-fused-fit", "A100-40GB", CellKind.Lstm, DataType.BFloat16, batch: 16, heads: 1, headSize: 2560),
        new("small", "T4", CellKind.Elman, DataType.Float32, batch: 1, heads: 1, headSize: 16),
    ];
}
