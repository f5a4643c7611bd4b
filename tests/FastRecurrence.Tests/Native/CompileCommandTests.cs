using System.Text.Json;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Planning;
using FastRecurrence.Tests.Cli;

namespace FastRecurrence.Tests.Native;

/// <summary>`compile`: rows per variant, JSON, exit codes, both families, bad input.</summary>
[TestFixture]
public sealed class CompileCommandTests
{
    [Test]
    public void RnnFamily_CompilesEveryFusedVariant_OneRowEach_WithItsRegime()
    {
        NativeTestEnvironment.RequireNvrtc();
        // The cache the compile tests share: the fused gate (FusedKernelCompileTests) and this command compile each
        // variant once between them.
        var result = CliWorkspace.Run("compile", "--arch", "sm_90", "--family", "rnn", "--json", "--cache-dir", NativeTestRun.SharedCacheDir);
        Assert.That(result.Stderr, Is.Empty, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var rnn = json.RootElement.GetProperty("families")[0];
        var variants = rnn.GetProperty("variants").EnumerateArray().ToArray();
        var failed = variants.Count(v => !v.GetProperty("ok").GetBoolean());
        Assert.Multiple(() =>
        {
            Assert.That(rnn.GetProperty("family").GetString(), Is.EqualTo("rnn"));
            Assert.That(rnn.GetProperty("source").GetString(), Is.EqualTo("rnn_forward"));
            Assert.That(variants, Has.Length.EqualTo(FusedPlanVariants.For("sm_90").Count));
            Assert.That(variants.Select(v => v.GetProperty("regime").GetString()).Distinct().Order(),
                Is.EqualTo(new[] { "Cluster", "GridBarrier", "SingleBlock" }));
            Assert.That(variants.All(v => v.GetProperty("kernels").EnumerateArray().Any(k => k.GetProperty("name").GetString() == "fr_rnn_forward")), Is.True);
            Assert.That(result.ExitCode, Is.EqualTo(failed == 0 ? 0 : 3), "exit 3 exactly when a variant fails");
        });
    }

    [Test]
    public void Lengths_CompilesThePlansForCallsWithLengths_TheirFrLengthsBuilds()
    {
        NativeTestEnvironment.RequireNvrtc();
        // sm_75's backward: the smallest lengths family, and in the fused gate too (the shared cache).
        var result = CliWorkspace.Run("compile", "--arch", "sm_75", "--family", "rnn-backward", "--lengths", "--json",
            "--cache-dir", NativeTestRun.SharedCacheDir);
        Assert.That(result.Stderr, Is.Empty, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var family = json.RootElement.GetProperty("families")[0];
        var variants = family.GetProperty("variants").EnumerateArray().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(json.RootElement.GetProperty("lengths").GetBoolean(), Is.True);
            Assert.That(json.RootElement.GetProperty("families")[1].GetProperty("variants").GetArrayLength(),
                Is.EqualTo(FusedPlanVariants.Gradients("sm_75").Count), "calls with lengths load the same reductions' modules");
            Assert.That(variants, Has.Length.EqualTo(FusedPlanVariants.For("sm_75", PlanDirection.Backward, lengths: true).Count));
            Assert.That(variants.All(v => v.GetProperty("constants").GetProperty("FR_LENGTHS").GetInt64() == 1), Is.True);
            Assert.That(variants.All(v => v.GetProperty("ok").GetBoolean()), Is.True, "0 spills within the lengths plans' caps");
            Assert.That(result.ExitCode, Is.Zero);
        });
        var scan = CliWorkspace.Run("compile", "--arch", "sm_75", "--family", "scan", "--lengths");
        Assert.Multiple(() =>
        {
            Assert.That(scan.ExitCode, Is.EqualTo(1), scan.ToString());
            Assert.That(scan.Stderr, Does.StartWith("error: --lengths: applies to the fused families"));
        });
    }

