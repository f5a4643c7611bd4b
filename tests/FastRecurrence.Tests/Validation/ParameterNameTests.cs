using FastRecurrence.Backends.Cuda;
using FastRecurrence.Layers;
using FastRecurrence.Tests.Layers;

namespace FastRecurrence.Tests.Validation;

/// <summary>
/// Exceptions name the argument the caller passed (or "options.X" for an option), and the limit: the emulated GPU's
/// name, the stack's heads option, and the index of an output's state.
/// </summary>
[TestFixture]
public sealed class ParameterNameTests
{
    [Test]
    public void CudaEmulation_UnknownGpu_NamesTheGpuParameter()
    {
        var ex = Assert.Throws<ArgumentException>(() => CudaEmulation.CreateBackend("nope"));
        Assert.That(ex!.ParamName, Is.EqualTo("gpu"));
        Assert.That(ex.Message, Does.StartWith("gpu: unknown GPU 'nope'; known GPUs: ").And.Contain("H100"));
    }

    [TestCase(0, "expected an integer >= 1, got 0")]
    [TestCase(3, "hiddenSize 4 must be a multiple of heads, got heads = 3")]
    public void StackedLayers_BadHeads_NameTheOption(int heads, string message)
    {
        var c = StackCase.Create(CellKind.Gru, layers: 1, bidirectional: false, heads: 1, seed: 3);
        var weights = StackedLayersWeights.FromNamedParameters(c.Parameters, 1, false);
        var ex = Assert.Throws(Is.InstanceOf<ArgumentException>(),
            () => _ = new StackedRecurrentLayers<double>(c.Cell, c.Input, c.Hidden, weights, c.Options with { Heads = heads }));
        Assert.That(((ArgumentException)ex!).ParamName, Is.EqualTo("options.Heads"));
        Assert.That(ex.Message, Does.StartWith($"options.Heads: {message}"));
    }

    [TestCase(2)]
    [TestCase(-1)]
    public void State_PastTheCellsStates_NamesTheIndexAndTheStateCount(int index)
    {
        var layer = new RecurrentLayer<double>(CellKind.Lstm, 2, 3,
            new RecurrentLayerWeights<double>(new double[4 * 3 * 2], new double[4 * 3 * 3]));
        var output = layer.Forward(new double[1 * 2 * 2], 1, 2);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = output.State(index).Length);
        Assert.That(ex!.ParamName, Is.EqualTo("index"));
        Assert.That(ex.Message, Does.StartWith($"index: expected a state index in 0..1 (the cell has 2 states), got {index}."));

        var c = StackCase.Create(CellKind.Lstm, layers: 1, bidirectional: false, heads: 1, seed: 4);
        var stacked = c.Stack64().Forward(c.X, c.Batch, c.Steps);
        Assert.That(() => _ = stacked.State(index).Length,
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("index"));
    }
}
