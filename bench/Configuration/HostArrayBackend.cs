using FastRecurrence.Backends;

namespace FastRecurrence.Bench.Configuration;

/// <summary>What the host-array runners check before timing anything: float32, and a backend that runs the problem.</summary>
internal static class HostArrayBackend
{
    /// <summary>
    /// The backend named <paramref name="backend"/>, or NotSupportedException with the backend's own reason: a case
    /// then fails with that reason instead of timing an exception.
    /// </summary>
    public static IRecurrenceBackend Require(string backend, DataType dataType, Func<IRecurrenceBackend, string?> whyUnsupported)
    {
        if (dataType != DataType.Float32)
            throw new NotSupportedException($"{backend}: the host-array benchmarks time float32, not {dataType}.");
        var instance = RecurrenceBackends.Get(backend);
        if (whyUnsupported(instance) is { } reason)
            throw new NotSupportedException($"{backend}: {reason}");
        return instance;
    }
}
