using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FastRecurrence.Bench.Configuration;

namespace FastRecurrence.Bench.Columns;

/// <summary>What the custom columns read from a case: its parameters (by the names the suites use) and its measured mean.</summary>
internal static class BenchmarkCaseValues
{
    public const string ShapeParameter = "Shape";
    public const string VariantParameter = "Variant";
    public const string CellParameter = "Cell";

    /// <summary>The parameter <paramref name="name"/> when the case has one of type <typeparamref name="T"/>, else null.</summary>
    public static T? Parameter<T>(BenchmarkCase benchmarkCase, string name) where T : class =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value as T;

    public static SequenceShape? Shape(BenchmarkCase benchmarkCase) => Parameter<SequenceShape>(benchmarkCase, ShapeParameter);

    public static BackendVariant? Variant(BenchmarkCase benchmarkCase) => Parameter<BackendVariant>(benchmarkCase, VariantParameter);

    public static CellKind? Cell(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == CellParameter)?.Value is CellKind cell ? cell : null;

    /// <summary>Mean time per operation in nanoseconds, or null when the case failed or did not run.</summary>
    public static double? MeanNanoseconds(Summary summary, BenchmarkCase benchmarkCase) =>
        summary[benchmarkCase]?.ResultStatistics?.Mean is { } mean && mean > 0 ? mean : null;
}
