using FastRecurrence.Bench.Plotting;
using FastRecurrence.Bench.Results;

namespace FastRecurrence.Bench.Tests;

/// <summary>The tidy results CSV reads back exactly, bad files are refused with a line number, and the plots are drawn from it.</summary>
[TestFixture]
public sealed class ResultFilesTests
{
    private string _folder = "";

    [SetUp]
    public void MakeFolder() => _folder = Directory.CreateTempSubdirectory("fr-bench-tests-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    private static ResultRow Row(string backend, string cell, int heads, int headSize, double microsecondsPerStep, string method = "forward") =>
        new(ResultRow.RecurrentSuite, method, backend, "fp32", cell, 4, 32, heads, headSize, microsecondsPerStep * 32,
            microsecondsPerStep, null, 1.0 / 3.0, 0.1 + 0.2, "reference/fp32", false);

    private static ResultRow[] Sweep() =>
    [
        Row("reference", "lstm", 1, 32, 26.4), Row("reference", "lstm", 1, 64, 68.3), Row("reference", "lstm", 1, 128, 190.0),
        Row("reference", "lstm", 4, 32, 60.1), Row("reference", "lstm", 2, 64, 70.2),
        Row("ilgpu-cpu", "lstm", 1, 32, 1752.6), Row("ilgpu-cpu", "lstm", 1, 64, 3117.0), Row("ilgpu-cpu", "lstm", 4, 32, 2853.1),
        Row("reference", "lstm", 1, 32, 80.0, "forward+backward"), Row("reference", "lstm", 1, 64, 190.0, "forward+backward"),
        new(ResultRow.ScanSuite, "forward", "reference", "fp32", "scan", 1, 256, 2, 32, 28.8, null, 6.83, null, 1, "reference/fp32", false),
    ];

    [Test]
    public void Csv_ReadsBackEveryRowExactly()
    {
        var path = Path.Combine(_folder, "r.csv");
        var rows = Sweep();
        ResultCsv.Write(path, rows);
        Assert.That(ResultCsv.Read(path), Is.EqualTo(rows));
    }

    [Test]
    public void Csv_RefusesAnotherHeader_AndAShortLine_WithTheLineNumber()
    {
        var header = Path.Combine(_folder, "header.csv");
        File.WriteAllLines(header, ["Method,Mean", "Forward,1"]);
        var shortLine = Path.Combine(_folder, "short.csv");
        File.WriteAllLines(shortLine, [string.Join(',', ResultCsv.Header), "recurrent,forward,reference"]);
        var badNumber = Path.Combine(_folder, "number.csv");
        File.WriteAllLines(badNumber, [string.Join(',', ResultCsv.Header), "recurrent,forward,reference,fp32,lstm,4,32,1,32,fast,,,,,,none"]);
        Assert.Multiple(() =>
        {
            Assert.That(() => ResultCsv.Read(header), Throws.InstanceOf<FormatException>().With.Message.Contains("line 1"));
            Assert.That(() => ResultCsv.Read(shortLine), Throws.InstanceOf<FormatException>().With.Message.Contains("line 2: expected 16 fields, got 3"));
            Assert.That(() => ResultCsv.Read(badNumber), Throws.InstanceOf<FormatException>().With.Message.Contains("line 2"));
        });
    }

    [Test]
    public void Plots_OfASweep_ArePngAndSvg_PerMethodAndAxis_WithEverySeries()
    {
        var path = Path.Combine(_folder, "run.csv");
        ResultCsv.Write(path, Sweep());
        var files = StepTimePlots.Write(path, ResultCsv.Read(path));

        Assert.That(files.Select(Path.GetFileName), Is.EquivalentTo(new[]
        {
            "run-forward-vs-hidden.png", "run-forward-vs-hidden.svg", "run-forward-vs-heads.png", "run-forward-vs-heads.svg",
            "run-forward-backward-vs-hidden.png", "run-forward-backward-vs-hidden.svg",
        }));
        var png = File.ReadAllBytes(Path.Combine(_folder, "run-forward-vs-hidden.png"));
        var svg = File.ReadAllText(Path.Combine(_folder, "run-forward-vs-hidden.svg"));
        Assert.Multiple(() =>
        {
            Assert.That(png.Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
            Assert.That(png, Has.Length.GreaterThan(10_000), "a drawn figure, not an empty canvas");
            Assert.That(svg, Does.Contain("reference/fp32 lstm"));
            Assert.That(svg, Does.Contain("ilgpu-cpu/fp32 lstm"));
        });
    }

    [Test]
    public void Plots_NeedASweep()
    {
        var path = Path.Combine(_folder, "single.csv");
        ResultCsv.Write(path, [Row("reference", "lstm", 1, 32, 26.4)]);
        Assert.That(StepTimePlots.Write(path, ResultCsv.Read(path)), Is.Empty);
    }

    [Test]
    public void TheHeadsAxis_TakesTheHiddenSizeSplitIntoMostHeadCounts() =>
        Assert.That(StepTimePlots.SplitHidden(Sweep()), Is.EqualTo(128));

    [Test]
    public void PlotCommand_ReportsAMissingFile_AndUsage()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Multiple(() =>
        {
            Assert.That(RunResults.Plot(["--plot"], output, error), Is.EqualTo(2));
            Assert.That(RunResults.Plot(["--plot", Path.Combine(_folder, "absent.csv")], output, error), Is.EqualTo(1));
            Assert.That(error.ToString(), Does.Contain("usage: --plot").And.Contain("absent.csv"));
        });
    }

    [Test]
    public void PlotCommand_NamesAFileThatIsNotResultsOnce()
    {
        var path = Path.Combine(_folder, "README.md");
        File.WriteAllLines(path, ["# not a results file"]);
        var error = new StringWriter();

        Assert.That(RunResults.Plot(["--plot", path], new StringWriter(), error), Is.EqualTo(1));
        Assert.That(error.ToString().Trim(), Does.StartWith($"{path}: line 1: expected the header"));
        Assert.That(error.ToString().Split(path).Length - 1, Is.EqualTo(1), $"the file is named once: {error}");
    }
}
