using System.Globalization;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FastRecurrence.Bench.Columns;

/// <summary>
/// Says which GPU cases include copying their tensors between host and device memory (the host-array API of the
/// ILGPU CUDA backend), so that nobody reads those times as kernel times. Shown only when such a case ran.
/// </summary>
public sealed class CopiesColumn : CaseColumn
{
    public override string ColumnName => "Copies";
    public override string Legend => "host<->device: the time includes copying the inputs to the GPU and the outputs back; none: tensors stay where they are";
    public override int PriorityInCategory => 4;
    public override bool IsNumeric => false;

    protected override bool Applies(BenchmarkCase benchmarkCase) => BenchmarkCaseValues.Variant(benchmarkCase) is not null;

    public override bool IsAvailable(Summary summary) =>
        summary.BenchmarksCases.Any(c => BenchmarkCaseValues.Variant(c)?.IncludesHostDeviceCopies == true);

    protected override string? Value(Summary summary, BenchmarkCase benchmarkCase, CultureInfo culture) =>
        BenchmarkCaseValues.Variant(benchmarkCase)!.IncludesHostDeviceCopies ? "host<->device" : "none";
}
