using System.Numerics;
using FastRecurrence.Backends;

namespace FastRecurrence.Tests.Backends;

/// <summary>The backend registry: the reference is always there; names are checked; unavailable backends refuse clearly.</summary>
[TestFixture]
public sealed class BackendRegistryTests
{
    [Test]
    public void Reference_IsRegisteredAvailableAndFoundByName()
    {
        Assert.That(RecurrenceBackends.All, Does.Contain(RecurrenceBackends.Reference));
        Assert.That(RecurrenceBackends.Reference.Availability.IsAvailable, Is.True);
        Assert.That(RecurrenceBackends.Get("REFERENCE"), Is.SameAs(RecurrenceBackends.Reference));
        Assert.That(RecurrenceBackends.Default.Availability.IsAvailable, Is.True);
    }

    [Test]
    public void Get_UnknownName_ListsTheKnownBackends()
    {
        var ex = Assert.Throws<ArgumentException>(() => RecurrenceBackends.Get("cudnn"));
        Assert.That(ex!.Message, Does.StartWith("name: no backend named 'cudnn'; known backends: ").And.Contain("reference"));
    }

    [Test]
    public void Register_DuplicateName_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => RecurrenceBackends.Register(RecurrenceBackends.Reference, 1));
        Assert.That(ex!.Message, Does.Contain("already registered"));
    }

    [Test]
    public void UnavailableBackend_RefusesWithItsReason()
    {
        var p = new RecurrentProblem(CellKind.Elman, 1, 1, 1, 1, 1);
        var ex = Assert.Throws<BackendUnavailableException>(() => Recurrence.Forward(p,
            new RecurrentInputs<float>(new float[1], new float[1], new float[1]), new RecurrentOutputs<float>(new float[1]), new MissingBackend()));
        Assert.That(ex!.Message, Is.EqualTo("backend 'missing' cannot run this: no CUDA driver (libcuda.so.1 not found)"));
    }

    /// <summary>A backend that is never available, standing in for a GPU backend on a machine without a GPU.</summary>
    private sealed class MissingBackend : IRecurrenceBackend
    {
        public string Name => "missing";
        public BackendAvailability Availability => BackendAvailability.Missing("no CUDA driver (libcuda.so.1 not found)");
        public string? WhyUnsupported(RecurrentProblem problem) => null;
        public string? WhyUnsupported(ScanProblem problem) => null;
        public void Forward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputs<T> outputs)
            where T : unmanaged, IFloatingPointIeee754<T> => throw new AssertionException("must not run");
        public void Backward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputGradients<T> outputGradients,
            RecurrentInputGradients<T> gradients, RecurrentBackwardOptions options) where T : unmanaged, IFloatingPointIeee754<T> => throw new AssertionException("must not run");
        public void ScanForward<T>(ScanProblem problem, ScanInputs<T> inputs, Span<T> h)
            where T : unmanaged, IFloatingPointIeee754<T> => throw new AssertionException("must not run");
        public void ScanBackward<T>(ScanProblem problem, ScanInputs<T> inputs, ReadOnlySpan<T> dh, ScanGradients<T> gradients)
            where T : unmanaged, IFloatingPointIeee754<T> => throw new AssertionException("must not run");
    }
}
