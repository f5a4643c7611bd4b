using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using FastRecurrence.Planning;

namespace FastRecurrence.Bench.Planning;

/// <summary>
/// Planner solve time for a few representative problems, with BenchmarkDotNet's statistics (Median column) per
/// problem. The median over the whole sweep (issue 3, target under 20 ms) is <see cref="PlannerSweep"/>'s job:
/// a BenchmarkDotNet mean over a sweep would not give it.
/// </summary>
[Config(typeof(PlannerBenchmarkConfig))]
public class PlannerBenchmarks
{
    /// <summary>The problem's short key; the Problem column spells it out.</summary>
    [ParamsSource(nameof(Cases))]
    public PlannerCase Case { get; set; } = null!;

    public static IEnumerable<PlannerCase> Cases() => PlannerCase.Representative();

    /// <summary>
    /// Warms the whole solver up once per process. Without it the first case's first calls run tier-0 code
    /// (~200 ms a solve), BenchmarkDotNet then settles on one solve per iteration, and the first case's
    /// statistics come from seven single solves.
    /// </summary>
    [GlobalSetup]
    [SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "BenchmarkDotNet setup methods are instance methods.")]
    public void Setup() => PlannerWarmup.EnsureDone();

    /// <summary>
    /// One solve. Returns the outcome so the call cannot be elided; never reads <see cref="PlanOutcome.Reason"/>,
    /// which computes the minimal conflicts lazily and is not part of solving.
    /// </summary>
    [Benchmark]
    public PlanOutcome Plan() => Planner.Plan(Case.Gpu, Case.Request);
}

/// <summary>
/// Adds to the suite's configuration, for <see cref="PlannerBenchmarks"/>: the Problem column, and the Median and
/// Max columns (BenchmarkDotNet shows Median only when it judges the distribution skewed; issue 3 asks for it).
/// </summary>
public sealed class PlannerBenchmarkConfig : ManualConfig
{
    public PlannerBenchmarkConfig() => AddColumn(new PlannerProblemColumn(), StatisticColumn.Median, StatisticColumn.Max);
}
