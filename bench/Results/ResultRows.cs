using BenchmarkDotNet.Reports;
using FastRecurrence.Bench.Columns;
using FastRecurrence.Bench.Recurrent;
using FastRecurrence.Bench.Scans;

namespace FastRecurrence.Bench.Results;

/// <summary>The tidy rows of a run: every recurrent and scan case with a result, with the figures our columns show.</summary>
public static class ResultRows
{
    public static IReadOnlyList<ResultRow> From(IEnumerable<Summary> summaries)
    {
        var rows = new List<ResultRow>();
        foreach (var summary in summaries)
        {
            foreach (var c in summary.BenchmarksCases)
            {
                if (BenchmarkCaseValues.Shape(c) is not { } shape || BenchmarkCaseValues.Variant(c) is not { } variant ||
                    BenchmarkCaseValues.MeanNanoseconds(summary, c) is not { } mean)
                    continue;
                var recurrent = typeof(RecurrentBenchmarks).IsAssignableFrom(c.Descriptor.Type);
                var method = c.Descriptor.WorkloadMethod.Name switch
                {
                    nameof(RecurrentBenchmarks.ForwardBackward) => "forward+backward",
                    var name => name.ToLowerInvariant(),
                };
                var comparison = SpeedupColumn.Compare(summary, c);
                rows.Add(new ResultRow(
                    recurrent ? ResultRow.RecurrentSuite : ResultRow.ScanSuite, method, variant.Backend,
                    Configuration.BackendVariant.ShortName(variant.DataType),
                    recurrent ? BenchmarkCaseValues.Cell(c)!.Value.ToString().ToLowerInvariant() : "scan",
                    shape.Batch, shape.TimeSteps, shape.Heads, shape.HeadSize,
                    MeanMicroseconds: mean / 1000.0,
                    MicrosecondsPerStep: MicrosecondsPerStepColumn.PerStep(summary, c),
                    GigabytesPerSecond: ScanBandwidthColumn.GigabytesPerSecond(summary, c),
                    Teraflops: TeraflopsColumn.Teraflops(summary, c),
                    Speedup: comparison?.Speedup,
                    Baseline: comparison?.Baseline.ToString(),
                    Copies: variant.IncludesHostDeviceCopies));
            }
        }
        return rows;
    }
}
