namespace FastRecurrence.Bench.Configuration;

/// <summary>
/// Turns the process arguments into BenchmarkSwitcher arguments. Everything the user passes is kept; we only
/// add what stops the switcher from falling back to its interactive menu, and keep runs in-process.
/// </summary>
public static class SwitcherArguments
{
    // Options after which the switcher selects (or only lists/describes) benchmarks without asking on stdin.
    private static readonly string[] SelectionOptions =
        ["--filter", "-f", "--allCategories", "--anyCategories", "--attribute", "--list", "--help", "-h", "-?", "--version", "--info"];

    // Options that pick how the benchmark runs (another runtime, a CoreRun, a CLI); we must not force in-process then.
    private static readonly string[] ToolchainOptions =
        ["--inProcess", "-i", "--runtimes", "-r", "--corerun", "--cli", "--clrVersion"];

    private static readonly string[] JobOptions = ["--job", "-j"];

    // Options after which the switcher only prints (its help, the benchmark list, its version, the environment).
    private static readonly string[] PrintOnlyOptions = ["--list", "--help", "-h", "-?", "--version", "--info"];

    /// <summary>The arguments for <see cref="BenchmarkDotNet.Running.BenchmarkSwitcher"/>.</summary>
    public static string[] Normalise(IReadOnlyList<string> args)
    {
        var result = new List<string>(args);
        // Without a selection the switcher shows its type menu and waits on stdin: run everything instead.
        if (!HasAny(args, SelectionOptions))
            result.AddRange(["--filter", "*"]);
        // A user-chosen job (--job short) replaces our default job, so it would lose the in-process toolchain and
        // make BenchmarkDotNet generate and build a separate project; keep it in-process unless a toolchain was named.
        if (NamesJob(args) && !HasAny(args, ToolchainOptions))
            result.Add("--inProcess");
        return [.. result];
    }

    /// <summary>
    /// True when the user picks a job (--job / -j). Our default job must then be left out of the config: the
    /// switcher takes a config's default job as the base job and would silently ignore --job.
    /// </summary>
    public static bool NamesJob(IReadOnlyList<string> args) => HasAny(args, JobOptions);

    /// <summary>True when the arguments ask the switcher only to print something, so that running no benchmark is right.</summary>
    public static bool OnlyPrints(IReadOnlyList<string> args) => HasAny(args, PrintOnlyOptions);

    private static bool HasAny(IReadOnlyList<string> args, string[] options) =>
        args.Any(arg => options.Any(option =>
            string.Equals(arg, option, StringComparison.OrdinalIgnoreCase) ||
            arg.StartsWith(option + "=", StringComparison.OrdinalIgnoreCase)));
}
