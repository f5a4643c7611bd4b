using System.Text.Json;
using FastRecurrence.Interop;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// The GPU checks of tools/device rehearsed without a GPU or torch (tools/device/rehearse.py): each check's own code,
/// every section, on the CPU emulator with a numpy stand-in for torch and shrunk problems, with its plans from the built
/// CLI and its modules compiled ahead by NVRTC. A check that would raise, refuse a plan or fail a case on its first GPU
/// run fails here first; the lent GPU's minutes go to measuring, not to debugging the scripts. Needs a python3 with
/// numpy (.ci/run installs Debian's python3-numpy), NVRTC and the emulator's C++ compiler; without numpy it is ignored.
/// </summary>
[TestFixture]
public sealed class DeviceRehearsalTests
{
    [SetUp]
    public void Nvrtc() => NativeTestEnvironment.RequireNvrtc();

    [Test]
    public void StandInTorch_ItsValuesAndItsStrictnessHold()
    {
        var script = Path.Combine(NativeTestEnvironment.RepositoryRoot, "tools", "device", "rehearsal", "self_check.py");
        var (code, output) = ExternalTool.Run(PythonWithNumpy(), [script], "needs numpy", timeout: TimeSpan.FromMinutes(2));
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain("checks hold"), output);
    }

    [Test]
    public void RnnCheck_Rehearsed_EverySectionRunsAndEveryCasePasses()
    {
        using var json = Rehearse("rnn_check", "rnn_check.json");
        AssertSectionsPassed(json.RootElement, "cases", "torch", "lengths", "streamed");
        AssertTimed(json.RootElement, "ours_ms", "ours_packed_ms", "ours_lengths_ms", "torch_cudnn_ms", "speedup_vs_cudnn",
            "streamed_tiles", "alternating_ms");
        AssertCompiledAhead(json.RootElement);
    }

    [Test]
    public void RnnBackwardCheck_Rehearsed_EverySectionRunsAndEveryCasePasses()
    {
        using var json = Rehearse("rnn_backward_check", "rnn_backward_check.json");
        AssertSectionsPassed(json.RootElement, "cases", "torch", "lengths", "recompute");
        Assert.That(json.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("bitwise_repeatable").GetBoolean()),
            Is.All.True, "two backwards, the same bits");
        AssertTimed(json.RootElement, "ours_forward_ms", "ours_backward_ms", "torch_cudnn_fwd_bwd_ms", "input_gemms_ms");
        AssertCompiledAhead(json.RootElement);
    }

    [Test]
    public void ScanCheck_Rehearsed_EveryCaseTheCSharpPathAndTheSweepRun()
    {
        using var json = Rehearse("scan_check", "scan_check.json");
        var cases = json.RootElement.GetProperty("cases").EnumerateArray().ToList();
        var timed = json.RootElement.GetProperty("timings").EnumerateArray().Select(t => t.GetProperty("what").GetString()!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(cases.Select(c => c.GetProperty("ok").GetBoolean()), Is.All.True, json.RootElement.ToString());
            Assert.That(cases.Select(c => c.GetProperty("case").GetString()), Has.Some.StartsWith("C# cuda-emulated backend"));
            Assert.That(timed, Has.Some.Contains("torch step loop (peer)"));
            foreach (var sweep in new[] { "float32 forward", "float32 backward", "bfloat16 forward", "bfloat16 backward" })
            {
                Assert.That(timed, Has.Some.EqualTo($"sweep {sweep} planner"), "the plan sweep ran the planner's plan");
                Assert.That(timed, Has.Some.StartsWith($"sweep {sweep} lanes"), "and hand-built plans beside it");
            }
        });
    }

    [Test]
    public void IlgpuCheck_Rehearsed_EveryCellAndTheScanPassBesideTheTorchModules()
    {
        using var json = Rehearse("ilgpu_check", "ilgpu_check.json");
        var cases = json.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(json.RootElement.GetProperty("failures").GetInt32(), Is.Zero, json.RootElement.ToString());
            Assert.That(cases.Select(c => c.GetProperty("cell").GetString()), Is.EquivalentTo(new[] { "lstm", "gru", "rnn", "slstm", "scan" }));
            Assert.That(cases.Where(c => c.GetProperty("cell").GetString() is "lstm" or "gru" or "rnn")
                .Select(c => c.TryGetProperty("torch_bwd_ms", out _)), Is.All.True, "the torch module timed beside each");
        });
    }

    [Test]
    public void PytorchParity_Rehearsed_LayersStacksPackedSequencesAndTheGpuPartPass()
    {
        using var json = Rehearse("pytorch_parity", "pytorch_parity.json");
        var cases = json.RootElement.GetProperty("parity").EnumerateArray().ToList();
        var names = cases.Select(c => c.GetProperty("case").GetString()!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(cases.Where(c => !c.GetProperty("ok").GetBoolean()).Select(c => c.ToString()), Is.Empty);
            Assert.That(names.Any(n => n.Contains("bidirectional proj=3 lengths=", StringComparison.Ordinal) &&
                                       n.Contains("--backend cuda-emulated", StringComparison.Ordinal)), Is.True,
                "the GPU part's projected, packed stack on our backend: " + string.Join("; ", names));
            Assert.That(json.RootElement.GetProperty("timings").EnumerateArray().Select(t => t.TryGetProperty("median_ms", out _)),
                Is.Not.Empty.And.All.True);
        });
    }

    [Test]
    public void ScanExample_Rehearsed_TheReadmesPyTorchExampleRunsAndPasses()
    {
        var (_, output) = Run("scan_example");
        Assert.That(output, Does.Contain("scan forward B=2 T=1000 H=4 D=64 fp32: relative L2 error"), output);
    }

    [Test]
    public void BenchCompare_Rehearsed_CardPeersAndMergeWriteTheComparison()
    {
        var (out_, output) = Run("bench_compare");
        Assert.That(output, Does.Contain("every peer of"), output);
        var merged = File.ReadAllLines(Path.Combine(out_, "bench_compare.csv"));
        Assert.Multiple(() =>
        {
            Assert.That(merged, Has.Some.Contains(",cuda+input-gemm,"), "our kernel plus torch's input GEMM");
            Assert.That(merged, Has.Some.Contains(",torch-cudnn,"));
            Assert.That(File.ReadAllText(Path.Combine(out_, "bench_compare.md")), Does.Contain("FlashRNN's published"));
        });
    }

    /// <summary>Rehearses `check` and parses the JSON it writes (the checks' record of every case).</summary>
    private static JsonDocument Rehearse(string check, string jsonFile)
    {
        var (out_, _) = Run(check);
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, jsonFile)));
    }

    private static (string Out, string Output) Run(string check)
    {
        var python = PythonWithNumpy();
        var out_ = NativeTestEnvironment.NewTemporaryFolder("rehearse-" + check);
        var script = Path.Combine(NativeTestEnvironment.RepositoryRoot, "tools", "device", "rehearse.py");
        var environment = new Dictionary<string, string>
        {
            ["FR_NATIVE_LIBRARY"] = FastRecurrenceLibrary.LoadedPath!,
            ["FR_CACHE_DIR"] = NativeTestRun.SharedCacheDir,
        };
        var (code, output) = ExternalTool.Run(python, [script, check, BuiltCli.CommandLine, out_],
            "needs numpy", timeout: TimeSpan.FromMinutes(10), environment: environment);
        Assert.That(code, Is.Zero, output);
        return (out_, output);
    }

    private static void AssertSectionsPassed(JsonElement results, params string[] sections)
    {
        Assert.That(results.TryGetProperty("errors", out var errors), Is.False, $"sections that raised: {errors}");
        Assert.Multiple(() =>
        {
            foreach (var section in sections)
            {
                var cases = results.GetProperty(section).EnumerateArray().ToList();
                Assert.That(cases, Is.Not.Empty, section);
                Assert.That(cases.Where(c => !c.GetProperty("ok").GetBoolean()).Select(c => c.ToString()), Is.Empty, section);
            }
        });
    }

    /// <summary>Every timing entry without an error, and each named figure measured by at least one of them.</summary>
    private static void AssertTimed(JsonElement results, params string[] figures)
    {
        var timings = results.GetProperty("timings").EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(timings, Is.Not.Empty);
            Assert.That(timings.Where(t => t.TryGetProperty("error", out _)).Select(t => t.ToString()), Is.Empty);
            foreach (var figure in figures)
                Assert.That(timings.Any(t => t.TryGetProperty(figure, out var v) && v.GetDouble() > 0), Is.True, figure);
        });
    }

    private static void AssertCompiledAhead(JsonElement results)
    {
        var summary = results.GetProperty("compile_ahead");
        Assert.Multiple(() =>
        {
            Assert.That(summary.GetProperty("plan_errors").GetArrayLength(), Is.Zero, summary.ToString());
            Assert.That(summary.GetProperty("compile_errors").GetArrayLength(), Is.Zero, summary.ToString());
            Assert.That(summary.GetProperty("modules").GetInt32(), Is.Positive);
        });
    }

    /// <summary>Debian's python3 (where .ci/run installs python3-numpy), else the python3 on PATH, if it has numpy.</summary>
    private static string PythonWithNumpy()
    {
        foreach (var python in new[] { "/usr/bin/python3", "python3" })
        {
            if (python.StartsWith('/') && !File.Exists(python)) continue;
            var (code, _) = ExternalTool.Run(python, ["-c", "import numpy"], "no python3");
            if (code == 0) return python;
        }
        Assert.Ignore("needs a python3 with numpy: Debian's python3-numpy (.ci/run installs it)");
        throw new InvalidOperationException();
    }
}
