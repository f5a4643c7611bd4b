using FastRecurrence.Tests.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// `run --cell lstm --proj-size P`: the files hold PyTorch's projected LSTM (computed directly, <see cref="ProjectionCase"/>)
/// with its file names and shapes (y [B, T, dirs*P], h_n and d_h0 [L*dirs, B, P], c_n and d_c0 [L*dirs, B, H],
/// d_weight_hr_l{k} [P, H]), with lengths and gradients, on the reference, ILGPU's CPU accelerator and cuda-emulated; a
/// forgotten or misplaced --proj-size is refused with the file or option and its limit.
/// </summary>
[TestFixture]
public sealed class RunProjectionTests
{
    private const int B = ProjectionCase.Batch, T = ProjectionCase.Steps, I = ProjectionCase.Input, H = ProjectionCase.Hidden, P = ProjectionCase.Proj;
    private CliWorkspace _workspace = null!;

    [SetUp]
    public void SetUp() => _workspace = new CliWorkspace();

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    /// <summary>Writes the case's files (float64, or float32 for the GPU-style backends) and returns run's arguments.</summary>
    private List<string> Write(ProjectionCase c, bool float32)
    {
        string Save(string name, double[] values, params int[] shape) =>
            float32 ? _workspace.Write(name, TestData.ToSingle(values), shape) : _workspace.Write(name, values, shape);
        foreach (var (name, values) in c.Parameters)
        {
            if (name.StartsWith("bias", StringComparison.Ordinal))
                Save($"weights/{name}.npy", values, values.Length);
            else if (name.StartsWith("weight_hr", StringComparison.Ordinal))
                Save($"weights/{name}.npy", values, P, H);
            else
                Save($"weights/{name}.npy", values, 4 * H, values.Length / (4 * H));
        }
        int ld = c.Blocks, hBlock = ld * B * P;
        List<string> args =
        [
            "run", "--cell", "lstm", "--weights", _workspace.PathOf("weights"), "--proj-size", P.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--input", Save("x.npy", c.X, B, T, I), "--out", _workspace.PathOf("out"),
            "--num-layers", c.Options.NumLayers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--h0", Save("h0.npy", c.Initial[..hBlock], ld, B, P),
            "--c0", Save("c0.npy", c.Initial[hBlock..], ld, B, H),
            "--grad-output", Save("dy.npy", c.DY, B, T, c.Options.Directions * P),
        ];
        if (c.Options.Bidirectional) args.Add("--bidirectional");
        return args;
    }

    [TestCase("reference", false)]
    [TestCase("reference", true)]
    [TestCase("ilgpu-cpu", true)]
    [TestCase("cuda-emulated", false)]
    public void Run_WithProjSize_WritesPyTorchsProjectedLstm(string backend, bool withLengths)
    {
        var c = ProjectionCase.Create(2, true, seed: 51);
        var float64 = backend == "reference";
        var args = Write(c, float32: !float64);
        args.AddRange(["--backend", backend]);
        int[]? lengths = withLengths ? [4, 2] : null;
        if (withLengths)
            args.AddRange(["--lengths", _workspace.Write("lengths.npy", new long[] { 4, 2 }, 2)]);
        var result = CliWorkspace.Run([.. args]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());

        var (y, last) = c.ComposeByHand(lengths);
        // The loss the CLI's backward sees: dy on y, nothing on the last states.
        var grads = c.Stack64().Backward(c.X, B, T, c.DY, c.Initial, lengths: lengths);
        var tolerance = float64 ? 1e-12 : 1e-5;
        int ld = c.Blocks, hBlock = ld * B * P;
        void Close(string file, double[] expected, params int[] shape)
        {
            var array = _workspace.Read($"out/{file}");
            Assert.That(array.Shape, Is.EqualTo(shape), $"{file}: shape");
            var values = array.DataType == FastRecurrence.Cli.Npy.NpyDataType.Float32 ? TestData.ToDouble(array.Values<float>()) : array.Values<double>();
            Assert.That(TestData.RelativeL2(values, expected), Error.AtMost(tolerance), file);
        }
        Assert.Multiple(() =>
        {
            Close("y.npy", y, B, T, 2 * P);
            Close("h_n.npy", last[..hBlock], ld, B, P);
            Close("c_n.npy", last[hBlock..], ld, B, H);
            Close("d_input.npy", grads.DInput, B, T, I);
            Assert.That(grads.Weights.Keys, Has.Member("weight_hr_l1_reverse"));
            foreach (var (name, grad) in grads.Weights)
                Close($"d_{name}.npy", grad, [.. _workspace.Read($"weights/{name}.npy").Shape]);
            Close("d_h0.npy", grads.DInitialStates[..hBlock], ld, B, P);
            Close("d_c0.npy", grads.DInitialStates[hBlock..], ld, B, H);
        });
    }

    [Test]
    public void BadProjSize_IsRefused_WithTheOptionOrFileAndTheLimit()
    {
        var c = ProjectionCase.Create(1, false, seed: 53);
        var args = Write(c, float32: false);
        string[] With(string option, string value)
        {
            var copy = args.ToArray();
            copy[Array.IndexOf(copy, option) + 1] = value;
            return copy;
        }
        var withoutProj = args.ToArray();
        withoutProj[Array.IndexOf(withoutProj, "--proj-size") + 1] = "0";
        Assert.Multiple(() =>
        {
            Assert.That(CliWorkspace.Run(withoutProj).Stderr, Does.Contain("weight_hr_l0.npy is an LSTM projection weight").And.Contain("--proj-size"));
            Assert.That(CliWorkspace.Run(With("--proj-size", "4")).Stderr, Does.Contain("--proj-size: must be smaller than H=4"));
            Assert.That(CliWorkspace.Run(With("--proj-size", "3")).Stderr, Does.Contain("weight_hh_l0.npy").And.Contain("[4H, P]"));
            Assert.That(CliWorkspace.Run(With("--proj-size", "-1")).Stderr, Does.Contain("--proj-size: expected 0 (none) or a positive size"));
            Assert.That(CliWorkspace.Run(With("--cell", "gru")).Stderr, Does.Contain("--proj-size: only lstm has a projection"));
            Assert.That(CliWorkspace.Run([.. args, "--heads", "2"]).Stderr, Does.Contain("--proj-size: a projected lstm has one head"));
            Assert.That(CliWorkspace.Run(With("--h0", _workspace.Write("h0_bad.npy", new double[B * H], 1, B, H))).Stderr,
                Does.Contain("h0_bad.npy").And.Contain("[1, B, P]"));
        });
        File.Delete(_workspace.PathOf("weights/weight_hr_l0.npy"));
        Assert.That(CliWorkspace.Run([.. args]).Stderr, Does.Contain("weight_hr_l0.npy is missing").And.Contain("[P, H]"));
    }
}
