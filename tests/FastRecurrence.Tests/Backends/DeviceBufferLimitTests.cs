using FastRecurrence.Backends;
using FastRecurrence.Backends.Cuda;

namespace FastRecurrence.Tests.Backends;

/// <summary>
/// What <see cref="DeviceBuffer{T}"/> and <see cref="CudaRecurrence"/> refuse on cuda-emulated: the address of a
/// disposed buffer, and a reserve longer than a buffer can hold (named, with the limit and the states-only reserve,
/// instead of a bare OverflowException).
/// </summary>
[TestFixture]
public sealed class DeviceBufferLimitTests
{
    private const string Emulated = "cuda-emulated";

    [SetUp]
    public void RequireEmulator() => BackendRequirement.Ensure(RecurrenceBackends.Get(Emulated), mustBeAvailable: true);

    [Test]
    public void Pointer_OfADisposedBuffer_Throws()
    {
        using var rnn = CudaRecurrence.Create(new RecurrentProblem(CellKind.Elman, 1, 2, 1, 8, 1), Emulated);
        var buffer = rnn.Allocate<float>(16);
        Assert.That(buffer.Pointer, Is.Not.EqualTo(nint.Zero));
        buffer.Dispose();
        Assert.That(() => buffer.Pointer, Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void AllocateReserve_BeyondABuffersLength_NamesTheReserveTheLimitAndTheStatesOnlyReserve()
    {
        // a valid problem (every span fits) whose full reserve, B * T * H * (G + S) = 2415919104 fp32, does not
        var problem = new RecurrentProblem(CellKind.Lstm, 48, 4096, 1, 2048, 1);
        using var rnn = CudaRecurrence.Create(problem, Emulated);
        Assert.That(rnn.ReserveLength, Is.GreaterThan(int.MaxValue));
        var ex = Assert.Throws<NotSupportedException>(() => rnn.AllocateReserve());
        Assert.That(ex!.Message, Does.StartWith("reserve: ").And.Contain("2415919104").And.Contain(int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .And.Contain("AllocateReserve(recompute: true)").And.Contain(rnn.StatesReserveLength.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
