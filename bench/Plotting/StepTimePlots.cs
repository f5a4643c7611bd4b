using ScottPlot;

namespace FastRecurrence.Bench.Plotting;

using Results;

/// <summary>
/// The plots of a results CSV: microseconds per time step of the recurrent rows against hidden size (rows with one
/// head) and against the number of heads (rows that split one hidden size into heads), one figure per method, one
/// series per backend / storage type / cell, log-scaled time (backends differ by orders of magnitude). PNG and SVG,
/// beside the CSV, named after it.
/// </summary>
public static class StepTimePlots
{
    private const int Width = 1200;
    private const int Height = 620;

    /// <summary>Writes the plots of <paramref name="rows"/> beside <paramref name="csvPath"/>; returns the files written.</summary>
    public static IReadOnlyList<string> Write(string csvPath, IReadOnlyList<ResultRow> rows)
    {
        var stem = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(csvPath))!, Path.GetFileNameWithoutExtension(csvPath));
        var written = new List<string>();
        foreach (var method in rows.Where(r => r.Suite == ResultRow.RecurrentSuite).Select(r => r.Method).Distinct())
        {
            var ofMethod = rows.Where(r => r.Suite == ResultRow.RecurrentSuite && r.Method == method).ToArray();
            var oneHead = ofMethod.Where(r => r.Heads == 1).ToArray();
            if (oneHead.Select(r => r.Hidden).Distinct().Count() >= 2)
                written.AddRange(Save(Figure(oneHead, r => r.Hidden, $"{method}: time per step vs hidden size (one head)", "hidden size NH * D"),
                    $"{stem}-{Slug(method)}-vs-hidden"));
            if (SplitHidden(ofMethod) is { } hidden)
                written.AddRange(Save(Figure(ofMethod.Where(r => r.Hidden == hidden).ToArray(), r => r.Heads,
                    $"{method}: time per step vs heads (hidden size {hidden})", "heads NH"), $"{stem}-{Slug(method)}-vs-heads"));
        }
        return written;
    }

    /// <summary>The hidden size measured with the most head counts (at least two), or null.</summary>
    internal static int? SplitHidden(IEnumerable<ResultRow> rows) =>
        rows.GroupBy(r => r.Hidden)
            .Select(g => (Hidden: g.Key, Heads: g.Select(r => r.Heads).Distinct().Count()))
            .Where(g => g.Heads >= 2)
            .OrderByDescending(g => g.Heads).ThenByDescending(g => g.Hidden)
            .Select(g => (int?)g.Hidden)
            .FirstOrDefault();

    private static Plot Figure(ResultRow[] rows, Func<ResultRow, int> x, string title, string xLabel)
    {
        var plot = new Plot();
        // Several batches or lengths in one file would mix in a line; the title names the first, the series the rest.
        foreach (var series in rows.Where(r => r.MicrosecondsPerStep > 0)
                     .GroupBy(r => (r.SeriesName, r.Batch, r.TimeSteps))
                     .OrderBy(g => g.Key.SeriesName, StringComparer.Ordinal))
        {
            var points = series.OrderBy(x).ToArray();
            var scatter = plot.Add.Scatter(points.Select(r => (double)x(r)).ToArray(),
                points.Select(r => Math.Log10(r.MicrosecondsPerStep!.Value)).ToArray());
            scatter.LegendText = $"{series.Key.SeriesName} (B {series.Key.Batch}, T {series.Key.TimeSteps})";
            scatter.MarkerSize = 6;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("microseconds per time step (log scale)");
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture),
        };
        // Ticks at the measured sizes only: the sweeps are sparse (32, 64, 128, ... or 1, 2, 4, ... heads).
        var measured = rows.Select(r => (double)x(r)).Distinct().Order().ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(measured,
            measured.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        // Outside the data area: a dozen series would otherwise cover the lines.
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static IEnumerable<string> Save(Plot plot, string stem)
    {
        plot.SavePng(stem + ".png", Width, Height);
        plot.SaveSvg(stem + ".svg", Width, Height);
        return [stem + ".png", stem + ".svg"];
    }

    private static string Slug(string method) => method.Replace('+', '-');
}
