using FastRecurrence.Backends;
using FastRecurrence.Cli.Errors;

namespace FastRecurrence.Cli.Commands;

/// <summary>
/// Asks the chosen backend whether it runs the problem before anything is computed, and when it does not, says which
/// backends on this machine do: the backend's own reason names the limit but not always every alternative (the ILGPU
/// backends' float64 refusal predates cuda-emulated), and the registry knows them all.
/// </summary>
internal static class BackendSupport
{
    public static void Require(IRecurrenceBackend backend, RecurrentProblem problem) =>
        Require(backend, problem.ToString(), b => b.WhyUnsupported(problem));

    public static void Require(IRecurrenceBackend backend, ScanProblem problem) =>
        Require(backend, problem.ToString(), b => b.WhyUnsupported(problem));

    private static void Require(IRecurrenceBackend backend, string problem, Func<IRecurrenceBackend, string?> whyUnsupported)
    {
        // An unavailable backend is refused by the library with its own reason (no driver, no device).
        if (!backend.Availability.IsAvailable || whyUnsupported(backend) is not { } why)
            return;
        var others = RecurrenceBackends.All
            .Where(b => b != backend && b.Availability.IsAvailable && whyUnsupported(b) is null)
            .Select(b => b.Name)
            .ToArray();
        var alternatives = others.Length == 0
            ? "no backend on this machine runs it"
            : $"on this machine {string.Join(", ", others)} {(others.Length == 1 ? "runs" : "run")} it (--backend NAME)";
        throw new CliInputException($"--backend {backend.Name}: does not run {problem}: {why.TrimEnd('.')}; {alternatives}.");
    }
}
