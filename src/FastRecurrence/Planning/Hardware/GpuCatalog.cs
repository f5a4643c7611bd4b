using System.Diagnostics.CodeAnalysis;

namespace FastRecurrence.Planning.Hardware;

/// <summary>
/// Real GPUs with their public figures, so the planner can size kernels for a device it is not running on.
/// Per-SM and per-block limits come from the compute capability (<see cref="ArchitectureLimits"/>, which cites
/// the CUDA Programming Guide); each entry below adds the product figures and says where they come from.
/// L2 sizes are the bytes cuDeviceGetAttribute(L2_CACHE_SIZE) reports (MB = 2^20 bytes).
/// </summary>
public static class GpuCatalog
{
    private const long MiB = 1024 * 1024;

    /// <summary>Every catalog GPU, oldest architecture first.</summary>
    public static IReadOnlyList<GpuSpec> All { get; } =
    [
        // NVIDIA Tesla V100 datasheet (SXM2 32 GB): 900 GB/s HBM2; Volta whitepaper: 80 SMs, 6144 KB L2.
        Entry("V100", "NVIDIA Tesla V100 SXM2 32GB", new(7, 0), smCount: 80, l2CacheBytes: 6 * MiB, memoryBandwidthGBps: 900),
        // NVIDIA T4 datasheet: 320 GB/s GDDR6; Turing whitepaper / deviceQuery: 40 SMs, 4 MB L2 (4194304 bytes).
        Entry("T4", "NVIDIA T4 16GB", new(7, 5), smCount: 40, l2CacheBytes: 4 * MiB, memoryBandwidthGBps: 320),
        // NVIDIA A10 datasheet: 600 GB/s GDDR6, 9216 CUDA cores = 72 SMs x 128; GA102 (Ampere GA102 whitepaper): 6 MB L2.
        Entry("A10", "NVIDIA A10 24GB", new(8, 6), smCount: 72, l2CacheBytes: 6 * MiB, memoryBandwidthGBps: 600),
        // NVIDIA A100 datasheet: 1555 GB/s (40 GB SXM4); Ampere GA100 whitepaper: 108 SMs, 40 MB L2.
        Entry("A100-40GB", "NVIDIA A100 SXM4 40GB", new(8, 0), smCount: 108, l2CacheBytes: 40 * MiB, memoryBandwidthGBps: 1555),
        // NVIDIA A100 datasheet: 2039 GB/s (80 GB SXM4, HBM2e); same GA100 configuration as the 40 GB part.
        Entry("A100-80GB", "NVIDIA A100 SXM4 80GB", new(8, 0), smCount: 108, l2CacheBytes: 40 * MiB, memoryBandwidthGBps: 2039),
        // NVIDIA RTX 3090 specifications: 10496 CUDA cores = 82 SMs, 936 GB/s GDDR6X; GA102 whitepaper: 6 MB L2.
        Entry("RTX-3090", "NVIDIA GeForce RTX 3090", new(8, 6), smCount: 82, l2CacheBytes: 6 * MiB, memoryBandwidthGBps: 936),
        // NVIDIA L4 datasheet: 7424 CUDA cores = 58 SMs, 300 GB/s GDDR6; Ada whitepaper (AD104): 48 MB L2.
        Entry("L4", "NVIDIA L4 24GB", new(8, 9), smCount: 58, l2CacheBytes: 48 * MiB, memoryBandwidthGBps: 300),
        // NVIDIA L40S datasheet: 18176 CUDA cores = 142 SMs, 864 GB/s GDDR6; Ada whitepaper (AD102): 96 MB L2.
        Entry("L40S", "NVIDIA L40S 48GB", new(8, 9), smCount: 142, l2CacheBytes: 96 * MiB, memoryBandwidthGBps: 864),
        // NVIDIA RTX 4090 specifications: 16384 CUDA cores = 128 SMs, 1008 GB/s GDDR6X; Ada whitepaper: 72 MB L2.
        Entry("RTX-4090", "NVIDIA GeForce RTX 4090", new(8, 9), smCount: 128, l2CacheBytes: 72 * MiB, memoryBandwidthGBps: 1008),
        // NVIDIA H100 datasheet (SXM5 80 GB): 3.35 TB/s HBM3; Hopper whitepaper: 132 SMs, 50 MB L2. Measured on an
        // H100 80GB HBM3 (SXM5) with cuDeviceGetAttribute, CUDA 13.0 driver, 2026-11-28: 132 SMs, 52428800 bytes L2,
        // 2619000 kHz x 5120 bits = 3352 GB/s (docs/device-runs/2026-11-28-h100-attributes.md).
        Entry("H100-SXM", "NVIDIA H100 SXM5 80GB", new(9, 0), smCount: 132, l2CacheBytes: 50 * MiB, memoryBandwidthGBps: 3350),
        // NVIDIA H100 datasheet (PCIe 80 GB): 2 TB/s HBM2e; Hopper whitepaper: 114 SMs, 50 MB L2.
        Entry("H100-PCIe", "NVIDIA H100 PCIe 80GB", new(9, 0), smCount: 114, l2CacheBytes: 50 * MiB, memoryBandwidthGBps: 2000),
        // NVIDIA H200 datasheet (SXM 141 GB): 4.8 TB/s HBM3e. SMs and L2 read from a live H200 with
        // cuDeviceGetAttribute (CUDA 13.0 driver): 132 SMs, 62914560 bytes = 60 MB L2 (more than the H100's 50 MB).
        Entry("H200", "NVIDIA H200 SXM 141GB", new(9, 0), smCount: 132, l2CacheBytes: 60 * MiB, memoryBandwidthGBps: 4800),
        // NVIDIA B200 (HGX B200) datasheet: 8 TB/s HBM3e per GPU. SMs and L2 as the driver reports them for one
        // B200 (both dies): 148 SMs, 132644864 bytes (126.5 MB) L2 - a public device profile, not an NVIDIA document.
        Entry("B200", "NVIDIA B200 180GB", new(10, 0), smCount: 148, l2CacheBytes: 132644864, memoryBandwidthGBps: 8000),
        // NVIDIA RTX 5090 specifications: 21760 CUDA cores = 170 SMs, 1792 GB/s GDDR7 (28 Gbps x 512 bits);
        // 96 MB L2 per reviews of the card (NVIDIA's RTX Blackwell whitepaper lists the full GB202 at 128 MB).
        Entry("RTX-5090", "NVIDIA GeForce RTX 5090", new(12, 0), smCount: 170, l2CacheBytes: 96 * MiB, memoryBandwidthGBps: 1792),
    ];

