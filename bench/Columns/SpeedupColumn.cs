using System.Globalization;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FastRecurrence.Bench.Columns;

/// <summary>
/// How many times faster a case is than the suite's baseline on the same problem: the baseline's mean over this mean.
/// The baseline is the variant of lowest <see cref="Configuration.BackendVariant.Rank"/> with a result for the same
/// method, shape and cell (CPU suites: the reference; GPU suites: ILGPU's CUDA kernels in fp32, our portable path). cuDNN and FlashRNN are not
/// callable from .NET here; tools/device/'s harness gives the ratios to them.
/// </summary>
public sealed class SpeedupColumn : CaseColumn
{
    public override string ColumnName => "Speedup";
    public override string Legend => "Baseline mean / Mean on the same method, shape and cell; baseline: the suite's first variant with a result";
    public override int PriorityInCategory => 3;

    protected override bool Applies(BenchmarkCase benchmarkCase) => BenchmarkCaseValues.Variant(benchmarkCase) is not null;

    protected override string? Value(Summary summary, BenchmarkCase benchmarkCase, CultureInfo culture) =>
        Compare(summary, benchmarkCase) is { } comparison ? comparison.Speedup.ToString("G3", culture) : null;

    /// <summary>The speedup and the variant it compares with, or null when the case or its baseline has no result.</summary>
    internal static (double Speedup, Configuration.BackendVariant Baseline)? Compare(Summary summary, BenchmarkCase benchmarkCase) =>
        BenchmarkCaseValues.MeanNanoseconds(summary, benchmarkCase) is { } mean && BaselineCase(summary, benchmarkCase) is { } baseline
            ? (BenchmarkCaseValues.MeanNanoseconds(summary, baseline)!.Value / mean, BenchmarkCaseValues.Variant(baseline)!)
            : null;

    private static BenchmarkCase? BaselineCase(Summary summary, BenchmarkCase benchmarkCase) =>
        summary.BenchmarksCases
            .Where(c => SameProblem(c, benchmarkCase) && BenchmarkCaseValues.MeanNanoseconds(summary, c) is not null)
            .MinBy(c => BenchmarkCaseValues.Variant(c)!.Rank);

    private static bool SameProblem(BenchmarkCase a, BenchmarkCase b) =>
        a.Descriptor.Type == b.Descriptor.Type &&
        a.Descriptor.WorkloadMethod.Name == b.Descriptor.WorkloadMethod.Name &&
        Equals(BenchmarkCaseValues.Shape(a), BenchmarkCaseValues.Shape(b)) &&
        BenchmarkCaseValues.Cell(a) == BenchmarkCaseValues.Cell(b);
}
