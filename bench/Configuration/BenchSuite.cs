namespace FastRecurrence.Bench.Configuration;

/// <summary>Which shapes a run covers.</summary>
public enum BenchSuiteKind
{
    /// <summary>The default: a few shapes per backend, minutes on a 2-core machine.</summary>
    Quick,

    /// <summary>--full: the whole matrix (hidden size and head sweeps), for plots and tuning.</summary>
    Full,
}

/// <summary>
/// The suite of this run. Chosen with --full on the command line and carried in an environment variable, because
/// the shape lists are read by BenchmarkDotNet's [ParamsSource] members, which a toolchain other than in-process
/// evaluates again in a child process (that inherits the environment, not our static state).
/// </summary>
public static class BenchSuite
{
    public const string FullOption = "--full";
    public const string EnvironmentVariable = "FR_BENCH_SUITE";

    public static BenchSuiteKind Current =>
        string.Equals(Environment.GetEnvironmentVariable(EnvironmentVariable), "full", StringComparison.OrdinalIgnoreCase)
            ? BenchSuiteKind.Full
            : BenchSuiteKind.Quick;

    /// <summary>Removes --full from <paramref name="args"/> (BenchmarkDotNet would reject it) and records the choice.</summary>
    public static string[] Apply(IReadOnlyList<string> args)
    {
        var full = args.Any(a => string.Equals(a, FullOption, StringComparison.OrdinalIgnoreCase));
        Environment.SetEnvironmentVariable(EnvironmentVariable, full ? "full" : "quick");
        return [.. args.Where(a => !string.Equals(a, FullOption, StringComparison.OrdinalIgnoreCase))];
    }
}
