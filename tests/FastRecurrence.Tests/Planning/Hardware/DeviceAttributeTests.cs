using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Planning.Hardware;

/// <summary>
/// The live-device seam: DeviceAttribute carries cuda.h's CUdevice_attribute numbers, and a device's attributes
/// build the same spec the catalog holds for that GPU.
/// </summary>
[TestFixture]
public sealed class DeviceAttributeTests
{
    /// <summary>
    /// cuDeviceGetAttribute on an H100 SXM5 80GB: every value measured on an "NVIDIA H100 80GB HBM3" (CUDA 13.0
    /// driver 580.159.04) with tools/device/query_attributes.py on 2026-11-28; see docs/device-runs/2026-11-28-h100-attributes.md.
    /// </summary>
    private static Dictionary<DeviceAttribute, int> H100SxmAttributes() => new()
    {
        [DeviceAttribute.ComputeCapabilityMajor] = 9,
        [DeviceAttribute.ComputeCapabilityMinor] = 0,
        [DeviceAttribute.MultiprocessorCount] = 132,
        [DeviceAttribute.MaxRegistersPerMultiprocessor] = 65536,
        [DeviceAttribute.MaxRegistersPerBlock] = 65536,
        [DeviceAttribute.MaxSharedMemoryPerBlockOptin] = 232448,
        [DeviceAttribute.MaxSharedMemoryPerMultiprocessor] = 233472,
        [DeviceAttribute.ReservedSharedMemoryPerBlock] = 1024,
        [DeviceAttribute.L2CacheSize] = 52428800,
        [DeviceAttribute.WarpSize] = 32,
        [DeviceAttribute.MaxThreadsPerBlock] = 1024,
        [DeviceAttribute.MaxThreadsPerMultiprocessor] = 2048,
        [DeviceAttribute.MaxBlocksPerMultiprocessor] = 32,
        [DeviceAttribute.ClusterLaunch] = 1,
        [DeviceAttribute.MemoryClockRate] = 2619000,
        [DeviceAttribute.GlobalMemoryBusWidth] = 5120,
    };

    /// <summary>Recorded with cuDeviceGetAttribute on an NVIDIA H200 (141 GB, CUDA 13.0 driver).</summary>
    private static Dictionary<DeviceAttribute, int> H200Attributes()
    {
        var attributes = H100SxmAttributes();
        attributes[DeviceAttribute.L2CacheSize] = 62914560;
        attributes[DeviceAttribute.MemoryClockRate] = 3201000;
        attributes[DeviceAttribute.GlobalMemoryBusWidth] = 6016;
        return attributes;
    }

    [TestCase(DeviceAttribute.MaxThreadsPerBlock, 1, "CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK")]
    [TestCase(DeviceAttribute.WarpSize, 10, "CU_DEVICE_ATTRIBUTE_WARP_SIZE")]
    [TestCase(DeviceAttribute.MaxRegistersPerBlock, 12, "CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK")]
    [TestCase(DeviceAttribute.MultiprocessorCount, 16, "CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT")]
    [TestCase(DeviceAttribute.MemoryClockRate, 36, "CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE")]
    [TestCase(DeviceAttribute.GlobalMemoryBusWidth, 37, "CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH")]
    [TestCase(DeviceAttribute.L2CacheSize, 38, "CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE")]
    [TestCase(DeviceAttribute.MaxThreadsPerMultiprocessor, 39, "CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR")]
    [TestCase(DeviceAttribute.ComputeCapabilityMajor, 75, "CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR")]
    [TestCase(DeviceAttribute.ComputeCapabilityMinor, 76, "CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR")]
    [TestCase(DeviceAttribute.MaxSharedMemoryPerMultiprocessor, 81, "CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR")]
    [TestCase(DeviceAttribute.MaxRegistersPerMultiprocessor, 82, "CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR")]
    [TestCase(DeviceAttribute.MaxSharedMemoryPerBlockOptin, 97, "CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN")]
    [TestCase(DeviceAttribute.MaxBlocksPerMultiprocessor, 106, "CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR")]
    [TestCase(DeviceAttribute.ReservedSharedMemoryPerBlock, 111, "CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_MEMORY_PER_BLOCK")]
    [TestCase(DeviceAttribute.ClusterLaunch, 120, "CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH")]
    public void Attribute_HasTheCudaDriverNumberAndName(DeviceAttribute attribute, int value, string cudaName)
    {
        Assert.That((int)attribute, Is.EqualTo(value));
        Assert.That(attribute.CudaName(), Is.EqualTo(cudaName));
    }

