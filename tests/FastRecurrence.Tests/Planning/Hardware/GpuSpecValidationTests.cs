using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Planning.Hardware;

/// <summary>A spec with an impossible figure is rejected on construction, and the message names the field.</summary>
[TestFixture]
public sealed class GpuSpecValidationTests
{
    /// <summary>An H100 SXM, with any figure replaced.</summary>
    private static GpuSpec Spec(
        string name = "Test", string description = "test GPU", int smCount = 132, int registersPerSm = 65536,
        int maxRegistersPerThread = 255, int maxRegistersPerBlock = 65536, int registerAllocationUnitPerWarp = 256,
        int sharedMemoryPerSm = 233472, int sharedMemoryPerBlockOptIn = 232448, int reservedSharedMemoryPerBlock = 1024,
        int sharedMemoryAllocationUnit = 128, long l2CacheBytes = 50L << 20, int warpSize = 32, int maxThreadsPerBlock = 1024,
        int maxThreadsPerSm = 2048, int maxBlocksPerSm = 32, int maxClusterSize = 8, int nonPortableMaxClusterSize = 16,
        double memoryBandwidthGBps = 3350) =>
        new(name, description, new ComputeCapability(9, 0), smCount, registersPerSm, maxRegistersPerThread, maxRegistersPerBlock,
            registerAllocationUnitPerWarp, sharedMemoryPerSm, sharedMemoryPerBlockOptIn, reservedSharedMemoryPerBlock,
            sharedMemoryAllocationUnit, l2CacheBytes, warpSize, maxThreadsPerBlock, maxThreadsPerSm, maxBlocksPerSm,
            maxClusterSize, nonPortableMaxClusterSize, memoryBandwidthGBps);

    private static IEnumerable<TestCaseData> NonPositiveFigures()
    {
        yield return new TestCaseData((Action)(() => Spec(smCount: 0)), "smCount");
        yield return new TestCaseData((Action)(() => Spec(registersPerSm: -1)), "registersPerSm");
        yield return new TestCaseData((Action)(() => Spec(maxRegistersPerThread: 0)), "maxRegistersPerThread");
        yield return new TestCaseData((Action)(() => Spec(maxRegistersPerBlock: 0)), "maxRegistersPerBlock");
        yield return new TestCaseData((Action)(() => Spec(registerAllocationUnitPerWarp: 0)), "registerAllocationUnitPerWarp");
        yield return new TestCaseData((Action)(() => Spec(sharedMemoryPerSm: 0)), "sharedMemoryPerSm");
        yield return new TestCaseData((Action)(() => Spec(sharedMemoryPerBlockOptIn: 0)), "sharedMemoryPerBlockOptIn");
        yield return new TestCaseData((Action)(() => Spec(sharedMemoryAllocationUnit: 0)), "sharedMemoryAllocationUnit");
        yield return new TestCaseData((Action)(() => Spec(l2CacheBytes: 0)), "l2CacheBytes");
        yield return new TestCaseData((Action)(() => Spec(warpSize: 0)), "warpSize");
        yield return new TestCaseData((Action)(() => Spec(maxThreadsPerBlock: 0)), "maxThreadsPerBlock");
        yield return new TestCaseData((Action)(() => Spec(maxThreadsPerSm: 0)), "maxThreadsPerSm");
        yield return new TestCaseData((Action)(() => Spec(maxBlocksPerSm: 0)), "maxBlocksPerSm");
        yield return new TestCaseData((Action)(() => Spec(maxClusterSize: 0)), "maxClusterSize");
        yield return new TestCaseData((Action)(() => Spec(nonPortableMaxClusterSize: 0)), "nonPortableMaxClusterSize");
    }

