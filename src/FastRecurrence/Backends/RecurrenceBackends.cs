namespace FastRecurrence.Backends;

/// <summary>
/// The registry of backends. The CPU reference is always present; later backends (ILGPU, native CUDA)
/// register themselves here. <see cref="Default"/> is the best available one.
/// </summary>
public static class RecurrenceBackends
{
    private static readonly Lock Gate = new();
    private static readonly List<(IRecurrenceBackend Backend, int Priority)> Registered =
        [(ReferenceBackend.Instance, 0)];

    /// <summary>The CPU reference: plain C#, the oracle every other backend is tested against.</summary>
    public static IRecurrenceBackend Reference => ReferenceBackend.Instance;

    /// <summary>Every registered backend, available or not, highest priority first.</summary>
    public static IReadOnlyList<IRecurrenceBackend> All
    {
        get
        {
            lock (Gate)
                return Registered.OrderByDescending(r => r.Priority).Select(r => r.Backend).ToArray();
        }
    }

    /// <summary>The available backend with the highest priority (the reference when nothing else runs here).</summary>
    public static IRecurrenceBackend Default => All.First(b => b.Availability.IsAvailable);

    /// <summary>
    /// Adds a backend. Higher <paramref name="priority"/> wins for <see cref="Default"/>; the reference has 0.
    /// </summary>
    public static void Register(IRecurrenceBackend backend, int priority)
    {
        ArgumentNullException.ThrowIfNull(backend);
        lock (Gate)
        {
            if (Registered.Any(r => string.Equals(r.Backend.Name, backend.Name, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"{nameof(backend)}: a backend named '{backend.Name}' is already registered.", nameof(backend));
            Registered.Add((backend, priority));
        }
    }

    /// <summary>The backend of that name (case-insensitive); throws, listing the known names, when there is none.</summary>
    public static IRecurrenceBackend Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var all = All;
        return all.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException(
                $"{nameof(name)}: no backend named '{name}'; known backends: {string.Join(", ", all.Select(b => b.Name))}.", nameof(name));
    }

    /// <summary>Throws <see cref="BackendUnavailableException"/> unless the backend can run here.</summary>
    internal static void EnsureAvailable(IRecurrenceBackend backend)
    {
        var availability = backend.Availability;
        if (!availability.IsAvailable)
            throw new BackendUnavailableException(backend.Name, availability.Reason);
    }
}

/// <summary>Thrown when a backend cannot run on this machine (no driver, no device) or cannot run a given problem.</summary>
public sealed class BackendUnavailableException(string backend, string reason)
    : InvalidOperationException($"backend '{backend}' cannot run this: {reason}")
{
    public string Backend { get; } = backend;
    public string Reason { get; } = reason;
}
