using FastRecurrence.Backends;
using FastRecurrence.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Layers;

/// <summary>
/// LSTM projections (proj_size) on the float64 reference: the stack against PyTorch's projected LSTM computed directly
/// step by step (<see cref="ProjectionCase"/>, not the library's folded form), its gradients against finite differences
/// of that direct computation (so the fold and its gradient formulas are both checked), PyTorch's names and state
/// shapes, and bad input refused by name.
/// </summary>
[TestFixture]
public sealed class ProjectionReferenceTests
{
    private static readonly IRecurrenceBackend Reference = RecurrenceBackends.Get("reference");

    [TestCase(1, false, false)]
    [TestCase(2, true, false)]
    [TestCase(2, true, true)]
    public void Forward_IsPyTorchsProjectedLstm(int layers, bool bidirectional, bool withLengths)
    {
        var c = ProjectionCase.Create(layers, bidirectional, seed: 11 + layers);
        int[]? lengths = withLengths ? [3, 5] : null;
        var expected = c.ComposeByHand(lengths);
        var actual = c.Stack64().Forward(c.X, ProjectionCase.Batch, ProjectionCase.Steps, c.Initial, lengths: lengths);
        Assert.Multiple(() =>
        {
            Assert.That(TestData.MaxAbsDifference(actual.Y, expected.Y), Is.LessThanOrEqualTo(1e-12), "y");
            Assert.That(TestData.MaxAbsDifference(actual.LastStates, expected.LastStates), Is.LessThanOrEqualTo(1e-12), "h_n, c_n");
            Assert.That(actual.Y, Has.Length.EqualTo(ProjectionCase.Batch * ProjectionCase.Steps * c.Options.Directions * ProjectionCase.Proj), "y is [B, T, dirs*P]");
            Assert.That(actual.HN.Length, Is.EqualTo(c.Blocks * ProjectionCase.Batch * ProjectionCase.Proj), "h_n is [L*dirs, B, P]");
            Assert.That(actual.State(1).Length, Is.EqualTo(c.Blocks * ProjectionCase.Batch * ProjectionCase.Hidden), "c_n is [L*dirs, B, H]");
        });
    }

