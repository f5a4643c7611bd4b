using System.Globalization;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FastRecurrence.Bench.Recurrent;

namespace FastRecurrence.Bench.Columns;

/// <summary>
/// Achieved TFLOP/s of the recurrent matmuls: 2 * B * T * G * NH * D^2 flops per recurrent product (R h_{t-1} in the
/// forward; R^T dg_t and the dR accumulation in the backward, so a training step counts three), over the mean time.
/// The pointwise cell work and the reserve traffic are not counted: this is the fraction of the card's matmul rate
/// the recurrence turns into useful products, small by nature (the recurrence is latency-bound).
/// </summary>
public sealed class TeraflopsColumn : CaseColumn
{
    public override string ColumnName => "TFLOP/s";
    public override string Legend => "Recurrent matmul flops (2*B*T*G*NH*D^2 per product; forward 1 product, forward+backward 3) / Mean, 1e12 per second";
    public override int PriorityInCategory => 2;

    /// <summary>The recurrent matmul flops of the case, or null when it is not a recurrent benchmark.</summary>
    internal static double? Flops(BenchmarkCase benchmarkCase)
    {
        if (!typeof(RecurrentBenchmarks).IsAssignableFrom(benchmarkCase.Descriptor.Type) ||
            BenchmarkCaseValues.Shape(benchmarkCase) is not { } shape || BenchmarkCaseValues.Cell(benchmarkCase) is not { } cell)
            return null;
        var products = benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(RecurrentBenchmarks.ForwardBackward) ? 3 : 1;
        return RecurrentFlops(cell, shape.Batch, shape.TimeSteps, shape.Heads, shape.HeadSize, products);
    }

    /// <summary>2 * B * T * G * NH * D^2 per product.</summary>
    public static double RecurrentFlops(CellKind cell, int batch, int timeSteps, int heads, int headSize, int products) =>
        2.0 * batch * timeSteps * cell.GateCount() * heads * (double)headSize * headSize * products;

    protected override bool Applies(BenchmarkCase benchmarkCase) => Flops(benchmarkCase) is not null;

    // Flops per nanosecond are 1e9 per second; a thousand of them are a TFLOP/s.
    protected override string? Value(Summary summary, BenchmarkCase benchmarkCase, CultureInfo culture) =>
        Teraflops(summary, benchmarkCase)?.ToString("G3", culture);

    /// <summary>1e12 flops per second, or null when the case is not recurrent or has no result.</summary>
    internal static double? Teraflops(Summary summary, BenchmarkCase benchmarkCase) =>
        Flops(benchmarkCase) is { } flops && BenchmarkCaseValues.MeanNanoseconds(summary, benchmarkCase) is { } mean
            ? flops / mean / 1000.0
            : null;
}
