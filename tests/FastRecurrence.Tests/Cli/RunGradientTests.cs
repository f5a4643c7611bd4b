using FastRecurrence.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// `run` for sLSTM and with --grad-output: the files hold exactly what <see cref="RecurrentLayer{T}"/> computes,
/// with PyTorch's names and shapes, and d_input agrees with finite differences taken through the tool itself.
/// </summary>
[TestFixture]
public sealed class RunGradientTests
{
    private const int B = LayerCase.Batch, T = LayerCase.Steps, I = LayerCase.Input, H = LayerCase.Hidden;

    private CliWorkspace _workspace = null!;

    [SetUp]
    public void SetUp() => _workspace = new CliWorkspace();

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    [Test]
    public void Run_SLstm_MatchesRecurrentLayerDirectly()
    {
        var c = new LayerCase("slstm", seed: 31);
        var result = CliWorkspace.Run([.. c.Write(_workspace, initialStates: false)]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var expected = c.Layer().Forward(c.X, B, T);
        Assert.Multiple(() =>
        {
            Assert.That(_workspace.ReadDoubles("out/y.npy", B, T, H), Is.EqualTo(expected.Y));
            // h_n is the last y (state 0), c_n the last cell state c (state 1).
            Assert.That(_workspace.ReadDoubles("out/h_n.npy", 1, B, H), Is.EqualTo(expected.State(0).ToArray()));
            Assert.That(_workspace.ReadDoubles("out/c_n.npy", 1, B, H), Is.EqualTo(expected.State(1).ToArray()));
        });
    }

    [TestCase("lstm", true)]
    [TestCase("gru", true)]
    [TestCase("rnn", true)]
    [TestCase("slstm", false)]
    public void GradOutput_WritesEveryGradientWithPyTorchShapes_EqualToLayerBackward(string cell, bool initialStates)
    {
        var c = new LayerCase(cell, seed: 32);
        var result = CliWorkspace.Run([.. c.Write(_workspace, initialStates: initialStates, gradOutput: true)]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var expected = c.Layer().Backward(c.X, B, T, c.DY, c.InitialStates(initialStates));
        Assert.Multiple(() =>
        {
            Assert.That(_workspace.ReadDoubles("out/d_input.npy", B, T, I), Is.EqualTo(expected.DInput));
            Assert.That(_workspace.ReadDoubles("out/d_weight_ih_l0.npy", c.GateRows, I), Is.EqualTo(expected.DWeightIh));
            Assert.That(_workspace.ReadDoubles("out/d_weight_hh_l0.npy", c.GateRows, H), Is.EqualTo(expected.DWeightHh));
            Assert.That(_workspace.ReadDoubles("out/d_bias_ih_l0.npy", c.GateRows), Is.EqualTo(expected.DBiasIh));
            Assert.That(_workspace.ReadDoubles("out/d_bias_hh_l0.npy", c.GateRows), Is.EqualTo(expected.DBiasHh));
            Assert.That(_workspace.ReadDoubles("out/d_h0.npy", 1, B, H), Is.EqualTo(expected.DInitialStates[..(B * H)]));
            if (c.HasCellState)
                Assert.That(_workspace.ReadDoubles("out/d_c0.npy", 1, B, H), Is.EqualTo(expected.DInitialStates[(B * H)..(2 * B * H)]));
            else
                Assert.That(File.Exists(_workspace.PathOf("out/d_c0.npy")), Is.False, "d_c0.npy is only for lstm and slstm");
        });
    }

    [Test]
    public void GradOutput_WithoutBiases_WritesNoBiasGradients()
    {
        var c = new LayerCase("lstm", seed: 33);
        var result = CliWorkspace.Run([.. c.Write(_workspace, biases: false, gradOutput: true)]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var expected = c.Layer(biases: false).Backward(c.X, B, T, c.DY, c.InitialStates(true));
        Assert.Multiple(() =>
        {
            Assert.That(_workspace.ReadDoubles("out/d_weight_hh_l0.npy", c.GateRows, H), Is.EqualTo(expected.DWeightHh));
            Assert.That(File.Exists(_workspace.PathOf("out/d_bias_ih_l0.npy")), Is.False);
            Assert.That(File.Exists(_workspace.PathOf("out/d_bias_hh_l0.npy")), Is.False);
        });
    }

    /// <summary>
    /// d_input[k] against (L(x + eps e_k) - L(x - eps e_k)) / 2 eps with L = sum(dy * y), where every y comes from
    /// running the tool on a rewritten x.npy: a check of the file plumbing (layouts, which file is which), not of the math.
    /// </summary>
    [TestCase("lstm", 0)]
    [TestCase("lstm", 2 * T * I - 1)]
    [TestCase("gru", T * I + 4)]
    [TestCase("slstm", 7)]
    public void GradOutput_DInput_MatchesFiniteDifferenceThroughTheTool(string cell, int element)
    {
        var c = new LayerCase(cell, seed: 34);
        var initialStates = cell != "slstm";
        var args = c.Write(_workspace, initialStates: initialStates, gradOutput: true);
        Assert.That(CliWorkspace.Run([.. args]).ExitCode, Is.Zero);
        var analytic = _workspace.ReadDoubles("out/d_input.npy", B, T, I)[element];

        double LossAt(double delta)
        {
            var x = (double[])c.X.Clone();
            x[element] += delta;
            var perturbed = new List<string>(args);
            perturbed[perturbed.IndexOf("--input") + 1] = _workspace.Write("x_perturbed.npy", x, B, T, I);
            perturbed[perturbed.IndexOf("--out") + 1] = _workspace.PathOf("perturbed");
            perturbed.RemoveRange(perturbed.IndexOf("--grad-output"), 2);
            Assert.That(CliWorkspace.Run([.. perturbed]).ExitCode, Is.Zero);
            var y = _workspace.ReadDoubles("perturbed/y.npy", B, T, H);
            return y.Select((v, k) => v * c.DY[k]).Sum();
        }

        var eps = FiniteDifference.Epsilon;
        var numeric = (LossAt(eps) - LossAt(-eps)) / (2 * eps);
        FiniteDifference.AssertMatches($"d_input[{element}]", [analytic], [numeric]);
    }
}
