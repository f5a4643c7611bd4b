using System.Globalization;
using FastRecurrence.Validation;

namespace FastRecurrence.Planning.Hardware;

/// <summary>
/// What the planner knows about one GPU: the limits a kernel's resources must fit (registers, shared memory,
/// threads, blocks, clusters), the tensor-core instruction shapes, and the figures its cost model uses (SM
/// count, L2, memory bandwidth). Immutable and validated on construction, so every spec the planner sees is
/// self-consistent. Build one from <see cref="GpuCatalog"/> or from a live device with
/// <see cref="FromDeviceAttributes"/>.
/// </summary>
public sealed partial class GpuSpec
{
    public GpuSpec(
        string name,
        string description,
        ComputeCapability computeCapability,
        int smCount,
        int registersPerSm,
        int maxRegistersPerThread,
        int maxRegistersPerBlock,
        int registerAllocationUnitPerWarp,
        int sharedMemoryPerSm,
        int sharedMemoryPerBlockOptIn,
        int reservedSharedMemoryPerBlock,
        int sharedMemoryAllocationUnit,
        long l2CacheBytes,
        int warpSize,
        int maxThreadsPerBlock,
        int maxThreadsPerSm,
        int maxBlocksPerSm,
        int maxClusterSize,
        int nonPortableMaxClusterSize,
        double memoryBandwidthGBps)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException($"{nameof(name)}: expected a non-empty GPU name, got '{name}'.", nameof(name));
        Guard.NotNull(description, nameof(description));
        Guard.Positive(smCount, nameof(smCount));
        Guard.Positive(registersPerSm, nameof(registersPerSm));
        Guard.Positive(maxRegistersPerThread, nameof(maxRegistersPerThread));
        Guard.Positive(maxRegistersPerBlock, nameof(maxRegistersPerBlock));
        Guard.Positive(registerAllocationUnitPerWarp, nameof(registerAllocationUnitPerWarp));
        Guard.Positive(sharedMemoryPerSm, nameof(sharedMemoryPerSm));
        Guard.Positive(sharedMemoryPerBlockOptIn, nameof(sharedMemoryPerBlockOptIn));
        Guard.NonNegative(reservedSharedMemoryPerBlock, nameof(reservedSharedMemoryPerBlock));
        Guard.Positive(sharedMemoryAllocationUnit, nameof(sharedMemoryAllocationUnit));
        if (l2CacheBytes < 1)
            throw new ArgumentOutOfRangeException(nameof(l2CacheBytes), l2CacheBytes, $"{nameof(l2CacheBytes)}: expected an integer >= 1, got {l2CacheBytes}.");
        Guard.Positive(warpSize, nameof(warpSize));
        Guard.Positive(maxThreadsPerBlock, nameof(maxThreadsPerBlock));
        Guard.Positive(maxThreadsPerSm, nameof(maxThreadsPerSm));
        Guard.Positive(maxBlocksPerSm, nameof(maxBlocksPerSm));
        Guard.Positive(maxClusterSize, nameof(maxClusterSize));
        Guard.Positive(nonPortableMaxClusterSize, nameof(nonPortableMaxClusterSize));
        if (!double.IsFinite(memoryBandwidthGBps) || memoryBandwidthGBps <= 0)
            throw new ArgumentOutOfRangeException(nameof(memoryBandwidthGBps), memoryBandwidthGBps,
                $"{nameof(memoryBandwidthGBps)}: expected a finite number > 0, got {memoryBandwidthGBps.ToString(CultureInfo.InvariantCulture)}.");

