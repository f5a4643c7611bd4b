using System.Globalization;
using BenchmarkDotNet.Reports;
using FastRecurrence.Bench.Plotting;

namespace FastRecurrence.Bench.Results;

/// <summary>What a run leaves beside BenchmarkDotNet's reports: the tidy CSV of every case, and its plots.</summary>
public static class RunResults
{
    public const string PlotOption = "--plot";

    /// <summary>Writes results/fastrecurrence-&lt;time&gt;.csv and its plots; returns the files written (none when nothing ran).</summary>
    public static IReadOnlyList<string> Write(IEnumerable<Summary> summaries, string folder)
    {
        var rows = ResultRows.From(summaries);
        if (rows.Count == 0) return [];
        Directory.CreateDirectory(folder);
        var csv = Path.Combine(folder, $"fastrecurrence-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.csv");
        ResultCsv.Write(csv, rows);
        return [csv, .. StepTimePlots.Write(csv, rows)];
    }

    public static bool IsPlotRequested(IReadOnlyList<string> args) => args.Count > 0 && args[0] == PlotOption;

    /// <summary>--plot FILE.csv...: the plots of results CSVs (ours, or tools/device/'s harness's) beside each file.</summary>
    public static int Plot(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (args.Count < 2)
        {
            error.WriteLine($"usage: {PlotOption} RESULTS.csv [MORE.csv...]: writes the plots beside each file.");
            return 2;
        }
        foreach (var path in args.Skip(1))
        {
            try
            {
                var files = StepTimePlots.Write(path, ResultCsv.Read(path));
                output.WriteLine(files.Count == 0
                    ? $"{path}: no sweep to plot (needs recurrent rows at two or more hidden sizes, or head counts)"
                    : string.Join(Environment.NewLine, files));
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                // ResultCsv's messages and most of .NET's already name the file; say it once.
                error.WriteLine(e.Message.Contains(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}");
                return 1;
            }
        }
        return 0;
    }
}
