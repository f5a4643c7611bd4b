using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FastRecurrence.Bench.Recurrent;

namespace FastRecurrence.Bench.Columns;

/// <summary>
/// Mean time divided by the number of time steps T. The recurrence is sequential in T, so time per step is the
/// figure that compares across sequence lengths and against the per-step budget in docs/PERFORMANCE.md
/// (about 1 us per step for the GPU headline shape).
/// </summary>
public sealed class MicrosecondsPerStepColumn : IColumn
{
    /// <summary>The parameter holding T, on every benchmark this column applies to.</summary>
    public const string TimeStepsParameter = "TimeSteps";

    public string Id => nameof(MicrosecondsPerStepColumn);
    public string ColumnName => "us/step";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Mean time per recurrent time step (Mean / TimeSteps), microseconds";

    // Only the recurrent benchmarks report per-step time; the scan's figure of merit is bandwidth.
    private static bool Applies(BenchmarkCase benchmarkCase) =>
        typeof(RecurrentBenchmarkBase).IsAssignableFrom(benchmarkCase.Descriptor.Type) &&
        BenchmarkCaseValues.IntParameter(benchmarkCase, TimeStepsParameter) is not null;

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(Applies);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (!Applies(benchmarkCase))
            return "-";
        var steps = BenchmarkCaseValues.IntParameter(benchmarkCase, TimeStepsParameter)!.Value;
        if (BenchmarkCaseValues.MeanNanoseconds(summary, benchmarkCase) is not { } mean)
            return "NA";
        return (mean / steps / 1000.0).ToString("N2", style.CultureInfo ?? CultureInfo.InvariantCulture);
    }

    public override string ToString() => ColumnName;
}
