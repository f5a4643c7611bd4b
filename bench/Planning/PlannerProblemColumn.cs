using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FastRecurrence.Bench.Planning;

/// <summary>The full problem behind a <see cref="PlannerCase"/> key, and the planner's answer for it.</summary>
public sealed class PlannerProblemColumn : IColumn
{
    public string Id => nameof(PlannerProblemColumn);
    public string ColumnName => "Problem";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Params;
    public int PriorityInCategory => 1;
    public bool IsNumeric => false;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "GPU, cell, dtype, head size D, heads NH, batch B, and the fused regime chosen (or no fused plan)";

    private static PlannerCase? Case(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Value is PlannerCase)?.Value as PlannerCase;

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => Case(c) is not null);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => Case(benchmarkCase)?.Describe() ?? "-";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public override string ToString() => ColumnName;
}
