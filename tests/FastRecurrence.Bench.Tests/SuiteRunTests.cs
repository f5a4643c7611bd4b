using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FastRecurrence.Bench.Columns;
using FastRecurrence.Bench.Configuration;
using FastRecurrence.Bench.Recurrent;
using FastRecurrence.Bench.Results;
using FastRecurrence.Bench.Scans;

namespace FastRecurrence.Bench.Tests;

/// <summary>
/// A real BenchmarkDotNet run of a few CPU cases (one iteration each, in-process): every case succeeds, our columns
/// compute from the measured means (the baseline's speedup is exactly 1, the other's is the ratio of means), and the
/// tidy rows carry the same figures.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SuiteRunTests
{
    private static ManualConfig DryConfig(string artifacts, Func<BenchmarkCase, bool> keep) =>
        ManualConfig.CreateEmpty()
            .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance))
            .AddLogger(NullLogger.Instance)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(new MicrosecondsPerStepColumn(), new ScanBandwidthColumn(), new TeraflopsColumn(), new SpeedupColumn(), new CopiesColumn())
            .AddFilter(new SimpleFilter(keep))
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile);

    [Test]
    public void CpuRecurrentCases_Run_AndTheirColumnsAndRowsAgree()
    {
        var artifacts = Directory.CreateTempSubdirectory("fr-bench-run-").FullName;
        try
        {
            var summary = BenchmarkRunner.Run<CpuRecurrentBenchmarks>(DryConfig(artifacts, c =>
                BenchmarkCaseValues.Cell(c) == CellKind.Elman && BenchmarkCaseValues.Shape(c)!.Hidden == 32 &&
                BenchmarkCaseValues.Shape(c)!.Heads == 1));
            var rows = ResultRows.From([summary]);
            var variants = summary.BenchmarksCases.Select(c => BenchmarkCaseValues.Variant(c)!.ToString()).Distinct().ToArray();

            Assert.That(summary.Reports.All(r => r.Success), Is.True, "every case ran");
            Assert.That(variants, Is.EqualTo(new[] { "reference/fp32", "ilgpu-cpu/fp32" }));
            Assert.That(rows, Has.Count.EqualTo(4), "two methods x two variants");
            foreach (var c in summary.BenchmarksCases)
            {
                var mean = BenchmarkCaseValues.MeanNanoseconds(summary, c)!.Value;
                var row = rows.Single(r => r.Backend == BenchmarkCaseValues.Variant(c)!.Backend &&
                    r.Method == (c.Descriptor.WorkloadMethod.Name == "Forward" ? "forward" : "forward+backward"));
                var baseline = summary.BenchmarksCases.Single(b => b.Descriptor.WorkloadMethod == c.Descriptor.WorkloadMethod &&
                    BenchmarkCaseValues.Variant(b)!.Backend == "reference");
                var products = c.Descriptor.WorkloadMethod.Name == "Forward" ? 1 : 3;
                Assert.Multiple(() =>
                {
                    Assert.That(row.MicrosecondsPerStep, Is.EqualTo(mean / 1000.0 / 32).Within(1e-9).Percent);
                    Assert.That(row.Teraflops, Is.EqualTo(2.0 * 4 * 32 * 1 * 32 * 32 * products / mean / 1000.0).Within(1e-9).Percent);
                    Assert.That(row.Speedup, Is.EqualTo(BenchmarkCaseValues.MeanNanoseconds(summary, baseline)!.Value / mean).Within(1e-9).Percent);
                    Assert.That(row.Baseline, Is.EqualTo("reference/fp32"));
                    Assert.That(row.GigabytesPerSecond, Is.Null, "no bandwidth for the recurrence");
                    if (row.Backend == "reference")
                        Assert.That(new SpeedupColumn().GetValue(summary, c), Is.EqualTo("1"));
                    Assert.That(new ScanBandwidthColumn().GetValue(summary, c), Is.EqualTo("-"));
                });
            }
        }
        finally
        {
            Directory.Delete(artifacts, recursive: true);
        }
    }

    [Test]
    public void ReferenceScanCases_ReportTheirBandwidth_AndTheDigestShowsThemCompactly()
    {
        var artifacts = Directory.CreateTempSubdirectory("fr-bench-run-").FullName;
        try
        {
            var summary = BenchmarkRunner.Run<CpuScanBenchmarks>(DryConfig(artifacts, c => BenchmarkCaseValues.Variant(c)!.Backend == "reference"));
            var rows = ResultRows.From([summary]);

            // the end of a run: the suite's table again, one row per case, the case, its mean and our figures only
            var digest = new StringWriter();
            SuiteDigest.Write(digest, [summary]);
            var lines = digest.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
            Assert.That(lines, Does.Contain("## CpuScanBenchmarks"), digest.ToString());
            var header = lines.Single(l => l.StartsWith("| Method", StringComparison.Ordinal));
            var columns = header.Split('|').Select(h => h.Trim()).Where(h => h.Length > 0).ToArray();
            Assert.That(columns, Is.SupersetOf(new[] { "Method", "Shape", "Variant", "Mean", "GB/s" }), digest.ToString());
            Assert.That(columns, Has.None.AnyOf("Error", "StdDev", "Median", "Allocated"), digest.ToString());
            Assert.That(lines.Count(l => l.StartsWith("| Forward ", StringComparison.Ordinal) || l.StartsWith("| Backward ", StringComparison.Ordinal)),
                Is.EqualTo(summary.BenchmarksCases.Length));
            Assert.That(summary.Reports.All(r => r.Success), Is.True, "every case ran");
            Assert.That(rows.Select(r => r.Method), Is.EquivalentTo(new[] { "forward", "backward" }));
            foreach (var row in rows)
            {
                var arrays = row.Method == "forward" ? 3 : 5;
                Assert.That(row.GigabytesPerSecond,
                    Is.EqualTo((double)row.Batch * row.TimeSteps * row.Hidden * arrays * 4 / (row.MeanMicroseconds * 1000.0)).Within(1e-9).Percent);
                Assert.That(row.MicrosecondsPerStep, Is.Null);
            }
        }
        finally
        {
            Directory.Delete(artifacts, recursive: true);
        }
    }
}
