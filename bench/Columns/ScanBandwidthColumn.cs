using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FastRecurrence.Bench.Scans;

namespace FastRecurrence.Bench.Columns;

/// <summary>
/// Effective bandwidth of a scan benchmark: the bytes the operation must move (from the method's
/// <see cref="ScanTrafficAttribute"/>, the shape and the storage type) divided by the mean time. The scan is
/// bandwidth-bound, so this is the figure the targets are stated in (a fraction of the card's copy bandwidth).
/// </summary>
public sealed class ScanBandwidthColumn : CaseColumn
{
    public override string ColumnName => "GB/s";
    public override string Legend => "Effective bandwidth: (arrays read + written) * B*T*H*D * element bytes / Mean, 1e9 bytes per second";
    public override int PriorityInCategory => 1;

    /// <summary>Bytes the case must move, or null when it is not a scan benchmark.</summary>
    internal static long? BytesMoved(BenchmarkCase benchmarkCase)
    {
        if (benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<ScanTrafficAttribute>() is not { } traffic ||
            BenchmarkCaseValues.Shape(benchmarkCase) is not { } shape || BenchmarkCaseValues.Variant(benchmarkCase) is not { } variant)
            return null;
        return shape.Elements * (traffic.ArraysRead + traffic.ArraysWritten) * variant.DataType.SizeInBytes();
    }

    protected override bool Applies(BenchmarkCase benchmarkCase) => BytesMoved(benchmarkCase) is not null;

    // Bytes per nanosecond is exactly 1e9 bytes per second.
    protected override string? Value(Summary summary, BenchmarkCase benchmarkCase, CultureInfo culture) =>
        GigabytesPerSecond(summary, benchmarkCase)?.ToString("G3", culture);

    /// <summary>1e9 bytes per second, or null when the case is not a scan or has no result.</summary>
    internal static double? GigabytesPerSecond(Summary summary, BenchmarkCase benchmarkCase) =>
        BytesMoved(benchmarkCase) is { } bytes && BenchmarkCaseValues.MeanNanoseconds(summary, benchmarkCase) is { } mean
            ? bytes / mean
            : null;
}
