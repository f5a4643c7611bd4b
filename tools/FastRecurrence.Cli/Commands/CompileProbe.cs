using FastRecurrence.Backends.Cuda;
using FastRecurrence.Interop;

namespace FastRecurrence.Cli.Commands;

/// <summary>
/// `compile`'s first compile, before the variants run side by side: the first float32 scan variant, which every
/// catalog architecture can run, so its refusal is about the setup rather than a variant. An NVRTC too old for --arch
/// (sm_100 needs NVRTC 12.8) or a cache folder that cannot be written would otherwise fail every row with the same
/// message (102 identical FAIL rows and exit 3); the probe turns them into one input error. Its cubin lands in the
/// cache like any row's; with --no-cache the probe is one extra compile of the smallest kernel.
/// </summary>
internal static class CompileProbe
{
    /// <summary>Null when <paramref name="arch"/> can be compiled for with this NVRTC and cache; else the one-line reason, naming the option.</summary>
    public static string? WhyNot(string arch, string? cacheDir, bool useCache)
    {
        var probe = ScanPlanVariants.For(arch).First(v => v.DataType == DataType.Float32);
        try
        {
            KernelCompiler.Compile(probe.SourceName, probe.Arch, probe.Constants, cacheDir, useCache);
            return null;
        }
        catch (FastRecurrenceNativeException e) when (e.Status == FrStatus.ErrorUnsupported)
        {
            // The library names its own argument ("options.arch: NVRTC 11.8 cannot compile for sm_100; it knows ...").
            return $"--arch: {WithoutPrefix(e.NativeMessage, "options.arch: ")}";
        }
        catch (FastRecurrenceNativeException e) when (e.Status == FrStatus.ErrorCache)
        {
            return cacheDir is null
                ? $"the cubin cache (FR_CACHE_DIR, else the per-user cache) cannot be used: {e.NativeMessage.TrimEnd('.')}; pass --cache-dir DIR or --no-cache."
                : $"--cache-dir: '{cacheDir}' cannot be used as the cubin cache: {e.NativeMessage.TrimEnd('.')}.";
        }
        // Anything else (NVRTC rejecting the source) is a failure of that variant, which its row reports.
        catch (FastRecurrenceNativeException)
        {
            return null;
        }
    }

    private static string WithoutPrefix(string message, string prefix) =>
        message.StartsWith(prefix, StringComparison.Ordinal) ? message[prefix.Length..] : message;
}
