using FastRecurrence.Backends;

namespace FastRecurrence.Bench.Configuration;

/// <summary>
/// The backends a run benchmarks: every registered one that can run on this machine, so a GPU backend joins the
/// tables as soon as it registers and is simply absent on a machine without a GPU.
/// </summary>
public static class AvailableBackends
{
    public static IEnumerable<string> Names() =>
        RecurrenceBackends.All.Where(b => b.Availability.IsAvailable).Select(b => b.Name);
}
