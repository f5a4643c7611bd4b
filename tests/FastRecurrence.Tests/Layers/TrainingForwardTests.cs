using FastRecurrence.Backends;
using FastRecurrence.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Layers;

/// <summary>
/// A layer's backward that starts from its training forward's output gives the same bits as the one that runs the
/// forward itself, with and without a projection; an inference output or another layer's or stack's output is refused
/// by name. A stack has no second path to compare (its backward from x runs its training forward first), so its
/// backward from a training forward is checked against finite differences instead, with lengths, dropout and both
/// directions: StackedLayersReferenceTests.WithLengths_BackwardFromTheTrainingForward_MatchesFiniteDifferences and
/// ProjectionReferenceTests.Backward_MatchesFiniteDifferencesOfTheDirectComputation.
/// </summary>
[TestFixture]
public sealed class TrainingForwardTests
{
    private static readonly IRecurrenceBackend Reference = RecurrenceBackends.Get("reference");

    [TestCase(0)]
    [TestCase(2)]
    public void Layer_BackwardFromItsTrainingForward_IsTheSameAsRunningItAgain(int projSize)
    {
        var random = new Random(95 + projSize);
        const int B = 2, T = 4, I = 3, H = 4;
        int width = projSize > 0 ? projSize : H;
        var weights = new RecurrentLayerWeights<double>(TestData.Uniform(random, 4 * H * I, 0.5), TestData.Uniform(random, 4 * H * width, 0.5),
            TestData.Uniform(random, 4 * H, 0.5), TestData.Uniform(random, 4 * H, 0.5), projSize > 0 ? TestData.Uniform(random, projSize * H, 0.5) : null);
        var layer = new RecurrentLayer<double>(CellKind.Lstm, I, H, weights, 1, Reference, projSize);
        var x = TestData.Uniform(random, B * T * I);
        var initial = TestData.Uniform(random, B * (width + H), 0.5);
        var dy = TestData.Uniform(random, B * T * width);
        var dLast = TestData.Uniform(random, B * (width + H));
        int[] lengths = [4, 1];

        var expected = layer.Backward(x, B, T, dy, initial, dLast, lengths: lengths);
        var actual = layer.Backward(layer.Forward(x, B, T, initial, lengths, training: true), dy, dLast);
        Assert.Multiple(() =>
        {
            Assert.That(actual.DInput, Is.EqualTo(expected.DInput), "d_input");
            Assert.That(actual.DWeightIh, Is.EqualTo(expected.DWeightIh), "d_weight_ih");
            Assert.That(actual.DWeightHh, Is.EqualTo(expected.DWeightHh), "d_weight_hh");
            Assert.That(actual.DBiasIh, Is.EqualTo(expected.DBiasIh), "d_bias_ih");
            Assert.That(actual.DWeightHr, Is.EqualTo(expected.DWeightHr), "d_weight_hr");
            Assert.That(actual.DInitialStates, Is.EqualTo(expected.DInitialStates), "d_initial_states");
        });
    }

    [Test]
    public void InferenceOrForeignOutputs_AreRefusedByName()
    {
        var c = StackCase.Create(CellKind.Lstm, layers: 1, bidirectional: false, heads: 1, seed: 97);
        var stack = c.Stack64();
        var other = c.Stack64();
        var inference = stack.Forward(c.X, c.Batch, c.Steps, c.Initial);
        var foreign = other.Forward(c.X, c.Batch, c.Steps, c.Initial, training: true);
        var layer = new RecurrentLayer<double>(CellKind.Lstm, c.Input, c.Hidden, new RecurrentLayerWeights<double>(c.Parameters["weight_ih_l0"],
            c.Parameters["weight_hh_l0"]), 1, Reference);
        Assert.Multiple(() =>
        {
            Assert.That(inference.IsTraining, Is.False);
            Assert.That(() => stack.Backward(inference, c.DY), Throws.ArgumentException.With.Property("ParamName").EqualTo("forward")
                .And.Message.Contains("not a training forward of this stack"));
            Assert.That(() => stack.Backward(foreign, c.DY), Throws.ArgumentException.With.Message.Contains("not a training forward of this stack"));
            Assert.That(() => stack.Backward(foreign, new double[3]), Throws.ArgumentException.With.Message.Contains("not a training forward"));
            Assert.That(() => layer.Backward(layer.Forward(c.X, c.Batch, c.Steps), c.DY), Throws.ArgumentException.With.Message.Contains("not a training forward of this layer"));
            Assert.That(() => stack.Backward(stack.Forward(c.X, c.Batch, c.Steps, training: true), new double[3]),
                Throws.ArgumentException.With.Message.Contains("dy: expected"));
        });
    }
}
