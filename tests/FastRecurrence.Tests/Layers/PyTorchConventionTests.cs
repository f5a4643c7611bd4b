using FastRecurrence.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Layers;

/// <summary>
/// The layer API with weights laid out as nn.LSTM / nn.GRU / nn.RNN store them reproduces PyTorch's documented
/// equations evaluated step by step (<see cref="PyTorchEquations"/>), including gate order, the GRU's separate
/// n biases, h0 / c0, and block-diagonal weight_hh with several heads.
/// </summary>
[TestFixture]
public sealed class PyTorchConventionTests
{
    private sealed record Weights(double[] WIh, double[] WHh, double[] BIh, double[] BHh);

    private static Weights RandomWeights(Random random, int gates, int hidden, int input, int heads = 1)
    {
        var scale = 1 / Math.Sqrt(hidden);
        var wHh = TestData.Uniform(random, gates * hidden * hidden, scale);
        if (heads > 1)
        {
            int d = hidden / heads;
            for (var row = 0; row < gates * hidden; row++)
            for (var col = 0; col < hidden; col++)
                if ((row % hidden) / d != col / d)
                    wHh[row * hidden + col] = 0;
        }
        return new Weights(TestData.Uniform(random, gates * hidden * input, scale), wHh,
            TestData.Uniform(random, gates * hidden, scale), TestData.Uniform(random, gates * hidden, scale));
    }

    [TestCase(CellKind.Lstm, 1)]
    [TestCase(CellKind.Lstm, 3)]
    [TestCase(CellKind.Gru, 1)]
    [TestCase(CellKind.Gru, 3)]
    [TestCase(CellKind.Elman, 1)]
    [TestCase(CellKind.Elman, 3)]
    public void LayerForward_ReproducesPyTorchEquations(CellKind cell, int heads)
    {
        const int batch = 3, steps = 6, input = 5, hidden = 6;
        var random = new Random(17 + (int)cell * 5 + heads);
        var w = RandomWeights(random, cell.GateCount(), hidden, input, heads);
        var x = TestData.Uniform(random, batch * steps * input, 1.0);
        var h0 = TestData.Uniform(random, batch * hidden, 0.5);
        var c0 = TestData.Uniform(random, batch * hidden, 0.5);

        var layer = new RecurrentLayer<double>(cell, input, hidden, new RecurrentLayerWeights<double>(w.WIh, w.WHh, w.BIh, w.BHh), heads);
        var initial = cell == CellKind.Lstm ? [.. h0, .. c0] : h0;
        var output = layer.Forward(x, batch, steps, initial);

        var expected = cell switch
        {
            CellKind.Lstm => PyTorchEquations.Lstm(x, batch, steps, input, hidden, w.WIh, w.WHh, w.BIh, w.BHh, h0, c0),
            CellKind.Gru => PyTorchEquations.Gru(x, batch, steps, input, hidden, w.WIh, w.WHh, w.BIh, w.BHh, h0),
            _ => PyTorchEquations.Rnn(x, batch, steps, input, hidden, w.WIh, w.WHh, w.BIh, w.BHh, h0),
        };
        Assert.That(TestData.MaxAbsDifference(output.Y, expected.Y), Error.Below(1e-13), "y");
        Assert.That(TestData.MaxAbsDifference(output.HN, expected.HN), Error.Below(1e-13), "h_n");
        if (expected.CN is not null)
            Assert.That(TestData.MaxAbsDifference(output.State(1), expected.CN), Error.Below(1e-13), "c_n");
    }

