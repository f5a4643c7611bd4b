using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Planning.Hardware;

/// <summary>The catalog holds the issue's GPUs with consistent, pinned figures and finds them by any common spelling.</summary>
[TestFixture]
public sealed class GpuCatalogTests
{
    private const long MiB = 1024 * 1024;

    private static readonly string[] RequiredNames =
        ["V100", "T4", "A10", "A100-40GB", "A100-80GB", "L4", "L40S", "RTX-3090", "RTX-4090", "H100-SXM", "H100-PCIe", "H200", "RTX-5090", "B200"];

    private static IEnumerable<GpuSpec> Entries() => GpuCatalog.All;

    [Test]
    public void All_HoldsEveryGpuTheIssueNames() =>
        Assert.That(GpuCatalog.Names, Is.SupersetOf(RequiredNames));

    [TestCaseSource(nameof(Entries))]
    public void Entry_PassesValidationWhenRebuiltFromItsOwnFigures(GpuSpec gpu)
    {
        // The catalog built it through the validating constructor already; rebuilding proves the figures still
        // satisfy every check, and the spot checks are the ones a datasheet typo would break.
        Assert.DoesNotThrow(() => _ = Rebuild(gpu));
        Assert.Multiple(() =>
        {
            Assert.That(gpu.SharedMemoryPerBlockOptIn + gpu.ReservedSharedMemoryPerBlock, Is.EqualTo(gpu.SharedMemoryPerSm),
                "on every catalog architecture one block may opt into all of an SM's shared memory but the reservation");
            Assert.That(gpu.MaxRegistersPerThread, Is.EqualTo(255));
            Assert.That(gpu.RegisterAllocationUnitPerThread, Is.EqualTo(8));
            Assert.That(gpu.WarpSize, Is.EqualTo(32));
            Assert.That(gpu.MaxThreadsPerBlock, Is.EqualTo(1024));
            Assert.That(gpu.SupportsClusters, Is.EqualTo(gpu.ComputeCapability >= new ComputeCapability(9, 0)));
            Assert.That(gpu.ToString(), Does.StartWith($"{gpu.Name} (").And.Contain(gpu.ComputeCapability.Arch));
        });
    }

    [Test]
    public void Names_AreUniqueUnderTheLookupSpelling()
    {
        var keys = GpuCatalog.Names.Select(GpuCatalog.Key).ToList();
        Assert.That(keys, Is.Unique);
    }

    // name, arch, SMs, shared per SM, opt-in per block, reserved, threads per SM, blocks per SM, L2, cluster, non-portable, GB/s
    [TestCase("V100", "sm_70", 80, 98304, 98304, 0, 2048, 32, 6 * MiB, 1, 1, 900)]
    [TestCase("T4", "sm_75", 40, 65536, 65536, 0, 1024, 16, 4 * MiB, 1, 1, 320)]
    [TestCase("A10", "sm_86", 72, 102400, 101376, 1024, 1536, 16, 6 * MiB, 1, 1, 600)]
    [TestCase("A100-40GB", "sm_80", 108, 167936, 166912, 1024, 2048, 32, 40 * MiB, 1, 1, 1555)]
    [TestCase("A100-80GB", "sm_80", 108, 167936, 166912, 1024, 2048, 32, 40 * MiB, 1, 1, 2039)]
    [TestCase("RTX-3090", "sm_86", 82, 102400, 101376, 1024, 1536, 16, 6 * MiB, 1, 1, 936)]
    [TestCase("L4", "sm_89", 58, 102400, 101376, 1024, 1536, 24, 48 * MiB, 1, 1, 300)]
    [TestCase("L40S", "sm_89", 142, 102400, 101376, 1024, 1536, 24, 96 * MiB, 1, 1, 864)]
    [TestCase("RTX-4090", "sm_89", 128, 102400, 101376, 1024, 1536, 24, 72 * MiB, 1, 1, 1008)]
    [TestCase("H100-SXM", "sm_90", 132, 233472, 232448, 1024, 2048, 32, 50 * MiB, 8, 16, 3350)]
    [TestCase("H100-PCIe", "sm_90", 114, 233472, 232448, 1024, 2048, 32, 50 * MiB, 8, 16, 2000)]
    [TestCase("H200", "sm_90", 132, 233472, 232448, 1024, 2048, 32, 60 * MiB, 8, 16, 4800)]
    [TestCase("B200", "sm_100", 148, 233472, 232448, 1024, 2048, 32, 132644864L, 8, 16, 8000)]
    [TestCase("RTX-5090", "sm_120", 170, 102400, 101376, 1024, 1536, 24, 96 * MiB, 8, 8, 1792)]
    public void Entry_HasItsPublishedFigures(string name, string arch, int sms, int sharedPerSm, int optIn, int reserved,
        int threadsPerSm, int blocksPerSm, long l2, int cluster, int nonPortableCluster, double bandwidth)
    {
        var gpu = GpuCatalog.Find(name);
        Assert.Multiple(() =>
        {
            Assert.That(gpu.ComputeCapability.Arch, Is.EqualTo(arch));
            Assert.That(gpu.SmCount, Is.EqualTo(sms));
            Assert.That(gpu.RegistersPerSm, Is.EqualTo(65536));
            Assert.That(gpu.MaxRegistersPerBlock, Is.EqualTo(65536));
            Assert.That(gpu.SharedMemoryPerSm, Is.EqualTo(sharedPerSm));
            Assert.That(gpu.SharedMemoryPerBlockOptIn, Is.EqualTo(optIn));
            Assert.That(gpu.ReservedSharedMemoryPerBlock, Is.EqualTo(reserved));
            Assert.That(gpu.MaxThreadsPerSm, Is.EqualTo(threadsPerSm));
            Assert.That(gpu.MaxBlocksPerSm, Is.EqualTo(blocksPerSm));
            Assert.That(gpu.L2CacheBytes, Is.EqualTo(l2));
            Assert.That(gpu.MaxClusterSize, Is.EqualTo(cluster));
            Assert.That(gpu.NonPortableMaxClusterSize, Is.EqualTo(nonPortableCluster));
            Assert.That(gpu.MemoryBandwidthGBps, Is.EqualTo(bandwidth));
        });
    }

