using FastRecurrence.Backends;
using FastRecurrence.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Layers;

/// <summary>
/// Variable sequence lengths on the reference: a padded batch with lengths gives, for every sequence, exactly what that
/// sequence gives alone at its own length (outputs, last states, gradients), zeros past its length; the reverse
/// direction of a stack starts at each sequence's own last step; bad lengths and backends that do not mask are refused.
/// The backends that mask are checked against this reference in <see cref="StackedLayersSuite"/>.
/// </summary>
[TestFixture]
public sealed class VariableLengthTests
{
    private static readonly IRecurrenceBackend Reference = RecurrenceBackends.Get("reference");
    private static readonly int[] Lengths = [4, 7, 1];  // unsorted on purpose: any order is fine
    private const int B = 3, T = 7;

    /// <summary>Rows [b] of a [B, T, F] tensor's first <paramref name="steps"/> steps, as [1, steps, F].</summary>
    private static double[] Sequence(double[] values, int b, int steps, int features) =>
        values.AsSpan(b * T * features, steps * features).ToArray();

    /// <summary>Block b of a [S, B, F] tensor, as [S, 1, F].</summary>
    private static double[] StatesOf(double[] states, int b, int stateCount, int features)
    {
        var one = new double[stateCount * features];
        for (var s = 0; s < stateCount; s++)
            Array.Copy(states, (s * B + b) * features, one, s * features, features);
        return one;
    }

    [TestCase(CellKind.Lstm)]
    [TestCase(CellKind.Gru)]
    [TestCase(CellKind.SLstm)]
    [TestCase(CellKind.Elman)]
    public void LowLevel_EachSequence_IsWhatItGivesAloneAtItsOwnLength(CellKind cell)
    {
        var p = new RecurrentProblem(cell, B, T, 2, 3, 1, DataType.Float64);
        var c = new RecurrentCase(p, seed: 80 + (int)cell);
        int H = p.HiddenSize, G = p.GateCount, S = p.StateCount;
        var y = TestData.Poisoned<double>(p.YLength);
        var last = TestData.Poisoned<double>(p.StatesLength);
        var dWx = TestData.Poisoned<double>(p.WxLength);
        var dR = new double[p.RLength];
        var dBias = new double[p.BiasLength];
        var dInitial = TestData.Poisoned<double>(p.StatesLength);
        var inputs = new RecurrentInputs<double>(c.Wx, c.R, c.Bias, c.InitialStates, Lengths);
        Recurrence.Forward(p, inputs, new RecurrentOutputs<double>(y, last), Reference);
        Recurrence.Backward(p, inputs, new RecurrentOutputGradients<double>(c.DY, c.DLastStates),
            new RecurrentInputGradients<double>(dWx, dR, dBias, dInitial), Reference);

        var dRSum = new double[p.RLength];
        var dBiasSum = new double[p.BiasLength];
        for (var b = 0; b < B; b++)
        {
            int n = Lengths[b];
            var alone = new RecurrentProblem(cell, 1, n, 2, 3, 1, DataType.Float64);
            var yAlone = new double[alone.YLength];
            var lastAlone = new double[alone.StatesLength];
            var aloneInputs = new RecurrentInputs<double>(Sequence(c.Wx, b, n, G * H), c.R, c.Bias, StatesOf(c.InitialStates, b, S, H));
            Recurrence.Forward(alone, aloneInputs, new RecurrentOutputs<double>(yAlone, lastAlone), Reference);
            var dWxAlone = new double[alone.WxLength];
            var dRAlone = new double[alone.RLength];
            var dBiasAlone = new double[alone.BiasLength];
            var dInitialAlone = new double[alone.StatesLength];
            Recurrence.Backward(alone, aloneInputs, new RecurrentOutputGradients<double>(Sequence(c.DY, b, n, H), StatesOf(c.DLastStates, b, S, H)),
                new RecurrentInputGradients<double>(dWxAlone, dRAlone, dBiasAlone, dInitialAlone), Reference);
            for (var i = 0; i < dRSum.Length; i++) dRSum[i] += dRAlone[i];
            for (var i = 0; i < dBiasSum.Length; i++) dBiasSum[i] += dBiasAlone[i];

            var b1 = b;
            Assert.Multiple(() =>
            {
                Assert.That(Sequence(y, b1, n, H), Is.EqualTo(yAlone).Within(1e-14), $"y of sequence {b1}");
                Assert.That(y.AsSpan((b1 * T + n) * H, (T - n) * H).ToArray(), Is.All.EqualTo(0.0), $"y past the length of sequence {b1}");
                Assert.That(StatesOf(last, b1, S, H), Is.EqualTo(lastAlone).Within(1e-14), $"last states of sequence {b1}");
                Assert.That(Sequence(dWx, b1, n, G * H), Is.EqualTo(dWxAlone).Within(1e-13), $"dWx of sequence {b1}");
                Assert.That(dWx.AsSpan((b1 * T + n) * G * H, (T - n) * G * H).ToArray(), Is.All.EqualTo(0.0), $"dWx past the length of sequence {b1}");
                Assert.That(StatesOf(dInitial, b1, S, H), Is.EqualTo(dInitialAlone).Within(1e-13), $"dInitialStates of sequence {b1}");
            });
        }
        Assert.That(dR, Is.EqualTo(dRSum).Within(1e-12), "dR: the sum over the sequences");
        Assert.That(dBias, Is.EqualTo(dBiasSum).Within(1e-12), "dBias: the sum over the sequences");
    }