    [TestCase(CellKind.Lstm, 1)]
    [TestCase(CellKind.Gru, 2)]
    [TestCase(CellKind.Elman, 1)]
    [TestCase(CellKind.SLstm, 2)]
    public void LayerBackward_MatchesFiniteDifferences(CellKind cell, int heads)
    {
        const int batch = 2, steps = 4, input = 3, hidden = 4;
        var random = new Random(91 + (int)cell);
        var w = RandomWeights(random, cell.GateCount(), hidden, input, heads);
        var x = TestData.Uniform(random, batch * steps * input, 1.0);
        var p = new RecurrentProblem(cell, batch, steps, heads, hidden / heads, input, DataType.Float64);
        var initial = RecurrentCase.RandomStates(p, random);
        var dy = TestData.Uniform(random, batch * steps * hidden, 1.0);

        double Loss(double[] xx, double[] wIh, double[] wHh, double[] bIh, double[] bHh, double[] init)
        {
            var layer = new RecurrentLayer<double>(cell, input, hidden, new RecurrentLayerWeights<double>(wIh, wHh, bIh, bHh), heads);
            var y = layer.Forward(xx, batch, steps, init).Y;
            return y.Select((v, k) => v * dy[k]).Sum();
        }

        var grads = new RecurrentLayer<double>(cell, input, hidden, new RecurrentLayerWeights<double>(w.WIh, w.WHh, w.BIh, w.BHh), heads)
            .Backward(x, batch, steps, dy, initial);

        FiniteDifference.AssertMatches("d_input", grads.DInput, FiniteDifference.Gradient(x, v => Loss(v, w.WIh, w.WHh, w.BIh, w.BHh, initial)));
        FiniteDifference.AssertMatches("d_weight_ih", grads.DWeightIh, FiniteDifference.Gradient(w.WIh, v => Loss(x, v, w.WHh, w.BIh, w.BHh, initial)));
        FiniteDifference.AssertMatches("d_bias_ih", grads.DBiasIh, FiniteDifference.Gradient(w.BIh, v => Loss(x, w.WIh, w.WHh, v, w.BHh, initial)));
        FiniteDifference.AssertMatches("d_bias_hh", grads.DBiasHh, FiniteDifference.Gradient(w.BHh, v => Loss(x, w.WIh, w.WHh, w.BIh, v, initial)));
        FiniteDifference.AssertMatches("d_initial_states", grads.DInitialStates, FiniteDifference.Gradient(initial, v => Loss(x, w.WIh, w.WHh, w.BIh, w.BHh, v)));

        // weight_hh: finite differences only inside the diagonal blocks (perturbing outside them is rejected by
        // design with several heads); outside them the reported gradient is zero.
        int d = hidden / heads;
        var numeric = new double[w.WHh.Length];
        var probe = (double[])w.WHh.Clone();
        for (var k = 0; k < probe.Length; k++)
        {
            int row = k / hidden % hidden, col = k % hidden;
            if (row / d != col / d)
            {
                Assert.That(grads.DWeightHh[k], Is.Zero, $"d_weight_hh[{k}] outside the blocks");
                continue;
            }
            var saved = probe[k];
            probe[k] = saved + FiniteDifference.Epsilon;
            var up = Loss(x, w.WIh, probe, w.BIh, w.BHh, initial);
            probe[k] = saved - FiniteDifference.Epsilon;
            var down = Loss(x, w.WIh, probe, w.BIh, w.BHh, initial);
            probe[k] = saved;
            numeric[k] = (up - down) / (2 * FiniteDifference.Epsilon);
        }
        FiniteDifference.AssertMatches("d_weight_hh", grads.DWeightHh, numeric);
    }

    [Test]
    public void Gru_BiasHiddenN_SitsInsideTheResetProduct()
    {
        // With zero weights, r = σ(b_ir + b_hr) and n = tanh(b_in + r * b_hn): moving the same value from b_in to b_hn
        // must change the output; if the two were summed (the common mistake) it would not.
        const int hidden = 2, input = 1;
        var wIh = new double[3 * hidden * input];
        var wHh = new double[3 * hidden * hidden];
        double[] bIh = [-2, -2, 0, 0, 0.7, 0.7];
        double[] bHh = [0, 0, 0, 0, 0, 0];
        double[] bIhMoved = [-2, -2, 0, 0, 0, 0];
        double[] bHhMoved = [0, 0, 0, 0, 0.7, 0.7];
        var x = new double[] { 0.3 };
        var y1 = new RecurrentLayer<double>(CellKind.Gru, input, hidden, new RecurrentLayerWeights<double>(wIh, wHh, bIh, bHh)).Forward(x, 1, 1).Y;
        var y2 = new RecurrentLayer<double>(CellKind.Gru, input, hidden, new RecurrentLayerWeights<double>(wIh, wHh, bIhMoved, bHhMoved)).Forward(x, 1, 1).Y;
        var r = 1 / (1 + Math.Exp(2.0));
        var z = 0.5;
        Assert.Multiple(() =>
        {
            Assert.That(y1[0], Is.EqualTo((1 - z) * Math.Tanh(0.7)).Within(1e-15));
            Assert.That(y2[0], Is.EqualTo((1 - z) * Math.Tanh(r * 0.7)).Within(1e-15));
        });
    }

