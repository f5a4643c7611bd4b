using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace FastRecurrence.Bench.Planning;

/// <summary>Which part of the sweep <see cref="PlannerSweep"/> times, and the name its result files carry.</summary>
public sealed record PlannerSweepOptions(int Stride, string Label)
{
    public const string Switch = "--planner-sweep";

    /// <summary>Every <see cref="PlannerSweepProblems.DefaultStride"/>th problem: what the default suite runs (~15 s).</summary>
    public static PlannerSweepOptions Sampled { get; } = new(PlannerSweepProblems.DefaultStride, "sampled");

    /// <summary>Every problem (~5 minutes single-threaded on a 2-core machine).</summary>
    public static PlannerSweepOptions Full { get; } = new(1, "full");

    public const string Usage =
        "usage: --planner-sweep [--full | --stride N]   time Planner.Plan once per problem of issue 3's sweep " +
        "(default: every 19th problem; --full: all of them) and print median, p90 and max";

    /// <summary>True when the command line asks for the sweep (<see cref="Switch"/>) instead of BenchmarkDotNet.</summary>
    public static bool IsRequested(IReadOnlyList<string> args) =>
        args.Any(a => string.Equals(a, Switch, StringComparison.OrdinalIgnoreCase));

    /// <summary>The options named after <see cref="Switch"/>, or the reason they are not understood.</summary>
    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out PlannerSweepOptions? options,
        [NotNullWhen(false)] out string? error)
    {
        options = Sampled;
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (string.Equals(arg, Switch, StringComparison.OrdinalIgnoreCase))
                continue;
            if (string.Equals(arg, "--full", StringComparison.OrdinalIgnoreCase))
            {
                options = Full;
            }
            else if (string.Equals(arg, "--stride", StringComparison.OrdinalIgnoreCase) && i + 1 < args.Count &&
                     int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var stride) && stride >= 1)
            {
                options = stride == 1 ? Full : new PlannerSweepOptions(stride, string.Create(CultureInfo.InvariantCulture, $"stride-{stride}"));
                i++;
            }
            else
            {
                options = null;
                error = $"{Switch}: unexpected argument '{arg}'. {Usage}";
                return false;
            }
        }
        return true;
    }
}