    [Test]
    public void Attributes_AreExactlyTheSixteenTheModelReads() =>
        Assert.That(Enum.GetValues<DeviceAttribute>(), Has.Length.EqualTo(16));

    [Test]
    public void H100Attributes_BuildTheCatalogsH100Sxm()
    {
        var live = GpuSpec.FromDeviceAttributes("NVIDIA H100 80GB HBM3", H100SxmAttributes());
        Assert.That(live.Name, Is.EqualTo("NVIDIA H100 80GB HBM3"));
        Assert.That(live.Description, Is.EqualTo("NVIDIA H100 80GB HBM3"));
        AssertSameHardware(live, GpuCatalog.Find("H100-SXM"));
    }

    [Test]
    public void RecordedH200Attributes_BuildTheCatalogsH200()
    {
        var live = GpuSpec.FromDeviceAttributes("NVIDIA H200", H200Attributes());
        AssertSameHardware(live, GpuCatalog.Find("H200"));
    }

    [Test]
    public void Bandwidth_IsTwoTransfersPerMemoryClockOverTheBus() =>
        // 2 x 2619 MHz x 640 bytes = 3352.3 GB/s.
        Assert.That(GpuSpec.FromDeviceAttributes("H100", H100SxmAttributes()).MemoryBandwidthGBps, Is.EqualTo(3352.32).Within(1e-9));

    [Test]
    public void DeviceWithoutClusterLaunch_HasClusterSizeOne()
    {
        var attributes = H100SxmAttributes();
        attributes[DeviceAttribute.ClusterLaunch] = 0;
        var gpu = GpuSpec.FromDeviceAttributes("no clusters", attributes);
        Assert.That((gpu.MaxClusterSize, gpu.NonPortableMaxClusterSize, gpu.SupportsClusters), Is.EqualTo((1, 1, false)));
    }

    [Test]
    public void CapabilityNewerThanTheTable_TakesTheSharedDefaults()
    {
        var attributes = H100SxmAttributes();
        attributes[DeviceAttribute.ComputeCapabilityMajor] = 13;
        var gpu = GpuSpec.FromDeviceAttributes("future", attributes);
        Assert.Multiple(() =>
        {
            Assert.That(gpu.ComputeCapability.Arch, Is.EqualTo("sm_130"));
            Assert.That(gpu.MaxRegistersPerThread, Is.EqualTo(255));
            Assert.That(gpu.RegisterAllocationUnitPerWarp, Is.EqualTo(256));
            Assert.That(gpu.SharedMemoryAllocationUnit, Is.EqualTo(128));
            Assert.That((gpu.MaxClusterSize, gpu.NonPortableMaxClusterSize), Is.EqualTo((8, 8)));
        });
    }

    private static DeviceAttribute[] EveryAttribute() => Enum.GetValues<DeviceAttribute>();

    [TestCaseSource(nameof(EveryAttribute))]
    public void MissingAttribute_IsNamedInTheError(DeviceAttribute missing)
    {
        var attributes = H100SxmAttributes();
        attributes.Remove(missing);
        var ex = Assert.Throws<ArgumentException>(() => GpuSpec.FromDeviceAttributes("H100", attributes));
        Assert.That(ex!.ParamName, Is.EqualTo("attributes"));
        Assert.That(ex.Message, Does.StartWith($"attributes: missing DeviceAttribute.{missing} ({missing.CudaName()} = {(int)missing})"));
    }

    [TestCase(DeviceAttribute.MultiprocessorCount, 0)]
    [TestCase(DeviceAttribute.L2CacheSize, -1)]
    [TestCase(DeviceAttribute.MemoryClockRate, 0)]
    [TestCase(DeviceAttribute.ReservedSharedMemoryPerBlock, -1)]
    public void OutOfRangeAttribute_IsNamedInTheError(DeviceAttribute attribute, int value)
    {
        var attributes = H100SxmAttributes();
        attributes[attribute] = value;
        var ex = Assert.Throws<ArgumentException>(() => GpuSpec.FromDeviceAttributes("H100", attributes));
        Assert.That(ex!.Message, Does.StartWith($"attributes: DeviceAttribute.{attribute} ({attribute.CudaName()}): expected an integer >= "));
    }

