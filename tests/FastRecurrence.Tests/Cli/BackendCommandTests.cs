using FastRecurrence.Cli.Npy;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// `--backend ilgpu-cpu` through the tool: every cell's `run` (forward and, with --grad-output, every gradient) and the
/// `scan` reproduce the reference backend's files, float32 in, float32 out; and `--backend cuda-emulated` the same with
/// the CUDA C kernels on the CPU emulator (forward, and the training forward and backward with --grad-output).
/// </summary>
[TestFixture]
public sealed class BackendCommandTests
{
    private CliWorkspace _workspace = null!;

    [SetUp]
    public void SetUp() => _workspace = new CliWorkspace();

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    private Dictionary<string, double[]> RunAndRead(List<string> arguments, string backend)
    {
        var output = _workspace.PathOf("out");
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var result = CliWorkspace.Run([.. arguments, "--backend", backend]);
        Assert.That(result.ExitCode, Is.Zero, $"{backend}: {result}");
        return Directory.GetFiles(output, "*.npy").ToDictionary(path => Path.GetFileName(path), path =>
        {
            var array = NpyFile.Read(path);
            Assert.That(array.DataType, Is.EqualTo(NpyDataType.Float32), path);
            return TestData.ToDouble(array.Values<float>());
        });
    }

    private static void AssertSameFiles(Dictionary<string, double[]> expected, Dictionary<string, double[]> actual)
    {
        Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys));
        Assert.Multiple(() =>
        {
            foreach (var (name, values) in expected)
                Assert.That(TestData.RelativeL2(actual[name], values), Error.AtMost(1e-5), name);
        });
    }

    [TestCase("lstm")]
    [TestCase("gru")]
    [TestCase("rnn")]
    [TestCase("slstm")]
    public void Run_OnIlgpuCpu_ReproducesTheReference(string cell)
    {
        var c = new LayerCase(cell, seed: 31);
        var arguments = c.Write(_workspace, float32: true, initialStates: cell != "slstm", gradOutput: true);

        var expected = RunAndRead(arguments, "reference");
        var actual = RunAndRead(arguments, "ilgpu-cpu");

        Assert.That(expected.Keys, Does.Contain("y.npy").And.Contain("d_weight_hh_l0.npy"));
        AssertSameFiles(expected, actual);
    }

    [Test]
    public void Scan_OnIlgpuCpu_ReproducesTheReference()
    {
        const int B = 2, T = 37, H = 2, D = 3;
        var random = new Random(5);
        List<string> arguments =
        [
            "scan",
            "--a", _workspace.Write("a.npy", TestData.ToSingle(TestData.Uniform(random, B * T * H * D, 0.95)), B, T, H, D),
            "--b", _workspace.Write("b.npy", TestData.ToSingle(TestData.Uniform(random, B * T * H * D)), B, T, H, D),
            "--h0", _workspace.Write("h0.npy", TestData.ToSingle(TestData.Uniform(random, B * H * D)), B, H, D),
            "--grad-output", _workspace.Write("dh.npy", TestData.ToSingle(TestData.Uniform(random, B * T * H * D)), B, T, H, D),
            "--out", _workspace.PathOf("out"),
        ];

        AssertSameFiles(RunAndRead(arguments, "reference"), RunAndRead(arguments, "ilgpu-cpu"));
    }

    /// <summary>`run --backend cuda-emulated` (forward): the fused CUDA C kernel on the CPU emulator, every cell.</summary>
    [TestCase("lstm")]
    [TestCase("gru")]
    [TestCase("rnn")]
    [TestCase("slstm")]
    public void Run_Forward_OnCudaEmulated_ReproducesTheReference(string cell)
    {
        var c = new LayerCase(cell, seed: 32);
        var arguments = c.Write(_workspace, float32: true, initialStates: cell != "slstm");

        AssertSameFiles(RunAndRead(arguments, "reference"), RunAndRead(arguments, "cuda-emulated"));
    }

    /// <summary>`run --backend cuda-emulated --grad-output`: the training forward and the backward kernels, every gradient file.</summary>
    [TestCase("lstm")]
    [TestCase("gru")]
    [TestCase("rnn")]
    [TestCase("slstm")]
    public void Run_WithGradOutput_OnCudaEmulated_ReproducesTheReference(string cell)
    {
        var c = new LayerCase(cell, seed: 33);
        var arguments = c.Write(_workspace, float32: true, initialStates: cell != "slstm", gradOutput: true);

        var expected = RunAndRead(arguments, "reference");
        Assert.That(expected.Keys, Does.Contain("d_weight_hh_l0.npy"));
        AssertSameFiles(expected, RunAndRead(arguments, "cuda-emulated"));
    }

    /// <summary>`run --grad-output --truncate --recurrent-clip` on cuda-emulated: the options reach the backward kernels
    /// and give the reference's files, which differ from the plain backward's.</summary>
    [TestCase("lstm")]
    [TestCase("gru")]
    public void Run_WithBackwardOptions_OnCudaEmulated_ReproducesTheReference(string cell)
    {
        var c = new LayerCase(cell, seed: 34);
        var plain = c.Write(_workspace, float32: true, initialStates: true, gradOutput: true);
        var truncated = new List<string>(plain) { "--truncate" };
        var clipped = new List<string>(plain) { "--recurrent-clip", "0.01" };

        var expectedPlain = RunAndRead(plain, "reference");
        var expectedTruncated = RunAndRead(truncated, "reference");
        var expectedClipped = RunAndRead(clipped, "reference");
        Assert.That(TestData.RelativeL2(expectedTruncated["d_weight_hh_l0.npy"], expectedPlain["d_weight_hh_l0.npy"]), Is.GreaterThan(1e-3));
        Assert.That(TestData.RelativeL2(expectedClipped["d_input.npy"], expectedPlain["d_input.npy"]), Is.GreaterThan(1e-4));
        AssertSameFiles(expectedTruncated, RunAndRead(truncated, "cuda-emulated"));
        AssertSameFiles(expectedClipped, RunAndRead(clipped, "cuda-emulated"));
    }

    /// <summary>
    /// A backend that does not run the problem is refused before anything is computed, with its reason and the backends
    /// here that do run it: float64 on ilgpu-cpu, whose own reason names only the reference and cuda, while the scan
    /// also runs in float64 on cuda-emulated.
    /// </summary>
    [Test]
    public void Float64OnIlgpuCpu_IsRefused_NamingEveryBackendThatRunsIt()
    {
        var scanArgs = new List<string>
        {
            "scan", "--a", _workspace.Write("a.npy", new double[2 * 3 * 1 * 2], 2, 3, 1, 2),
            "--b", _workspace.Write("b.npy", new double[2 * 3 * 1 * 2], 2, 3, 1, 2), "--out", _workspace.PathOf("out"),
        };
        var scan = CliWorkspace.Run([.. scanArgs, "--backend", "ilgpu-cpu"]);
        var run = CliWorkspace.Run([.. new LayerCase("gru").Write(_workspace), "--backend", "ilgpu-cpu"]);
        var emulated = FastRecurrence.Backends.RecurrenceBackends.All.Any(b => b.Name == "cuda-emulated" && b.Availability.IsAvailable);

        Assert.Multiple(() =>
        {
            Assert.That(scan.ExitCode, Is.EqualTo(1), scan.ToString());
            Assert.That(scan.Stderr, Does.StartWith("error: --backend ilgpu-cpu: does not run Scan").And.Contain("Float64")
                .And.Contain($"on this machine reference{(emulated ? ", cuda-emulated run" : " runs")} it"));
            Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
            // the recurrent kernels of cuda-emulated store fp32, bf16 or fp16, so only the reference runs float64 layers
            Assert.That(run.Stderr, Does.StartWith("error: --backend ilgpu-cpu: does not run Gru").And.Contain("on this machine reference runs it"));
            Assert.That(Directory.Exists(_workspace.PathOf("out")), Is.False, "refused before --out is created");
        });
    }

    [Test]
    public void BackwardOptions_WithoutGradOutput_AreRefused()
    {
        var c = new LayerCase("lstm", seed: 35);
        var arguments = c.Write(_workspace, float32: true, initialStates: false);
        var result = CliWorkspace.Run([.. arguments, "--truncate"]);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stderr, Does.Contain("--recurrent-clip, --truncate: they shape the backward; give --grad-output too."));
    }
}