    [Test]
    public void OnChipBytes_MatchTheTargetsDocument()
    {
        // docs/targets.md: the H100 holds about 132 x (256 KB registers + 228 KB shared) = 64 MB on chip, the A100 about 45 MB.
        Assert.Multiple(() =>
        {
            Assert.That(GpuCatalog.Find("H100-SXM").OnChipBytesPerSm, Is.EqualTo(256 * 1024 + 228 * 1024));
            Assert.That(GpuCatalog.Find("H100-SXM").OnChipBytes, Is.EqualTo(132L * (256 + 228) * 1024));
            Assert.That(GpuCatalog.Find("A100-80GB").OnChipBytes, Is.EqualTo(108L * (256 + 164) * 1024));
        });
    }

    [TestCase("H100-SXM")]
    [TestCase("h100sxm")]
    [TestCase("h100_sxm")]
    [TestCase("H100 SXM")]
    [TestCase(" h100-Sxm ")]
    public void Find_IgnoresCaseSeparatorsAndSpaces(string spelling) =>
        Assert.That(GpuCatalog.Find(spelling).Name, Is.EqualTo("H100-SXM"));

    [TestCaseSource(nameof(Entries))]
    public void Find_ReturnsEachEntryByItsOwnNameAndItsLowerCaseName(GpuSpec gpu)
    {
        Assert.That(GpuCatalog.Find(gpu.Name), Is.SameAs(gpu));
        Assert.That(GpuCatalog.Find(gpu.Name.ToLowerInvariant()), Is.SameAs(gpu));
    }

    [Test]
    public void Find_TellsTheNamesItKnowsWhenTheNameIsUnknown()
    {
        var ex = Assert.Throws<ArgumentException>(() => GpuCatalog.Find("H300"));
        Assert.That(ex!.ParamName, Is.EqualTo("name"));
        Assert.That(ex.Message, Does.StartWith("name: unknown GPU 'H300'; known GPUs: V100, T4, "));
        foreach (var name in GpuCatalog.Names)
            Assert.That(ex.Message, Does.Contain(name));
    }

    [Test]
    public void Find_RejectsNull() =>
        Assert.Throws<ArgumentNullException>(() => GpuCatalog.Find(null!));

    [Test]
    public void TryFind_ReportsFoundAndNotFound()
    {
        Assert.That(GpuCatalog.TryFind("a100_80gb", out var a100), Is.True);
        Assert.That(a100!.Name, Is.EqualTo("A100-80GB"));
        Assert.That(GpuCatalog.TryFind("A100", out var none), Is.False, "A100 alone is ambiguous between 40 and 80 GB");
        Assert.That(none, Is.Null);
        Assert.That(GpuCatalog.TryFind(null, out _), Is.False);
    }

    private static GpuSpec Rebuild(GpuSpec g) => new(
        g.Name, g.Description, g.ComputeCapability, g.SmCount, g.RegistersPerSm, g.MaxRegistersPerThread, g.MaxRegistersPerBlock,
        g.RegisterAllocationUnitPerWarp, g.SharedMemoryPerSm, g.SharedMemoryPerBlockOptIn, g.ReservedSharedMemoryPerBlock,
        g.SharedMemoryAllocationUnit, g.L2CacheBytes, g.WarpSize, g.MaxThreadsPerBlock, g.MaxThreadsPerSm, g.MaxBlocksPerSm,
        g.MaxClusterSize, g.NonPortableMaxClusterSize, g.MemoryBandwidthGBps);
}