    [Test]
    public void ContradictoryAttributes_AreRejectedByTheSpec()
    {
        var attributes = H100SxmAttributes();
        attributes[DeviceAttribute.MaxSharedMemoryPerBlockOptin] = 233472;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => GpuSpec.FromDeviceAttributes("H100", attributes));
        Assert.That(ex!.Message, Does.StartWith("sharedMemoryPerBlockOptIn: expected at most"));
    }

    [Test]
    public void NullAttributes_AreRejected() =>
        Assert.Throws<ArgumentNullException>(() => GpuSpec.FromDeviceAttributes("H100", null!));

    /// <summary>
    /// Every field the planner's constraints or cost model read. Bandwidth is within 0.5 %: the driver's clock
    /// and bus width give 3352 GB/s where the datasheet rounds to 3350.
    /// </summary>
    private static void AssertSameHardware(GpuSpec live, GpuSpec catalog) => Assert.Multiple(() =>
    {
        Assert.That(live.ComputeCapability, Is.EqualTo(catalog.ComputeCapability), nameof(GpuSpec.ComputeCapability));
        Assert.That(live.SmCount, Is.EqualTo(catalog.SmCount), nameof(GpuSpec.SmCount));
        Assert.That(live.RegistersPerSm, Is.EqualTo(catalog.RegistersPerSm), nameof(GpuSpec.RegistersPerSm));
        Assert.That(live.MaxRegistersPerThread, Is.EqualTo(catalog.MaxRegistersPerThread), nameof(GpuSpec.MaxRegistersPerThread));
        Assert.That(live.MaxRegistersPerBlock, Is.EqualTo(catalog.MaxRegistersPerBlock), nameof(GpuSpec.MaxRegistersPerBlock));
        Assert.That(live.RegisterAllocationUnitPerWarp, Is.EqualTo(catalog.RegisterAllocationUnitPerWarp), nameof(GpuSpec.RegisterAllocationUnitPerWarp));
        Assert.That(live.SharedMemoryPerSm, Is.EqualTo(catalog.SharedMemoryPerSm), nameof(GpuSpec.SharedMemoryPerSm));
        Assert.That(live.SharedMemoryPerBlockOptIn, Is.EqualTo(catalog.SharedMemoryPerBlockOptIn), nameof(GpuSpec.SharedMemoryPerBlockOptIn));
        Assert.That(live.ReservedSharedMemoryPerBlock, Is.EqualTo(catalog.ReservedSharedMemoryPerBlock), nameof(GpuSpec.ReservedSharedMemoryPerBlock));
        Assert.That(live.SharedMemoryAllocationUnit, Is.EqualTo(catalog.SharedMemoryAllocationUnit), nameof(GpuSpec.SharedMemoryAllocationUnit));
        Assert.That(live.L2CacheBytes, Is.EqualTo(catalog.L2CacheBytes), nameof(GpuSpec.L2CacheBytes));
        Assert.That(live.WarpSize, Is.EqualTo(catalog.WarpSize), nameof(GpuSpec.WarpSize));
        Assert.That(live.MaxThreadsPerBlock, Is.EqualTo(catalog.MaxThreadsPerBlock), nameof(GpuSpec.MaxThreadsPerBlock));
        Assert.That(live.MaxThreadsPerSm, Is.EqualTo(catalog.MaxThreadsPerSm), nameof(GpuSpec.MaxThreadsPerSm));
        Assert.That(live.MaxBlocksPerSm, Is.EqualTo(catalog.MaxBlocksPerSm), nameof(GpuSpec.MaxBlocksPerSm));
        Assert.That(live.MaxClusterSize, Is.EqualTo(catalog.MaxClusterSize), nameof(GpuSpec.MaxClusterSize));
        Assert.That(live.NonPortableMaxClusterSize, Is.EqualTo(catalog.NonPortableMaxClusterSize), nameof(GpuSpec.NonPortableMaxClusterSize));
        Assert.That(live.OnChipBytes, Is.EqualTo(catalog.OnChipBytes), nameof(GpuSpec.OnChipBytes));
        Assert.That(live.MemoryBandwidthGBps, Is.EqualTo(catalog.MemoryBandwidthGBps).Within(0.5).Percent, nameof(GpuSpec.MemoryBandwidthGBps));
        foreach (var type in Enum.GetValues<DataType>())
            Assert.That(live.MmaShapes(type), Is.EqualTo(catalog.MmaShapes(type)), $"MmaShapes({type})");
    });
}
