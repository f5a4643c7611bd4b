using System.Globalization;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Interop;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// The compile-only CI gate (issue 4): every distinct scan plan the planner produces for the catalog GPUs of sm_80 and
/// sm_90 (<see cref="ScanPlanVariants"/>, the same enumeration as `compile`) compiles with NVRTC through fr_compile,
/// the planned kernel spills nothing and uses no more registers than the plan predicts, and a second compile is a cache
/// hit with the same report. Needs libnvrtc (not a GPU); fails without it unless FR_SKIP_NVRTC=1.
/// </summary>
[TestFixture]
public sealed class NvrtcCompileTests
{
    public static IEnumerable<TestCaseData> Sm80Variants() => Variants("sm_80");

    public static IEnumerable<TestCaseData> Sm90Variants() => Variants("sm_90");

    private static IEnumerable<TestCaseData> Variants(string arch)
    {
        var index = 0;
        foreach (var variant in ScanPlanVariants.For(arch))
        {
            index++;
            var c = variant.Constants;
            yield return new TestCaseData(variant).SetName(string.Create(CultureInfo.InvariantCulture,
                $"Compile_{arch}_{index:D3}_{variant.KernelName}_{variant.DataType}_lanes{c["FR_SCAN_LANES"]}_threads{c["FR_SCAN_THREADS"]}_items{c["FR_SCAN_ITEMS"]}"));
        }
    }

    [SetUp]
    public void Nvrtc() => NativeTestEnvironment.RequireNvrtc();

    [TestCaseSource(nameof(Sm80Variants))]
    [TestCaseSource(nameof(Sm90Variants))]
    public void Variant_CompilesWithoutSpills_WithinPredictedRegisters_AndHitsTheCacheAgain(PlanVariant variant)
    {
        var cache = NativeTestRun.SharedCacheDir;
        var report = KernelCompiler.Compile(ScanPlanVariants.SourceName, variant.Arch, variant.Constants, cache);
        var planned = report.Kernel(variant.KernelName);
        Assert.That(planned, Is.Not.Null, $"{variant.KernelName} in the ptxas report of {variant}");
        Assert.Multiple(() =>
        {
            Assert.That(report.CubinBytes, Is.GreaterThan(0));
            Assert.That(report.CacheKey, Does.Match("^[0-9a-f]{64}$"));
            Assert.That(planned!.SpillStoreBytes + planned.SpillLoadBytes, Is.Zero,
                $"{planned.Name} spills {planned.SpillStoreBytes} bytes stored, {planned.SpillLoadBytes} loaded ({variant})");
            Assert.That(planned.Registers, Is.LessThanOrEqualTo(variant.PredictedRegisters),
                $"{planned.Name}: ptxas registers vs the plan's prediction ({variant})");
        });

        var again = KernelCompiler.Compile(ScanPlanVariants.SourceName, variant.Arch, variant.Constants, cache);
        Assert.Multiple(() =>
        {
            Assert.That(again.CacheHit, Is.True, "the second compile comes from the cache");
            Assert.That(again.SameCode(report), Is.True, "the cached report equals the compiled one");
        });
    }
}

/// <summary>The enumeration itself (planner only; no NVRTC needed).</summary>
[TestFixture]
public sealed class ScanPlanVariantsTests
{
    [Test]
    public void TheSweep_CoversBothArchitecturesEveryDirectionAndType_WithDistinctConstants()
    {
        foreach (var arch in new[] { "sm_80", "sm_90" })
        {
            var variants = ScanPlanVariants.For(arch);
            Assert.Multiple(() =>
            {
                Assert.That(ScanPlanVariants.GpusOf(arch), Is.Not.Empty, arch);
                Assert.That(variants.Select(v => (v.DataType, v.Direction)).Distinct().Count(), Is.EqualTo(4 * 2), arch);
                Assert.That(variants.Select(v => v.Describe()).Distinct().Count(), Is.EqualTo(variants.Count), "variants are distinct");
                Assert.That(variants.All(v => v.Plans.All(p => p.Arch == arch)), Is.True, "every plan is for a GPU of that arch");
                Assert.That(variants.All(v => v.Constants["FR_BACKWARD"] == (v.Direction == PlanDirection.Backward ? 1 : 0)), Is.True);
            });
        }
    }

    [Test]
    public void UnknownArchitecture_HasNoVariants() => Assert.That(ScanPlanVariants.For("sm_81"), Is.Empty);
}

/// <summary>The cubin cache (miss, hit, corrupt file recovered, disabled, unwritable) and NVRTC's own errors.</summary>
[TestFixture]
public sealed class NvrtcCacheTests
{
    private static readonly IReadOnlyDictionary<string, long> Constants =
        Planner.Plan(GpuCatalog.Find("A100-80GB"), new PlanRequest(KernelFamily.Scan, default, DataType.Float32, 1, 2, 64, PlanDirection.Forward, 1000))
            .Require().Constants;

    [SetUp]
    public void Nvrtc() => NativeTestEnvironment.RequireNvrtc();

