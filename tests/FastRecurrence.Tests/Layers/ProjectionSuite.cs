using FastRecurrence.Backends;
using FastRecurrence.Tests.Backends;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Layers;

/// <summary>
/// LSTM stacks with proj_size on one backend, float32, against PyTorch's projected LSTM computed directly in float64
/// (forward) and the float64 reference stack (gradients, themselves checked by finite differences of the direct
/// computation, with dropout and lengths, in <see cref="ProjectionReferenceTests"/>; run on the reference itself, the
/// gradient comparison is its float32 run against its float64 run); with variable lengths where the backend masks them.
/// </summary>
public abstract class ProjectionSuite
{
    protected abstract IRecurrenceBackend Backend { get; }
    protected virtual bool MustBeAvailable => false;

    [SetUp]
    public void RequireBackend() => BackendRequirement.Ensure(Backend, MustBeAvailable);

    [TestCase(1, false, false)]
    [TestCase(2, true, false)]
    [TestCase(2, true, true)]
    public void ForwardAndBackward_MatchTheFloat64Reference(int layers, bool bidirectional, bool withLengths)
    {
        if (withLengths && Backend.WhyNoVariableLengths is { } reason)
            Assert.Ignore(reason);
        var c = ProjectionCase.Create(layers, bidirectional, seed: 41 + layers, dropout: layers > 1 ? 0.25 : 0);
        int[]? lengths = withLengths ? [3, 5] : null;
        const int B = ProjectionCase.Batch, T = ProjectionCase.Steps;
        var expected = c.ComposeByHand(lengths);
        var expectedGrads = c.Stack64().Backward(c.X, B, T, c.DY, c.Initial, c.DLast, lengths: lengths);
        var stack = c.Stack(Backend);
        var actual = stack.Forward(TestData.ToSingle(c.X), B, T, TestData.ToSingle(c.Initial), lengths: lengths);
        var grads = stack.Backward(TestData.ToSingle(c.X), B, T, TestData.ToSingle(c.DY), TestData.ToSingle(c.Initial), TestData.ToSingle(c.DLast), lengths: lengths);
        Assert.Multiple(() =>
        {
            StackAssertions.OutputsClose(actual, expected.Y, expected.LastStates, 1e-5);
            StackAssertions.GradientsClose(grads, expectedGrads, 1e-5);
        });
    }

    /// <summary>Float16 storage: the folded W_hh W_hr is rounded once to half (decision 0020); math.md's bound for 16-bit storage.</summary>
    [Test]
    public void Float16_ForwardAndBackward_AreWithinTheHalfPrecisionBound()
    {
        const int B = ProjectionCase.Batch, T = ProjectionCase.Steps;
        var problem = new RecurrentProblem(CellKind.Lstm, B, T, 1, ProjectionCase.Hidden, ProjectionCase.Input, DataType.Float16);
        if (Backend.WhyUnsupported(problem) is { } reason)
            Assert.Ignore(reason);
        var c = ProjectionCase.Create(2, true, seed: 47);
        var expected = c.ComposeByHand();
        var expectedGrads = c.Stack64().Backward(c.X, B, T, c.DY, c.Initial, c.DLast);
        var stack = c.StackOf<Half>(Backend);
        var actual = stack.Forward(ProjectionCase.Convert<Half>(c.X), B, T, ProjectionCase.Convert<Half>(c.Initial));
        var grads = stack.Backward(ProjectionCase.Convert<Half>(c.X), B, T, ProjectionCase.Convert<Half>(c.DY),
            ProjectionCase.Convert<Half>(c.Initial), ProjectionCase.Convert<Half>(c.DLast));
        Assert.Multiple(() =>
        {
            StackAssertions.OutputsClose(actual, expected.Y, expected.LastStates, 2e-2);
            StackAssertions.GradientsClose(grads, expectedGrads, 2e-2);
        });
    }
}

public sealed class ReferenceProjectionTests : ProjectionSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("reference");
    protected override bool MustBeAvailable => true;
}

public sealed class IlgpuCpuProjectionTests : ProjectionSuite
{
    protected override IRecurrenceBackend Backend => FastRecurrence.Ilgpu.IlgpuBackends.Cpu;
    protected override bool MustBeAvailable => true;
}

public sealed class CudaEmulatedProjectionTests : ProjectionSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("cuda-emulated");
    protected override bool MustBeAvailable => true;
}

public sealed class CudaProjectionTests : ProjectionSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("cuda");
}
