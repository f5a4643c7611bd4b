using System.Globalization;
using FastRecurrence.Interop;

namespace FastRecurrence.Backends.Cuda;

/// <summary>What ptxas reported for one kernel of a compiled source (fr_kernel_report).</summary>
public sealed record CompiledKernel(string Name, int Registers, int SpillStoreBytes, int SpillLoadBytes, int SharedBytes, int StackBytes)
{
    public int SpillBytes => SpillStoreBytes + SpillLoadBytes;
}

/// <summary>The outcome of one fr_compile (fr_compile_result).</summary>
public sealed record CompileReport(
    string Arch,
    bool CacheHit,
    double Milliseconds,
    long CubinBytes,
    Version Nvrtc,
    string CacheKey,
    IReadOnlyList<CompiledKernel> Kernels)
{
    /// <summary>The report of the kernel named <paramref name="name"/>, or null.</summary>
    public CompiledKernel? Kernel(string name) => Kernels.FirstOrDefault(k => k.Name == name);

    /// <summary>The same compiled code: kernels, cubin size and cache key agree (timing and cache hit aside).</summary>
    public bool SameCode(CompileReport other) =>
        other is not null && Arch == other.Arch && CubinBytes == other.CubinBytes && CacheKey == other.CacheKey &&
        Kernels.SequenceEqual(other.Kernels);
}

/// <summary>
/// Compiles an embedded kernel source for an architecture through libfastrecurrence's compile-only entry point
/// (fr_compile: NVRTC, the disk cache of cubins). Needs libnvrtc, not a driver or a GPU.
/// </summary>
public static class KernelCompiler
{
    /// <summary>Compiles (or finds in the cache) <paramref name="sourceName"/> for <paramref name="arch"/> with the constants.</summary>
    /// <param name="sourceName">An embedded source, e.g. "scan".</param>
    /// <param name="arch">"sm_80", "sm_90", ...</param>
    /// <param name="constants">The plan's FR_* constants (KernelPlan.Constants).</param>
    /// <param name="cacheDir">The cubin cache folder; null for the library's default (FR_CACHE_DIR, XDG cache, ~/.cache).</param>
    /// <param name="useCache">False compiles every time and neither reads nor writes the cache.</param>
    /// <exception cref="FastRecurrenceNativeException">The library refused or NVRTC failed; the message is the library's.</exception>
    /// <exception cref="FastRecurrenceLibraryNotFoundException">libfastrecurrence is not built.</exception>
    public static unsafe CompileReport Compile(string sourceName, string arch, IReadOnlyDictionary<string, long> constants,
        string? cacheDir = null, bool useCache = true)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(arch);
        ArgumentNullException.ThrowIfNull(constants);
        using var strings = new NativeStrings();
        var defines = NativePlans.ToNative(constants, strings);
        FrCompileResult result = default;
        result.StructSize = (nuint)sizeof(FrCompileResult);
        FrStatus status;
        fixed (FrDefine* definePointer = defines)
        {
            var options = new FrCompileOptions
            {
                StructSize = (nuint)sizeof(FrCompileOptions),
                SourceName = strings.Add(sourceName),
                Arch = strings.Add(arch),
                Defines = definePointer,
                DefineCount = defines.Length,
                CacheDir = strings.Add(cacheDir),
                UseCache = useCache ? 1 : 0,
            };
            status = FastRecurrenceNative.FrCompile(&options, &result);
        }
        FastRecurrenceNativeException.ThrowIfFailed(status, "fr_compile");
        return ToReport(arch, result);
    }

    /// <summary>The NVRTC version libfastrecurrence loaded (fr_nvrtc_version).</summary>
    /// <exception cref="FastRecurrenceNativeException">FR_ERROR_NO_NVRTC when no libnvrtc loads; the message says what was probed.</exception>
    public static unsafe Version NvrtcVersion()
    {
        int major = 0, minor = 0;
        FastRecurrenceNativeException.ThrowIfFailed(FastRecurrenceNative.FrNvrtcVersion(&major, &minor), "fr_nvrtc_version");
        return new Version(major, minor);
    }

    internal static unsafe CompileReport ToReport(string arch, FrCompileResult result)
    {
        var kernels = new List<CompiledKernel>();
        var count = Math.Clamp(result.KernelCount, 0, FrConstants.MaxKernelReports);
        for (var i = 0; i < count; i++)
        {
            var k = result.Kernels[i];
            kernels.Add(new CompiledKernel(NativeText.FromFixedBuffer(k.Name, FrConstants.KernelNameLength), k.Registers,
                k.SpillStoreBytes, k.SpillLoadBytes, k.SharedBytes, k.StackBytes));
        }
        var key = NativeText.FromFixedBuffer(result.CacheKey, FrConstants.CacheKeyLength);
        return new CompileReport(arch, result.CacheHit != 0, result.Milliseconds, checked((long)result.CubinBytes),
            new Version(result.NvrtcMajor, result.NvrtcMinor), key, kernels);
    }

    internal static string Describe(IReadOnlyDictionary<string, long> constants) =>
        string.Join(' ', constants.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}={kv.Value}")));
}
