using System.Globalization;
using FastRecurrence.Planning.Hardware;
using FastRecurrence.Planning.Models;
using FastRecurrence.Planning.Solver;

namespace FastRecurrence.Planning;

/// <summary>
/// Sizes a kernel to a GPU: builds the family's constraint model (Planning/Models) for each applicable regime, solves
/// each for the lowest predicted cost, and returns the cheapest plan with the reasons, or why none exists.
/// Deterministic: the same GPU and request give the same plan.
/// </summary>
public static class Planner
{
    public static PlanOutcome Plan(GpuSpec gpu, PlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        ArgumentNullException.ThrowIfNull(request);
        return request.Family switch
        {
            KernelFamily.Fused => PlanFused(gpu, request),
            KernelFamily.Alternating => PlanSingle(gpu, request, "alternating", new AlternatingModel(gpu, request)),
            KernelFamily.Scan => PlanSingle(gpu, request, "scan", new ScanModel(gpu, request)),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Family, "Unknown kernel family."),
        };
    }

    /// <summary>The fused plan when one exists, else the alternating fallback (which always fits): every size works.</summary>
    public static PlanOutcome PlanBest(GpuSpec gpu, PlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Family == KernelFamily.Scan) return Plan(gpu, request);
        var fused = Plan(gpu, request with { Family = KernelFamily.Fused });
        if (fused.HasPlan) return fused;
        var alternating = Plan(gpu, request with { Family = KernelFamily.Alternating });
        var attempts = fused.Attempts.Concat(alternating.Attempts).ToArray();
        return alternating.HasPlan ? PlanOutcome.Success(alternating.Plan!, attempts) : PlanOutcome.Failure(alternating.Reason!, attempts);
    }

    private static PlanOutcome PlanFused(GpuSpec gpu, PlanRequest request)
    {
        if (request.DataType == DataType.Float64)
            return PlanOutcome.Failure("fused kernels store Float32, BFloat16 or Float16 (state and accumulation are fp32); Float64 runs on the CPU reference.", []);

        var regimes = new List<FusedRegime> { FusedRegime.SingleBlock };
        if (gpu.SupportsClusters) regimes.Add(FusedRegime.Cluster);
        regimes.Add(FusedRegime.GridBarrier);

        var attempts = new List<string>();
        var failures = new List<SolveResult>();
        (FusedRnnModel Model, Solution Solution)? best = null;
        foreach (var regime in regimes)
        {
            var model = new FusedRnnModel(gpu, request, regime);
            var result = ConstraintSolver.Solve(model.Model, new SolveOptions(MustBeat: best?.Solution.ObjectiveValue));
            if (best is not null && !result.IsSatisfiable)
            {
                attempts.Add(Invariant($"{regime}: no plan cheaper than {best.Value.Model.Regime}'s {best.Value.Solution.ObjectiveValue} cycles"));
                continue;
            }
            if (result.Best is { } solution)
            {
                attempts.Add(Invariant($"{regime}: feasible, predicted {solution.ObjectiveValue} cycles per step ({result.Nodes} search nodes)"));
                if (best is null || solution.ObjectiveValue < best.Value.Solution.ObjectiveValue)
                    best = (model, solution);
            }
            else
            {
                attempts.Add($"{regime}: {result.ShortExplanation}");
                failures.Add(result);
            }
        }
        if (best is not { } chosen)
        {
            // The minimal conflicts are the answer, computed when the reason is read.
            return PlanOutcome.Failure(() =>
                $"no fused plan for {request} on {gpu.Name}; R of one head is {RecurrentBytes(request)} bytes. " +
                "Use the alternating family for this size.\n" +
                string.Join("\n", regimes.Zip(failures, (regime, result) => $"{regime}: {result.Explanation}")), attempts);
        }
        var rationale = attempts.Append(Invariant($"chosen: {chosen.Model.Regime}, the lowest predicted cost")).ToArray();
        return PlanOutcome.Success(chosen.Model.ToPlan(chosen.Solution, rationale), attempts);
    }

    private static PlanOutcome PlanSingle(GpuSpec gpu, PlanRequest request, string name, IPlanModel model)
    {
        var result = ConstraintSolver.Solve(model.Model);
        if (result.Best is not { } solution)
            return PlanOutcome.Failure(() => $"no {name} plan for {request} on {gpu.Name}: {result.Explanation}", [result.ShortExplanation]);
        string[] attempts = [Invariant($"{name}: feasible, predicted cost {solution.ObjectiveValue} ({result.Nodes} search nodes)")];
        return PlanOutcome.Success(model.ToPlan(solution, attempts), attempts);
    }

    private static long RecurrentBytes(PlanRequest r) =>
        (long)r.Cell.GateCount() * r.HeadSize * r.HeadSize * r.DataType.SizeInBytes();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
