using BenchmarkDotNet.Running;
using FastRecurrence.Bench.Configuration;
using FastRecurrence.Bench.Planning;

// --planner-sweep [--full | --stride N]: the planner's median solve time over issue 3's sweep, without BenchmarkDotNet.
if (PlannerSweepOptions.IsRequested(args))
    return PlannerSweep.RunFromArguments(args);

// No arguments runs the default suite (every benchmark at its default shapes) instead of BenchmarkDotNet's
// interactive type menu, which would block a scripted or CI run that has no stdin.
var switcherArgs = SwitcherArguments.Normalise(args);
var config = BenchConfig.Create(includeDefaultJob: !SwitcherArguments.NamesJob(args));
var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(switcherArgs, config);

// A failed benchmark or a validation error must fail the process, so scripts notice.
var failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));

// A run that included the planner benchmarks (the default run does) ends with the sampled sweep's median.
if (PlannerSweep.FollowsSummaries(summaries))
    failed |= PlannerSweep.Run(PlannerSweepOptions.Sampled) != 0;
return failed ? 1 : 0;
