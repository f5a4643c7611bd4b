using FastRecurrence.Interop;
using FastRecurrence.Planning;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// Managed plans and types in the ABI's terms: a <see cref="KernelPlan"/> as an fr_plan, its constants as fr_defines,
/// a <see cref="DataType"/> as an fr_dtype, and the name of each family's embedded kernel source.
/// </summary>
internal static class NativePlans
{
    /// <summary>The embedded kernel source of a family (fr_kernel_source names).</summary>
    public static string SourceName(KernelFamily family, PlanDirection direction = PlanDirection.Forward) => (family, direction) switch
    {
        (KernelFamily.Scan, _) => "scan",
        (KernelFamily.Fused, PlanDirection.Forward) => "rnn_forward",
        (KernelFamily.Fused, PlanDirection.Backward) => "rnn_backward",
        (KernelFamily.Alternating, _) => "rnn_alternating",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, $"family: expected Scan, Fused or Alternating, got {family}."),
    };

    public static FrDtype Dtype(DataType type) => type switch
    {
        DataType.Float32 => FrDtype.Float32,
        DataType.BFloat16 => FrDtype.BFloat16,
        DataType.Float16 => FrDtype.Float16,
        DataType.Float64 => FrDtype.Float64,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, $"type: expected one of {string.Join(", ", Enum.GetNames<DataType>())}, got {type}."),
    };

    public static FrLaunchKind LaunchKind(FusedRegime regime) => regime switch
    {
        FusedRegime.Cluster => FrLaunchKind.Cluster,
        FusedRegime.GridBarrier => FrLaunchKind.Cooperative,
        _ => FrLaunchKind.Plain,
    };

    /// <summary>
    /// fr_plan.shared_bytes is the launch's dynamic shared memory. The scan kernels declare theirs statically
    /// (scan.cu: the slots array), so they launch with none; the plan's SharedMemoryBytes is the model's estimate
    /// of that static use, and ptxas reports the real figure.
    /// </summary>
    public static uint DynamicSharedBytes(KernelPlan plan) => plan.Request.Family switch
    {
        KernelFamily.Scan => 0,
        KernelFamily.Fused => checked((uint)FusedSharedBytes(plan)),
        // rnn_alternating.cu: one staged R tile [TM][TK] and h tile [TN][TK] in the storage type
        KernelFamily.Alternating => checked((uint)((plan.Constant("FR_TILE_M") + plan.Constant("FR_TILE_N")) * plan.Constant("FR_TILE_K")
            * plan.Request.DataType.SizeInBytes())),
        _ => checked((uint)plan.SharedMemoryBytes),
    };

    /// <summary>
    /// The dynamic shared memory of kernels/rnn_forward.cu or rnn_backward.cu for a fused plan (its layout: R tiles, the
    /// vectors (forward: h double-buffered, once in the grid regime; backward: one dg buffer of every unit's gates), the K slices' partial
    /// products of the block's rows): the model's figure without the per-block reserve the driver takes itself.
    /// </summary>
    public static long FusedSharedBytes(KernelPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        long dtype = plan.Constant("FR_DTYPE"), gates = plan.Constant("FR_GATES"), dp = plan.Constant("FR_HEAD_SIZE_PADDED");
        long hb = plan.Constant("FR_HEADS_PER_BLOCK"), warps = plan.Constant("FR_WARPS"), ks = plan.Constant("FR_K_SPLIT");
        long bt = plan.Constant("FR_BATCH_TILE"), st = plan.Constant("FR_SHARED_ROW_TILES"), p = plan.Constant("FR_BLOCKS_PER_HEAD");
        long element = dtype == 0 ? 4 : 2, kChunk = dtype == 0 ? 8 : 16;
        bool backward = plan.Request.Direction == PlanDirection.Backward;
        long width = backward ? gates * dp : dp, rowsPerHead = backward ? dp : gates * dp;
        long vectorBuffers = backward || plan.Regime == FusedRegime.GridBarrier ? 1 : 2;
        return warps * st * (width / ks / kChunk) * 512 + vectorBuffers * hb * bt * width * element + ks * hb * (rowsPerHead / p) * bt * 4;
    }

    public static FrDim3 Dim3(Dim3 d) => new() { X = (uint)d.X, Y = (uint)d.Y, Z = (uint)d.Z };

    /// <summary>The plan as an fr_plan; its strings live in <paramref name="strings"/>.</summary>
    public static unsafe FrPlan ToNative(KernelPlan plan, NativeStrings strings)
    {
        ArgumentNullException.ThrowIfNull(plan);
        CheckDefineCount(plan.Constants.Count);
        var native = new FrPlan
        {
            StructSize = (nuint)sizeof(FrPlan),
            SourceName = strings.Add(SourceName(plan.Request.Family, plan.Request.Direction)),
            DefineCount = plan.Constants.Count,
            Grid = Dim3(plan.Grid),
            Block = Dim3(plan.Block),
            Cluster = Dim3(plan.Cluster),
            SharedBytes = DynamicSharedBytes(plan),
            Kind = LaunchKind(plan.Regime),
        };
        var i = 0;
        foreach (var (name, value) in plan.Constants)
            native.Defines[i++] = new FrDefine { Name = strings.Add(name), Value = value };
        return native;
    }

    /// <summary>
    /// The kernel modules a call with <paramref name="plan"/> loads, in load order, as the library names them
    /// (fr_plan_module_count, fr_plan_module): the plan's own source and constants (with FR_LENGTHS = 1 for calls that
    /// pass lengths, <paramref name="lengths"/>), then its companions (a backward plan's reductions). What the compile
    /// gate compiles, so it checks the cubins the library loads. Needs libfastrecurrence, not NVRTC or a GPU.
    /// </summary>
    public static unsafe IReadOnlyList<(string Source, IReadOnlyDictionary<string, long> Constants)> Modules(KernelPlan plan, bool lengths = false)
    {
        using var strings = new NativeStrings();
        var native = ToNative(plan, strings);
        int count;
        FastRecurrenceNativeException.ThrowIfFailed(FastRecurrenceNative.FrPlanModuleCount(&native, lengths ? 1 : 0, &count), "fr_plan_module_count");
        var modules = new List<(string, IReadOnlyDictionary<string, long>)>(count);
        for (var index = 0; index < count; ++index)
        {
            FrPlan module;
            FastRecurrenceNativeException.ThrowIfFailed(FastRecurrenceNative.FrPlanModule(&native, lengths ? 1 : 0, index, &module), "fr_plan_module");
            var constants = new SortedDictionary<string, long>(StringComparer.Ordinal);
            for (var i = 0; i < module.DefineCount; ++i)
                constants[NativeText.FromUtf8Z(module.Defines[i].Name)] = module.Defines[i].Value;
            modules.Add((NativeText.FromUtf8Z(module.SourceName), constants));
        }
        return modules;
    }

    /// <summary>Constants as an fr_define array in native memory owned by <paramref name="strings"/>'s lifetime.</summary>
    public static unsafe FrDefine[] ToNative(IReadOnlyDictionary<string, long> constants, NativeStrings strings)
    {
        ArgumentNullException.ThrowIfNull(constants);
        CheckDefineCount(constants.Count);
        return constants.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new FrDefine { Name = strings.Add(kv.Key), Value = kv.Value })
            .ToArray();
    }

    private static void CheckDefineCount(int count)
    {
        if (count > FrConstants.MaxDefines)
            throw new ArgumentException($"plan: expected at most {FrConstants.MaxDefines} constants (FR_MAX_DEFINES), got {count}.", "plan");
    }
}
