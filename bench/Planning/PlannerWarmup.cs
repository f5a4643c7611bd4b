using System.Diagnostics;
using FastRecurrence.Planning;

namespace FastRecurrence.Bench.Planning;

/// <summary>
/// Brings the planner to steady state before it is timed. Tier-0 (unoptimised) solver code is an order of magnitude
/// slower than the optimised tier, and tiered compilation promotes a method only after ~30 calls and a 100 ms
/// quiet period; the warm-up solves ~290 problems spread over every GPU, cell and dtype of the sweep (every 97th,
/// from 48) for at least <see cref="MinimumDuration"/>, so the regimes' code paths are all optimised.
/// </summary>
public static class PlannerWarmup
{
    private const int Stride = 97;
    private const int Offset = 48;

    public static TimeSpan MinimumDuration { get; } = TimeSpan.FromSeconds(2);

    private static readonly Lock Gate = new();
    private static bool _done;

    /// <summary>Solves the warm-up problems (whatever the planner answers or throws); returns how many and how long.</summary>
    public static (int Solves, TimeSpan Elapsed) Run()
    {
        var problems = PlannerSweepProblems.Sample(Stride, Offset);
        var watch = Stopwatch.StartNew();
        var solves = 0;
        do
        {
            foreach (var problem in problems)
            {
                try
                {
                    Planner.Plan(problem.Gpu, problem.Request);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The sweep reports planner failures; the warm-up only needs the code to run.
                }
                solves++;
            }
        } while (watch.Elapsed < MinimumDuration);
        lock (Gate)
            _done = true;
        return (solves, watch.Elapsed);
    }

    /// <summary>Runs the warm-up unless this process already has.</summary>
    public static void EnsureDone()
    {
        lock (Gate)
        {
            if (_done)
                return;
        }
        Run();
    }
}
