namespace FastRecurrence.Planning.Hardware;

public sealed partial class GpuSpec
{
    /// <summary>
    /// The spec of a live device from its cuDeviceGetAttribute values (the native library reads every
    /// <see cref="DeviceAttribute"/> and passes them here unchanged). Limits the driver does not report come
    /// from the device's compute capability: registers per thread (255), the register and shared-memory
    /// allocation units and the non-portable cluster size; for a capability newer than the table knows, the
    /// values every known capability from 8.0 on shares (255, 256, 128) and the portable cluster size.
    /// </summary>
    /// <param name="name">The device name (cuDeviceGetName); it also becomes the description.</param>
    /// <param name="attributes">Every <see cref="DeviceAttribute"/> with the value the driver reported.</param>
    /// <exception cref="ArgumentException">An attribute is missing or out of range (the message names it), or the values contradict each other.</exception>
    public static GpuSpec FromDeviceAttributes(string name, IReadOnlyDictionary<DeviceAttribute, int> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        int Positive(DeviceAttribute attribute) => Read(attributes, attribute, minimum: 1);

        var cc = new ComputeCapability(Positive(DeviceAttribute.ComputeCapabilityMajor), Read(attributes, DeviceAttribute.ComputeCapabilityMinor, minimum: 0));
        var known = ArchitectureLimits.TryFor(cc);
        var clusters = Read(attributes, DeviceAttribute.ClusterLaunch, minimum: 0) != 0;
        // No driver attribute reports cluster sizes: 8 is CUDA's portable size on every cluster-capable device,
        // the non-portable size is the architecture's (or 8 when unknown).
        const int portableClusterSize = 8;
        var maxClusterSize = clusters ? portableClusterSize : 1;
        var nonPortableMaxClusterSize = clusters ? Math.Max(portableClusterSize, known?.NonPortableMaxClusterSize ?? portableClusterSize) : 1;

        return new GpuSpec(
            name: name,
            description: name,
            computeCapability: cc,
            smCount: Positive(DeviceAttribute.MultiprocessorCount),
            registersPerSm: Positive(DeviceAttribute.MaxRegistersPerMultiprocessor),
            maxRegistersPerThread: known?.MaxRegistersPerThread ?? 255,
            maxRegistersPerBlock: Positive(DeviceAttribute.MaxRegistersPerBlock),
            registerAllocationUnitPerWarp: known?.RegisterAllocationUnitPerWarp ?? 256,
            sharedMemoryPerSm: Positive(DeviceAttribute.MaxSharedMemoryPerMultiprocessor),
            sharedMemoryPerBlockOptIn: Positive(DeviceAttribute.MaxSharedMemoryPerBlockOptin),
            reservedSharedMemoryPerBlock: Read(attributes, DeviceAttribute.ReservedSharedMemoryPerBlock, minimum: 0),
            sharedMemoryAllocationUnit: known?.SharedMemoryAllocationUnit ?? 128,
            l2CacheBytes: Positive(DeviceAttribute.L2CacheSize),
            warpSize: Positive(DeviceAttribute.WarpSize),
            maxThreadsPerBlock: Positive(DeviceAttribute.MaxThreadsPerBlock),
            maxThreadsPerSm: Positive(DeviceAttribute.MaxThreadsPerMultiprocessor),
            maxBlocksPerSm: Positive(DeviceAttribute.MaxBlocksPerMultiprocessor),
            maxClusterSize: maxClusterSize,
            nonPortableMaxClusterSize: nonPortableMaxClusterSize,
            memoryBandwidthGBps: PeakBandwidthGBps(Positive(DeviceAttribute.MemoryClockRate), Positive(DeviceAttribute.GlobalMemoryBusWidth)));
    }

    /// <summary>
    /// Peak DRAM bandwidth from the driver's memory clock (kHz) and bus width (bits): two transfers per clock
    /// (the driver reports HBM and GDDR clocks so that this holds), as deviceQuery and bandwidthTest compute it.
    /// An H100 SXM reports 2619000 kHz x 5120 bits = 3352 GB/s against the datasheet's 3350.
    /// </summary>
    internal static double PeakBandwidthGBps(int memoryClockKHz, int busWidthBits) =>
        2.0 * memoryClockKHz * 1e3 * (busWidthBits / 8.0) / 1e9;

    private static int Read(IReadOnlyDictionary<DeviceAttribute, int> attributes, DeviceAttribute attribute, int minimum)
    {
        if (!attributes.TryGetValue(attribute, out var value))
            throw new ArgumentException(
                $"attributes: missing DeviceAttribute.{attribute} ({attribute.CudaName()} = {(int)attribute}); " +
                "pass every DeviceAttribute as cuDeviceGetAttribute reports it.", nameof(attributes));
        if (value < minimum)
            throw new ArgumentException(
                $"attributes: DeviceAttribute.{attribute} ({attribute.CudaName()}): expected an integer >= {minimum}, got {value}.",
                nameof(attributes));
        return value;
    }
}
