using BenchmarkDotNet.Reports;

namespace FastRecurrence.Bench.Configuration;

/// <summary>
/// Whether a BenchmarkSwitcher run ran anything. The switcher answers arguments it refuses (an unknown option, a value
/// that does not parse, an unknown --job) and a --filter that matches no benchmark with a message on stdout and no
/// summaries, and returns normally; exiting 0 then would let a script take a typo for a finished run.
/// </summary>
public static class SwitcherOutcome
{
    /// <summary>The exit code when no benchmark ran: the arguments were refused or selected nothing (as --plot's usage error).</summary>
    public const int NothingRan = 2;

    /// <summary>
    /// Null when a benchmark ran, or when <paramref name="args"/> only ask for something printed (--list, --help,
    /// --info, --version); else the message to print on stderr.
    /// </summary>
    public static string? WhyNothingRan(IReadOnlyList<string> args, IReadOnlyCollection<Summary> summaries)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(summaries);
        if (summaries.Any(s => s.BenchmarksCases.Length > 0) || SwitcherArguments.OnlyPrints(args))
            return null;
        return "error: no benchmark ran: BenchmarkDotNet refused the arguments or --filter matched no benchmark (its message is above); " +
            "`--list flat` lists the benchmarks, `--help` the options.";
    }
}
