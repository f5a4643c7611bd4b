using FastRecurrence.Backends;
using FastRecurrence.Layers;
using FastRecurrence.Tests.Backends;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Layers;

/// <summary>
/// Stacked and bidirectional layers on one backend, float32, against the same stack composed by hand on the float64
/// reference: a stack is layer after layer, the reverse direction is a forward pass over the reversed sequence, the
/// outputs are concatenated forward-first and the states ordered layer-major, direction-minor (PyTorch). Gradients
/// come from the float64 reference stack, itself checked by finite differences (<see cref="StackedLayersReferenceTests"/>).
/// </summary>
public abstract class StackedLayersSuite
{
    protected abstract IRecurrenceBackend Backend { get; }
    protected virtual bool MustBeAvailable => false;

    [SetUp]
    public void RequireBackend() => BackendRequirement.Ensure(Backend, MustBeAvailable);

    public static IEnumerable<TestCaseData> Cases() =>
        from cell in Enum.GetValues<CellKind>()
        from layers in new[] { 1, 2 }
        from bidirectional in new[] { false, true }
        where layers == 2 || bidirectional
        select new TestCaseData(cell, layers, bidirectional).SetArgDisplayNames(cell.ToString(), $"layers={layers}", bidirectional ? "bidirectional" : "one direction");

    [TestCaseSource(nameof(Cases))]
    public void Forward_MatchesTheHandComposedReference(CellKind cell, int layers, bool bidirectional)
    {
        var setup = StackCase.Create(cell, layers, bidirectional, heads: 2, seed: 300 + (int)cell * 7 + layers);
        var expected = setup.ComposeByHand();
        var actual = setup.Stack(Backend).Forward(TestData.ToSingle(setup.X), setup.Batch, setup.Steps, TestData.ToSingle(setup.Initial));
        Assert.Multiple(() => StackAssertions.OutputsClose(actual, expected.Y, expected.LastStates, 1e-5));
    }

    [TestCaseSource(nameof(Cases))]
    public void Backward_MatchesTheFloat64ReferenceStack(CellKind cell, int layers, bool bidirectional)
    {
        var setup = StackCase.Create(cell, layers, bidirectional, heads: 1, seed: 500 + (int)cell * 7 + layers, dropout: 0.25);
        var expected = setup.Stack64().Backward(setup.X, setup.Batch, setup.Steps, setup.DY, setup.Initial, setup.DLast);
        var actual = setup.Stack(Backend).Backward(TestData.ToSingle(setup.X), setup.Batch, setup.Steps, TestData.ToSingle(setup.DY),
            TestData.ToSingle(setup.Initial), TestData.ToSingle(setup.DLast));
        Assert.Multiple(() => StackAssertions.GradientsClose(actual, expected, 1e-5));
    }
}

/// <summary>
/// The same with variable lengths, where the backend masks them (else ignored with the backend's reason), against the
/// float64 reference stack, whose gradients for these very cases are checked by finite differences in
/// <see cref="StackedLayersReferenceTests.WithLengths_BackwardFromTheTrainingForward_MatchesFiniteDifferences"/> (run on
/// the reference itself, this suite compares its float32 run with its float64 run).
/// </summary>
public abstract class StackedLayersWithLengthsSuite : StackedLayersSuite
{
    [TestCase(CellKind.Lstm, true)]
    [TestCase(CellKind.Gru, false)]
    [TestCase(CellKind.SLstm, true)]
    [TestCase(CellKind.Elman, true)]
    public void WithLengths_ForwardAndBackward_MatchTheFloat64Reference(CellKind cell, bool bidirectional)
    {
        if (Backend.WhyNoVariableLengths is { } reason)
            Assert.Ignore(reason);
        var setup = StackCase.Create(cell, 2, bidirectional, heads: 2, seed: 700 + (int)cell);
        int[] lengths = [3, 5];
        var expected = setup.Stack64().Forward(setup.X, setup.Batch, setup.Steps, setup.Initial, lengths: lengths);
        var expectedGrads = setup.Stack64().Backward(setup.X, setup.Batch, setup.Steps, setup.DY, setup.Initial, setup.DLast, lengths: lengths);
        var stack = setup.Stack(Backend);
        var actual = stack.Forward(TestData.ToSingle(setup.X), setup.Batch, setup.Steps, TestData.ToSingle(setup.Initial), lengths: lengths);
        var grads = stack.Backward(TestData.ToSingle(setup.X), setup.Batch, setup.Steps, TestData.ToSingle(setup.DY),
            TestData.ToSingle(setup.Initial), TestData.ToSingle(setup.DLast), lengths: lengths);
        Assert.Multiple(() =>
        {
            StackAssertions.OutputsClose(actual, expected.Y, expected.LastStates, 1e-5);
            StackAssertions.GradientsClose(grads, expectedGrads, 1e-5);
        });
    }
}

public sealed class ReferenceStackedLayersTests : StackedLayersWithLengthsSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("reference");
    protected override bool MustBeAvailable => true;
}

public sealed class IlgpuCpuStackedLayersTests : StackedLayersWithLengthsSuite
{
    protected override IRecurrenceBackend Backend => FastRecurrence.Ilgpu.IlgpuBackends.Cpu;
    protected override bool MustBeAvailable => true;
}

public sealed class CudaEmulatedStackedLayersTests : StackedLayersWithLengthsSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("cuda-emulated");
    protected override bool MustBeAvailable => true;
}

public sealed class CudaStackedLayersTests : StackedLayersWithLengthsSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("cuda");
}
