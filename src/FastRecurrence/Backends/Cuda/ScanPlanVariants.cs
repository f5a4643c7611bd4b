using System.Collections.ObjectModel;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// Every scan kernel variant the planner produces for an architecture: each catalog GPU of that architecture, over a
/// fixed sweep of shapes, every storage type the kernel supports, forward and backward, grouped by distinct constants.
/// The one enumeration that the compile tests (tests/Native) and the CLI's `compile` command both use.
/// </summary>
public static class ScanPlanVariants
{
    /// <summary>The embedded source every scan variant compiles (fr_compile_options.source_name).</summary>
    public const string SourceName = "scan";
    public const string ForwardKernel = "fr_scan_forward";
    public const string BackwardKernel = "fr_scan_backward";

    /// <summary>B of the sweep.</summary>
    public static ReadOnlyCollection<int> Batches { get; } = new([1, 8]);

    /// <summary>H * D of the sweep.</summary>
    public static ReadOnlyCollection<int> HiddenSizes { get; } = new([64, 1536]);

    /// <summary>
    /// D of the sweep (those that divide H * D, and H * D itself): D bounds the lanes per block, so 1, 16 and 64 cover
    /// the narrow, sector-sized and widest blocks the model allows, and H * D the single-head case.
    /// </summary>
    public static ReadOnlyCollection<int> HeadSizes { get; } = new([1, 16, 64]);

    /// <summary>T of the sweep: a single step, a length that is not a power of two, and a long sequence.</summary>
    public static ReadOnlyCollection<int> TimeSteps { get; } = new([1, 1000, 16384]);

    /// <summary>Storage types of the scan kernel (FR_DTYPE 0..3).</summary>
    public static ReadOnlyCollection<DataType> DataTypes { get; } =
        new([DataType.Float32, DataType.BFloat16, DataType.Float16, DataType.Float64]);

    public static ReadOnlyCollection<PlanDirection> Directions { get; } = new([PlanDirection.Forward, PlanDirection.Backward]);

    /// <summary>The architectures of the catalog GPUs, oldest first ("sm_70", ..., "sm_90", ...).</summary>
    public static IReadOnlyList<string> Architectures { get; } =
        GpuCatalog.All.Select(g => g.ComputeCapability).Distinct().Order().Select(cc => cc.Arch).ToArray();

    /// <summary>The catalog GPUs of <paramref name="arch"/>.</summary>
    public static IReadOnlyList<GpuSpec> GpusOf(string arch) =>
        GpuCatalog.All.Where(g => g.ComputeCapability.Arch == arch).ToArray();

    /// <summary>Every (B, T, H, D, type, direction) request of the sweep.</summary>
    public static IEnumerable<PlanRequest> Requests()
    {
        foreach (var batch in Batches)
        foreach (var hidden in HiddenSizes)
        foreach (var headSize in HeadSizes.Append(hidden).Where(d => d <= hidden && hidden % d == 0).Distinct())
        foreach (var steps in TimeSteps)
        foreach (var type in DataTypes)
        foreach (var direction in Directions)
            yield return new PlanRequest(KernelFamily.Scan, default, type, batch, hidden / headSize, headSize, direction, steps);
    }

    /// <summary>
    /// The distinct variants for <paramref name="arch"/>, in a stable order (type, direction, then constants).
    /// Empty when no catalog GPU has that architecture.
    /// </summary>
    /// <exception cref="PlanningException">The planner found no plan for a request of the sweep (a planner bug: every scan has one).</exception>
    public static IReadOnlyList<PlanVariant> For(string arch)
    {
        ArgumentNullException.ThrowIfNull(arch);
        var requests = Requests().ToArray();
        var plans = GpusOf(arch).SelectMany(gpu => requests.Select(request => Planner.Plan(gpu, request).Require()));
        return PlanVariant.ByConstants(plans)
            .Select(plans => new PlanVariant(arch, SourceName, plans[0].Request.Direction == PlanDirection.Backward ? BackwardKernel : ForwardKernel, plans))
            .OrderBy(v => DataTypes.IndexOf(v.DataType))
            .ThenBy(v => v.Direction)
            .ThenBy(v => v.Describe(), StringComparer.Ordinal)
            .ToArray();
    }
}
