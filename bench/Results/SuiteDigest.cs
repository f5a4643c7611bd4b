using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;

namespace FastRecurrence.Bench.Results;

/// <summary>
/// The last thing a benchmark run prints: every suite's table again, compact (the case, its mean and our figures, not
/// BenchmarkDotNet's error, deviation, median, GC and allocation columns). BenchmarkDotNet prints each table where its
/// suite ends, so in the default run they sit thousands of log lines up and the last screen holds only the planner
/// sweep's table; the full tables stay in the log and in the reports under bench/results.
/// </summary>
public static class SuiteDigest
{
    public static void Write(TextWriter output, IEnumerable<Summary> summaries)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(summaries);
        var ran = summaries.Where(s => s.BenchmarksCases.Length > 0).ToArray();
        if (ran.Length == 0)
            return;
        output.WriteLine();
        output.WriteLine("// * Every suite's table, compact (the full tables are above, and in the reports beside the results) *");
        foreach (var summary in ran)
        {
            var suites = string.Join(", ", summary.BenchmarksCases.Select(c => c.Descriptor.Type.Name).Distinct());
            output.WriteLine();
            output.WriteLine($"## {suites}");
            output.WriteLine();
            foreach (var line in Table(summary))
                output.WriteLine(line);
        }
    }

    /// <summary>The summary's table as markdown lines, with only the columns <see cref="Keep"/> picks.</summary>
    public static IReadOnlyList<string> Table(Summary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var table = summary.Table;
        var columns = table.Columns.Where(c => c.NeedToShow && Keep(c.OriginalColumn)).ToArray();
        var widths = columns.Select(c => Math.Max(c.Header.Length, c.Content.Length == 0 ? 0 : c.Content.Max(v => v.Length))).ToArray();
        var right = columns.Select(c => c.Justify == SummaryTable.SummaryTableColumn.TextJustification.Right).ToArray();
        string Row(IEnumerable<string> cells) =>
            "| " + string.Join(" | ", cells.Select((cell, i) => right[i] ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]))) + " |";

        var lines = new List<string>
        {
            Row(columns.Select(c => c.Header)),
            "|" + string.Join("|", widths.Select((w, i) => right[i] ? new string('-', w + 1) + ":" : new string('-', w + 2))) + "|",
        };
        for (var row = 0; row < table.FullContent.Length; row++)
            lines.Add(Row(columns.Select(c => c.Content[row])));
        return lines;
    }

    /// <summary>
    /// What identifies a case (the method, its parameters, any job setting that differs between rows), the mean, and
    /// our columns (us/step, GB/s, TFLOP/s, Speedup, Copies).
    /// </summary>
    private static bool Keep(IColumn column) =>
        column.Category is ColumnCategory.Job or ColumnCategory.Params or ColumnCategory.Custom ||
        column.ColumnName == "Mean";
}