        // Relations between limits: a spec that breaks one would let the planner return a plan no device runs.
        AtMost(maxRegistersPerBlock, registersPerSm, nameof(maxRegistersPerBlock), nameof(registersPerSm));
        AtMost(maxRegistersPerThread, maxRegistersPerBlock, nameof(maxRegistersPerThread), nameof(maxRegistersPerBlock));
        MultipleOf(registerAllocationUnitPerWarp, warpSize, nameof(registerAllocationUnitPerWarp), nameof(warpSize));
        AtMost(sharedMemoryPerBlockOptIn, sharedMemoryPerSm - reservedSharedMemoryPerBlock, nameof(sharedMemoryPerBlockOptIn),
            $"{nameof(sharedMemoryPerSm)} - {nameof(reservedSharedMemoryPerBlock)}");
        MultipleOf(maxThreadsPerBlock, warpSize, nameof(maxThreadsPerBlock), nameof(warpSize));
        MultipleOf(maxThreadsPerSm, warpSize, nameof(maxThreadsPerSm), nameof(warpSize));
        AtMost(maxThreadsPerBlock, maxThreadsPerSm, nameof(maxThreadsPerBlock), nameof(maxThreadsPerSm));
        AtMost(maxClusterSize, nonPortableMaxClusterSize, nameof(maxClusterSize), nameof(nonPortableMaxClusterSize));
        AtMost(nonPortableMaxClusterSize, smCount, nameof(nonPortableMaxClusterSize), nameof(smCount));

