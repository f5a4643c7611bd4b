using FastRecurrence.Layers;

namespace FastRecurrence.Tests.Validation;

/// <summary>The layer API rejects inconsistent PyTorch weights and inputs, naming the tensor by its PyTorch name.</summary>
[TestFixture]
public sealed class LayerValidationTests
{
    private static RecurrentLayerWeights<double> Weights(int gates, int hidden, int input) =>
        new(new double[gates * hidden * input], new double[gates * hidden * hidden], new double[gates * hidden], new double[gates * hidden]);

    [Test]
    public void RejectsHiddenSizeNotAMultipleOfHeads()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new RecurrentLayer<double>(CellKind.Lstm, 3, 10, Weights(4, 10, 3), heads: 3));
        Assert.That(ex!.Message, Does.StartWith("heads: hiddenSize 10 must be a multiple of heads, got heads = 3."));
    }

    [TestCase("weight_ih")]
    [TestCase("weight_hh")]
    [TestCase("bias_ih")]
    [TestCase("bias_hh")]
    public void RejectsWeightOfWrongShape(string name)
    {
        const int gates = 3, hidden = 4, input = 2;
        double[] Make(int length, string n) => new double[n == name ? length + gates : length];
        var weights = new RecurrentLayerWeights<double>(Make(gates * hidden * input, "weight_ih"), Make(gates * hidden * hidden, "weight_hh"),
            Make(gates * hidden, "bias_ih"), Make(gates * hidden, "bias_hh"));
        var ex = Assert.Throws<ArgumentException>(() => _ = new RecurrentLayer<double>(CellKind.Gru, input, hidden, weights));
        Assert.That(ex!.ParamName, Is.EqualTo(name));
        Assert.That(ex.Message, Does.StartWith($"{name}: expected ").And.Contain("[G*H=12"));
    }

    [Test]
    public void RejectsNullWeights()
    {
        Assert.Throws<ArgumentNullException>(() => _ = new RecurrentLayer<double>(CellKind.Lstm, 1, 1, null!));
        var ex = Assert.Throws<ArgumentNullException>(() => _ = new RecurrentLayerWeights<double>(null!, []));
        Assert.That(ex!.ParamName, Is.EqualTo("weight_ih"));
    }

    [Test]
    public void RejectsDenseWeightHhIntoSeveralHeads()
    {
        var w = Weights(1, 4, 2);
        w.WeightHh[0 * 4 + 3] = 0.5; // row 0 (head 0), column 3 (head 1): outside the diagonal block.
        var ex = Assert.Throws<ArgumentException>(() => _ = new RecurrentLayer<double>(CellKind.Elman, 2, 4, w, heads: 2));
        Assert.That(ex!.ParamName, Is.EqualTo("weight_hh"));
        Assert.That(ex.Message, Does.Contain("block-diagonal").And.Contain("row 0, column 3"));
    }

    [Test]
    public void RejectsInputOfWrongLength()
    {
        var layer = new RecurrentLayer<double>(CellKind.Lstm, 2, 3, Weights(4, 3, 2));
        var ex = Assert.Throws<ArgumentException>(() => layer.Forward(new double[2 * 3 * 2 + 1], 2, 3));
        Assert.That(ex!.Message, Does.StartWith("x: expected 12 elements (shape [B=2, T=3, I=2])"));
        var states = Assert.Throws<ArgumentException>(() => layer.Forward(new double[12], 2, 3, new double[6]));
        Assert.That(states!.Message, Does.StartWith("initialStates: expected 12 elements"));
    }

    [Test]
    public void RejectsDenseWeightsLargerThanASpan_NamingThemAndTheLimit()
    {
        var limit = Array.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // 4096 heads of 16: the problem is fine (see ProblemValidationTests), weight_hh [4H, H] = 4 * 65536^2 is not
        var manyHeads = new RecurrentLayerWeights<double>(new double[4 * 65536], new double[1]);
        var heads = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RecurrentLayer<double>(CellKind.Lstm, 1, 65536, manyHeads, heads: 4096));
        Assert.That(heads!.ParamName, Is.EqualTo("weight_hh"));
        Assert.That(heads.Message, Does.StartWith("weight_hh: the tensor [G*H=262144, H=65536] would hold more than").And.Contain(limit));
    }

    [Test]
    public void StatesLength_BeyondASpan_NamesTheBatch()
    {
        var layer = new RecurrentLayer<double>(CellKind.Lstm, 2, 3, Weights(4, 3, 2));
        Assert.That(() => layer.StatesLength(int.MaxValue / 2),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("batch").And.Message.Contains("would hold more than"));
    }

    [Test]
    public void RejectsNonPositiveBatchThroughTheProblem()
    {
        var layer = new RecurrentLayer<double>(CellKind.Lstm, 2, 3, Weights(4, 3, 2));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward([], 0, 3));
        Assert.That(ex!.ParamName, Is.EqualTo("batch"));
    }
}
