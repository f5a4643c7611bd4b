using System.Collections.ObjectModel;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// Every fused kernel variant (forward: kernels/rnn_forward.cu; backward: kernels/rnn_backward.cu) the planner produces
/// for an architecture: each catalog
/// GPU of that architecture, over the planner sweep's shapes (every cell, storage type, head size, head count and
/// batch), grouped by distinct constants. Requests without a fused plan (heads too large for the chip, 16-bit types
/// on GPUs without m16n8k16) are left out: they run on the alternating fallback. The one enumeration that the compile
/// tests (tests/Native) and the CLI's `compile --family rnn` both use.
/// </summary>
public static class FusedPlanVariants
{
    /// <summary>The embedded source every fused forward variant compiles.</summary>
    public const string SourceName = "rnn_forward";
    public const string Kernel = "fr_rnn_forward";

    /// <summary>The embedded source of the fused backward and its persistent kernel.</summary>
    public const string BackwardSourceName = "rnn_backward";
    public const string BackwardKernel = "fr_rnn_backward";

    /// <summary>
    /// The reductions every backward launches (dR, db; the gate products for a states-only reserve): a module of their
    /// own, compiled per cell and storage type (and FR_TF32), not per plan (decision 0028).
    /// </summary>
    public const string GradientSourceName = "rnn_gradients";
    public const string GradientKernel = "fr_rnn_backward_weights";
    public static ReadOnlyCollection<string> GradientCompanionKernels { get; } = new(["fr_rnn_backward_bias", "fr_rnn_gate_products"]);

    /// <summary>
    /// The reductions' register budget: 128 keeps two of their 256-thread blocks on an SM (64K registers). They use
    /// about 50 to 90 (no plan's model sizes them, so the gate holds them to this).
    /// </summary>
    public const int GradientRegisterBudget = 128;

    /// <summary>D of the sweep (the planner sweep's).</summary>
    public static ReadOnlyCollection<int> HeadSizes { get; } = new([16, 32, 64, 128, 256, 512, 768, 1024, 1536, 2048, 2560]);

    /// <summary>NH of the sweep.</summary>
    public static ReadOnlyCollection<int> HeadCounts { get; } = new([1, 4, 12]);

    /// <summary>B of the sweep.</summary>
    public static ReadOnlyCollection<int> Batches { get; } = new([1, 8, 16, 64, 256]);

    /// <summary>Storage types of the fused kernel (FR_DTYPE 0..2).</summary>
    public static ReadOnlyCollection<DataType> DataTypes { get; } = new([DataType.Float32, DataType.BFloat16, DataType.Float16]);

    /// <summary>T of the sweep's requests; the plan does not depend on it (the kernel loops over any T).</summary>
    public const int TimeSteps = 1024;

    /// <summary>
    /// Every (cell, type, D, NH, B) request of the sweep in one direction; float32 both exact and in tf32.
    /// <paramref name="lengths"/>: the requests of calls with per-sequence lengths (the FR_LENGTHS builds).
    /// </summary>
    public static IEnumerable<PlanRequest> Requests(PlanDirection direction = PlanDirection.Forward, bool lengths = false)
    {
        foreach (var cell in Enum.GetValues<CellKind>())
        foreach (var type in DataTypes)
        foreach (var precision in type == DataType.Float32 ? [MatmulPrecision.Exact, MatmulPrecision.Tf32] : new[] { MatmulPrecision.Exact })
        foreach (var headSize in HeadSizes)
        foreach (var heads in HeadCounts)
        foreach (var batch in Batches)
            yield return new PlanRequest(KernelFamily.Fused, cell, type, batch, heads, headSize, direction, TimeSteps) { Precision = precision, Lengths = lengths };
    }

    /// <summary>
    /// The distinct variants for <paramref name="arch"/>, in a stable order (type, regime, then constants). Empty when no
    /// catalog GPU has that architecture. <paramref name="lengths"/>: the plans of calls with lengths (FR_LENGTHS = 1).
    /// </summary>
    public static IReadOnlyList<PlanVariant> For(string arch, PlanDirection direction = PlanDirection.Forward, bool lengths = false)
    {
        ArgumentNullException.ThrowIfNull(arch);
        var requests = Requests(direction, lengths).ToArray();
        var plans = ScanPlanVariants.GpusOf(arch).SelectMany(gpu =>
        {
            var planned = new KernelPlan?[requests.Length];
            Parallel.For(0, requests.Length, i => planned[i] = Planner.Plan(gpu, requests[i]).Plan);
            return planned.OfType<KernelPlan>();
        });
        return PlanVariant.ByConstants(plans)
            .Select(plans => direction == PlanDirection.Forward
                ? new PlanVariant(arch, SourceName, Kernel, plans)
                : new PlanVariant(arch, BackwardSourceName, BackwardKernel, plans))
            .OrderBy(v => DataTypes.IndexOf(v.DataType))
            .ThenBy(v => v.Regime)
            .ThenBy(v => v.Describe(), StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>
    /// The reductions' modules the backward plans of <paramref name="arch"/> load: one per (cell, type, FR_TF32) among
    /// them, with only those constants (FR_TF32 where it is 1), in a stable order. Calls with lengths load the same ones.
    /// </summary>
    public static IReadOnlyList<PlanVariant> Gradients(string arch) => Gradients(For(arch, PlanDirection.Backward));

    /// <summary>
    /// The same from backward variants already enumerated (<see cref="For"/>, with lengths or without: their plans load
    /// the same modules), so a caller that has them does not plan the sweep again.
    /// </summary>
    public static IReadOnlyList<PlanVariant> Gradients(IEnumerable<PlanVariant> backward)
    {
        ArgumentNullException.ThrowIfNull(backward);
        var plans = backward.SelectMany(v => v.Plans).ToArray();
        if (plans.FirstOrDefault(p => p.Request.Direction != PlanDirection.Backward) is { } forward)
            throw new ArgumentException($"backward: expected backward plans only, got a {forward.Request.Direction} plan for {forward.Arch}.", nameof(backward));
        return plans
            .Select(plan => (Plan: plan, Constants: GradientConstants(plan)))  // one library query per plan
            .GroupBy(x => x.Plan.Arch + " " + KernelCompiler.Describe(x.Constants), StringComparer.Ordinal)
            .Select(group => new PlanVariant(group.First().Plan.Arch, GradientSourceName, GradientKernel, GradientCompanionKernels,
                group.Select(x => x.Plan).ToArray(), group.First().Constants, GradientRegisterBudget))
            .OrderBy(v => v.Arch, StringComparer.Ordinal)
            .ThenBy(v => DataTypes.IndexOf(v.DataType))
            .ThenBy(v => v.Describe(), StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>
    /// A backward plan's constants for its reductions' module, as the library gives them (fr_plan_module: the module
    /// after the plan's own; rnn_backward_ops.cpp loads the same), so the gate compiles the cubin the library loads:
    /// FR_CELL, FR_DTYPE, and FR_TF32 where it is 1 (decision 0028). Needs libfastrecurrence.
    /// </summary>
    public static IReadOnlyDictionary<string, long> GradientConstants(KernelPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var modules = NativePlans.Modules(plan);
        if (modules.Count != 2 || modules[1].Source != GradientSourceName)
        {
            throw new InvalidOperationException(
                $"libfastrecurrence names {modules.Count} module(s) for a backward plan ({string.Join(", ", modules.Select(m => m.Source))}); expected its own and \"{GradientSourceName}\".");
        }
        return modules[1].Constants;
    }
}
