using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FastRecurrence.Bench.Scans;

namespace FastRecurrence.Bench.Columns;

/// <summary>
/// Effective bandwidth of a scan benchmark: the bytes the operation must move (from the method's
/// <see cref="ScanTrafficAttribute"/> and the B, T, H, D parameters) divided by the mean time. The scan is
/// bandwidth-bound, so this is the figure the targets are stated in (a fraction of the card's copy bandwidth).
/// </summary>
public sealed class ScanBandwidthColumn : IColumn
{
    private static readonly string[] ShapeParameters = ["Batch", "TimeSteps", "Heads", "HeadSize"];

    public string Id => nameof(ScanBandwidthColumn);
    public string ColumnName => "GB/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Effective bandwidth: (arrays read + written) * B*T*H*D * element bytes / Mean, 1e9 bytes per second";

    private static ScanTrafficAttribute? Traffic(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<ScanTrafficAttribute>();

    /// <summary>Bytes the case must move, or null when it is not a scan benchmark.</summary>
    private static long? BytesMoved(BenchmarkCase benchmarkCase)
    {
        if (Traffic(benchmarkCase) is not { } traffic)
            return null;
        long elements = 1;
        foreach (var name in ShapeParameters)
        {
            if (BenchmarkCaseValues.IntParameter(benchmarkCase, name) is not { } size)
                return null;
            elements *= size;
        }
        return elements * (traffic.ArraysRead + traffic.ArraysWritten) * traffic.ElementBytes;
    }

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => BytesMoved(c) is not null);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (BytesMoved(benchmarkCase) is not { } bytes)
            return "-";
        if (BenchmarkCaseValues.MeanNanoseconds(summary, benchmarkCase) is not { } mean || mean <= 0)
            return "NA";
        // bytes per nanosecond is exactly 1e9 bytes per second.
        return (bytes / mean).ToString("N2", style.CultureInfo ?? CultureInfo.InvariantCulture);
    }

    public override string ToString() => ColumnName;
}
