using FastRecurrence.Interop;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// The interop structs against fastrecurrence.h's C layout on LP64 (x64, arm64 Linux and macOS): size_t, pointers and
/// int64_t are 8 bytes aligned to 8, int / enum / uint32_t 4 aligned to 4, double 8 aligned to 8, char 1; each field at
/// the next multiple of its alignment, the struct padded to a multiple of its largest alignment. The expected numbers are
/// worked out by hand from those rules (in the comments) and agree with gcc's sizeof / offsetof of the header.
/// </summary>
[TestFixture]
public sealed unsafe class NativeLayoutTests
{
    [SetUp]
    public void RequireLp64() =>
        Assume.That(IntPtr.Size, Is.EqualTo(8), "the hand-computed offsets are for 64-bit processes");

    private static long Offset(void* structure, void* field) => (byte*)field - (byte*)structure;

    /// <summary>Compares every figure at once, so one run shows all that differ.</summary>
    private static void AssertLayout(Dictionary<string, long> actual, Dictionary<string, long> expected) =>
        Assert.That(actual, Is.EquivalentTo(expected));

    [Test]
    public void FrDefine_MatchesTheHeader()
    {
        // const char* name @0 (8); int64_t value @8 (8) -> 16.
        var s = default(FrDefine);
        AssertLayout(new Dictionary<string, long>
        {
            ["sizeof(FrDefine)"] = sizeof(FrDefine),
            ["Value"] = Offset(&s, &s.Value),
        }, new Dictionary<string, long>
        {
            ["sizeof(FrDefine)"] = 16,
            ["Value"] = 8,
        });
    }

    [Test]
    public void FrCompileOptions_MatchesTheHeader()
    {
        // size_t struct_size @0; const char* source_name @8, arch @16; const fr_define* defines @24; int define_count @32
        // (+4 padding); const char* cache_dir @40; int use_cache @48 (+4 padding) -> 56.
        var s = default(FrCompileOptions);
        AssertLayout(new Dictionary<string, long>
        {
            ["sizeof(FrCompileOptions)"] = sizeof(FrCompileOptions),
            ["SourceName"] = Offset(&s, &s.SourceName),
            ["Arch"] = Offset(&s, &s.Arch),
            ["Defines"] = Offset(&s, &s.Defines),
            ["DefineCount"] = Offset(&s, &s.DefineCount),
            ["CacheDir"] = Offset(&s, &s.CacheDir),
            ["UseCache"] = Offset(&s, &s.UseCache),
        }, new Dictionary<string, long>
        {
            ["sizeof(FrCompileOptions)"] = 56,
            ["SourceName"] = 8,
            ["Arch"] = 16,
            ["Defines"] = 24,
            ["DefineCount"] = 32,
            ["CacheDir"] = 40,
            ["UseCache"] = 48,
        });
    }

    [Test]
    public void FrKernelReport_MatchesTheHeader()
    {
        // char name[128] @0; five ints @128, 132, 136, 140, 144 -> 148 (alignment 4, no tail padding).
        var s = default(FrKernelReport);
        AssertLayout(new Dictionary<string, long>
        {
            ["sizeof(FrKernelReport)"] = sizeof(FrKernelReport),
            ["Registers"] = Offset(&s, &s.Registers),
            ["SpillStoreBytes"] = Offset(&s, &s.SpillStoreBytes),
            ["SpillLoadBytes"] = Offset(&s, &s.SpillLoadBytes),
            ["SharedBytes"] = Offset(&s, &s.SharedBytes),
            ["StackBytes"] = Offset(&s, &s.StackBytes),
        }, new Dictionary<string, long>
        {
            ["sizeof(FrKernelReport)"] = 148,
            ["Registers"] = 128,
            ["SpillStoreBytes"] = 132,
            ["SpillLoadBytes"] = 136,
            ["SharedBytes"] = 140,
            ["StackBytes"] = 144,
        });
    }