    private static CompileReport Compile(string? cacheDir, bool useCache = true, IReadOnlyDictionary<string, long>? constants = null, string arch = "sm_80") =>
        KernelCompiler.Compile(ScanPlanVariants.SourceName, arch, constants ?? Constants, cacheDir, useCache);

    [Test]
    public void FirstCompile_Misses_AndWritesOneFile_SecondHits()
    {
        var dir = NativeTestEnvironment.NewTemporaryFolder("cache-miss-hit");
        var first = Compile(dir);
        var file = Path.Combine(dir, first.CacheKey + ".cubin");
        Assert.Multiple(() =>
        {
            Assert.That(first.CacheHit, Is.False);
            Assert.That(File.Exists(file), Is.True, $"{file} written");
            // the cubin and the NVRTC version record (fresh processes hit without loading libnvrtc), nothing temporary
            Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { first.CacheKey + ".cubin", "nvrtc-identity" }),
                "only the cubin and the version record, no leftover temporary file");
        });
        var second = Compile(dir);
        Assert.Multiple(() =>
        {
            Assert.That(second.CacheHit, Is.True);
            Assert.That(second.SameCode(first), Is.True);
            Assert.That(second.Milliseconds, Is.LessThan(first.Milliseconds), "a hit is cheaper than NVRTC");
        });
    }

    [TestCase("flipped byte")]
    [TestCase("truncated")]
    [TestCase("empty")]
    public void CorruptFile_IsRecompiledAndReplaced(string damage)
    {
        var dir = NativeTestEnvironment.NewTemporaryFolder("cache-corrupt");
        var original = Compile(dir);
        var file = Path.Combine(dir, original.CacheKey + ".cubin");
        var bytes = File.ReadAllBytes(file);
        switch (damage)
        {
            case "flipped byte":
                bytes[bytes.Length / 2] ^= 0x5A;
                File.WriteAllBytes(file, bytes);
                break;
            case "truncated":
                File.WriteAllBytes(file, bytes[..(bytes.Length / 3)]);
                break;
            default:
                File.WriteAllBytes(file, []);
                break;
        }

        var recovered = Compile(dir);
        Assert.Multiple(() =>
        {
            Assert.That(recovered.CacheHit, Is.False, "a corrupt file is not trusted");
            Assert.That(recovered.SameCode(original), Is.True);
            Assert.That(new FileInfo(file).Length, Is.EqualTo(bytes.Length), "the file is rewritten whole");
        });
        var hit = Compile(dir);
        Assert.That(hit.CacheHit, Is.True, "the replaced file is good");
        Assert.That(hit.SameCode(original), Is.True);
    }

    [Test]
    public void UseCacheZero_NeitherReadsNorWrites()
    {
        var dir = NativeTestEnvironment.NewTemporaryFolder("cache-off");
        var first = Compile(dir, useCache: false);
        var second = Compile(dir, useCache: false);
        Assert.Multiple(() =>
        {
            Assert.That(first.CacheHit || second.CacheHit, Is.False);
            Assert.That(Directory.GetFiles(dir), Is.Empty);
            Assert.That(second.SameCode(first), Is.True, "the same key and code either way");
        });
    }

    [Test]
    public void UnwritableCacheFolder_IsFrErrorCache()
    {
        // A folder below a regular file cannot be created, even by root.
        var dir = NativeTestEnvironment.NewTemporaryFolder("cache-unwritable");
        var blocker = Path.Combine(dir, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var ex = Assert.Throws<FastRecurrenceNativeException>(() => Compile(Path.Combine(blocker, "cache")));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(FrStatus.ErrorCache));
            Assert.That(ex.NativeMessage, Does.Contain(blocker));
        });
    }

    [Test]
    public void DifferentDefinesOrArch_GiveDifferentKeys()
    {
        var dir = NativeTestEnvironment.NewTemporaryFolder("cache-keys");
        var sm80 = Compile(dir);
        var sm90 = Compile(dir, arch: "sm_90");
        var other = Compile(dir, constants: new Dictionary<string, long>(Constants) { ["FR_BACKWARD"] = 1 });
        Assert.That(new[] { sm80.CacheKey, sm90.CacheKey, other.CacheKey }, Is.Unique);
    }

    [Test]
    public void KernelThatDoesNotCompile_IsFrErrorCompile_WithNvrtcsLog()
    {
        // scan.cu static_asserts that FR_SCAN_LANES is a power of two.
        var bad = new Dictionary<string, long>(Constants) { ["FR_SCAN_LANES"] = 3 };
        var ex = Assert.Throws<FastRecurrenceNativeException>(() => Compile(null, useCache: false, constants: bad));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(FrStatus.ErrorCompile));
            Assert.That(ex.NativeMessage, Does.Contain("FR_SCAN_LANES"));
        });
    }

    [Test]
    public void ArchitectureNvrtcDoesNotKnow_IsUnsupported()
    {
        var ex = Assert.Throws<FastRecurrenceNativeException>(() => Compile(null, useCache: false, arch: "sm_999"));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(FrStatus.ErrorUnsupported));
            Assert.That(ex.NativeMessage, Does.Contain("sm_999"));
        });
    }
}
