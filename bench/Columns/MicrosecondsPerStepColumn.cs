using System.Globalization;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FastRecurrence.Bench.Recurrent;

namespace FastRecurrence.Bench.Columns;

/// <summary>
/// Mean time divided by the number of time steps T. The recurrence is sequential in T, so time per step is the
/// figure that compares across sequence lengths and against the per-step budget of targets.md (about 1 us per step
/// for the GPU headline shape).
/// </summary>
public sealed class MicrosecondsPerStepColumn : CaseColumn
{
    public override string ColumnName => "us/step";
    public override string Legend => "Mean time per recurrent time step (Mean / T), microseconds";
    public override int PriorityInCategory => 0;

    // Only the recurrent benchmarks report per-step time; the scan's figure of merit is bandwidth.
    protected override bool Applies(BenchmarkCase benchmarkCase) => AppliesTo(benchmarkCase);

    private static bool AppliesTo(BenchmarkCase benchmarkCase) =>
        typeof(RecurrentBenchmarks).IsAssignableFrom(benchmarkCase.Descriptor.Type) && BenchmarkCaseValues.Shape(benchmarkCase) is not null;

    protected override string? Value(Summary summary, BenchmarkCase benchmarkCase, CultureInfo culture) =>
        PerStep(summary, benchmarkCase)?.ToString("0.###", culture);

    /// <summary>Microseconds per step, or null when the case is not recurrent or has no result.</summary>
    internal static double? PerStep(Summary summary, BenchmarkCase benchmarkCase) =>
        AppliesTo(benchmarkCase) && BenchmarkCaseValues.MeanNanoseconds(summary, benchmarkCase) is { } mean
            ? mean / BenchmarkCaseValues.Shape(benchmarkCase)!.TimeSteps / 1000.0
            : null;
}
