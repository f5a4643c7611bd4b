using FastRecurrence.Backends;
using FastRecurrence.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Layers;

/// <summary>
/// The stack on the float64 reference: its gradients (through dropout, both directions, every layer) against finite
/// differences of its training forward; dropout's reproducibility; PyTorch's names; bad input refused by name.
/// </summary>
[TestFixture]
public sealed class StackedLayersReferenceTests
{
    private static readonly IRecurrenceBackend Reference = RecurrenceBackends.Get("reference");

    [TestCase(CellKind.Lstm, 0.3)]
    [TestCase(CellKind.Gru, 0.0)]
    [TestCase(CellKind.SLstm, 0.5)]
    [TestCase(CellKind.Elman, 0.3)]
    public void Backward_MatchesFiniteDifferences_ThroughDropoutAndBothDirections(CellKind cell, double dropout)
    {
        var c = StackCase.Create(cell, layers: 2, bidirectional: true, heads: 1, seed: 40 + (int)cell, dropout: dropout);

        double Loss(Dictionary<string, double[]> parameters, double[] x, double[] initial)
        {
            var stack = new StackedRecurrentLayers<double>(cell, c.Input, c.Hidden,
                StackedLayersWeights.FromNamedParameters(parameters, 2, true), c.Options, Reference);
            var output = stack.Forward(x, c.Batch, c.Steps, initial, training: true);
            return output.Y.Select((v, k) => v * c.DY[k]).Sum() + output.LastStates.Select((v, k) => v * c.DLast[k]).Sum();
        }

        var grads = c.Stack64().Backward(c.X, c.Batch, c.Steps, c.DY, c.Initial, c.DLast);

        FiniteDifference.AssertMatches("d_input", grads.DInput, FiniteDifference.Gradient(c.X, v => Loss(c.Parameters, v, c.Initial)));
        var initialNumeric = FiniteDifference.Gradient(c.Initial, v => Loss(c.Parameters, c.X, v));
        if (cell == CellKind.SLstm)
        {
            // Only y0 is a free initial state of sLSTM here (c0, n0, m0 start at zero, math.md); compare that block.
            var block = grads.DInitialStates.Length / 4;
            FiniteDifference.AssertMatches("d_initial_states (y0)", grads.DInitialStates[..block], initialNumeric[..block]);
        }
        else
            FiniteDifference.AssertMatches("d_initial_states", grads.DInitialStates, initialNumeric);
        foreach (var name in new[] { "weight_ih_l0", "weight_hh_l0_reverse", "bias_hh_l0", "weight_ih_l1_reverse", "weight_hh_l1", "bias_ih_l1_reverse" })
        {
            FiniteDifference.AssertMatches(name, grads.Weights[name], FiniteDifference.Gradient(c.Parameters[name], v =>
                Loss(new Dictionary<string, double[]>(c.Parameters) { [name] = v }, c.X, c.Initial)));
        }
    }

