using System.Globalization;

namespace FastRecurrence.Bench.Results;

/// <summary>
/// The tidy CSV of <see cref="ResultRow"/>s: a fixed header, invariant-culture numbers, empty cells for figures that do
/// not apply. No field holds a comma or a quote (names are ours), so no quoting is needed; a file that breaks that, or
/// lacks a column, is refused with its line number.
/// </summary>
public static class ResultCsv
{
    public static readonly string[] Header =
    [
        "suite", "method", "backend", "dtype", "cell", "batch", "steps", "heads", "head_size",
        "mean_us", "us_per_step", "gb_per_s", "tflop_per_s", "speedup", "baseline", "copies",
    ];

    public static void Write(string path, IEnumerable<ResultRow> rows)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Join(',', Header));
        foreach (var r in rows)
        {
            string[] fields =
            [
                r.Suite, r.Method, r.Backend, r.DataType, r.Cell, Int(r.Batch), Int(r.TimeSteps), Int(r.Heads), Int(r.HeadSize),
                Number(r.MeanMicroseconds), Number(r.MicrosecondsPerStep), Number(r.GigabytesPerSecond), Number(r.Teraflops),
                Number(r.Speedup), r.Baseline ?? "", r.Copies ? "host-device" : "none",
            ];
            if (fields.Any(f => f.Contains(',') || f.Contains('"') || f.Contains('\n')))
                throw new ArgumentException($"rows: a field of {r} holds a comma, quote or newline, which this CSV does not quote.", nameof(rows));
            writer.WriteLine(string.Join(',', fields));
        }
    }

    public static IReadOnlyList<ResultRow> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim() != string.Join(',', Header))
            throw new FormatException($"{path}: line 1: expected the header '{string.Join(',', Header)}'.");
        var rows = new List<ResultRow>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var f = lines[i].Split(',');
            if (f.Length != Header.Length)
                throw new FormatException($"{path}: line {i + 1}: expected {Header.Length} fields, got {f.Length}.");
            try
            {
                rows.Add(new ResultRow(f[0], f[1], f[2], f[3], f[4], ParseInt(f[5]), ParseInt(f[6]), ParseInt(f[7]), ParseInt(f[8]),
                    ParseNumber(f[9]) ?? throw new FormatException("mean_us is empty"), ParseNumber(f[10]), ParseNumber(f[11]),
                    ParseNumber(f[12]), ParseNumber(f[13]), f[14].Length == 0 ? null : f[14], f[15] == "host-device"));
            }
            catch (FormatException e)
            {
                throw new FormatException($"{path}: line {i + 1}: {e.Message}", e);
            }
        }
        return rows;
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    // Round-trip precision: the plot and the next reader see the measured value, not a display rounding.
    private static string Number(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    private static int ParseInt(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double? ParseNumber(string text) =>
        text.Length == 0 ? null : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