    [Test]
    public void Forward_FromZeroStates_IsPyTorchsProjectedLstm()
    {
        var c = ProjectionCase.Create(2, true, seed: 17);
        var expected = c.ComposeByHand(initial: new double[c.Initial.Length]);
        var actual = c.Stack64().Forward(c.X, ProjectionCase.Batch, ProjectionCase.Steps);
        Assert.That(TestData.MaxAbsDifference(actual.LastStates, expected.LastStates), Is.LessThanOrEqualTo(1e-12));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Backward_MatchesFiniteDifferencesOfTheDirectComputation(bool withLengths)
    {
        var c = ProjectionCase.Create(2, true, seed: 23);
        int[]? lengths = withLengths ? [5, 2] : null;
        double Loss(Dictionary<string, double[]> parameters, double[] x, double[] initial)
        {
            var (y, last) = c.ComposeByHand(lengths, parameters, x, initial);
            return y.Select((v, k) => v * c.DY[k]).Sum() + last.Select((v, k) => v * c.DLast[k]).Sum();
        }

        var grads = c.Stack64().Backward(c.X, ProjectionCase.Batch, ProjectionCase.Steps, c.DY, c.Initial, c.DLast, lengths: lengths);

        Assert.That(grads.Weights.Keys, Is.EquivalentTo(c.Parameters.Keys));
        FiniteDifference.AssertMatches("d_input", grads.DInput, FiniteDifference.Gradient(c.X, v => Loss(c.Parameters, v, c.Initial)));
        FiniteDifference.AssertMatches("d_initial_states (h0, c0)", grads.DInitialStates, FiniteDifference.Gradient(c.Initial, v => Loss(c.Parameters, c.X, v)));
        foreach (var name in c.Parameters.Keys)
            FiniteDifference.AssertMatches(name, grads.Weights[name], FiniteDifference.Gradient(c.Parameters[name], v =>
                Loss(new Dictionary<string, double[]>(c.Parameters) { [name] = v }, c.X, c.Initial)));
    }

    [Test]
    public void Backward_Truncated_GivesNoGradientToH0_ButKeepsC0s()
    {
        var c = ProjectionCase.Create(1, false, seed: 29);
        var full = c.Stack64().Backward(c.X, ProjectionCase.Batch, ProjectionCase.Steps, c.DY, c.Initial, c.DLast);
        var truncated = c.Stack64().Backward(c.X, ProjectionCase.Batch, ProjectionCase.Steps, c.DY, c.Initial, c.DLast,
            new RecurrentBackwardOptions { Truncate = true });
        int hLength = ProjectionCase.Batch * ProjectionCase.Proj;
        Assert.Multiple(() =>
        {
            Assert.That(truncated.DInitialStates[..hLength], Is.All.EqualTo(0.0), "no gradient through W_hh into h0");
            Assert.That(full.DInitialStates[..hLength], Has.Some.Not.EqualTo(0.0), "without truncation h0 has a gradient");
            Assert.That(truncated.DInitialStates[hLength..], Has.Some.Not.EqualTo(0.0), "c0 keeps its own path's gradient");
        });
    }

    [Test]
    public void NamedParameters_IncludeWeightHr_InPyTorchsOrder()
    {
        var c = ProjectionCase.Create(2, false, seed: 31);
        var names = StackedLayersWeights.FromNamedParameters(c.Parameters, 2, false).NamedParameters().Select(p => p.Key);
        Assert.That(names, Is.EqualTo(new[]
        {
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "weight_hr_l1",
        }));
    }

    [Test]
    public void BadInput_IsRefusedByName()
    {
        var c = ProjectionCase.Create(2, true, seed: 37);
        var weights = StackedLayersWeights.FromNamedParameters(c.Parameters, 2, true);
        var missingHr = new Dictionary<string, double[]>(c.Parameters);
        missingHr.Remove("weight_hr_l1_reverse");
        var wrongHr = new Dictionary<string, double[]>(c.Parameters) { ["weight_hr_l1"] = new double[5] };
        var layerWeights = weights[0, 0];
        var unprojected = new RecurrentLayerWeights<double>(layerWeights.WeightIh, new double[16 * 4], layerWeights.BiasIh, layerWeights.BiasHh, layerWeights.WeightHr);
        var stack = c.Stack64();
        const int B = ProjectionCase.Batch, T = ProjectionCase.Steps, I = ProjectionCase.Input, H = ProjectionCase.Hidden;

        Assert.Multiple(() =>
        {
            Assert.That(() => StackedLayersWeights.FromNamedParameters(missingHr, 2, true),
                Throws.ArgumentException.With.Message.Contains("'weight_hr_l1_reverse' is missing"));
            Assert.That(() => new StackedRecurrentLayers<double>(CellKind.Lstm, I, H, StackedLayersWeights.FromNamedParameters(wrongHr, 2, true), c.Options, Reference),
                Throws.ArgumentException.With.Property("ParamName").EqualTo("weight_hr_l1").And.Message.Contains("proj_size=2, H=4"));
            Assert.That(() => new StackedRecurrentLayers<double>(CellKind.Lstm, I, H, weights, c.Options with { ProjSize = 4 }, Reference),
                Throws.ArgumentException.With.Message.Contains("options.ProjSize").And.Message.Contains("proj_size < hidden_size = 4"));
            Assert.That(() => new StackedRecurrentLayers<double>(CellKind.Gru, I, H, weights, c.Options, Reference),
                Throws.ArgumentException.With.Message.Contains("needs an LSTM (got Gru)"));
            Assert.That(() => new StackedRecurrentLayers<double>(CellKind.Lstm, I, H, weights, c.Options with { Heads = 2 }, Reference),
                Throws.ArgumentException.With.Message.Contains("one head (got 2)"));
            Assert.That(() => new RecurrentLayer<double>(CellKind.Lstm, I, H, layerWeights, 1, Reference, projSize: 0),
                Throws.ArgumentException.With.Property("ParamName").EqualTo("weight_hr").And.Message.Contains("proj_size is 0"));
            Assert.That(() => new RecurrentLayer<double>(CellKind.Lstm, I, H, unprojected, 1, Reference, projSize: 2),
                Throws.ArgumentException.With.Property("ParamName").EqualTo("weight_hh").And.Message.Contains("[G*H=16, proj_size=2]"));
            Assert.That(() => new RecurrentLayer<double>(CellKind.Lstm, I, H, new RecurrentLayerWeights<double>(layerWeights.WeightIh, layerWeights.WeightHh), 1, Reference, projSize: 2),
                Throws.ArgumentException.With.Property("ParamName").EqualTo("weight_hr").And.Message.Contains("required with proj_size = 2"));
            Assert.That(() => stack.Forward(c.X, B, T, new double[c.Blocks * B * H * 2]),
                Throws.ArgumentException.With.Message.Contains($"initialStates: expected {c.Blocks * B * (H + ProjectionCase.Proj)} elements")
                    .And.Message.Contains("proj_size=2 for h, H=4 for c"));
            Assert.That(() => stack.Backward(c.X, B, T, new double[B * T * 2 * H]), Throws.ArgumentException.With.Message.Contains($"dy: expected {B * T * 2 * ProjectionCase.Proj} elements"));
            Assert.That(() => stack.Backward(c.X, B, T, c.DY, options: new RecurrentBackwardOptions { RecurrentClip = 1 }),
                Throws.ArgumentException.With.Message.Contains("options.RecurrentClip: not supported with proj_size = 2"));
        });
    }
}
