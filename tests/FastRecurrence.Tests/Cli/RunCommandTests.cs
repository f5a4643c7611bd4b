using FastRecurrence.Cli.Npy;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// `run` end to end through files: PyTorch-named weights and x written as .npy, the tool run in-process, y / h_n / c_n
/// read back and compared with PyTorch's documented equations (<see cref="PyTorchEquations"/>).
/// </summary>
[TestFixture]
public sealed class RunCommandTests
{
    private const int B = LayerCase.Batch, T = LayerCase.Steps, I = LayerCase.Input, H = LayerCase.Hidden;

    private CliWorkspace _workspace = null!;

    [SetUp]
    public void SetUp() => _workspace = new CliWorkspace();

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    private static PyTorchEquations.Result Expected(LayerCase c, bool biases = true, bool initialStates = true)
    {
        var bIh = biases ? c.BiasIh : new double[c.GateRows];
        var bHh = biases ? c.BiasHh : new double[c.GateRows];
        var h0 = initialStates ? c.H0 : null;
        return c.CellName switch
        {
            "lstm" => PyTorchEquations.Lstm(c.X, B, T, I, H, c.WeightIh, c.WeightHh, bIh, bHh, h0, initialStates ? c.C0 : null),
            "gru" => PyTorchEquations.Gru(c.X, B, T, I, H, c.WeightIh, c.WeightHh, bIh, bHh, h0),
            "rnn" => PyTorchEquations.Rnn(c.X, B, T, I, H, c.WeightIh, c.WeightHh, bIh, bHh, h0),
            _ => throw new ArgumentException(c.CellName),
        };
    }

    private void AssertOutputsMatch(LayerCase c, PyTorchEquations.Result expected, double tolerance, NpyDataType dataType)
    {
        var output = LayerCase.OutputDirectory(_workspace);
        double[] Read(string name, params int[] shape)
        {
            var array = NpyFile.Read(Path.Combine(output, name));
            Assert.That(array.DataType, Is.EqualTo(dataType), $"{name}: dtype");
            Assert.That(array.Shape, Is.EqualTo(shape), $"{name}: shape");
            return dataType == NpyDataType.Float32 ? TestData.ToDouble(array.Values<float>()) : array.Values<double>();
        }

        Assert.Multiple(() =>
        {
            Assert.That(TestData.RelativeL2(Read("y.npy", B, T, H), expected.Y), Error.AtMost(tolerance), "y");
            Assert.That(TestData.RelativeL2(Read("h_n.npy", 1, B, H), expected.HN), Error.AtMost(tolerance), "h_n");
            if (expected.CN is not null)
                Assert.That(TestData.RelativeL2(Read("c_n.npy", 1, B, H), expected.CN), Error.AtMost(tolerance), "c_n");
            else
                Assert.That(File.Exists(Path.Combine(output, "c_n.npy")), Is.False, "c_n.npy is only for lstm and slstm");
            Assert.That(File.Exists(Path.Combine(output, "d_input.npy")), Is.False, "no gradients without --grad-output");
        });
    }

    [TestCase("lstm")]
    [TestCase("gru")]
    [TestCase("rnn")]
    public void Run_Float64_MatchesPyTorchEquations(string cell)
    {
        var c = new LayerCase(cell, seed: 21);
        var result = CliWorkspace.Run([.. c.Write(_workspace)]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stderr, Is.Empty);
        Assert.That(result.Stdout, Does.Contain("y.npy"));
        AssertOutputsMatch(c, Expected(c), 1e-12, NpyDataType.Float64);
    }

    [TestCase("lstm")]
    [TestCase("gru")]
    [TestCase("rnn")]
    public void Run_Float32_ComputesInFloatAndWritesFloat32(string cell)
    {
        var c = new LayerCase(cell, seed: 22);
        var result = CliWorkspace.Run([.. c.Write(_workspace, float32: true)]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        // The reference sees the same float32-rounded inputs the tool read, so only the float32 arithmetic differs.
        AssertOutputsMatch(c, Expected(RoundedToSingle(new LayerCase(cell, seed: 22))), 1e-5, NpyDataType.Float32);
    }

    private static LayerCase RoundedToSingle(LayerCase c)
    {
        foreach (var values in new[] { c.WeightIh, c.WeightHh, c.BiasIh, c.BiasHh, c.X, c.H0, c.C0 })
        {
            for (var k = 0; k < values.Length; k++)
                values[k] = (float)values[k];
        }
        return c;
    }

    [TestCase("lstm")]
    [TestCase("gru")]
    public void Run_WithoutBiasesOrInitialStates_IsBiasFalseFromZeros(string cell)
    {
        var c = new LayerCase(cell, seed: 23);
        var result = CliWorkspace.Run([.. c.Write(_workspace, biases: false, initialStates: false)]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        AssertOutputsMatch(c, Expected(c, biases: false, initialStates: false), 1e-12, NpyDataType.Float64);
    }

    [Test]
    public void Run_AcceptsTwoDimensionalInitialStates()
    {
        var c = new LayerCase("lstm", seed: 24);
        var args = c.Write(_workspace);
        args[args.IndexOf("--h0") + 1] = _workspace.Write("h0_2d.npy", c.H0, B, H);
        args[args.IndexOf("--c0") + 1] = _workspace.Write("c0_2d.npy", c.C0, B, H);

        var result = CliWorkspace.Run([.. args]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        AssertOutputsMatch(c, Expected(c), 1e-12, NpyDataType.Float64);
    }

    [Test]
    public void Run_NamedReferenceBackend_GivesTheSameFilesAsTheDefault()
    {
        var c = new LayerCase("gru", seed: 25);
        var args = c.Write(_workspace);
        Assert.That(CliWorkspace.Run([.. args]).ExitCode, Is.Zero);
        var byDefault = _workspace.ReadDoubles("out/y.npy", B, T, H);

        var result = CliWorkspace.Run([.. args, "--backend", "reference"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(_workspace.ReadDoubles("out/y.npy", B, T, H), Is.EqualTo(byDefault));
    }

    [Test]
    public void Run_WithHeads_UsesBlockDiagonalWeightHh()
    {
        var c = new LayerCase("lstm", seed: 26);
        // Zero everything outside the two 2x2 blocks of every gate, as a two-head layer's weight_hh is.
        for (var row = 0; row < c.GateRows; row++)
        {
            for (var col = 0; col < H; col++)
            {
                if (row % H / 2 != col / 2)
                    c.WeightHh[row * H + col] = 0;
            }
        }
        var result = CliWorkspace.Run([.. c.Write(_workspace), "--heads", "2"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        AssertOutputsMatch(c, Expected(c), 1e-12, NpyDataType.Float64);
    }

    [Test]
    public void Run_CreatesNestedOutputDirectory()
    {
        var c = new LayerCase("rnn", seed: 27);
        var args = c.Write(_workspace);
        var nested = _workspace.PathOf("a/b/c");
        args[args.IndexOf("--out") + 1] = nested;

        var result = CliWorkspace.Run([.. args]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(File.Exists(Path.Combine(nested, "y.npy")), Is.True);
    }
}
