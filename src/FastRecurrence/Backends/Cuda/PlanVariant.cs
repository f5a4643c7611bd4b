using FastRecurrence.Planning;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// One distinct compilation of a kernel source: the constants (FR_* defines) that one or more plans share, for one
/// architecture. Two plans with the same constants compile to the same cubin, so they are one variant. The compile
/// gates enumerate them: <see cref="ScanPlanVariants"/> and <see cref="FusedPlanVariants"/>.
/// </summary>
public sealed class PlanVariant
{
    internal PlanVariant(string arch, string sourceName, string kernelName, IReadOnlyList<KernelPlan> plans,
        IReadOnlyList<string>? companionKernels = null)
    {
        Arch = arch;
        SourceName = sourceName;
        KernelName = kernelName;
        CompanionKernels = companionKernels ?? [];
        Plans = plans;
        Constants = plans[0].Constants;
        Direction = plans[0].Request.Direction;
        DataType = plans[0].Request.DataType;
        Regime = plans[0].Regime;
        // The models derive both from the constants alone, so every plan agrees; the strictest is kept regardless.
        PredictedRegisters = plans.Min(p => p.PredictedRegisters);
        SharedMemoryBytes = plans.Max(p => p.SharedMemoryBytes);
    }

    /// <summary>
    /// A module the plans load beside their own, compiled with <paramref name="constants"/> rather than theirs
    /// (rnn_gradients.cu: the backward's reductions, one compilation per cell and type), held to a register budget of
    /// its own (<paramref name="registerBudget"/>) since no plan's model sizes it.
    /// </summary>
    internal PlanVariant(string arch, string sourceName, string kernelName, IReadOnlyList<string> companionKernels,
        IReadOnlyList<KernelPlan> plans, IReadOnlyDictionary<string, long> constants, int registerBudget)
    {
        Arch = arch;
        SourceName = sourceName;
        KernelName = kernelName;
        CompanionKernels = companionKernels;
        Plans = plans;
        Constants = constants;
        Direction = plans[0].Request.Direction;
        DataType = plans[0].Request.DataType;
        Regime = FusedRegime.None;
        PredictedRegisters = registerBudget;
        SharedMemoryBytes = 0;
    }

    /// <summary>
    /// Kernels of the same compilation the operation also launches, with their own fixed launch (rnn_gradients.cu's db
    /// reduction and gate products beside its dR reduction): held to the same checks (no spills, within the registers).
    /// </summary>
    public IReadOnlyList<string> CompanionKernels { get; }

    /// <summary>"sm_80", "sm_90", ...</summary>
    public string Arch { get; }

    /// <summary>The embedded kernel source (fr_compile_options.source_name): "scan", "rnn_forward", "rnn_gradients".</summary>
    public string SourceName { get; }

    /// <summary>The kernel the plans launch (fr_scan_forward, fr_scan_backward, fr_rnn_forward).</summary>
    public string KernelName { get; }

    /// <summary>The FR_* constants, sorted by name.</summary>
    public IReadOnlyDictionary<string, long> Constants { get; }

    /// <summary>Every plan of the sweep that has these constants (several GPUs and shapes share one variant).</summary>
    public IReadOnlyList<KernelPlan> Plans { get; }

    public PlanDirection Direction { get; }
    public DataType DataType { get; }

    /// <summary>The fused regime of the plans (<see cref="FusedRegime.None"/> for the scan and the backward's reductions).</summary>
    public FusedRegime Regime { get; }

    /// <summary>The planner's register prediction (a fixed budget for the backward's reductions); ptxas must not exceed it.</summary>
    public int PredictedRegisters { get; }

    /// <summary>The planner's shared memory figure for the block (0 for the reductions: static shared memory only).</summary>
    public long SharedMemoryBytes { get; }

    /// <summary>"FR_BACKWARD=0 FR_DTYPE=0 FR_SCAN_CHUNK=64 ...", the constants on one line.</summary>
    public string Describe() => KernelCompiler.Describe(Constants);

    /// <summary>The constant's value, or null when the variant has none of that name.</summary>
    public long? Constant(string name) => Constants.TryGetValue(name, out var value) ? value : null;

    public override string ToString() => $"{Arch} {SourceName} {Describe()}";

    /// <summary>Plans grouped by their constants (one compilation each), groups in order of first appearance.</summary>
    internal static IEnumerable<IReadOnlyList<KernelPlan>> ByConstants(IEnumerable<KernelPlan> plans) =>
        plans.GroupBy(plan => KernelCompiler.Describe(plan.Constants), StringComparer.Ordinal).Select(group => (IReadOnlyList<KernelPlan>)group.ToArray());
}
