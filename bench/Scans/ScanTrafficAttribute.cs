namespace FastRecurrence.Bench.Scans;

/// <summary>
/// The minimum memory traffic of a scan benchmark method, in whole [B, T, H, D] arrays of the case's storage type,
/// read by <see cref="Columns.ScanBandwidthColumn"/>. It is the traffic the operation must do, not what a given backend
/// happens to do (the reference re-reads a in its backward), so GB/s compares backends on equal terms.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ScanTrafficAttribute(int arraysRead, int arraysWritten) : Attribute
{
    public int ArraysRead { get; } = arraysRead;
    public int ArraysWritten { get; } = arraysWritten;
}
