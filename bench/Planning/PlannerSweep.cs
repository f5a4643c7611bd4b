using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Reports;
using FastRecurrence.Bench.Configuration;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Bench.Planning;

/// <summary>
/// The issue 3 figure: the median time of one <see cref="Planner.Plan"/> call over the problems of the sweep
/// (target under 20 ms). Each problem is solved once, single-threaded, after a warm-up that solves other problems
/// of the sweep (<see cref="PlannerWarmup"/>), and timed with <see cref="Stopwatch"/>. Prints the
/// median, p90, p99 and max (all problems, and split by whether a fused plan exists) and writes one CSV row per
/// problem and a markdown summary next to BenchmarkDotNet's reports (bench/results/results).
/// Not a BenchmarkDotNet benchmark: BenchmarkDotNet reports statistics of repeated runs of one operation, and a
/// mean over a sweep hides exactly the spread this measures. <see cref="PlannerBenchmarks"/> gives the
/// per-problem statistics for a few representative problems.
/// </summary>
public static class PlannerSweep
{
    /// <summary>Issue 3, "Numbers": median solve under 20 ms per problem.</summary>
    private const double TargetMedianMilliseconds = 20.0;

    private const int SlowestListed = 5;

    // The slowest problems are solved this many times more and their fastest time shown, to tell a problem that
    // is slow from a one-off stall (a GC, or another process taking the core).
    private const int Retimes = 3;

    /// <param name="Problem">The problem solved.</param>
    /// <param name="Milliseconds">Wall time of the solve.</param>
    /// <param name="CpuMilliseconds">CPU time of the solving thread during the solve (NaN where unavailable).</param>
    /// <param name="Plan">The plan, or null when no fused plan exists or the planner threw.</param>
    /// <param name="Error">What the planner threw, or null.</param>
    private sealed record Timing(PlannerProblem Problem, double Milliseconds, double CpuMilliseconds, KernelPlan? Plan, string? Error);

    /// <summary>How busy the machine was while the timed pass ran.</summary>
    private sealed record Load(string? Before, string? After, TimeSpan Cpu, TimeSpan Wall);

    /// <summary>Runs the sweep named by <paramref name="args"/> (after <c>--planner-sweep</c>); 0 on success.</summary>
    public static int RunFromArguments(IReadOnlyList<string> args)
    {
        if (!PlannerSweepOptions.TryParse(args, out var options, out var error))
        {
            Console.Error.WriteLine(error);
            return 2;
        }
        return Run(options);
    }