    /// <summary>
    /// With lengths and several heads, through the backward that starts from a training forward: the float64 stack that
    /// <see cref="StackedLayersWithLengthsSuite"/> holds every backend to (the same seeds; its run on the reference compares
    /// float32 with float64 of the same code, which cannot see a rule they share), checked against finite differences,
    /// with dropout in some cases. Several heads make weight_hh block-diagonal: only the entries inside the blocks are
    /// free (the layer refuses others), and outside them the gradient must be zero.
    /// </summary>
    [TestCase(CellKind.Lstm, true, 0.3)]
    [TestCase(CellKind.Gru, false, 0.0)]
    [TestCase(CellKind.Gru, true, 0.3)]
    [TestCase(CellKind.SLstm, true, 0.5)]
    [TestCase(CellKind.Elman, true, 0.0)]
    public void WithLengths_BackwardFromTheTrainingForward_MatchesFiniteDifferences(CellKind cell, bool bidirectional, double dropout)
    {
        const int heads = 2;
        var c = StackCase.Create(cell, layers: 2, bidirectional, heads, seed: 700 + (int)cell, dropout);
        int[] lengths = [3, 5];

        double Loss(Dictionary<string, double[]> parameters, double[] x, double[] initial)
        {
            var stack = new StackedRecurrentLayers<double>(cell, c.Input, c.Hidden,
                StackedLayersWeights.FromNamedParameters(parameters, 2, bidirectional), c.Options, Reference);
            var output = stack.Forward(x, c.Batch, c.Steps, initial, training: true, lengths);
            return output.Y.Select((v, k) => v * c.DY[k]).Sum() + output.LastStates.Select((v, k) => v * c.DLast[k]).Sum();
        }

        var stack = c.Stack64();
        var grads = stack.Backward(stack.Forward(c.X, c.Batch, c.Steps, c.Initial, training: true, lengths), c.DY, c.DLast);

        FiniteDifference.AssertMatches("d_input", grads.DInput, FiniteDifference.Gradient(c.X, v => Loss(c.Parameters, v, c.Initial)));
        var initialNumeric = FiniteDifference.Gradient(c.Initial, v => Loss(c.Parameters, c.X, v));
        // sLSTM: only y0 is a free initial state here (c0, n0, m0 start at zero, math.md).
        var freeStates = cell == CellKind.SLstm ? grads.DInitialStates.Length / 4 : grads.DInitialStates.Length;
        FiniteDifference.AssertMatches("d_initial_states", grads.DInitialStates[..freeStates], initialNumeric[..freeStates]);
        Assert.That(grads.Weights.Keys, Is.EquivalentTo(c.Parameters.Keys));
        int d = c.Hidden / heads;
        foreach (var (name, values) in c.Parameters)
        {
            // weight_hh [G*H, H]: row k / H, column k % H, inside a block where the row's unit and the column share a head
            var free = Enumerable.Range(0, values.Length)
                .Where(k => !name.StartsWith("weight_hh", StringComparison.Ordinal) || k / c.Hidden % c.Hidden / d == k % c.Hidden / d).ToArray();
            var numericFree = FiniteDifference.Gradient(free.Select(k => values[k]).ToArray(), v =>
            {
                var perturbed = (double[])values.Clone();
                for (var i = 0; i < free.Length; i++)
                    perturbed[free[i]] = v[i];
                return Loss(new Dictionary<string, double[]>(c.Parameters) { [name] = perturbed }, c.X, c.Initial);
            });
            var numeric = new double[values.Length];
            for (var i = 0; i < free.Length; i++)
                numeric[free[i]] = numericFree[i];
            FiniteDifference.AssertMatches(name, grads.Weights[name], numeric);
        }
    }

    [Test]
    public void Dropout_IsReproducible_OnlyInTraining_AndFollowsTheSeed()
    {
        var c = StackCase.Create(CellKind.Lstm, layers: 3, bidirectional: false, heads: 1, seed: 7, dropout: 0.5);
        var stack = c.Stack64();
        var other = new StackedRecurrentLayers<double>(c.Cell, c.Input, c.Hidden,
            StackedLayersWeights.FromNamedParameters(c.Parameters, 3, false), c.Options with { DropoutSeed = 8 }, Reference);
        var without = new StackedRecurrentLayers<double>(c.Cell, c.Input, c.Hidden,
            StackedLayersWeights.FromNamedParameters(c.Parameters, 3, false), c.Options with { Dropout = 0 }, Reference);

        var first = stack.Forward(c.X, c.Batch, c.Steps, c.Initial, training: true).Y;
        Assert.Multiple(() =>
        {
            Assert.That(stack.Forward(c.X, c.Batch, c.Steps, c.Initial, training: true).Y, Is.EqualTo(first), "same seed: same bits");
            Assert.That(other.Forward(c.X, c.Batch, c.Steps, c.Initial, training: true).Y, Is.Not.EqualTo(first), "another seed: another mask");
            Assert.That(stack.Forward(c.X, c.Batch, c.Steps, c.Initial).Y, Is.EqualTo(without.Forward(c.X, c.Batch, c.Steps, c.Initial).Y),
                "inference: no dropout");
            Assert.That(stack.Forward(c.X, c.Batch, c.Steps, c.Initial).Y, Is.Not.EqualTo(first), "training differs from inference");
        });
    }

