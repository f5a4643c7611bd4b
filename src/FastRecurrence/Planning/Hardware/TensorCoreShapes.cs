using System.Collections.ObjectModel;

namespace FastRecurrence.Planning.Hardware;

/// <summary>
/// Which mma.sync shapes each compute capability runs for each storage type, largest first (fewer instructions
/// per tile). Source: the PTX ISA's "Warp-level matrix multiply-accumulate instructions" (mma) target table;
/// the sm_80 bf16 m16n8k8, sm_75 f16 m16n8k8, sm_90 f64 m16n8k4/k16 and sm_80 tf32 m16n8k8 forms were also
/// assembled with ptxas (CUDA 13.0), which rejects f64 m16n8k4 below sm_90.
/// </summary>
/// <remarks>
/// Only mma.sync: wgmma (sm_90a) and tcgen05 (sm_100a) are arch-specific and the kernels do not use them.
/// f16 m8n8k4 still assembles on sm_75+, but runs slowly there, so it is listed for sm_70 only.
/// </remarks>
internal static class TensorCoreShapes
{
    private static readonly MmaShape M8N8K4 = new(8, 8, 4);
    private static readonly MmaShape M16N8K4 = new(16, 8, 4);
    private static readonly MmaShape M16N8K8 = new(16, 8, 8);
    private static readonly MmaShape M16N8K16 = new(16, 8, 16);

    // Read-only wrappers: callers get the shared lists and must not be able to change them.
    private static readonly ReadOnlyCollection<MmaShape> None = Shapes();
    private static readonly ReadOnlyCollection<MmaShape> HalfAmpere = Shapes(M16N8K16, M16N8K8);
    private static readonly ReadOnlyCollection<MmaShape> HalfTuring = Shapes(M16N8K8);
    private static readonly ReadOnlyCollection<MmaShape> HalfVolta = Shapes(M8N8K4);
    private static readonly ReadOnlyCollection<MmaShape> Tf32 = Shapes(M16N8K8);
    private static readonly ReadOnlyCollection<MmaShape> DoubleAmpere = Shapes(M8N8K4);
    private static readonly ReadOnlyCollection<MmaShape> DoubleHopper = Shapes(M16N8K16, M16N8K8, M16N8K4, M8N8K4);

    private static readonly ComputeCapability Volta = new(7, 0);
    private static readonly ComputeCapability Turing = new(7, 5);
    private static readonly ComputeCapability Ampere = new(8, 0);

    public static IReadOnlyList<MmaShape> For(ComputeCapability cc, DataType type) => type switch
    {
        // fp32 storage runs on tensor cores as tf32 (10-bit mantissa); whether a kernel accepts that is the
        // planner's choice, the hardware model only says the instruction exists.
        DataType.Float32 => cc >= Ampere ? Tf32 : None,
        DataType.BFloat16 => cc >= Ampere ? HalfAmpere : None,
        DataType.Float16 => cc >= Ampere ? HalfAmpere : cc >= Turing ? HalfTuring : cc >= Volta ? HalfVolta : None,
        DataType.Float64 => DoubleShapes(cc),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, $"{nameof(type)}: expected one of {string.Join(", ", Enum.GetNames<DataType>())}, got {type}."),
    };

    // PTX accepts f64 mma on every sm_80+, but only the data-centre capabilities (8.0 A100, 9.0 H100/H200,
    // 10.0 B200) have FP64 tensor cores (DMMA); the GeForce / workstation chips of 8.6, 8.9 and 12.0 run FP64
    // at a small fraction of FP32, so a plan must not count on fp64 mma there.
    private static ReadOnlyCollection<MmaShape> DoubleShapes(ComputeCapability cc) => (cc.Major, cc.Minor) switch
    {
        (8, 0) => DoubleAmpere,
        (9, 0) or (10, 0) => DoubleHopper,
        _ => None,
    };

    private static ReadOnlyCollection<MmaShape> Shapes(params MmaShape[] shapes) => Array.AsReadOnly(shapes);
}