    /// <summary>The catalog names, in <see cref="All"/>'s order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(gpu => gpu.Name)];

    private static readonly Dictionary<string, GpuSpec> ByKey = All.ToDictionary(gpu => Key(gpu.Name), StringComparer.Ordinal);

    /// <summary>
    /// The catalog GPU named <paramref name="name"/>, compared without case and ignoring '-', '_' and spaces
    /// ("h100sxm", "H100-SXM" and "h100_sxm" are the same GPU).
    /// </summary>
    /// <exception cref="ArgumentException">No GPU has that name; the message lists the known names.</exception>
    public static GpuSpec Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryFind(name, out var gpu)
            ? gpu
            : throw new ArgumentException($"name: unknown GPU '{name}'; known GPUs: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>As <see cref="Find"/>, returning false instead of throwing.</summary>
    public static bool TryFind(string? name, [NotNullWhen(true)] out GpuSpec? gpu)
    {
        gpu = null;
        return name is not null && ByKey.TryGetValue(Key(name), out gpu);
    }

    /// <summary>The spelling-insensitive lookup key: lower case, without '-', '_' and whitespace.</summary>
    internal static string Key(string name) =>
        string.Concat(name.Where(c => c is not ('-' or '_') && !char.IsWhiteSpace(c)).Select(char.ToLowerInvariant));

    private static GpuSpec Entry(string name, string description, ComputeCapability cc, int smCount, long l2CacheBytes, double memoryBandwidthGBps)
    {
        var arch = ArchitectureLimits.For(cc);
        return new GpuSpec(
            name: name,
            description: description,
            computeCapability: cc,
            smCount: smCount,
            registersPerSm: arch.RegistersPerSm,
            maxRegistersPerThread: arch.MaxRegistersPerThread,
            maxRegistersPerBlock: arch.MaxRegistersPerBlock,
            registerAllocationUnitPerWarp: arch.RegisterAllocationUnitPerWarp,
            sharedMemoryPerSm: arch.SharedMemoryPerSm,
            sharedMemoryPerBlockOptIn: arch.SharedMemoryPerBlockOptIn,
            reservedSharedMemoryPerBlock: arch.ReservedSharedMemoryPerBlock,
            sharedMemoryAllocationUnit: arch.SharedMemoryAllocationUnit,
            l2CacheBytes: l2CacheBytes,
            warpSize: arch.WarpSize,
            maxThreadsPerBlock: arch.MaxThreadsPerBlock,
            maxThreadsPerSm: arch.MaxThreadsPerSm,
            maxBlocksPerSm: arch.MaxBlocksPerSm,
            maxClusterSize: arch.MaxClusterSize,
            nonPortableMaxClusterSize: arch.NonPortableMaxClusterSize,
            memoryBandwidthGBps: memoryBandwidthGBps);
    }
}
