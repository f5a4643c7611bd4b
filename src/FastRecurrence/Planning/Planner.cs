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
    /// <summary>
    /// The cheapest plan of <paramref name="request"/>'s family, or why none fits. Throws ArgumentException for a request
    /// no GPU could run: <see cref="MatmulPrecision.Tf32"/> with storage other than Float32.
    /// </summary>
    public static PlanOutcome Plan(GpuSpec gpu, PlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        ArgumentNullException.ThrowIfNull(request);
        if (WhyInconsistent(request) is { } inconsistent)
            throw new ArgumentException(inconsistent, "request.Precision");
        if (WhyTooLarge(request) is { } tooLarge) return PlanOutcome.Failure(tooLarge, [tooLarge]);
        if (request.Family != KernelFamily.Scan && request.DataType == DataType.Float64)
            return PlanOutcome.Failure(
                $"{request.Family.ToString().ToLowerInvariant()} kernels store Float32, BFloat16 or Float16 (state and accumulation are fp32); " +
                "Float64 runs on the CPU reference.", []);
        return request.Family switch
        {
            KernelFamily.Fused => PlanFused(gpu, request),
            KernelFamily.Alternating when WhyNoTensorCores(gpu, request.DataType) is { } noMma => PlanOutcome.Failure(noMma, [noMma]),
            KernelFamily.Alternating => PlanSingle(gpu, request, "alternating", new AlternatingModel(gpu, request)),
            KernelFamily.Scan => PlanSingle(gpu, request, "scan", new ScanModel(gpu, request)),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Family, "Unknown kernel family."),
        };
    }

    /// <summary>The most elements one [B, T, H, D] tensor of a problem may have: the native library's tensor limit.</summary>
    public const long MaxProblemElements = 1L << 48;

    /// <summary>
    /// Past 2^48 elements in its largest tensor no problem can be called (libfastrecurrence refuses the tensor), and the
    /// models' costs (blocks * chunks * cycles) would pass 64 bits; below it they stay under 2^60. The largest tensor:
    /// the scan's [B, T, H, D]; a recurrence's training reserve, B * T * NH * D * (G + S).
    /// </summary>
    private static string? WhyTooLarge(PlanRequest request)
    {
        int perUnit = request.Family == KernelFamily.Scan ? 1 : request.Cell.GateCount() + request.Cell.StateCount();
        Int128 elements = (Int128)request.Batch * request.TimeSteps * request.Heads * request.HeadSize * perUnit;
        string what = request.Family == KernelFamily.Scan ? "B * T * H * D" : "the training reserve, B * T * NH * D * (G + S),";
        return elements <= MaxProblemElements ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"no plan for {request}: {what} has {elements} elements, more than a tensor may have (2^48 = {MaxProblemElements})");
    }

    /// <summary>
    /// The fused plan when one exists (all of R on chip, or for a forward head beyond the chip some R tiles streamed from
    /// L2), else the alternating fallback (which always fits): every size works.
    /// </summary>
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

    /// <summary>
    /// Re-checks a plan: rebuilds its family's model for its regime, evaluates every constraint exactly at the plan's
    /// constants (no propagation, no search), and checks the derived fields (launch, resources, cost) against the model.
    /// Returns the violations in words; empty means the plan is valid for <paramref name="gpu"/>.
    /// </summary>
    public static IReadOnlyList<string> Check(GpuSpec gpu, KernelPlan plan)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        ArgumentNullException.ThrowIfNull(plan);
        var problems = new List<string>();
        if (plan.Gpu != gpu.Name) problems.Add($"the plan is for {plan.Gpu}, not {gpu.Name}");
        if (plan.Arch != gpu.ComputeCapability.Arch) problems.Add($"the plan targets {plan.Arch}, the GPU is {gpu.ComputeCapability.Arch}");
        if (WhyInconsistent(plan.Request) is { } inconsistent) problems.Add(inconsistent);
        IPlanModel model = plan.Request.Family switch
        {
            KernelFamily.Fused => new FusedRnnModel(gpu, plan.Request, plan.Regime, plan.Constants.ContainsKey("FR_STREAMED_ROW_TILES")),
            KernelFamily.Alternating => new AlternatingModel(gpu, plan.Request),
            _ => new ScanModel(gpu, plan.Request),
        };
        long[] values;
        try
        {
            values = model.ValuesOf(plan);
            problems.AddRange(ConstraintSolver.Violations(model.Model, values).Select(c => $"violated: {c}"));
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or ArithmeticException)
        {
            problems.Add($"the plan's constants do not fit its model: {e.Message}");
            return problems;
        }
        var rebuilt = model.ToPlan(new Solution(model.Model.Variables, values, model.Model.Objective?.Evaluate(values)), plan.Rationale);
        if (rebuilt.Grid != plan.Grid || rebuilt.Block != plan.Block || rebuilt.Cluster != plan.Cluster)
            problems.Add($"launch dimensions {plan.Grid} {plan.Block} {plan.Cluster} differ from the model's {rebuilt.Grid} {rebuilt.Block} {rebuilt.Cluster}");
        if (rebuilt.SharedMemoryBytes != plan.SharedMemoryBytes || rebuilt.PredictedRegisters != plan.PredictedRegisters || rebuilt.PredictedCost != plan.PredictedCost)
            problems.Add("shared memory, registers or cost differ from the model's evaluation of the plan's constants");
        if (!rebuilt.Constants.SequenceEqual(plan.Constants))
            problems.Add("the constants differ from the model's encoding of its own values");
        return problems;
    }

    /// <summary>
    /// What a request's accessors cannot check, since an initialiser or <c>with</c> may set the two properties in either
    /// order: tf32 rounds float32 operands, so it means nothing for 16-bit storage (as <see cref="RecurrentProblem"/> says).
    /// </summary>
    private static string? WhyInconsistent(PlanRequest request) =>
        request.Precision == MatmulPrecision.Tf32 && request.DataType != DataType.Float32
            ? $"request.Precision: Tf32 applies to Float32 storage only, got {request.DataType} (16-bit storage always multiplies in its own format)."
            : null;

    private static PlanOutcome PlanFused(GpuSpec gpu, PlanRequest request)
    {
        if (WhyNoTensorCores(gpu, request.DataType) is { } noMma)
            return PlanOutcome.Failure(noMma, [noMma]);
        if (request.Precision == MatmulPrecision.Tf32 && !gpu.MmaShapes(DataType.Float32).Any(m => m is { M: 16, N: 8, K: 8 }))
        {
            var why = $"tf32 tensor cores (mma.m16n8k8.tf32) need sm_80 or newer; {gpu.Name} is {gpu.ComputeCapability.Arch}. Use MatmulPrecision.Exact.";
            return PlanOutcome.Failure(why, [why]);
        }

        var regimes = new List<FusedRegime> { FusedRegime.SingleBlock };
        if (gpu.SupportsClusters) regimes.Add(FusedRegime.Cluster);
        regimes.Add(FusedRegime.GridBarrier);

        // First pass: every R tile on chip. Only a forward head with no such plan gets the second pass, whose plans may
        // stream some R tiles from L2 at every step (decision 0023): a persistent kernel still, instead of the
        // alternating fallback's two launches per step; so no on-chip plan is ever traded for a streamed one.
        var attempts = new List<string>();
        var onChip = SolveRegimes(gpu, request, regimes, streamedTiles: false, attempts);
        var chosen = onChip.Best;
        List<SolveResult>? streamedFailures = null;
        if (chosen is null && request.Direction == PlanDirection.Forward)
        {
            var streamed = SolveRegimes(gpu, request, regimes, streamedTiles: true, attempts);
            chosen = streamed.Best;
            streamedFailures = streamed.Failures;
        }
        if (chosen is not { } plan)
        {
            // The minimal conflicts are the answer, computed when the reason is read.
            return PlanOutcome.Failure(() =>
                $"no fused plan for {request} on {gpu.Name}; R of one head is {RecurrentBytes(request)} bytes. " +
                "Use the alternating family for this size.\n" +
                string.Join("\n", regimes.Zip(onChip.Failures, (regime, result) => $"{regime}: {result.Explanation}")) +
                (streamedFailures is null ? "" : "\nwith R tiles streamed from L2:\n" +
                    string.Join("\n", regimes.Zip(streamedFailures, (regime, result) => $"{regime}: {result.Explanation}"))), attempts);
        }
        var rationale = attempts.Append(Invariant($"chosen: {plan.Model.Regime}, the lowest predicted cost")).ToArray();
        return PlanOutcome.Success(plan.Model.ToPlan(plan.Solution, rationale), attempts);
    }

    /// <summary>Each regime's model solved for the lowest cost (later regimes must beat the best so far).</summary>
    private static ((FusedRnnModel Model, Solution Solution)? Best, List<SolveResult> Failures) SolveRegimes(
        GpuSpec gpu, PlanRequest request, IReadOnlyList<FusedRegime> regimes, bool streamedTiles, List<string> attempts)
    {
        var failures = new List<SolveResult>();
        (FusedRnnModel Model, Solution Solution)? best = null;
        string pass = streamedTiles ? " (R tiles streamed from L2)" : "";
        foreach (var regime in regimes)
        {
            var model = new FusedRnnModel(gpu, request, regime, streamedTiles);
            var result = ConstraintSolver.Solve(model.Model, new SolveOptions(MustBeat: best?.Solution.ObjectiveValue));
            if (best is not null && !result.IsSatisfiable)
            {
                attempts.Add(Invariant($"{regime}{pass}: no plan cheaper than {best.Value.Model.Regime}'s {best.Value.Solution.ObjectiveValue} cycles"));
                continue;
            }
            if (result.Best is { } solution)
            {
                attempts.Add(Invariant($"{regime}{pass}: feasible, predicted {solution.ObjectiveValue} cycles per step ({result.Nodes} search nodes)"));
                if (best is null || solution.ObjectiveValue < best.Value.Solution.ObjectiveValue)
                    best = (model, solution);
            }
            else
            {
                attempts.Add($"{regime}{pass}: {result.ShortExplanation}");
                failures.Add(result);
            }
        }
        return (best, failures);
    }

    private static PlanOutcome PlanSingle(GpuSpec gpu, PlanRequest request, string name, IPlanModel model)
    {
        var result = ConstraintSolver.Solve(model.Model);
        if (result.Best is not { } solution)
            return PlanOutcome.Failure(() => $"no {name} plan for {request} on {gpu.Name}: {result.Explanation}", [result.ShortExplanation]);
        string[] attempts = [Invariant($"{name}: feasible, predicted cost {solution.ObjectiveValue} ({result.Nodes} search nodes)")];
        return PlanOutcome.Success(model.ToPlan(solution, attempts), attempts);
    }

    /// <summary>
    /// The RNN kernels multiply 16-bit storage with the m16n8k16 mma (sm_80+); a GPU without it (V100, T4) runs those
    /// types nowhere but the CPU reference. fp32 uses FMA (or tf32) and runs everywhere.
    /// </summary>
    private static string? WhyNoTensorCores(GpuSpec gpu, DataType type)
    {
        if (type is not (DataType.BFloat16 or DataType.Float16)) return null;
        if (gpu.MmaShapes(type).Any(shape => shape is { M: 16, N: 8, K: 16 })) return null;
        return $"{gpu.Name} ({gpu.ComputeCapability.Arch}) has no m16n8k16 {type} tensor-core mma, which the RNN kernels use for 16-bit storage (sm_80 and newer); use Float32 on this GPU.";
    }

    private static long RecurrentBytes(PlanRequest r) =>
        (long)r.Cell.GateCount() * r.HeadSize * r.HeadSize * r.DataType.SizeInBytes();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