    [Test]
    public void UnknownArch_IsAnInputErrorListingTheCatalogArchitectures()
    {
        var result = CliWorkspace.Run("compile", "--arch", "sm_81");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stderr, Does.StartWith("error: --arch: expected one of ").And.Contain("sm_80").And.Contain("sm_90").And.Contain("got 'sm_81'"));
        });
    }

    [Test]
    public void Help_ListsTheArchitecturesItAccepts()
    {
        var result = CliWorkspace.Run("compile", "--help");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Stdout, Does.Contain(string.Join("|", ScanPlanVariants.Architectures)));
            Assert.That(ScanPlanVariants.Architectures, Does.Contain("sm_70").And.Contain("sm_120"), "the range README.md gives");
        });
    }

    /// <summary>
    /// An architecture of the catalog that the installed NVRTC does not know (sm_120 needs NVRTC 12.8) failed every row
    /// with the same message and exit 3; it is one input error before any row.
    /// </summary>
    [Test]
    public void ArchTheInstalledNvrtcCannotCompileFor_IsOneInputError()
    {
        var nvrtc = NativeTestEnvironment.RequireNvrtc();
        if (nvrtc >= new Version(12, 8))
            Assert.Ignore($"NVRTC {nvrtc} compiles for every catalog architecture");

        var result = CliWorkspace.Run("compile", "--arch", "sm_120", "--family", "scan", "--cache-dir", NativeTestRun.SharedCacheDir);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stdout, Is.Empty, "no rows");
            Assert.That(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), result.Stderr);
            Assert.That(result.Stderr, Does.StartWith($"error: --arch: NVRTC {nvrtc.Major}.{nvrtc.Minor} cannot compile for sm_120"));
        });
    }

    /// <summary>A --cache-dir that cannot be a folder failed every row (158 FAIL rows, exit 3); it is one input error.</summary>
    [Test]
    public void CacheDirThatCannotBeUsed_IsOneInputError()
    {
        NativeTestEnvironment.RequireNvrtc();
        var file = Path.Combine(Path.GetTempPath(), $"fastrecurrence-cache-file-{Guid.NewGuid():N}");
        File.WriteAllText(file, "not a folder");
        try
        {
            var result = CliWorkspace.Run("compile", "--arch", "sm_80", "--family", "scan", "--cache-dir", file);
            Assert.Multiple(() =>
            {
                Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
                Assert.That(result.Stdout, Is.Empty, "no rows");
                Assert.That(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), result.Stderr);
                Assert.That(result.Stderr, Does.StartWith($"error: --cache-dir: '{file}' cannot be used as the cubin cache"));
            });
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void UnknownFamily_IsAnInputError()
    {
        var result = CliWorkspace.Run("compile", "--arch", "sm_80", "--family", "lstm");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stderr, Does.StartWith("error: --family: expected one of scan, rnn, rnn-backward, all, got 'lstm'"));
        });
    }

    [Test]
    public void MissingArch_IsASyntaxError()
    {
        var result = CliWorkspace.Run("compile");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
    }

    [Test]
    public void Json_HasOneEntryPerVariant_AndTheExitCodeAgreesWithTheFailures()
    {
        NativeTestEnvironment.RequireNvrtc();
        // The cache the compile tests share: whichever runs first compiles, the other reads.
        var result = CliWorkspace.Run("compile", "--arch", "sm_80", "--family", "all", "--json", "--cache-dir", NativeTestRun.SharedCacheDir);
        Assert.That(result.Stderr, Is.Empty, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        var scan = root.GetProperty("families")[0];
        var variants = scan.GetProperty("variants");
        var failed = variants.EnumerateArray().Count(v => !v.GetProperty("ok").GetBoolean());
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("arch").GetString(), Is.EqualTo("sm_80"));
            Assert.That(root.GetProperty("nvrtc").GetString(), Does.Match(@"^\d+\.\d+$"));
            Assert.That(scan.GetProperty("family").GetString(), Is.EqualTo("scan"));
            Assert.That(variants.GetArrayLength(), Is.EqualTo(ScanPlanVariants.For("sm_80").Count));
            Assert.That(root.GetProperty("families")[1].GetProperty("family").GetString(), Is.EqualTo("rnn"));
            Assert.That(root.GetProperty("families")[1].GetProperty("variants").GetArrayLength(), Is.EqualTo(FusedPlanVariants.For("sm_80").Count));
            Assert.That(root.GetProperty("families")[2].GetProperty("family").GetString(), Is.EqualTo("rnn-backward"));
            Assert.That(root.GetProperty("families")[2].GetProperty("source").GetString(), Is.EqualTo("rnn_backward"));
            Assert.That(root.GetProperty("families")[2].GetProperty("variants").GetArrayLength(),
                Is.EqualTo(FusedPlanVariants.For("sm_80", PlanDirection.Backward).Count));
            var gradients = root.GetProperty("families")[3];
            Assert.That(gradients.GetProperty("family").GetString(), Is.EqualTo("rnn-gradients"), "the reductions every backward loads");
            Assert.That(gradients.GetProperty("source").GetString(), Is.EqualTo("rnn_gradients"));
            Assert.That(gradients.GetProperty("variants").GetArrayLength(), Is.EqualTo(FusedPlanVariants.Gradients("sm_80").Count));
            Assert.That(gradients.GetProperty("variants").EnumerateArray().All(v => v.GetProperty("ok").GetBoolean()
                && v.GetProperty("kernels").GetArrayLength() == 3), Is.True, "dR, db, gate products: no spills, within the budget");
            Assert.That(root.GetProperty("failed").GetInt32(), Is.EqualTo(root.GetProperty("families").EnumerateArray()
                .Sum(f => f.GetProperty("variants").EnumerateArray().Count(v => !v.GetProperty("ok").GetBoolean()))));
            Assert.That(failed, Is.LessThanOrEqualTo(root.GetProperty("failed").GetInt32()));
            Assert.That(result.ExitCode, Is.EqualTo(root.GetProperty("failed").GetInt32() == 0 ? 0 : 3), "exit 3 exactly when a variant fails");
            foreach (var v in variants.EnumerateArray())
            {
                Assert.That(v.GetProperty("kernels").GetArrayLength(), Is.GreaterThanOrEqualTo(1));
                Assert.That(v.GetProperty("constants").GetProperty("FR_DTYPE").GetInt32(), Is.InRange(0, 3));
            }
        });
    }

    [Test]
    public void Text_PrintsAHeaderOneRowPerVariantAndASummary()
    {
        NativeTestEnvironment.RequireNvrtc();
        var result = CliWorkspace.Run("compile", "--arch", "sm_80", "--family", "scan", "--cache-dir", NativeTestRun.SharedCacheDir);
        var count = ScanPlanVariants.For("sm_80").Count;
        var rows = result.Stdout.Split('\n').Count(l => l.Contains(" fr_scan_", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(result.Stdout, Does.Contain("kernel").And.Contain("regs").And.Contain("pred").And.Contain("spill").And.Contain("cache"));
            Assert.That(rows, Is.EqualTo(count));
            Assert.That(result.Stdout, Does.Contain($"{count} variants compiled: "));
            Assert.That(result.ExitCode, Is.EqualTo(result.Stdout.Contains("FAIL", StringComparison.Ordinal) ? 3 : 0), result.Stderr);
        });
    }
}
