using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Reports;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace FastRecurrence.Bench.Configuration;

/// <summary>
/// CSV for scripts and plots: comma-separated whatever the machine's culture, fixed units (microseconds, KB) named
/// in the header, and bare numbers in the cells, so a reader never has to parse "1.23 ms" next to "950 us".
/// </summary>
public static class CsvExport
{
    public static CsvExporter Exporter { get; } = new(
        CsvSeparator.Comma,
        new SummaryStyle(PlainNumbers(), printUnitsInHeader: true, sizeUnit: SizeUnit.KB,
            timeUnit: TimeUnit.Microsecond, printUnitsInContent: false));

    // Invariant culture without digit grouping: "2262.247", not "2,262.247" (which CSV readers must unquote and
    // then still fail to parse as a number).
    private static CultureInfo PlainNumbers()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberGroupSeparator = "";
        return culture;
    }
}