    [TestCase(CellKind.Lstm)]
    [TestCase(CellKind.Gru)]
    public void BidirectionalStack_EachSequence_IsWhatItGivesAlone_TheReverseStartingAtItsOwnLastStep(CellKind cell)
    {
        var c = StackCase.Create(cell, layers: 2, bidirectional: true, heads: 1, seed: 12);
        int steps = c.Steps, batch = c.Batch, dirs = 2, H = c.Hidden, S = cell.StateCount(), L = 2 * dirs;
        int[] lengths = [3, steps];
        var stack = c.Stack64();
        var output = stack.Forward(c.X, batch, steps, c.Initial, lengths: lengths);
        var grads = stack.Backward(c.X, batch, steps, c.DY, c.Initial, lengths: lengths);
        var dWeightsSum = grads.Weights.ToDictionary(kv => kv.Key, kv => new double[kv.Value.Length]);

        for (var b = 0; b < batch; b++)
        {
            int n = lengths[b];
            var x = c.X.AsSpan(b * steps * c.Input, n * c.Input).ToArray();
            var initial = new double[S * L * H];
            for (var s = 0; s < S * L; s++)
                Array.Copy(c.Initial, (s * batch + b) * H, initial, s * H, H);
            var alone = stack.Forward(x, 1, n, initial);
            var dy = c.DY.AsSpan(b * steps * dirs * H, n * dirs * H).ToArray();
            var aloneGrads = stack.Backward(x, 1, n, dy, initial);
            foreach (var (name, grad) in aloneGrads.Weights)
                for (var i = 0; i < grad.Length; i++) dWeightsSum[name][i] += grad[i];

            var lastAlone = alone.LastStates;
            var last = new double[S * L * H];
            for (var s = 0; s < S * L; s++)
                Array.Copy(output.LastStates, (s * batch + b) * H, last, s * H, H);
            var b1 = b;
            Assert.Multiple(() =>
            {
                Assert.That(output.Y.AsSpan(b1 * steps * dirs * H, n * dirs * H).ToArray(), Is.EqualTo(alone.Y).Within(1e-13), $"y of sequence {b1}");
                Assert.That(output.Y.AsSpan((b1 * steps + n) * dirs * H, (steps - n) * dirs * H).ToArray(), Is.All.EqualTo(0.0), $"y past its length");
                Assert.That(last, Is.EqualTo(lastAlone).Within(1e-13), $"h_n (and c_n) of sequence {b1}");
                Assert.That(grads.DInput.AsSpan(b1 * steps * c.Input, n * c.Input).ToArray(), Is.EqualTo(aloneGrads.DInput).Within(1e-12), $"d_input of sequence {b1}");
            });
        }
        foreach (var (name, grad) in grads.Weights)
            Assert.That(grad, Is.EqualTo(dWeightsSum[name]).Within(1e-11), name);
    }

    [Test]
    public void BadLengths_AreRefusedByName_AndBackendsThatDoNotMask_SayWhy()
    {
        var p = new RecurrentProblem(CellKind.Lstm, B, T, 1, 2, 1, DataType.Float32);
        var c = new RecurrentCase(p, seed: 3);
        var wx = TestData.ToSingle(c.Wx);
        var r = TestData.ToSingle(c.R);
        var bias = TestData.ToSingle(c.Bias);
        var y = new float[p.YLength];
        void Run(int[] lengths, string backend) =>
            Recurrence.Forward(p, new RecurrentInputs<float>(wx, r, bias, default, lengths), new RecurrentOutputs<float>(y),
                backend switch
                {
                    "ilgpu-cpu" => FastRecurrence.Ilgpu.IlgpuBackends.Cpu,
                    "unmasked" => new UnmaskedBackend(),
                    _ => RecurrenceBackends.Get(backend),
                });

        Assert.Multiple(() =>
        {
            Assert.That(() => Run([4, 8, 1], "reference"), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("lengths[1]: expected a length in 1..T=7, got 8"));
            Assert.That(() => Run([4, 0, 1], "reference"), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("lengths[1]").And.Message.Contains("empty sequence"));
            Assert.That(() => Run([4, 1], "reference"), Throws.ArgumentException.With.Message.Contains("lengths: expected one length per sequence, [B=3], got 2"));
            Assert.That(() => Run([7, 1, 4], "reference"), Throws.Nothing, "unsorted lengths are fine");
            Assert.That(() => Run([7, 1, 4], "ilgpu-cpu"), Throws.Nothing, "ILGPU masks lengths in its kernels");
            Assert.That(() => Run([7, 1, 4], "cuda-emulated"), Throws.Nothing, "the CUDA C kernels mask lengths");
            Assert.That(() => Run([7, 1, 4], "unmasked"), Throws.InstanceOf<NotSupportedException>().With.Message.Contains("lengths: backend 'unmasked' does not mask"));
        });
    }

    /// <summary>An available backend that keeps the interface's default: it does not mask lengths (and must not run).</summary>
    private sealed class UnmaskedBackend : IRecurrenceBackend
    {
        public string Name => "unmasked";
        public BackendAvailability Availability => BackendAvailability.Available("test stand-in");
        public string? WhyUnsupported(RecurrentProblem problem) => null;
        public string? WhyUnsupported(ScanProblem problem) => null;
        public void Forward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputs<T> outputs)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => throw new AssertionException("must not run");
        public void Backward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputGradients<T> outputGradients,
            RecurrentInputGradients<T> gradients, RecurrentBackwardOptions options)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => throw new AssertionException("must not run");
        public void ScanForward<T>(ScanProblem problem, ScanInputs<T> inputs, Span<T> h)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => throw new AssertionException("must not run");
        public void ScanBackward<T>(ScanProblem problem, ScanInputs<T> inputs, ReadOnlySpan<T> dh, ScanGradients<T> gradients)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => throw new AssertionException("must not run");
    }
}
