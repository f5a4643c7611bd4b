using System.Runtime.CompilerServices;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Interop;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// What the native tests need, and what happens when it is missing. libfastrecurrence is built by ./build.sh on every
/// machine (CMake and a C++ compiler, no CUDA), so a missing library FAILS with the resolver's message. libnvrtc is
/// installed by .ci/run (Debian non-free, libnvrtc11.2), so a missing NVRTC FAILS too, unless FR_SKIP_NVRTC=1 says this
/// machine deliberately has none. A missing driver or GPU only skips (Assert.Ignore) with the reason.
/// </summary>
internal static class NativeTestEnvironment
{
    public const string SkipNvrtcVariable = "FR_SKIP_NVRTC";

    /// <summary>Fails with "run ./build.sh" and the places searched when libfastrecurrence does not load.</summary>
    public static void RequireLibrary()
    {
        if (!FastRecurrenceLibrary.TryLoad(out var error))
            Assert.Fail(error ?? "libfastrecurrence could not be loaded; run ./build.sh");
    }

    /// <summary>The NVRTC version; fails (or ignores with FR_SKIP_NVRTC=1) when libfastrecurrence cannot load libnvrtc.</summary>
    public static Version RequireNvrtc()
    {
        RequireLibrary();
        try
        {
            return KernelCompiler.NvrtcVersion();
        }
        catch (FastRecurrenceNativeException e) when (e.Status == FrStatus.ErrorNoNvrtc)
        {
            if (Environment.GetEnvironmentVariable(SkipNvrtcVariable) == "1")
                Assert.Ignore($"{SkipNvrtcVariable}=1 and libnvrtc is missing: {e.NativeMessage}");
            Assert.Fail("libnvrtc is missing, so no kernel can be compiled. Install it: on Debian 12 add the bookworm " +
                "'contrib non-free' components and run apt-get install -y --no-install-recommends libnvrtc11.2 (.ci/run does " +
                $"this); or set {SkipNvrtcVariable}=1 to skip the compile tests on purpose. The library said: {e.NativeMessage}");
            throw;
        }
    }

    /// <summary>Whether the CUDA driver library itself loads in this process (libcuda.so.1 / nvcuda.dll).</summary>
    public static bool DriverLibraryLoads()
    {
        var name = OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1";
        if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(name, out var handle)) return false;
        System.Runtime.InteropServices.NativeLibrary.Free(handle);
        return true;
    }

    /// <summary>The repository's root folder (this file lives in tests/FastRecurrence.Tests/Native).</summary>
    public static string RepositoryRoot { get; } = RootAbove();

    private static string RootAbove([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    /// <summary>A new empty folder under the shared temporary root (removed after the run).</summary>
    public static string NewTemporaryFolder(string purpose)
    {
        var path = Path.Combine(NativeTestRun.Root, $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>One temporary root per test run for the native tests (cubin caches), deleted when the namespace's tests end.</summary>
[SetUpFixture]
public sealed class NativeTestRun
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "fastrecurrence-native-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        return root;
    });

    public static string Root => LazyRoot.Value;

    /// <summary>The cubin cache the compile tests and the CLI test share, so each variant is compiled cold only once.</summary>
    public static string SharedCacheDir { get; } = Path.Combine(Root, "shared-cache");

    [OneTimeTearDown]
    public void DeleteRoot()
    {
        if (LazyRoot.IsValueCreated && Directory.Exists(LazyRoot.Value))
            Directory.Delete(LazyRoot.Value, recursive: true);
    }
}
