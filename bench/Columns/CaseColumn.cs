using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FastRecurrence.Bench.Columns;

/// <summary>
/// The plumbing our columns share: a column computed per case, "-" where it does not apply, "NA" where it applies
/// but the case has no result, numbers formatted in the summary's culture.
/// </summary>
public abstract class CaseColumn : IColumn
{
    public abstract string ColumnName { get; }
    public abstract string Legend { get; }
    public abstract int PriorityInCategory { get; }

    /// <summary>True when the column has something to say about the case.</summary>
    protected abstract bool Applies(BenchmarkCase benchmarkCase);

    /// <summary>The value of a case the column applies to, or null when it cannot be computed (no result).</summary>
    protected abstract string? Value(Summary summary, BenchmarkCase benchmarkCase, CultureInfo culture);

    public string Id => GetType().Name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public virtual bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;

    public virtual bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(Applies);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        !Applies(benchmarkCase) ? "-" : Value(summary, benchmarkCase, style.CultureInfo ?? CultureInfo.InvariantCulture) ?? "NA";

    public override string ToString() => ColumnName;
}