    [Test]
    public void FrCompileResult_MatchesTheHeader()
    {
        // size_t struct_size @0; int cache_hit @8 (+4); double milliseconds @16; size_t cubin_bytes @24; int nvrtc_major
        // @32, nvrtc_minor @36, kernel_count @40; fr_kernel_report kernels[8] @44 (alignment 4) .. 44 + 8 * 148 = 1228;
        // char cache_key[65] @1228 .. 1293; padded to a multiple of 8 -> 1296.
        var s = default(FrCompileResult);
        AssertLayout(new Dictionary<string, long>
        {
            ["sizeof(FrCompileResult)"] = sizeof(FrCompileResult),
            ["CacheHit"] = Offset(&s, &s.CacheHit),
            ["Milliseconds"] = Offset(&s, &s.Milliseconds),
            ["CubinBytes"] = Offset(&s, &s.CubinBytes),
            ["NvrtcMajor"] = Offset(&s, &s.NvrtcMajor),
            ["NvrtcMinor"] = Offset(&s, &s.NvrtcMinor),
            ["KernelCount"] = Offset(&s, &s.KernelCount),
            ["Kernels"] = Offset(&s, &s.Kernels),
            ["Kernels[1]"] = Offset(&s, &s.Kernels[1]),
            ["CacheKey[0]"] = Offset(&s, &s.CacheKey[0]),
        }, new Dictionary<string, long>
        {
            ["sizeof(FrCompileResult)"] = 1296,
            ["CacheHit"] = 8,
            ["Milliseconds"] = 16,
            ["CubinBytes"] = 24,
            ["NvrtcMajor"] = 32,
            ["NvrtcMinor"] = 36,
            ["KernelCount"] = 40,
            ["Kernels"] = 44,
            ["Kernels[1]"] = 44 + 148,
            ["CacheKey[0]"] = 1228,
        });
    }

    [Test]
    public void FrDim3_And_FrLaunchConfig_MatchTheHeader()
    {
        // fr_dim3: three uint32 -> 12, alignment 4. fr_launch_config: size_t struct_size @0; grid @8, block @20,
        // cluster @32; uint32 shared_bytes @44; enum kind @48 (+4); void* stream @56 -> 64.
        var s = default(FrLaunchConfig);
        AssertLayout(new Dictionary<string, long>
        {
            ["sizeof(FrDim3)"] = sizeof(FrDim3),
            ["sizeof(FrLaunchConfig)"] = sizeof(FrLaunchConfig),
            ["Grid"] = Offset(&s, &s.Grid),
            ["Block"] = Offset(&s, &s.Block),
            ["Cluster"] = Offset(&s, &s.Cluster),
            ["SharedBytes"] = Offset(&s, &s.SharedBytes),
            ["Kind"] = Offset(&s, &s.Kind),
            ["Stream"] = Offset(&s, &s.Stream),
        }, new Dictionary<string, long>
        {
            ["sizeof(FrDim3)"] = 12,
            ["sizeof(FrLaunchConfig)"] = 64,
            ["Grid"] = 8,
            ["Block"] = 20,
            ["Cluster"] = 32,
            ["SharedBytes"] = 44,
            ["Kind"] = 48,
            ["Stream"] = 56,
        });
    }

    [Test]
    public void FrEmulationOptions_MatchesTheHeader()
    {
        // size_t struct_size @0; const char* arch @8; enum schedule @16 (+4); uint64_t seed @24; int workers @32 (+4);
        // const char* compiler @40; const char* cache_dir @48 -> 56.
        var s = default(FrEmulationOptions);
        AssertLayout(new Dictionary<string, long>
        {
            ["sizeof(FrEmulationOptions)"] = sizeof(FrEmulationOptions),
            ["Arch"] = Offset(&s, &s.Arch),
            ["Schedule"] = Offset(&s, &s.Schedule),
            ["Seed"] = Offset(&s, &s.Seed),
            ["Workers"] = Offset(&s, &s.Workers),
            ["Compiler"] = Offset(&s, &s.Compiler),
            ["CacheDir"] = Offset(&s, &s.CacheDir),
        }, new Dictionary<string, long>
        {
            ["sizeof(FrEmulationOptions)"] = 56,
            ["Arch"] = 8,
            ["Schedule"] = 16,
            ["Seed"] = 24,
            ["Workers"] = 32,
            ["Compiler"] = 40,
            ["CacheDir"] = 48,
        });
    }