    [TestCaseSource(nameof(NonPositiveFigures))]
    public void RejectsNonPositiveFigures(Action construct, string field)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => construct());
        Assert.That(ex!.ParamName, Is.EqualTo(field));
        Assert.That(ex.Message, Does.StartWith($"{field}: expected an integer >= 1"));
    }

    [Test]
    public void RejectsNegativeReservedSharedMemory()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Spec(reservedSharedMemoryPerBlock: -1));
        Assert.That(ex!.Message, Does.StartWith("reservedSharedMemoryPerBlock: expected an integer >= 0, got -1."));
    }

    [TestCase(0.0)]
    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void RejectsBandwidthThatIsNotAPositiveNumber(double bandwidth)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Spec(memoryBandwidthGBps: bandwidth));
        Assert.That(ex!.Message, Does.StartWith("memoryBandwidthGBps: expected a finite number > 0"));
    }

    [TestCase("")]
    [TestCase("  ")]
    public void RejectsBlankName(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => Spec(name: name));
        Assert.That(ex!.Message, Does.StartWith("name: expected a non-empty GPU name"));
    }

    [Test]
    public void RejectsNullDescription()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => Spec(description: null!));
        Assert.That(ex!.ParamName, Is.EqualTo("description"));
    }

    private static IEnumerable<TestCaseData> InconsistentFigures()
    {
        yield return new TestCaseData((Action)(() => Spec(maxRegistersPerBlock: 65537)),
            "maxRegistersPerBlock: expected at most registersPerSm = 65536, got 65537.");
        yield return new TestCaseData((Action)(() => Spec(maxRegistersPerThread: 300, maxRegistersPerBlock: 256, registersPerSm: 256)),
            "maxRegistersPerThread: expected at most maxRegistersPerBlock = 256, got 300.");
        yield return new TestCaseData((Action)(() => Spec(registerAllocationUnitPerWarp: 100)),
            "registerAllocationUnitPerWarp: expected a multiple of warpSize = 32, got 100.");
        yield return new TestCaseData((Action)(() => Spec(sharedMemoryPerBlockOptIn: 233472)),
            "sharedMemoryPerBlockOptIn: expected at most sharedMemoryPerSm - reservedSharedMemoryPerBlock = 232448, got 233472.");
        yield return new TestCaseData((Action)(() => Spec(maxThreadsPerBlock: 1000)),
            "maxThreadsPerBlock: expected a multiple of warpSize = 32, got 1000.");
        yield return new TestCaseData((Action)(() => Spec(maxThreadsPerSm: 2000)),
            "maxThreadsPerSm: expected a multiple of warpSize = 32, got 2000.");
        yield return new TestCaseData((Action)(() => Spec(maxThreadsPerSm: 512)),
            "maxThreadsPerBlock: expected at most maxThreadsPerSm = 512, got 1024.");
        yield return new TestCaseData((Action)(() => Spec(maxClusterSize: 32)),
            "maxClusterSize: expected at most nonPortableMaxClusterSize = 16, got 32.");
        yield return new TestCaseData((Action)(() => Spec(smCount: 8)),
            "nonPortableMaxClusterSize: expected at most smCount = 8, got 16.");
    }

    [TestCaseSource(nameof(InconsistentFigures))]
    public void RejectsFiguresThatContradictEachOther(Action construct, string message)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => construct());
        Assert.That(ex!.Message, Does.StartWith(message));
    }

    [Test]
    public void DerivedHelpers_FollowTheFigures()
    {
        var gpu = Spec();
        Assert.Multiple(() =>
        {
            Assert.That(gpu.MaxWarpsPerSm, Is.EqualTo(64));
            Assert.That(gpu.RegisterAllocationUnitPerThread, Is.EqualTo(8));
            Assert.That(gpu.SupportsClusters, Is.True);
            Assert.That(Spec(maxClusterSize: 1, nonPortableMaxClusterSize: 1).SupportsClusters, Is.False);
            Assert.That(gpu.OnChipBytesPerSm, Is.EqualTo(65536 * 4 + 233472));
            Assert.That(gpu.OnChipBytes, Is.EqualTo(132L * (65536 * 4 + 233472)));
        });
    }

    [TestCase(1, 256)]
    [TestCase(8, 256)]
    [TestCase(9, 512)]
    [TestCase(128, 4096)]
    [TestCase(255, 8192)]
    public void RegistersAllocatedPerWarp_RoundsUpToTheAllocationUnit(int perThread, int perWarp) =>
        Assert.That(Spec().RegistersAllocatedPerWarp(perThread), Is.EqualTo(perWarp));

    [TestCase(0)]
    [TestCase(256)]
    public void RegistersAllocatedPerWarp_RejectsCountsOutsideTheThreadLimit(int perThread)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Spec().RegistersAllocatedPerWarp(perThread));
        Assert.That(ex!.ParamName, Is.EqualTo("registersPerThread"));
    }
}