        Name = name;
        Description = description;
        ComputeCapability = computeCapability;
        SmCount = smCount;
        RegistersPerSm = registersPerSm;
        MaxRegistersPerThread = maxRegistersPerThread;
        MaxRegistersPerBlock = maxRegistersPerBlock;
        RegisterAllocationUnitPerWarp = registerAllocationUnitPerWarp;
        SharedMemoryPerSm = sharedMemoryPerSm;
        SharedMemoryPerBlockOptIn = sharedMemoryPerBlockOptIn;
        ReservedSharedMemoryPerBlock = reservedSharedMemoryPerBlock;
        SharedMemoryAllocationUnit = sharedMemoryAllocationUnit;
        L2CacheBytes = l2CacheBytes;
        WarpSize = warpSize;
        MaxThreadsPerBlock = maxThreadsPerBlock;
        MaxThreadsPerSm = maxThreadsPerSm;
        MaxBlocksPerSm = maxBlocksPerSm;
        MaxClusterSize = maxClusterSize;
        NonPortableMaxClusterSize = nonPortableMaxClusterSize;
        MemoryBandwidthGBps = memoryBandwidthGBps;
    }

    /// <summary>The catalog key ("H100-SXM"), or the driver's device name for a live device.</summary>
    public string Name { get; }

    /// <summary>The marketing name ("NVIDIA H100 SXM5 80GB").</summary>
    public string Description { get; }

    public ComputeCapability ComputeCapability { get; }

    /// <summary>Streaming multiprocessors.</summary>
    public int SmCount { get; }

    /// <summary>32-bit registers in one SM's register file.</summary>
    public int RegistersPerSm { get; }

    /// <summary>The most registers one thread may use (255 on every capability the catalog holds).</summary>
    public int MaxRegistersPerThread { get; }

    /// <summary>The most 32-bit registers one block may use.</summary>
    public int MaxRegistersPerBlock { get; }

    /// <summary>
    /// Registers are allocated to a warp in units of this many (256 on 7.0 - 12.0, per cuda_occupancy.h), so a
    /// thread's register count is rounded up to a multiple of <see cref="RegisterAllocationUnitPerThread"/> (8).
    /// </summary>
    public int RegisterAllocationUnitPerWarp { get; }

    /// <summary>Per-thread register granularity: <see cref="RegisterAllocationUnitPerWarp"/> / <see cref="WarpSize"/>.</summary>
    public int RegisterAllocationUnitPerThread => RegisterAllocationUnitPerWarp / WarpSize;

    /// <summary>Shared memory in one SM at the largest carve-out, in bytes, including the per-block reservations.</summary>
    public int SharedMemoryPerSm { get; }

    /// <summary>
    /// The most shared memory one block may use after opting in (cudaFuncAttributeMaxDynamicSharedMemorySize),
    /// in bytes, e.g. 227 KB = 232448 on sm_90. Static plus dynamic shared memory must fit it.
    /// </summary>
    public int SharedMemoryPerBlockOptIn { get; }

    /// <summary>Shared memory the driver reserves for each resident block (1024 bytes on sm_80+, 0 before), in bytes.</summary>
    public int ReservedSharedMemoryPerBlock { get; }

    /// <summary>A block's shared memory is allocated in units of this many bytes (128 on sm_80+, 256 on sm_7x).</summary>
    public int SharedMemoryAllocationUnit { get; }

    public long L2CacheBytes { get; }

    public int WarpSize { get; }

    public int MaxThreadsPerBlock { get; }

    /// <summary>Resident threads per SM.</summary>
    public int MaxThreadsPerSm { get; }

    /// <summary>Resident warps per SM: <see cref="MaxThreadsPerSm"/> / <see cref="WarpSize"/>.</summary>
    public int MaxWarpsPerSm => MaxThreadsPerSm / WarpSize;

    /// <summary>Resident blocks per SM.</summary>
    public int MaxBlocksPerSm { get; }

    /// <summary>The portable thread-block cluster size (8 on sm_90+); 1 where clusters are unsupported.</summary>
    public int MaxClusterSize { get; }

    /// <summary>
    /// The cluster size a kernel reaches with cudaFuncAttributeNonPortableClusterSizeAllowed (16 on H100, H200,
    /// B200); equals <see cref="MaxClusterSize"/> where no larger size is known.
    /// </summary>
    public int NonPortableMaxClusterSize { get; }

    /// <summary>Peak DRAM bandwidth in GB/s (10^9 bytes per second), from the datasheet or the memory clock and bus width.</summary>
    public double MemoryBandwidthGBps { get; }

    /// <summary>Whether the device launches thread-block clusters (distributed shared memory, cluster barriers).</summary>
    public bool SupportsClusters => MaxClusterSize > 1;

    /// <summary>Register file plus shared memory of one SM, in bytes: the most weight data one SM can keep on chip.</summary>
    public int OnChipBytesPerSm => RegistersPerSm * sizeof(int) + SharedMemoryPerSm;

    /// <summary><see cref="OnChipBytesPerSm"/> over all SMs, in bytes.</summary>
    public long OnChipBytes => (long)OnChipBytesPerSm * SmCount;

    /// <summary>
    /// The tensor-core (mma.sync) shapes this GPU runs for operands stored as <paramref name="type"/>, largest
    /// first; empty when it has none (fp32 before sm_80 and fp64 outside A100 / H100 / H200 / B200 run on CUDA cores).
    /// Float32 maps to tf32 m16n8k8.
    /// </summary>
    public IReadOnlyList<MmaShape> MmaShapes(DataType type) => TensorCoreShapes.For(ComputeCapability, type);

    /// <summary>Registers one warp is allocated when each of its threads uses <paramref name="registersPerThread"/>.</summary>
    public int RegistersAllocatedPerWarp(int registersPerThread)
    {
        Guard.Positive(registersPerThread, nameof(registersPerThread));
        if (registersPerThread > MaxRegistersPerThread)
            throw new ArgumentOutOfRangeException(nameof(registersPerThread), registersPerThread,
                $"{nameof(registersPerThread)}: expected at most {MaxRegistersPerThread} on {Name}, got {registersPerThread}.");
        var perWarp = registersPerThread * WarpSize;
        return (perWarp + RegisterAllocationUnitPerWarp - 1) / RegisterAllocationUnitPerWarp * RegisterAllocationUnitPerWarp;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} ({Description}, {ComputeCapability.Arch}, {SmCount} SMs)");

    private static void AtMost(long value, long limit, string argument, string limitName)
    {
        if (value > limit)
            throw new ArgumentOutOfRangeException(argument, value, $"{argument}: expected at most {limitName} = {limit}, got {value}.");
    }

    private static void MultipleOf(int value, int unit, string argument, string unitName)
    {
        if (value % unit != 0)
            throw new ArgumentOutOfRangeException(argument, value, $"{argument}: expected a multiple of {unitName} = {unit}, got {value}.");
    }
}