    [Test]
    public void DropoutMask_KeepsAboutOneMinusP()
    {
        var kept = Enumerable.Range(0, 100_000).Count(i => DropoutMask.Keeps(0.3, 11, 2, i));
        Assert.That(kept / 100_000.0, Is.EqualTo(0.7).Within(0.01));
    }

    [Test]
    public void NamedParameters_AreNamedAsPyTorch_AndReadBack()
    {
        var c = StackCase.Create(CellKind.Gru, layers: 2, bidirectional: true, heads: 1, seed: 3);
        var weights = StackedLayersWeights.FromNamedParameters(c.Parameters, 2, true);
        Assert.That(weights.NamedParameters().Select(p => p.Key), Is.EqualTo(new[]
        {
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
            "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
        }));
    }

    [Test]
    public void BadInput_IsRefusedByName()
    {
        var c = StackCase.Create(CellKind.Lstm, layers: 2, bidirectional: true, heads: 1, seed: 5);
        var missing = new Dictionary<string, double[]>(c.Parameters);
        missing.Remove("weight_hh_l1_reverse");
        var extra = new Dictionary<string, double[]>(c.Parameters) { ["weight_ih_l2"] = [1.0] };
        var noBiasForOne = new Dictionary<string, double[]>(c.Parameters);
        noBiasForOne.Remove("bias_hh_l1");
        var wrongShape = new Dictionary<string, double[]>(c.Parameters) { ["weight_ih_l1"] = new double[4 * 4 * 4] };
        var weights = StackedLayersWeights.FromNamedParameters(c.Parameters, 2, true);
        var stack = c.Stack64();

        Assert.Multiple(() =>
        {
            Assert.That(() => StackedLayersWeights.FromNamedParameters(missing, 2, true),
                Throws.ArgumentException.With.Message.Contains("'weight_hh_l1_reverse' is missing"));
            Assert.That(() => StackedLayersWeights.FromNamedParameters(extra, 2, true),
                Throws.ArgumentException.With.Message.Contains("unexpected weight_ih_l2"));
            Assert.That(() => StackedLayersWeights.FromNamedParameters(noBiasForOne, 2, true),
                Throws.ArgumentException.With.Message.Contains("bias_hh_l1"));
            Assert.That(() => new StackedRecurrentLayers<double>(c.Cell, c.Input, c.Hidden, StackedLayersWeights.FromNamedParameters(wrongShape, 2, true), c.Options, Reference),
                Throws.ArgumentException.With.Property("ParamName").EqualTo("weight_ih_l1").And.Message.StartsWith("weight_ih_l1: ")
                    .And.Message.Contains("I=8").And.Message.Not.Contains("(Parameter 'weight_ih')"));
            Assert.That(() => new StackedRecurrentLayers<double>(c.Cell, c.Input, c.Hidden, weights, c.Options with { Dropout = 1.0 }, Reference),
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("options.Dropout"));
            // B * T * I wraps to 0 in int arithmetic (then B * T divided the empty x): refused, naming x and the limit
            Assert.That(() => stack.Forward([], 65536, 65536),
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("x").And.Message.Contains("would hold more than"));
            Assert.That(() => stack.StatesLength(int.MaxValue / 2),
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("batch").And.Message.Contains("would hold more than"));
            Assert.That(() => new StackedRecurrentLayers<double>(c.Cell, c.Input, c.Hidden, weights, c.Options with { NumLayers = 3 }, Reference),
                Throws.ArgumentException.With.Message.Contains("expected 3 layers x 2 directions"));
            Assert.That(() => stack.Forward(new double[5], c.Batch, c.Steps), Throws.ArgumentException.With.Message.Contains("x: expected 30 elements"));
            Assert.That(() => stack.Forward(c.X, c.Batch, c.Steps, new double[3]),
                Throws.ArgumentException.With.Message.Contains("initialStates: expected 64 elements"));
            Assert.That(() => stack.Backward(c.X, c.Batch, c.Steps, new double[3]), Throws.ArgumentException.With.Message.Contains("dy: expected 80 elements"));
        });
    }
}