    [Test]
    public void FrTensor_MatchesTheHeader()
    {
        // void* data @0; enum dtype @8; int rank @12; int64_t shape[8] @16 .. 80; int64_t strides[8] @80 .. 144 -> 144.
        var s = default(FrTensor);
        AssertLayout(new Dictionary<string, long>
        {
            ["sizeof(FrTensor)"] = sizeof(FrTensor),
            ["Dtype"] = Offset(&s, &s.Dtype),
            ["Rank"] = Offset(&s, &s.Rank),
            ["Shape"] = Offset(&s, &s.Shape),
            ["Shape[7]"] = Offset(&s, &s.Shape[7]),
            ["Strides"] = Offset(&s, &s.Strides),
        }, new Dictionary<string, long>
        {
            ["sizeof(FrTensor)"] = 144,
            ["Dtype"] = 8,
            ["Rank"] = 12,
            ["Shape"] = 16,
            ["Shape[7]"] = 16 + 7 * 8,
            ["Strides"] = 80,
        });
    }

    [Test]
    public void FrPlan_MatchesTheHeader()
    {
        // size_t struct_size @0; const char* source_name @8; fr_define defines[64] @16 .. 16 + 64 * 16 = 1040;
        // int define_count @1040; grid @1044, block @1056, cluster @1068; uint32 shared_bytes @1080; enum kind @1084
        // -> 1088 (already a multiple of 8).
        var s = default(FrPlan);
        AssertLayout(new Dictionary<string, long>
        {
            ["sizeof(FrPlan)"] = sizeof(FrPlan),
            ["SourceName"] = Offset(&s, &s.SourceName),
            ["Defines"] = Offset(&s, &s.Defines),
            ["Defines[63]"] = Offset(&s, &s.Defines[63]),
            ["DefineCount"] = Offset(&s, &s.DefineCount),
            ["Grid"] = Offset(&s, &s.Grid),
            ["Block"] = Offset(&s, &s.Block),
            ["Cluster"] = Offset(&s, &s.Cluster),
            ["SharedBytes"] = Offset(&s, &s.SharedBytes),
            ["Kind"] = Offset(&s, &s.Kind),
        }, new Dictionary<string, long>
        {
            ["sizeof(FrPlan)"] = 1088,
            ["SourceName"] = 8,
            ["Defines"] = 16,
            ["Defines[63]"] = 16 + 63 * 16,
            ["DefineCount"] = 1040,
            ["Grid"] = 1044,
            ["Block"] = 1056,
            ["Cluster"] = 1068,
            ["SharedBytes"] = 1080,
            ["Kind"] = 1084,
        });
    }

    [Test]
    public void Enums_HaveTheHeadersValues()
    {
        Assert.Multiple(() =>
        {
            Assert.That((int)FrStatus.Ok, Is.Zero);
            Assert.That((int)FrStatus.ErrorInternal, Is.EqualTo(10));
            Assert.That((int)FrStatus.ErrorKernelFault, Is.EqualTo(11));
            Assert.That(Enum.GetValues<FrStatus>().Select(v => (int)v), Is.EqualTo(Enumerable.Range(0, 12)));
            Assert.That(Enum.GetValues<FrSchedule>().Select(v => (int)v), Is.EqualTo(new[] { 0, 1 }));
            Assert.That(Enum.GetValues<FrDtype>().Select(v => (int)v), Is.EqualTo(new[] { 0, 1, 2, 3 }));
            Assert.That(Enum.GetValues<FrLaunchKind>().Select(v => (int)v), Is.EqualTo(new[] { 0, 1, 2 }));
            Assert.That(sizeof(FrStatus), Is.EqualTo(4));
            Assert.That(FrConstants.AbiVersion, Is.EqualTo(2));
            Assert.That(FrConstants.MaxRank, Is.EqualTo(8));
            Assert.That(FrConstants.MaxDefines, Is.EqualTo(64));
        });
    }
}
