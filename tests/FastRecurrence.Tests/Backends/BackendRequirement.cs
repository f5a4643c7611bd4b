using FastRecurrence.Backends;

namespace FastRecurrence.Tests.Backends;

/// <summary>
/// What a backend suite does when its backend cannot run here (style.md, after ComputeSharp): a CPU backend that is
/// missing fails the suite; a GPU backend that is missing ignores it with the backend's own reason.
/// </summary>
internal static class BackendRequirement
{
    public static void Ensure(IRecurrenceBackend backend, bool mustBeAvailable)
    {
        var availability = backend.Availability;
        if (availability.IsAvailable) return;
        if (mustBeAvailable)
            Assert.Fail($"backend '{backend.Name}' must run on every machine but reports: {availability.Reason}");
        Assert.Ignore($"backend '{backend.Name}' is not available here: {availability.Reason}");
    }
}