    [Test]
    public void MissingBiases_MeanBiasFalse()
    {
        var random = new Random(3);
        var w = RandomWeights(random, 4, 3, 2);
        var x = TestData.Uniform(random, 2 * 3 * 2, 1.0);
        var withoutBias = new RecurrentLayer<double>(CellKind.Lstm, 2, 3, new RecurrentLayerWeights<double>(w.WIh, w.WHh)).Forward(x, 2, 3).Y;
        var zeroBias = PyTorchEquations.Lstm(x, 2, 3, 2, 3, w.WIh, w.WHh, new double[12], new double[12]).Y;
        Assert.That(TestData.MaxAbsDifference(withoutBias, zeroBias), Error.Below(1e-14));
    }

    /// <summary>
    /// The layer hands clipping and truncation to the recurrence: its gradients are the low-level reference's with the
    /// same option on the same numbers (what the options compute there: Reference/BackwardOptionReferenceTests). A dense
    /// one-head LSTM's low-level operands are its PyTorch tensors as they lie: R [4, 1, H, H] is weight_hh [4H, H],
    /// Wx [B, T, 4, 1, H] is x weight_ih^T, b = bias_ih + bias_hh.
    /// </summary>
    [TestCase("clip")]
    [TestCase("truncate")]
    public void LayerBackward_HandsClippingAndTruncationToTheRecurrence(string option)
    {
        const int batch = 2, steps = 3, input = 2, hidden = 3, gateRows = 4 * hidden;
        var random = new Random(4);
        var w = RandomWeights(random, 4, hidden, input);
        var x = TestData.Uniform(random, batch * steps * input, 1.0);
        var initial = TestData.Uniform(random, 2 * batch * hidden, 0.5);
        var dy = TestData.Uniform(random, batch * steps * hidden, 1.0);
        var options = option == "clip" ? new RecurrentBackwardOptions { RecurrentClip = 0.01f } : new RecurrentBackwardOptions { Truncate = true };

        var grads = new RecurrentLayer<double>(CellKind.Lstm, input, hidden, new RecurrentLayerWeights<double>(w.WIh, w.WHh, w.BIh, w.BHh))
            .Backward(x, batch, steps, dy, initial, options: options);

        var p = new RecurrentProblem(CellKind.Lstm, batch, steps, 1, hidden, input, DataType.Float64);
        var wx = new double[p.WxLength];
        for (var row = 0; row < batch * steps; row++)
        for (var g = 0; g < gateRows; g++)
        for (var i = 0; i < input; i++)
            wx[row * gateRows + g] += x[row * input + i] * w.WIh[g * input + i];
        var bias = w.BIh.Select((v, k) => v + w.BHh[k]).ToArray();
        (double[] DR, double[] DBias, double[] DInitial) LowLevel(RecurrentBackwardOptions? with)
        {
            var (dWx, dR, dBias, dInitial) = (new double[p.WxLength], new double[p.RLength], new double[p.BiasLength], new double[p.StatesLength]);
            Recurrence.Backward(p, new RecurrentInputs<double>(wx, w.WHh, bias, initial), new RecurrentOutputGradients<double>(dy),
                new RecurrentInputGradients<double>(dWx, dR, dBias, dInitial), FastRecurrence.Backends.RecurrenceBackends.Reference, with);
            return (dR, dBias, dInitial);
        }
        var expected = LowLevel(options);
        var plain = LowLevel(null);

        Assert.That(TestData.MaxAbsDifference(expected.DR, plain.DR), Is.GreaterThan(1e-4), $"{option} changes the low-level gradients here");
        Assert.Multiple(() =>
        {
            Assert.That(grads.DWeightHh, Is.EqualTo(expected.DR).Within(1e-14), "d_weight_hh");
            Assert.That(grads.DBiasHh, Is.EqualTo(expected.DBias).Within(1e-14), "d_bias_hh");
            Assert.That(grads.DInitialStates, Is.EqualTo(expected.DInitial).Within(1e-14), "d_initial_states (h0, c0)");
        });
    }

    [Test]
    public void LayerBackward_RefusesAccumulation()
    {
        var random = new Random(4);
        var w = RandomWeights(random, 4, 3, 2);
        var x = TestData.Uniform(random, 2 * 3 * 2, 1.0);
        var dy = TestData.Uniform(random, 2 * 3 * 3, 1.0);
        var layer = new RecurrentLayer<double>(CellKind.Lstm, 2, 3, new RecurrentLayerWeights<double>(w.WIh, w.WHh, w.BIh, w.BHh));
        Assert.That(() => layer.Backward(x, 2, 3, dy, options: new RecurrentBackwardOptions { Accumulate = true }),
            Throws.ArgumentException.With.Message.Contain("options.Accumulate"));
    }
}