    /// <summary>
    /// True when <paramref name="summaries"/> include <see cref="PlannerBenchmarks"/>: a suite run that times the
    /// representative problems is followed by the sampled sweep, so the default run reports the median too.
    /// </summary>
    public static bool FollowsSummaries(IEnumerable<Summary> summaries) =>
        summaries.Any(s => s.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(PlannerBenchmarks)));

    /// <summary>Times the sweep; 1 when the planner threw for any problem (the timings are still reported).</summary>
    public static int Run(PlannerSweepOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = PlannerSweepProblems.Sample(options.Stride);
        var wall = Stopwatch.StartNew();

        var warmup = PlannerWarmup.Run();
        // Start the timed pass without the warm-up's garbage pending.
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var loadBefore = LoadAverage();
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var timed = Stopwatch.StartNew();
        var timings = new List<Timing>(problems.Count);
        foreach (var problem in problems)
            timings.Add(Time(problem));
        timed.Stop();
        process.Refresh();
        var load = new Load(loadBefore, LoadAverage(), process.TotalProcessorTime - cpuBefore, timed.Elapsed);
        wall.Stop();

        var report = Report(options, problems.Count, warmup, timings, load, wall.Elapsed);
        Console.WriteLine();
        Console.Write(report);
        WriteFiles(options, timings, report);

        var errors = timings.Where(t => t.Error is not null).ToList();
        foreach (var failure in errors.Take(10))
            Console.Error.WriteLine($"planner threw for #{failure.Problem.Index} {Name(failure.Problem)}: {failure.Error}");
        return errors.Count == 0 ? 0 : 1;
    }

    private static Timing Time(PlannerProblem problem)
    {
        var cpuStart = ThreadCpuClock.Milliseconds();
        var start = Stopwatch.GetTimestamp();
        try
        {
            var outcome = Planner.Plan(problem.Gpu, problem.Request);
            var elapsed = Stopwatch.GetElapsedTime(start);
            var cpu = ThreadCpuClock.Milliseconds() - cpuStart;
            // Reason is lazy and costly (minimal conflicts): deliberately not read.
            return new Timing(problem, elapsed.TotalMilliseconds, cpu, outcome.Plan, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new Timing(problem, Stopwatch.GetElapsedTime(start).TotalMilliseconds,
                ThreadCpuClock.Milliseconds() - cpuStart, null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static string Report(PlannerSweepOptions options, int count, (int Solves, TimeSpan Elapsed) warmup,
        List<Timing> timings, Load load, TimeSpan wall)
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

        var what = options.Stride == 1
            ? $"all {count} problems"
            : string.Create(CultureInfo.InvariantCulture, $"every {options.Stride}th of {PlannerSweepProblems.Count} problems = {count}");
        Line($"## Planner sweep ({options.Label}): {what}");
        Line($"");
        Line($"Planner.Plan, family Fused, forward, T = 1024; {GpuCatalog.All.Count} catalog GPUs x 4 cells x 3 dtypes x 11 head sizes x 3 head counts x 5 batches.");
        Line($"Each problem solved once, single-threaded, after a warm-up of {warmup.Solves} solves ({warmup.Elapsed.TotalSeconds:F1} s).");
        Line($"Machine: {CpuName()}, {Environment.ProcessorCount} logical processors; {RuntimeInformation.FrameworkDescription}; {RuntimeInformation.OSDescription}.");
        if (typeof(Planner).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true)
            Line($"WARNING: FastRecurrence is a Debug (unoptimised) build; run with -c Release for representative numbers.");
        Line($"");
        Line($"| Problems      | Count |  Median |     p90 |     p99 |     Max |    Mean | Total |");
        Line($"|---------------|------:|--------:|--------:|--------:|--------:|--------:|------:|");
        Row(text, "all", timings);
        Row(text, "fused plan", [.. timings.Where(t => t.Plan is not null)]);
        Row(text, "no fused plan", [.. timings.Where(t => t.Plan is null && t.Error is null)]);
        var errors = timings.Count(t => t.Error is not null);
        if (errors > 0)
            Row(text, "planner threw", [.. timings.Where(t => t.Error is not null)]);
        Line($"");
        Line($"Times in milliseconds per problem (Total in seconds); p90/p99 interpolate between ranks. Wall time {wall.TotalSeconds:F1} s with the warm-up.");
        Line($"Timed pass: {load.Wall.TotalSeconds:F1} s wall, {load.Cpu.TotalSeconds:F1} s CPU for this process (all threads); 1/5/15-min load average {load.Before ?? "n/a"} before, {load.After ?? "n/a"} after on {Environment.ProcessorCount} processors (a load above the processor count means other work shared the cores and inflated these times).");
        if (ThreadCpuClock.IsAvailable)
        {
            var cpu = timings.Select(t => t.CpuMilliseconds).ToList();
            Line($"CPU time of the solving thread alone (not inflated by waiting for a core; the same problems): median {Percentile(cpu, 0.5):F3}, p90 {Percentile(cpu, 0.9):F3}, p99 {Percentile(cpu, 0.99):F3}, max {cpu.Max():F3} ms; total {cpu.Sum() / 1000.0:F1} s.");
        }
        var median = Percentile(timings, 0.5);
        Line($"Median {median:F3} ms: {(median < TargetMedianMilliseconds ? "meets" : "MISSES")} the issue 3 target (under {TargetMedianMilliseconds:F0} ms).");
        Line($"");
        Line($"Slowest (and the fastest of {Retimes} more solves of each, after the sweep):");
        foreach (var t in timings.OrderByDescending(t => t.Milliseconds).Take(SlowestListed))
        {
            var again = Enumerable.Range(0, Retimes).Min(_ => Time(t.Problem).Milliseconds);
            Line($"- {t.Milliseconds,8:F3} ms (CPU {t.CpuMilliseconds,8:F3} ms; again: {again,8:F3} ms)  #{t.Problem.Index} {Name(t.Problem)} -> {Answer(t)}");
        }
        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, List<Timing> timings)
    {
        if (timings.Count == 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name,-13} | {0,5} |       - |       - |       - |       - |       - |     - |");
            return;
        }
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {name,-13} | {timings.Count,5} | {Percentile(timings, 0.5),7:F3} | {Percentile(timings, 0.9),7:F3} | {Percentile(timings, 0.99),7:F3} | {timings.Max(t => t.Milliseconds),7:F3} | {timings.Average(t => t.Milliseconds),7:F3} | {timings.Sum(t => t.Milliseconds) / 1000.0,5:F1} |");
    }

    /// <summary>The q-quantile with linear interpolation between closest ranks (numpy's default); q = 0.5 is the median.</summary>
    private static double Percentile(List<Timing> timings, double q) => Percentile(timings.Select(t => t.Milliseconds), q);

    private static double Percentile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var rank = q * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }

    private static void WriteFiles(PlannerSweepOptions options, List<Timing> timings, string report)
    {
        var folder = Path.Combine(ResultsFolder.Locate(), "results");
        Directory.CreateDirectory(folder);
        var stem = Path.Combine(folder, $"{typeof(PlannerSweep).FullName}-{options.Label}");

        var csv = new StringBuilder();
        csv.AppendLine("Index,Gpu,Cell,DataType,HeadSize,Heads,Batch,Feasible,Regime,PredictedCost,SolveTime [ms],SolveCpuTime [ms],Error");
        foreach (var t in timings)
        {
            var r = t.Problem.Request;
            csv.AppendLine(CultureInfo.InvariantCulture,
                $"{t.Problem.Index},{t.Problem.Gpu.Name},{r.Cell},{r.DataType},{r.HeadSize},{r.Heads},{r.Batch},{(t.Plan is not null ? "true" : "false")},{t.Plan?.Regime.ToString() ?? ""},{t.Plan?.PredictedCost.ToString(CultureInfo.InvariantCulture) ?? ""},{t.Milliseconds:F4},{(double.IsNaN(t.CpuMilliseconds) ? "" : t.CpuMilliseconds.ToString("F4", CultureInfo.InvariantCulture))},{Quote(t.Error)}");
        }
        File.WriteAllText(stem + ".csv", csv.ToString());
        File.WriteAllText(stem + "-summary.md", report);
        Console.WriteLine($"Per-problem CSV: {stem}.csv");
        Console.WriteLine($"Summary:         {stem}-summary.md");
    }

    private static string Quote(string? text) =>
        text is null ? "" : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal).ReplaceLineEndings(" ") + "\"";

    private static string Name(PlannerProblem p) =>
        $"{p.Gpu.Name} {p.Request.Cell} {p.Request.DataType} D={p.Request.HeadSize} NH={p.Request.Heads} B={p.Request.Batch}";

    private static string Answer(Timing t) =>
        t.Error is not null ? "threw" : t.Plan is { } plan ? plan.Regime.ToString() : "no fused plan";

    /// <summary>The first three fields of /proc/loadavg, or null where there is none.</summary>
    private static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg")
                ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(3))
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string CpuName()
    {
        const string cpuInfo = "/proc/cpuinfo";
        try
        {
            if (File.Exists(cpuInfo))
            {
                var line = File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line?.Split(':', 2) is [_, var name])
                    return name.Trim();
            }
        }
        catch (IOException)
        {
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
