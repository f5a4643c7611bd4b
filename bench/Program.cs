using BenchmarkDotNet.Running;
using FastRecurrence.Bench.Configuration;
using FastRecurrence.Bench.Planning;
using FastRecurrence.Bench.Results;

// --planner-sweep [--full | --stride N]: the planner's median solve time over issue 3's sweep, without BenchmarkDotNet.
if (PlannerSweepOptions.IsRequested(args))
    return PlannerSweep.RunFromArguments(args);

// --plot RESULTS.csv...: plots of earlier results (this program's, or tools/device/'s GPU harness's), no benchmarking.
if (RunResults.IsPlotRequested(args))
    return RunResults.Plot(args, Console.Out, Console.Error);

// No arguments runs the quick suite (every benchmark at its default shapes) instead of BenchmarkDotNet's interactive
// type menu, which would block a scripted or CI run that has no stdin; --full runs the whole shape matrix.
var switcherArgs = SwitcherArguments.Normalise(BenchSuite.Apply(args));
var config = BenchConfig.Create(includeDefaultJob: !SwitcherArguments.NamesJob(args));
var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(switcherArgs, config).ToArray();

// Refused arguments and a --filter that selects nothing must fail the process, not pass for an empty run.
if (SwitcherOutcome.WhyNothingRan(args, summaries) is { } nothingRan)
{
    Console.Error.WriteLine(nothingRan);
    return SwitcherOutcome.NothingRan;
}

// A failed benchmark or a validation error must fail the process, so scripts notice.
var failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));

// The tidy CSV of every recurrent and scan case (the columns the harness on a GPU also writes) and its plots.
foreach (var file in RunResults.Write(summaries, ResultsFolder.Locate()))
    Console.WriteLine($"// results: {file}");

// A run that included the planner benchmarks (the default run does) ends with the sampled sweep's median.
if (PlannerSweep.FollowsSummaries(summaries))
    failed |= PlannerSweep.Run(PlannerSweepOptions.Sampled) != 0;

// Last, every suite's table in short, so the end of the output shows all of them, not only the last one printed.
SuiteDigest.Write(Console.Out, summaries);
return failed ? 1 : 0;
