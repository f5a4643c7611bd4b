using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FastRecurrence.Bench.Columns;

/// <summary>What the custom columns read from a case: its integer parameters and its measured mean.</summary>
internal static class BenchmarkCaseValues
{
    /// <summary>The integer parameter <paramref name="name"/>, or null when the case has no such parameter.</summary>
    public static int? IntParameter(BenchmarkCase benchmarkCase, string name) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value is int value ? value : null;

    /// <summary>Mean time per operation in nanoseconds, or null when the case failed or did not run.</summary>
    public static double? MeanNanoseconds(Summary summary, BenchmarkCase benchmarkCase) =>
        summary[benchmarkCase]?.ResultStatistics?.Mean;
}
