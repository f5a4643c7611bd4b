namespace FastRecurrence.Bench.Tests;

/// <summary>
/// The benchmark program's exit code, from a child process of the built program (the test project references it):
/// arguments BenchmarkDotNet refuses, and a --filter that selects nothing, exited 0 after running nothing; they exit
/// 2 with one error line on stderr. Listing the benchmarks still exits 0. None of these runs a benchmark.
/// </summary>
[TestFixture]
public sealed class ExitCodeTests
{
    private string _results = "";

    [SetUp]
    public void MakeResultsFolder() => _results = Directory.CreateTempSubdirectory("fr-bench-exit-").FullName;

    [TearDown]
    public void RemoveResultsFolder() => Directory.Delete(_results, recursive: true);

    private (int Code, string Output) Bench(params string[] args)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "FastRecurrence.Bench.dll");
        Assert.That(File.Exists(program), Is.True, $"{program} is built with the tests");
        // the results folder of this test, not bench/results
        return ExternalTool.Run("dotnet", ["exec", program, .. args], "the .NET SDK runs the tests", timeout: TimeSpan.FromMinutes(2),
            environment: new Dictionary<string, string> { ["FR_BENCH_RESULTS"] = _results });
    }

    [TestCase("--filter", "*NoSuchBenchmark*")]
    [TestCase("--job", "bogus")]
    [TestCase("--foo")]
    [TestCase("--iterationCount", "abc")]
    public void ArgumentsThatRunNothing_ExitTwo(params string[] args)
    {
        var (code, output) = Bench(args);

        Assert.That(code, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("error: no benchmark ran"));
    }

    [Test]
    public void Listing_ExitsZero()
    {
        var (code, output) = Bench("--list", "flat");

        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain("CpuScanBenchmarks.Forward").And.Not.Contain("error:"));
    }
}
