using System.Diagnostics;
using FastRecurrence.Interop;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// Finding and loading libfastrecurrence, the library-level entry points, the status -> exception mapping, and the
/// errors a user sees when the library, NVRTC or the driver is missing (those run the CLI in a child process with the
/// environment overrides, because this process has already loaded everything once).
/// </summary>
[TestFixture]
public sealed unsafe class NativeLibraryTests
{
    [SetUp]
    public void Library() => NativeTestEnvironment.RequireLibrary();

    [Test]
    public void Library_IsFoundAndSpeaksThisAbi()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FastRecurrenceLibrary.LoadedPath, Is.Not.Null.And.Not.Empty);
            Assert.That(FastRecurrenceNative.FrAbiVersion(), Is.EqualTo(FrConstants.AbiVersion));
            Assert.That(NativeText.FromUtf8Z(FastRecurrenceNative.FrVersionString()), Does.StartWith("fastrecurrence ").And.Contain("(abi 2)"));
        });
    }

    [Test]
    public void Resolver_SearchesBesideTheAssemblyRuntimesAndTheCMakeBuild()
    {
        var paths = FastRecurrenceLibrary.SearchPaths();
        var assemblyFolder = Path.GetDirectoryName(typeof(FastRecurrenceLibrary).Assembly.Location)!;
        Assert.Multiple(() =>
        {
            Assert.That(paths[0], Is.EqualTo(Path.Combine(assemblyFolder, FastRecurrenceLibrary.FileName)));
            Assert.That(paths, Has.Some.Contains(Path.Combine("runtimes", "")).And.Some.Contains(Path.Combine("native", FastRecurrenceLibrary.FileName)));
            Assert.That(paths, Has.Some.EndsWith(Path.Combine("build", "native", "lib", FastRecurrenceLibrary.FileName)));
            Assert.That(paths[^1], Is.EqualTo(FastRecurrenceLibrary.FileName), "the system's own search comes last");
        });
    }

    [Test]
    public void StatusNames_MirrorTheEnum()
    {
        foreach (var status in Enum.GetValues<FrStatus>())
        {
            // ErrorInvalidArgument -> FR_ERROR_INVALID_ARGUMENT: the enum is the header's, PascalCased.
            var expected = "FR_" + string.Concat(status.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();
            Assert.That(NativeText.StatusName(status), Is.EqualTo(expected));
        }
    }

    [Test]
    public void KernelSources_IncludeTheScan()
    {
        var count = FastRecurrenceNative.FrKernelSourceCount();
        var names = new List<string>();
        for (var i = 0; i < count; i++)
        {
            byte* name = null, text = null;
            Assert.That(FastRecurrenceNative.FrKernelSource(i, &name, &text), Is.EqualTo(FrStatus.Ok), NativeText.LastError());
            names.Add(NativeText.FromUtf8Z(name));
            Assert.That(NativeText.FromUtf8Z(text), Is.Not.Empty, names[^1]);
        }
        Assert.That(names, Does.Contain("scan"));
    }

    [Test]
    public void LastError_IsEmptyAfterASuccess()
    {
        byte* name = null, text = null;
        Assert.That(FastRecurrenceNative.FrKernelSource(-1, &name, &text), Is.EqualTo(FrStatus.ErrorInvalidArgument));
        Assert.That(NativeText.LastError(), Is.Not.Empty);
        Assert.That(FastRecurrenceNative.FrKernelSource(0, &name, &text), Is.EqualTo(FrStatus.Ok));
        Assert.That(NativeText.LastError(), Is.Empty);
    }

    [Test]
    public void ThrowIfFailed_CarriesStatusFunctionAndNativeMessage()
    {
        var status = FastRecurrenceNative.FrCompile(null, null);
        var ex = Assert.Throws<FastRecurrenceNativeException>(() => FastRecurrenceNativeException.ThrowIfFailed(status, "fr_compile"));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(FrStatus.ErrorInvalidArgument));
            Assert.That(ex.Function, Is.EqualTo("fr_compile"));
            Assert.That(ex.NativeMessage, Does.StartWith("result: expected"));
            Assert.That(ex.Message, Does.StartWith("fr_compile failed with FR_ERROR_INVALID_ARGUMENT: result: expected"));
        });
        Assert.DoesNotThrow(() => FastRecurrenceNativeException.ThrowIfFailed(FrStatus.Ok, "fr_compile"));
    }

    [Test]
    public void MissingLibrary_SaysWhereItLookedAndToRunBuildSh()
    {
        var result = RunCli(["compile", "--arch", "sm_80", "--family", "scan"], ("FR_NATIVE_LIBRARY", "/nonexistent/libfastrecurrence.so"));
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
            Assert.That(result.Stderr, Does.Contain("libfastrecurrence").And.Contain("run ./build.sh")
                .And.Contain("/nonexistent/libfastrecurrence.so (from FR_NATIVE_LIBRARY): no such file"));
        });
    }

    [Test]
    public void MissingLibrary_MakesTheCudaBackendUnavailableWithTheReason()
    {
        var result = RunCli(["devices"], ("FR_NATIVE_LIBRARY", "/nonexistent/libfastrecurrence.so"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Does.Match(@"cuda\s+unavailable\s+libfastrecurrence not found \(run ./build.sh to build it\)"));
    }

    [Test]
    public void MissingNvrtc_IsAClearCompileError()
    {
        var result = RunCli(["compile", "--arch", "sm_80", "--family", "scan"], ("FR_NVRTC_LIBRARY", "/nonexistent/libnvrtc.so"));
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
            Assert.That(result.Stderr, Does.Contain("FR_ERROR_NO_NVRTC").And.Contain("/nonexistent/libnvrtc.so"));
        });
    }

    [Test]
    public void MissingDriver_IsReportedByTheCudaBackend()
    {
        // FR_CUDA_LIBRARY replaces libcuda.so.1, so this holds on GPU machines too.
        var result = RunCli(["devices"], ("FR_CUDA_LIBRARY", "/nonexistent/libcuda.so.1"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Does.Match(@"cuda\s+unavailable\s+no CUDA driver: FR_CUDA_LIBRARY=/nonexistent/libcuda.so.1"));
    }

    /// <summary>Runs the CLI (built beside the tests) in a child process with extra environment variables.</summary>
    private static Cli.CliResult RunCli(string[] args, params (string Name, string Value)[] environment)
    {
        var command = BuiltCli.Command;
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var part in command.Skip(1)) start.ArgumentList.Add(part);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            Assert.Fail($"fastrecurrence {string.Join(' ', args)} did not finish in 2 minutes");
        }
        return new Cli.CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
