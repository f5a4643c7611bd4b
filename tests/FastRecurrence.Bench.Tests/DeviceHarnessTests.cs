using FastRecurrence.Bench.Results;

namespace FastRecurrence.Bench.Tests;

/// <summary>
/// tools/device/bench_compare.py, the GPU harness, on this machine (its card and peers steps need torch and a GPU; its
/// header and merge steps do not): it writes the columns ResultCsv reads, derives our kernel plus the input GEMM, and
/// states speedups against cuDNN where cuDNN ran the problem, else against the torch loop.
/// </summary>
[TestFixture]
public sealed class DeviceHarnessTests
{
    private string _folder = "";

    [SetUp]
    public void MakeFolder() => _folder = Directory.CreateTempSubdirectory("fr-harness-tests-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    private static string Script()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "tools", "device", "bench_compare.py");
            if (File.Exists(Path.Combine(dir.FullName, "FastRecurrence.sln")) && File.Exists(script))
                return script;
        }
        throw new FileNotFoundException("tools/device/bench_compare.py above the test binary");
    }

    private static (int Code, string Output) Python(params string[] args) =>
        ExternalTool.Run("python3", [Script(), .. args], "CI installs it (.ci/run)");

    private static ResultRow Recurrent(string backend, string dtype, double meanMicroseconds, bool copies = false) =>
        new(ResultRow.RecurrentSuite, "forward", backend, dtype, "lstm", 16, 1024, 1, 768, meanMicroseconds,
            meanMicroseconds / 1024, null, 1.0, null, null, copies);

    [Test]
    public void Header_IsTheBenchmarksCsvHeader()
    {
        var (code, output) = Python("header");
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output.Trim(), Is.EqualTo(string.Join(',', ResultCsv.Header)));
    }

    [Test]
    public void Merge_AddsOurKernelPlusTheInputGemm_AndSpeedupsAgainstCudnnThenTheTorchLoop()
    {
        var ours = Path.Combine(_folder, "ours.csv");
        var peers = Path.Combine(_folder, "peers.csv");
        var card = Path.Combine(_folder, "card.json");
        ResultCsv.Write(ours,
        [
            Recurrent("cuda", "bf16", 800), Recurrent("ilgpu-cuda", "fp32", 9000, copies: true),
            Recurrent("cuda", "fp32", 1600) with { Heads = 12, HeadSize = 64 },
        ]);
        ResultCsv.Write(peers,
        [
            Recurrent("torch-cudnn", "bf16", 2000), Recurrent("torch-input-gemm", "bf16", 200),
            Recurrent("torch-cudnn", "fp32", 3000), Recurrent("torch-loop", "fp32", 64000) with { Heads = 12, HeadSize = 64 },
        ]);
        File.WriteAllText(card, """{"name": "Test GPU", "torch": "2.x", "cuda": "12.x", "copy_GB_per_s": 3000.0, "matmul_bf16_TFLOP_per_s": 700.0, "matmul_fp32_TFLOP_per_s": 50.0}""");

        var (code, output) = Python("merge", ours, peers, card, Path.Combine(_folder, "merged"));
        Assert.That(code, Is.EqualTo(0), output);
        var rows = ResultCsv.Read(Path.Combine(_folder, "merged.csv"));
        ResultRow Find(string backend, string dtype, int heads = 1) => rows.Single(r => r.Backend == backend && r.DataType == dtype && r.Heads == heads);
        var markdown = File.ReadAllText(Path.Combine(_folder, "merged.md"));

        Assert.Multiple(() =>
        {
            Assert.That(rows.Select(r => r.Backend), Has.None.EqualTo("torch-input-gemm"), "the GEMM only feeds the derived row");
            Assert.That(Find("cuda+input-gemm", "bf16").MeanMicroseconds, Is.EqualTo(1000));
            Assert.That(Find("cuda+input-gemm", "bf16").Speedup, Is.EqualTo(2.0).Within(1e-12));
            Assert.That(Find("cuda", "bf16").Speedup, Is.EqualTo(2.5).Within(1e-12));
            Assert.That(Find("cuda", "bf16").Baseline, Is.EqualTo("torch-cudnn/bf16"));
            Assert.That(Find("ilgpu-cuda", "fp32").Speedup, Is.EqualTo(3000.0 / 9000).Within(1e-12));
            Assert.That(Find("ilgpu-cuda", "fp32").Copies, Is.True);
            Assert.That(Find("cuda", "fp32", heads: 12).Baseline, Is.EqualTo("torch-loop/fp32"), "no cuDNN for 12 heads");
            Assert.That(Find("cuda", "fp32", heads: 12).Speedup, Is.EqualTo(40).Within(1e-12));
            Assert.That(Find("torch-cudnn", "bf16").Speedup, Is.EqualTo(1));
            Assert.That(Find("cuda+input-gemm", "bf16").Teraflops, Is.EqualTo(2.0 * 16 * 1024 * 4 * 768 * 768 / 1000 / 1e6).Within(1e-9).Percent);
            Assert.That(markdown, Does.Contain("Side-by-side on Test GPU").And.Contain("copy 3000 GB/s").And.Contain("FlashRNN"));
        });
    }

    [Test]
    public void Merge_RefusesAResultsFileWithNoRowOfOurGpuKernels()
    {
        // the benchmark ran, but its GPU suites did not (e.g. no library): merging peers alone is no comparison
        var ours = Path.Combine(_folder, "ours.csv");
        var peers = Path.Combine(_folder, "peers.csv");
        var card = Path.Combine(_folder, "card.json");
        ResultCsv.Write(ours, [Recurrent("ilgpu-cuda", "fp32", 9000, copies: true)]);
        ResultCsv.Write(peers, [Recurrent("torch-cudnn", "fp32", 3000)]);
        File.WriteAllText(card, """{"name": "Test GPU", "torch": "2.x", "cuda": "12.x", "copy_GB_per_s": 3000.0, "matmul_bf16_TFLOP_per_s": 700.0, "matmul_fp32_TFLOP_per_s": 50.0}""");

        var (code, output) = Python("merge", ours, peers, card, Path.Combine(_folder, "merged"));
        Assert.That(code, Is.Not.Zero, output);
        Assert.That(output, Does.Contain("no row of our native kernels"), output);
        Assert.That(File.Exists(Path.Combine(_folder, "merged.csv")), Is.False, "nothing written");
    }
}
