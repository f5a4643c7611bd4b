using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using FastRecurrence.Bench.Columns;
using Perfolizer.Horology;

namespace FastRecurrence.Bench.Configuration;

/// <summary>The one configuration every run uses: short in-process job, our columns, markdown + CSV under the results folder.</summary>
public static class BenchConfig
{
    /// <summary>
    /// The default job. In-process, so BenchmarkDotNet neither generates nor builds a second project (that alone
    /// takes minutes on a 2-core machine); few and short iterations, because the reference benchmarks are
    /// milliseconds and the suite is a smoke-level record, not a tuning run. Use --job / --iterationCount for more.
    /// </summary>
    public static Job DefaultJob { get; } = Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(2)
        .WithIterationCount(5)
        .WithIterationTime(TimeInterval.FromMilliseconds(200))
        .WithId("ShortInProcess");

    /// <param name="includeDefaultJob">
    /// False when the command line names a job: a config's default job would override it (see <see cref="SwitcherArguments.NamesJob"/>).
    /// </param>
    public static IConfig Create(bool includeDefaultJob)
    {
        // Start from the minimum (loggers, default columns) rather than DefaultConfig so that only the
        // exporters we want are written; take DefaultConfig's analysers and validators so mistakes still surface.
        var config = ManualConfig.CreateMinimumViable()
            .AddAnalyser([.. DefaultConfig.Instance.GetAnalysers()])
            .AddValidator([.. DefaultConfig.Instance.GetValidators()])
            .AddColumn(new MicrosecondsPerStepColumn(), new ScanBandwidthColumn(), new TeraflopsColumn(), new SpeedupColumn(),
                new CopiesColumn())
            // The reference allocates work buffers per call; the Allocated column keeps that visible.
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(MarkdownExporter.GitHub, CsvExport.Exporter)
            .WithArtifactsPath(ResultsFolder.Locate());
        if (includeDefaultJob)
            config = config.AddJob(DefaultJob.AsDefault());
        return config;
    }
}
