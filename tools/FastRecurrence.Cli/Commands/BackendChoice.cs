using FastRecurrence.Backends;
using FastRecurrence.Cli.Errors;

namespace FastRecurrence.Cli.Commands;

/// <summary>Resolves --backend: a registered backend by name, or the library's default when none is named.</summary>
internal static class BackendChoice
{
    public static IRecurrenceBackend Resolve(string? name)
    {
        if (name is null)
            return RecurrenceBackends.Default;
        var known = RecurrenceBackends.All;
        // Checked here rather than through Get's exception so the message names the option, not Get's parameter.
        if (!known.Any(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase)))
            throw new CliInputException(
                $"--backend: no backend named '{name}'; known backends: {string.Join(", ", known.Select(b => b.Name))} (see the 'devices' command).");
        return RecurrenceBackends.Get(name);
    }
}
