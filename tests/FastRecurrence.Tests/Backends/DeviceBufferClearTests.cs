using FastRecurrence.Backends;
using FastRecurrence.Backends.Cuda;

namespace FastRecurrence.Tests.Backends;

/// <summary>
/// <see cref="DeviceBuffer{T}.Clear"/> (fr_memset_zero) on cuda-emulated: it zeroes exactly its buffer, refuses a
/// disposed one, and gradients accumulated into cleared buffers are the gradients written without accumulation.
/// </summary>
[TestFixture]
public sealed class DeviceBufferClearTests
{
    private const string Emulated = "cuda-emulated";

    [SetUp]
    public void RequireEmulator() => BackendRequirement.Ensure(RecurrenceBackends.Get(Emulated), mustBeAvailable: true);

    [Test]
    public void Clear_ZeroesEveryElement_AndNothingElse()
    {
        using var rnn = CudaRecurrence.Create(new RecurrentProblem(CellKind.Elman, 1, 2, 1, 8, 1), Emulated);
        using var cleared = rnn.Upload<float>([.. Enumerable.Range(1, 37).Select(i => (float)i)]);
        using var neighbour = rnn.Upload<float>([.. Enumerable.Repeat(-3f, 37)]);
        cleared.Clear();
        Assert.That(cleared.ToArray(), Is.All.EqualTo(0f));
        Assert.That(neighbour.ToArray(), Is.All.EqualTo(-3f));
    }

    [Test]
    public void Clear_OfADisposedBuffer_Throws()
    {
        using var rnn = CudaRecurrence.Create(new RecurrentProblem(CellKind.Elman, 1, 2, 1, 8, 1), Emulated);
        var buffer = rnn.Allocate<float>(8);
        buffer.Dispose();
        Assert.That(buffer.Clear, Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void Backward_AccumulatingIntoClearedGradients_GivesTheWrittenGradients()
    {
        var problem = new RecurrentProblem(CellKind.Lstm, 2, 3, 1, 16, 1);
        var random = new Random(11);
        float[] Values(long n, double scale) => [.. Enumerable.Range(0, (int)n).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale))];
        using var rnn = CudaRecurrence.Create(problem, Emulated);
        var inputs = new DeviceRecurrentInputs<float>(rnn.Upload<float>(Values(problem.WxLength, 1)),
            rnn.Upload<float>(Values(problem.RLength, 0.25)), rnn.Upload<float>(Values(problem.BiasLength, 0.25)));
        using var y = rnn.Allocate<float>(problem.YLength);
        using var reserve = rnn.AllocateReserve();
        rnn.Forward(inputs, y, reserve: reserve);
        using var dy = rnn.Upload<float>(Values(problem.YLength, 1));

        DeviceRecurrentGradients<float> Gradients() => new(rnn.Upload<float>(Values(problem.WxLength, 9)),
            rnn.Upload<float>(Values(problem.RLength, 9)), rnn.Upload<float>(Values(problem.BiasLength, 9)));
        var written = Gradients();
        rnn.Backward(inputs, y, reserve, dy, written);
        var accumulated = Gradients();  // garbage, as fresh memory may hold, until cleared
        foreach (var buffer in new[] { accumulated.DWx, accumulated.DR, accumulated.DBias }) buffer.Clear();
        rnn.Backward(inputs, y, reserve, dy, accumulated, options: new RecurrentBackwardOptions { Accumulate = true });

        Assert.That(accumulated.DWx.ToArray(), Is.EqualTo(written.DWx.ToArray()));
        Assert.That(accumulated.DR.ToArray(), Is.EqualTo(written.DR.ToArray()));
        Assert.That(accumulated.DBias.ToArray(), Is.EqualTo(written.DBias.ToArray()));
        Assert.That(written.DR.ToArray(), Has.Some.Not.EqualTo(0f));
    }
}
