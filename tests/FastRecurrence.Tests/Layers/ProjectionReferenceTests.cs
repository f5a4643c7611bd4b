using FastRecurrence.Backends;
using FastRecurrence.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Layers;

/// <summary>
/// LSTM projections (proj_size) on the float64 reference: the stack against PyTorch's projected LSTM computed directly
/// step by step (<see cref="ProjectionCase"/>, not the library's folded form), its gradients, full and under truncated
/// BPTT, against finite differences of that direct computation (so the fold and its gradient formulas are both checked),
/// PyTorch's names and state shapes, and bad input refused by name.
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
            Assert.That(TestData.MaxAbsDifference(actual.Y, expected.Y), Error.AtMost(1e-12), "y");
            Assert.That(TestData.MaxAbsDifference(actual.LastStates, expected.LastStates), Error.AtMost(1e-12), "h_n, c_n");
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
        Assert.That(TestData.MaxAbsDifference(actual.LastStates, expected.LastStates), Error.AtMost(1e-12));
    }

    /// <summary>
    /// Through the backward that starts from a training forward, with dropout and lengths as well: the float64 stack
    /// <see cref="ProjectionSuite"/> holds every backend to is checked here (its run on the reference compares float32
    /// with float64 of the same code, which cannot see a rule they share).
    /// </summary>
    [TestCase(false, 0.0)]
    [TestCase(true, 0.0)]
    [TestCase(true, 0.25)]
    public void Backward_MatchesFiniteDifferencesOfTheDirectComputation(bool withLengths, double dropout)
    {
        var c = ProjectionCase.Create(2, true, seed: 23, dropout: dropout);
        int[]? lengths = withLengths ? [5, 2] : null;
        double Loss(Dictionary<string, double[]> parameters, double[] x, double[] initial)
        {
            var (y, last) = c.ComposeByHand(lengths, parameters, x, initial, training: true);
            return y.Select((v, k) => v * c.DY[k]).Sum() + last.Select((v, k) => v * c.DLast[k]).Sum();
        }

        var stack = c.Stack64();
        var grads = stack.Backward(stack.Forward(c.X, ProjectionCase.Batch, ProjectionCase.Steps, c.Initial, training: true, lengths), c.DY, c.DLast);

        AssertMatchesFiniteDifferences(c, grads, Loss);
    }

    /// <summary>
    /// Truncated BPTT lets no gradient through W_hh into the previous h (the projected one): its gradients are finite
    /// differences of the direct computation with every W_hh h_{t-1} reading the h_{t-1} of an unperturbed run. The
    /// folded backward's W_hh^T dR' term of d_weight_hr is exactly that gradient passed on to W_hr, so it must go.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Backward_Truncated_MatchesFiniteDifferencesWithTheRecurrentInputsHeld(bool withLengths)
    {
        var c = ProjectionCase.Create(2, true, seed: 27);
        int[]? lengths = withLengths ? [2, 5] : null;
        var held = new HeldRecurrentInputs();
        c.ComposeByHand(lengths, heldRecurrentInputs: held);
        double Loss(Dictionary<string, double[]> parameters, double[] x, double[] initial)
        {
            var (y, last) = c.ComposeByHand(lengths, parameters, x, initial, heldRecurrentInputs: held);
            return y.Select((v, k) => v * c.DY[k]).Sum() + last.Select((v, k) => v * c.DLast[k]).Sum();
        }

        var grads = c.Stack64().Backward(c.X, ProjectionCase.Batch, ProjectionCase.Steps, c.DY, c.Initial, c.DLast,
            new RecurrentBackwardOptions { Truncate = true }, lengths);

        AssertMatchesFiniteDifferences(c, grads, Loss);
    }

    /// <summary>
    /// The audit's smallest case (B = 1, T = 2, I = 1, H = 2, P = 1, no biases, zero h0 and c0) on one layer, its
    /// truncated d_weight_hr pinned to the audit's finite differences of PyTorch's projected LSTM with h_{t-1} detached
    /// in W_hh h_{t-1}. The full backward's value, [-0.011583, 0.049908], is what the layer gave under truncation too.
    /// </summary>
    [Test]
    public void Backward_Truncated_GivesTheAuditedWeightHrGradient_OnOneLayer()
    {
        double[] weightIh = [.5, -.3, .8, .2, .1, .4, -.6, .7];
        double[] weightHh = [.3, .2, -.5, .4, .6, -.1, .2, .9];
        double[] weightHr = [.7, -.4];
        var layer = new RecurrentLayer<double>(CellKind.Lstm, 1, 2, new RecurrentLayerWeights<double>(weightIh, weightHh, weightHr: weightHr),
            1, Reference, projSize: 1);
        double[] x = [1, -2], dy = [1, 1];

        var truncated = layer.Backward(x, 1, 2, dy, options: new RecurrentBackwardOptions { Truncate = true });
        var full = layer.Backward(x, 1, 2, dy);

        Assert.Multiple(() =>
        {
            Assert.That(truncated.DWeightHr, Is.EqualTo(new[] { -0.013666, 0.039745 }).Within(1e-6), "truncated d_weight_hr");
            Assert.That(full.DWeightHr, Is.EqualTo(new[] { -0.011583, 0.049908 }).Within(1e-6), "full d_weight_hr");
        });
    }

    /// <summary>Every gradient of the stack against finite differences of <paramref name="loss"/>(parameters, x, initial states).</summary>
    private static void AssertMatchesFiniteDifferences(ProjectionCase c, StackedGradients<double> grads,
        Func<Dictionary<string, double[]>, double[], double[], double> loss)
    {
        Assert.That(grads.Weights.Keys, Is.EquivalentTo(c.Parameters.Keys));
        FiniteDifference.AssertMatches("d_input", grads.DInput, FiniteDifference.Gradient(c.X, v => loss(c.Parameters, v, c.Initial)));
        FiniteDifference.AssertMatches("d_initial_states (h0, c0)", grads.DInitialStates, FiniteDifference.Gradient(c.Initial, v => loss(c.Parameters, c.X, v)));
        foreach (var name in c.Parameters.Keys)
            FiniteDifference.AssertMatches(name, grads.Weights[name], FiniteDifference.Gradient(c.Parameters[name], v =>
                loss(new Dictionary<string, double[]>(c.Parameters) { [name] = v }, c.X, c.Initial)));
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
