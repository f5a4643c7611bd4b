using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using FastRecurrence.TestSupport;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Packaging;

/// <summary>
/// The NuGet packages (decision 0042) are what a .NET user installs: packed from this build, restored into a fresh
/// application outside the repository (no FR_NATIVE_LIBRARY, no CMake build folder to fall back on), they must find the
/// native library they carry and run the same CUDA C kernel (on the emulator) and ILGPU kernel as here, against the
/// float64 reference. The packing is what `./build.sh pack` does, without its build.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class NuGetPackageTests
{
    // Variables that would let the application find the library (or the SDK) some other way than the package.
    private static readonly string[] Unset =
        ["FR_NATIVE_LIBRARY", "LD_LIBRARY_PATH", "MSBuildSDKsPath", "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly"];

    private string _work = "";

    [SetUp]
    public void CreateWorkFolder()
    {
        _work = Path.Combine(Path.GetTempPath(), "fr-package-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_work);
    }

    [TearDown]
    public void RemoveWorkFolder()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    [Test]
    public void PackagesRestoredIntoAnApplication_LoadTheirNativeLibrary_AndMatchTheReference()
    {
        var root = RepositoryRoot();
        var native = Path.Combine(root, "build", "native", "lib", "libfastrecurrence.so");
        if (!OperatingSystem.IsLinux()) Assert.Ignore("the package test runs on Linux (the emulated backend's compiler and the .so)");
        if (!File.Exists(native)) Assert.Ignore($"the native library is not built ({native}): ./build.sh builds it");

        var feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;
        // a version of its own, as ./build.sh pack gives each pack: never one NuGet has cached from an earlier pack
        var suffix = "test." + Path.GetFileName(_work)["fr-package-".Length..];
        var (packCode, packOutput) = Dotnet(["pack", Path.Combine(root, "FastRecurrence.sln"), "--no-build", "-c", Configuration,
            $"-p:PackageOutputPath={feed}", $"-p:VersionSuffix={suffix}"], root);
        Assert.That(packCode, Is.Zero, $"dotnet pack FastRecurrence.sln:\n{packOutput}");
        var version = PackageVersion(feed);
        Assert.That(version, Does.EndWith("-" + suffix), "the packages' version");
        Assert.That(Directory.GetFiles(feed).Select(Path.GetFileName), Is.EquivalentTo(
            new[] { "FastRecurrence", "FastRecurrence.Interop", "FastRecurrence.Ilgpu" }.Select(id => $"{id}.{version}.nupkg")),
            "the solution's packages: the projects that set IsPackable, nothing else");

        var app = Directory.CreateDirectory(Path.Combine(_work, "app")).FullName;
        File.WriteAllText(Path.Combine(app, "App.csproj"), AppProject(version));
        File.WriteAllText(Path.Combine(app, "NuGet.config"), NuGetConfig(feed, GlobalPackagesFolder(root)));
        File.WriteAllText(Path.Combine(app, "Program.cs"), AppProgram);
        var (runCode, runOutput) = Dotnet(["run", "-c", "Release"], app);
        Assert.That(runCode, Is.Zero, $"the application failed:\n{runOutput}");

        var loaded = Match(LoadedLine(), runOutput, "loaded");
        Assert.That(Path.GetFullPath(loaded), Does.StartWith(Path.Combine(app, "bin") + Path.DirectorySeparatorChar),
            $"the library must come from the package's copy in the application's output, not {loaded}:\n{runOutput}");
        foreach (var backend in new[] { "cuda-emulated", "ilgpu-cpu" })
        {
            var error = double.Parse(Match(ErrorLine(backend), runOutput, backend), System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(error, Error.AtMost(1e-5), $"{backend}: relative L2 error against float64 (math.md: fp32 <= 1e-5):\n{runOutput}");
        }
    }

    private static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    private static (int Code, string Output) Dotnet(string[] arguments, string workingDirectory) =>
        ExternalTool.Run("dotnet", arguments, "the .NET SDK runs the tests", workingDirectory, TimeSpan.FromMinutes(8),
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" }, Unset);

    /// <summary>The version of the packages in <paramref name="feed"/>, from FastRecurrence.Interop's file name.</summary>
    private static string PackageVersion(string feed)
    {
        const string prefix = "FastRecurrence.Interop.";
        var packages = Directory.GetFiles(feed, prefix + "*.nupkg");
        Assert.That(packages, Has.Length.EqualTo(1), $"one FastRecurrence.Interop package in {string.Join(", ", Directory.GetFiles(feed))}");
        return Path.GetFileNameWithoutExtension(packages[0])[prefix.Length..];
    }

    /// <summary>
    /// The machine's NuGet global packages folder serves the packages' own dependencies (ILGPU) as a local feed (the
    /// source mapping takes FastRecurrence* from the new feed only): the application restores offline into a folder of
    /// its own, so this build's packages never reach the shared cache.
    /// </summary>
    private static string GlobalPackagesFolder(string root)
    {
        var (code, output) = Dotnet(["nuget", "locals", "global-packages", "--list"], root);
        Assert.That(code, Is.Zero, output);
        var folder = Match(GlobalPackagesLine(), output, "global-packages");
        Assert.That(Directory.Exists(folder), $"the global packages folder {folder} does not exist");
        return folder;
    }

    private static string Match(Regex pattern, string output, string what)
    {
        var match = pattern.Match(output);
        Assert.That(match.Success, $"no '{what}' line in:\n{output}");
        return match.Groups[1].Value.Trim();
    }

    private static string RepositoryRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    private static string AppProject(string version) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <RestorePackagesPath>$(MSBuildThisFileDirectory)packages</RestorePackagesPath>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="FastRecurrence" Version="{version}" />
            <PackageReference Include="FastRecurrence.Ilgpu" Version="{version}" />
          </ItemGroup>
        </Project>
        """;

    private static string NuGetConfig(string feed, string globalPackages) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="fastrecurrence" value="{feed}" />
            <add key="dependencies" value="{globalPackages}" />
          </packageSources>
          <packageSourceMapping>
            <packageSource key="fastrecurrence">
              <package pattern="FastRecurrence*" />
            </packageSource>
            <packageSource key="dependencies">
              <package pattern="*" />
            </packageSource>
          </packageSourceMapping>
        </configuration>
        """;

    // The application: the scan on the emulated CUDA C kernel and on the ILGPU CPU kernel, outputs poisoned first,
    // each against the float64 reference as math.md measures it (relative L2 error; NaN never passes).
    private const string AppProgram = """
        using FastRecurrence;
        using FastRecurrence.Backends;
        using FastRecurrence.Ilgpu;
        using FastRecurrence.Interop;

        IlgpuBackends.EnsureRegistered();
        var problem = new ScanProblem(batch: 2, timeSteps: 37, heads: 3, headSize: 16);
        var random = new Random(20261207);
        var n = problem.SequenceLength;
        float[] a = new float[n], b = new float[n], h0 = new float[problem.StateLength];
        for (var i = 0; i < n; i++) { a[i] = (float)(random.NextDouble() * 2 - 1); b[i] = (float)(random.NextDouble() * 2 - 1); }
        for (var i = 0; i < h0.Length; i++) h0[i] = (float)(random.NextDouble() * 2 - 1);

        var expected = new double[n];
        Scan.Forward(new ScanProblem(2, 37, 3, 16, DataType.Float64),
            new ScanInputs<double>(Array.ConvertAll(a, v => (double)v), Array.ConvertAll(b, v => (double)v), Array.ConvertAll(h0, v => (double)v)),
            expected, RecurrenceBackends.Reference);

        foreach (var name in new[] { "cuda-emulated", "ilgpu-cpu" })
        {
            var h = new float[n];
            Array.Fill(h, float.NaN);
            Scan.Forward(problem, new ScanInputs<float>(a, b, h0), h, RecurrenceBackends.Get(name));
            double difference = 0, norm = 0;
            for (var i = 0; i < n; i++) { difference += (h[i] - expected[i]) * (h[i] - expected[i]); norm += expected[i] * expected[i]; }
            Console.WriteLine($"{name} relative error: {Math.Sqrt(difference / norm).ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
        }
        Console.WriteLine($"loaded: {FastRecurrenceLibrary.LoadedPath}");
        Console.WriteLine($"cuda: {RecurrenceBackends.Get("cuda").Availability.Reason ?? "available"}");
        """;

    [GeneratedRegex(@"^loaded: (.+)$", RegexOptions.Multiline)]
    private static partial Regex LoadedLine();

    [GeneratedRegex(@"^global-packages: (.+)$", RegexOptions.Multiline)]
    private static partial Regex GlobalPackagesLine();

    private static Regex ErrorLine(string backend) => new($"^{Regex.Escape(backend)} relative error: (\\S+)$", RegexOptions.Multiline);
}
