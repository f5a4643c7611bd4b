using FastRecurrence.Layers;
using FastRecurrence.Tests.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// `run --num-layers N --bidirectional`: the files hold what the layers compose to (layer after layer, the reverse
/// direction on the reversed sequence), with PyTorch's file names and shapes (y [B, T, 2H], h_n [L*2, B, H], one d_
/// file per named parameter), on the reference, ILGPU's CPU accelerator and cuda-emulated; weights of layers or a
/// direction that were not asked for are refused.
/// </summary>
[TestFixture]
public sealed class RunStackTests
{
    private CliWorkspace _workspace = null!;

    [SetUp]
    public void SetUp() => _workspace = new CliWorkspace();

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    private string[] Write(StackCase c, bool withGradients)
    {
        int S = c.Cell.StateCount(), L = c.Options.NumLayers * c.Options.Directions, block = L * c.Batch * c.Hidden;
        foreach (var (name, values) in c.Parameters)
        {
            var rows = c.Cell.GateCount() * c.Hidden;
            if (name.StartsWith("bias", StringComparison.Ordinal))
                _workspace.Write($"weights/{name}.npy", values, values.Length);
            else
                _workspace.Write($"weights/{name}.npy", values, rows, values.Length / rows);
        }
        var cellName = c.Cell switch { CellKind.Elman => "rnn", var other => other.ToString().ToLowerInvariant() };
        List<string> args =
        [
            "run", "--cell", cellName, "--weights", _workspace.PathOf("weights"),
            "--input", _workspace.Write("x.npy", c.X, c.Batch, c.Steps, c.Input), "--out", _workspace.PathOf("out"),
            "--num-layers", c.Options.NumLayers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        if (c.Options.Bidirectional) args.Add("--bidirectional");
        if (c.Cell != CellKind.SLstm)
            args.AddRange(["--h0", _workspace.Write("h0.npy", c.Initial[..block], L, c.Batch, c.Hidden)]);
        if (c.Cell == CellKind.Lstm)
            args.AddRange(["--c0", _workspace.Write("c0.npy", c.Initial[block..(2 * block)], L, c.Batch, c.Hidden)]);
        if (withGradients)
            args.AddRange(["--grad-output", _workspace.Write("dy.npy", c.DY, c.Batch, c.Steps, c.Options.Directions * c.Hidden)]);
        return [.. args];
    }

    /// <summary>The case with the states the CLI can give: sLSTM starts from zeros, GRU and RNN have h0 only.</summary>
    private static StackCase Case(CellKind cell, int layers, bool bidirectional, int seed)
    {
        var c = StackCase.Create(cell, layers, bidirectional, heads: 1, seed);
        int block = layers * (bidirectional ? 2 : 1) * c.Batch * c.Hidden;
        var initial = (double[])c.Initial.Clone();
        Array.Clear(initial, cell == CellKind.SLstm ? 0 : cell == CellKind.Lstm ? 2 * block : block, initial.Length - (cell == CellKind.SLstm ? 0 : cell == CellKind.Lstm ? 2 * block : block));
        return new StackCase
        {
            Cell = c.Cell, Options = c.Options, Parameters = c.Parameters, X = c.X, Initial = initial, DY = c.DY,
            DLast = new double[c.DLast.Length],
        };
    }

    [TestCase(CellKind.Lstm, 2, true, "reference")]
    [TestCase(CellKind.Gru, 3, false, "reference")]
    [TestCase(CellKind.Elman, 1, true, "reference")]
    [TestCase(CellKind.SLstm, 2, true, "reference")]
    [TestCase(CellKind.Lstm, 2, true, "ilgpu-cpu")]
    [TestCase(CellKind.Gru, 2, true, "cuda-emulated")]
    public void Run_StackedAndBidirectional_WritesTheComposedLayers(CellKind cell, int layers, bool bidirectional, string backend)
    {
        var c = Case(cell, layers, bidirectional, seed: 60 + layers + (int)cell);
        var float64 = backend == "reference";
        var args = Write(c, withGradients: true).ToList();
        args.AddRange(["--backend", backend]);
        if (!float64)
        {
            // The GPU-style backends run float32: the same files in float32.
            foreach (var file in Directory.EnumerateFiles(_workspace.Root, "*.npy", SearchOption.AllDirectories))
            {
                var array = FastRecurrence.Cli.Npy.NpyFile.Read(file);
                _workspace.Write(Path.GetRelativePath(_workspace.Root, file), Support.TestData.ToSingle(array.Values<double>()), [.. array.Shape]);
            }
        }
        var result = CliWorkspace.Run([.. args]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());

        int dirs = c.Options.Directions, ld = layers * dirs;
        var (y, last) = c.ComposeByHand();
        var grads = c.Stack64().Backward(c.X, c.Batch, c.Steps, c.DY, c.Initial);
        var tolerance = float64 ? 1e-12 : 1e-5;
        void Close(string file, double[] expected, params int[] shape)
        {
            var array = _workspace.Read($"out/{file}");
            Assert.That(array.Shape, Is.EqualTo(shape), $"{file}: shape");
            var values = array.DataType == FastRecurrence.Cli.Npy.NpyDataType.Float32
                ? Support.TestData.ToDouble(array.Values<float>())
                : array.Values<double>();
            Assert.That(TestData.RelativeL2(values, expected), Error.AtMost(tolerance), file);
        }
        int block = ld * c.Batch * c.Hidden;
        Assert.Multiple(() =>
        {
            Close("y.npy", y, c.Batch, c.Steps, dirs * c.Hidden);
            Close("h_n.npy", last[..block], ld, c.Batch, c.Hidden);
            if (cell is CellKind.Lstm or CellKind.SLstm)
                Close("c_n.npy", last[block..(2 * block)], ld, c.Batch, c.Hidden);
            Close("d_input.npy", grads.DInput, c.Batch, c.Steps, c.Input);
            foreach (var (name, grad) in grads.Weights)
                Close($"d_{name}.npy", grad, [.. _workspace.Read($"weights/{name}.npy").Shape]);
            if (cell != CellKind.SLstm)
                Close("d_h0.npy", grads.DInitialStates[..block], ld, c.Batch, c.Hidden);
            if (cell == CellKind.Lstm)
                Close("d_c0.npy", grads.DInitialStates[block..(2 * block)], ld, c.Batch, c.Hidden);
        });
    }

    [Test]
    public void WeightsOfAnotherLayerOrDirection_AreRefused_AndStatesMustCoverEveryLayer()
    {
        var c = Case(CellKind.Lstm, 2, true, seed: 9);
        var args = Write(c, withGradients: false);
        var oneLayer = args.Select(a => a).ToArray();
        oneLayer[Array.IndexOf(oneLayer, "--num-layers") + 1] = "1";
        var noReverse = args.Where(a => a != "--bidirectional").ToArray();
        var badH0 = args.ToArray();
        badH0[Array.IndexOf(badH0, "--h0") + 1] = _workspace.Write("h0_bad.npy", new double[c.Batch * c.Hidden], 1, c.Batch, c.Hidden);
        var zeroLayers = args.ToArray();
        zeroLayers[Array.IndexOf(zeroLayers, "--num-layers") + 1] = "0";

        Assert.Multiple(() =>
        {
            Assert.That(CliWorkspace.Run(oneLayer).Stderr, Does.Contain("weight of layer 1").And.Contain("--num-layers 2"));
            Assert.That(CliWorkspace.Run(noReverse).Stderr, Does.Contain("reverse-direction weight").And.Contain("--bidirectional"));
            Assert.That(CliWorkspace.Run(badH0).Stderr, Does.Contain("h0_bad.npy").And.Contain("[4, B, H]"));
            Assert.That(CliWorkspace.Run(zeroLayers).Stderr, Does.Contain("--num-layers: expected 1 or more"));
        });
    }

    [Test]
    public void Run_WithLengths_WritesWhatTheLayersGiveWithThem()
    {
        var c = Case(CellKind.Lstm, 2, true, seed: 21);
        long[] lengths = [3, 5];
        var args = Write(c, withGradients: true).ToList();
        args.AddRange(["--lengths", _workspace.Write("lengths.npy", lengths, 2)]);
        var result = CliWorkspace.Run([.. args]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());

        int[] asInt = [3, 5];
        var stack = c.Stack64();
        var expected = stack.Forward(c.X, c.Batch, c.Steps, c.Initial, lengths: asInt);
        var grads = stack.Backward(c.X, c.Batch, c.Steps, c.DY, c.Initial, lengths: asInt);
        Assert.Multiple(() =>
        {
            Assert.That(_workspace.ReadDoubles("out/y.npy", c.Batch, c.Steps, 2 * c.Hidden), Is.EqualTo(expected.Y));
            Assert.That(_workspace.ReadDoubles("out/h_n.npy", 4, c.Batch, c.Hidden), Is.EqualTo(expected.HN.ToArray()));
            Assert.That(_workspace.ReadDoubles("out/d_input.npy", c.Batch, c.Steps, c.Input), Is.EqualTo(grads.DInput));
            Assert.That(_workspace.ReadDoubles("out/d_weight_hh_l1_reverse.npy", 4 * c.Hidden, c.Hidden), Is.EqualTo(grads.Weights["weight_hh_l1_reverse"]));
        });
    }

    [Test]
    public void BadLengths_AreRefused_WithTheFileAndTheLimit()
    {
        var c = Case(CellKind.Gru, 1, false, seed: 22);
        var args = Write(c, withGradients: false);
        var tooLong = args.Concat(["--lengths", _workspace.Write("long.npy", new long[] { 3, 6 }, 2)]).ToArray();
        var floats = args.Concat(["--lengths", _workspace.Write("floats.npy", new[] { 3.0, 5.0 }, 2)]).ToArray();
        var count = args.Concat(["--lengths", _workspace.Write("count.npy", new long[] { 3 }, 1)]).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(CliWorkspace.Run(tooLong).Stderr, Does.Contain("long.npy").And.Contain("lengths[1] is 6").And.Contain("1..T=5"));
            Assert.That(CliWorkspace.Run(floats).Stderr, Does.Contain("floats.npy").And.Contain("integer lengths"));
            Assert.That(CliWorkspace.Run(count).Stderr, Does.Contain("count.npy").And.Contain("[B]"));
        });
    }
}
