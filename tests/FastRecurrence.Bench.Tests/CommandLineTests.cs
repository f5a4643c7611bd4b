using FastRecurrence.Bench.Configuration;

namespace FastRecurrence.Bench.Tests;

/// <summary>The command line: never an interactive menu, --full picks the suite, a named job stays in-process.</summary>
[TestFixture]
[NonParallelizable] // BenchSuite.Apply sets a process environment variable.
public sealed class CommandLineTests
{
    [TearDown]
    public void ResetSuite() => Environment.SetEnvironmentVariable(BenchSuite.EnvironmentVariable, null);

    [Test]
    public void NoArguments_SelectEverything_SoNothingWaitsOnStdin() =>
        Assert.That(SwitcherArguments.Normalise([]), Is.EqualTo(new[] { "--filter", "*" }));

    [Test]
    public void AFilter_IsKeptAsGiven() =>
        Assert.That(SwitcherArguments.Normalise(["--filter", "*Scan*"]), Is.EqualTo(new[] { "--filter", "*Scan*" }));

    [Test]
    public void ANamedJob_StaysInProcess_AndDropsOurDefaultJob()
    {
        Assert.Multiple(() =>
        {
            Assert.That(SwitcherArguments.Normalise(["--job", "short"]), Is.EqualTo(new[] { "--job", "short", "--filter", "*", "--inProcess" }));
            Assert.That(SwitcherArguments.NamesJob(["--job", "short"]), Is.True);
            Assert.That(SwitcherArguments.NamesJob(["--filter", "*"]), Is.False);
        });
    }

    [Test]
    public void Full_IsRemovedFromTheArguments_AndSelectsTheFullSuite()
    {
        var rest = BenchSuite.Apply(["--filter", "*Cpu*", "--full"]);
        Assert.Multiple(() =>
        {
            Assert.That(rest, Is.EqualTo(new[] { "--filter", "*Cpu*" }));
            Assert.That(BenchSuite.Current, Is.EqualTo(BenchSuiteKind.Full));
        });
    }

    [Test]
    public void OnlyListHelpInfoAndVersion_MayRunNothing()
    {
        Assert.Multiple(() =>
        {
            foreach (var args in new[] { new[] { "--list", "flat" }, ["--list=tree"], ["--help"], ["-h"], ["-?"], ["--info"], ["--version"] })
            {
                Assert.That(SwitcherArguments.OnlyPrints(args), Is.True, string.Join(' ', args));
                Assert.That(SwitcherOutcome.WhyNothingRan(args, []), Is.Null, string.Join(' ', args));
            }
            foreach (var args in new[] { Array.Empty<string>(), ["--filter", "*NoSuchBenchmark*"], ["--job", "bogus"], ["--foo"], ["--iterationCount", "abc"] })
            {
                Assert.That(SwitcherArguments.OnlyPrints(args), Is.False, string.Join(' ', args));
                Assert.That(SwitcherOutcome.WhyNothingRan(args, []), Does.StartWith("error: no benchmark ran"), string.Join(' ', args));
            }
        });
    }

    [Test]
    public void WithoutFull_TheQuickSuiteRuns()
    {
        BenchSuite.Apply(["--filter", "*"]);
        Assert.That(BenchSuite.Current, Is.EqualTo(BenchSuiteKind.Quick));
    }
}
