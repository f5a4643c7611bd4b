namespace FastRecurrence.Planning.Hardware;

/// <summary>
/// The per-SM and per-block limits that depend only on the compute capability, so the catalog states them once
/// per architecture and each GPU entry adds only its product figures (SM count, L2, bandwidth).
/// </summary>
/// <remarks>
/// Sources, for every row unless the row says otherwise:
/// <list type="bullet">
/// <item>CUDA C++ Programming Guide, "Compute Capabilities", table "Technical Specifications per Compute
/// Capability": 64 K 32-bit registers per SM and per block, 255 registers per thread, 1024 threads per block,
/// resident threads and blocks per SM, shared memory per SM and per block; and the per-architecture sections:
/// "1 KB of shared memory is reserved for system use" per block on 8.x and later (0 on 7.x).</item>
/// <item>cuda_occupancy.h of CUDA 13.0 (the occupancy calculator's own tables): registers are allocated per warp
/// in units of 256 (= 8 per thread), shared memory in units of 128 bytes on 8.x+ (256 on 7.x), and the
/// resident-block limits, including 10.0 = 32 and 12.0 = 24; its carve-out tables give 228 KB per SM on 9.0 /
/// 10.0 and 100 KB on 12.0.</item>
/// <item>Clusters: Hopper Tuning Guide ("Thread Block Clusters": portable size 8, 16 with
/// cudaFuncAttributeNonPortableClusterSizeAllowed on H100) and Blackwell Tuning Guide (the same 8 / 16 on B200).
/// Measured on an H200 with cudaOccupancyMaxPotentialClusterSize: 8 portable, 16 non-portable.</item>
/// <item>The 9.0 row equals cuDeviceGetAttribute on an H200 (CUDA 13.0 driver): 233472 bytes per SM, 232448 per
/// block opt-in, 1024 reserved, 2048 threads and 32 blocks per SM, 65536 registers per SM and per block; the same
/// values measured on an H100 80GB HBM3 (SXM5, CUDA 13.0 driver) on 2026-11-28.</item>
/// <item>12.0 is also checked against a published deviceQuery of a 12.0 device (RTX 5060 Laptop): 102400 bytes
/// shared and 1536 threads per SM.</item>
/// </list>
/// Not confirmed from a public NVIDIA source: the non-portable cluster size on 12.0 (GeForce Blackwell), which is
/// set to the portable 8 so the planner never relies on an unproven 16.
/// </remarks>
internal sealed record ArchitectureLimits(
    int RegistersPerSm,
    int MaxRegistersPerThread,
    int MaxRegistersPerBlock,
    int RegisterAllocationUnitPerWarp,
    int SharedMemoryPerSm,
    int SharedMemoryPerBlockOptIn,
    int ReservedSharedMemoryPerBlock,
    int SharedMemoryAllocationUnit,
    int WarpSize,
    int MaxThreadsPerBlock,
    int MaxThreadsPerSm,
    int MaxBlocksPerSm,
    int MaxClusterSize,
    int NonPortableMaxClusterSize)
{
    private const int KiB = 1024;

    /// <summary>The values every capability from 7.0 to 12.0 shares; rows override what differs.</summary>
    private static readonly ArchitectureLimits Common = new(
        RegistersPerSm: 64 * KiB,
        MaxRegistersPerThread: 255,
        MaxRegistersPerBlock: 64 * KiB,
        RegisterAllocationUnitPerWarp: 256,
        SharedMemoryPerSm: 0,
        SharedMemoryPerBlockOptIn: 0,
        ReservedSharedMemoryPerBlock: 1 * KiB,
        SharedMemoryAllocationUnit: 128,
        WarpSize: 32,
        MaxThreadsPerBlock: 1024,
        MaxThreadsPerSm: 2048,
        MaxBlocksPerSm: 32,
        MaxClusterSize: 1,
        NonPortableMaxClusterSize: 1);

    private static readonly Dictionary<ComputeCapability, ArchitectureLimits> Table = new()
    {
        // Volta (V100): 96 KB shared per SM, all of it opt-in to one block; no per-block reservation.
        [new(7, 0)] = Common with
        {
            SharedMemoryPerSm = 96 * KiB,
            SharedMemoryPerBlockOptIn = 96 * KiB,
            ReservedSharedMemoryPerBlock = 0,
            SharedMemoryAllocationUnit = 256,
        },
        // Turing (T4): 64 KB shared per SM, 1024 threads and 16 blocks per SM.
        [new(7, 5)] = Common with
        {
            SharedMemoryPerSm = 64 * KiB,
            SharedMemoryPerBlockOptIn = 64 * KiB,
            ReservedSharedMemoryPerBlock = 0,
            SharedMemoryAllocationUnit = 256,
            MaxThreadsPerSm = 1024,
            MaxBlocksPerSm = 16,
        },
        // Ampere GA100 (A100): 164 KB per SM, 163 KB per block.
        [new(8, 0)] = Common with { SharedMemoryPerSm = 164 * KiB, SharedMemoryPerBlockOptIn = 163 * KiB },
        // Ampere GA10x (A10, RTX 3090): 100 KB per SM, 99 KB per block, 1536 threads and 16 blocks per SM.
        [new(8, 6)] = Common with
        {
            SharedMemoryPerSm = 100 * KiB,
            SharedMemoryPerBlockOptIn = 99 * KiB,
            MaxThreadsPerSm = 1536,
            MaxBlocksPerSm = 16,
        },
        // Ada (L4, L40S, RTX 4090): as 8.6 but 24 blocks per SM.
        [new(8, 9)] = Common with
        {
            SharedMemoryPerSm = 100 * KiB,
            SharedMemoryPerBlockOptIn = 99 * KiB,
            MaxThreadsPerSm = 1536,
            MaxBlocksPerSm = 24,
        },
        // Hopper (H100, H200): 228 KB per SM, 227 KB per block; clusters 8 portable, 16 non-portable.
        [new(9, 0)] = Common with
        {
            SharedMemoryPerSm = 228 * KiB,
            SharedMemoryPerBlockOptIn = 227 * KiB,
            MaxClusterSize = 8,
            NonPortableMaxClusterSize = 16,
        },
        // Blackwell data centre (B200): the Hopper SM limits; clusters 8 portable, 16 non-portable.
        [new(10, 0)] = Common with
        {
            SharedMemoryPerSm = 228 * KiB,
            SharedMemoryPerBlockOptIn = 227 * KiB,
            MaxClusterSize = 8,
            NonPortableMaxClusterSize = 16,
        },
        // Blackwell GeForce (RTX 5090): 100 KB per SM, 99 KB per block, 1536 threads and 24 blocks per SM;
        // clusters of 8 (compute capability 9.0+); non-portable size unpublished, see the remarks.
        [new(12, 0)] = Common with
        {
            SharedMemoryPerSm = 100 * KiB,
            SharedMemoryPerBlockOptIn = 99 * KiB,
            MaxThreadsPerSm = 1536,
            MaxBlocksPerSm = 24,
            MaxClusterSize = 8,
            NonPortableMaxClusterSize = 8,
        },
    };

    /// <summary>The capabilities this table knows, oldest first.</summary>
    public static IEnumerable<ComputeCapability> Known => Table.Keys.Order();

    public static ArchitectureLimits? TryFor(ComputeCapability cc) => Table.GetValueOrDefault(cc);

    public static ArchitectureLimits For(ComputeCapability cc) =>
        TryFor(cc) ?? throw new ArgumentException(
            $"computeCapability: no architecture limits for {cc.Arch}; known: {string.Join(", ", Known.Select(k => k.Arch))}.",
            "computeCapability");
}
