using FastRecurrence.Backends;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Planning;
using FastRecurrence.Tests.Backends;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// R in the fused forward plan's layout through the managed API (decision 0024), on cuda-emulated: a plan that streams R
/// tiles from L2 (the emulator planning for a T4, where a 512-wide fp32 LSTM head does not fit on chip) runs with R
/// packed per call, through <see cref="CudaRecurrence"/> and through the span API, against the float64 reference;
/// <see cref="CudaRecurrence.PackRecurrent{T}"/>'s copy gives the same bits as packing per call, and for an on-chip plan
/// the same bits as R in the user layout; a packed R is refused by name for another plan (lengths), once disposed, and
/// for the alternating fallback, which has no packed layout.
/// </summary>
[TestFixture]
public sealed class CudaPackedRecurrentTests
{
    /// <summary>On a T4 (64 KB of shared memory per block, 64K registers per SM) this head has no on-chip plan: its plan streams R tiles.</summary>
    private static readonly RecurrentProblem Streamed = new(CellKind.Lstm, 2, 4, 1, 512, 1, DataType.Float32);

    private IRecurrenceBackend _t4 = null!;

    [OneTimeSetUp]
    public void EmulateAT4()
    {
        _t4 = CudaEmulation.CreateBackend("T4");
        BackendRequirement.Ensure(_t4, mustBeAvailable: true);
    }

    private KernelPlan ForwardPlan(RecurrentProblem problem, bool lengths = false) =>
        ((CudaBackend)_t4).RequireDevice().RequireRecurrentPlan(problem, PlanDirection.Forward, lengths);

    private sealed class Inputs : IDisposable
    {
        public Inputs(CudaRecurrence rnn, RecurrentCase c)
        {
            Buffers = new DeviceRecurrentInputs<float>(rnn.Upload<float>(TestData.ToSingle(c.Wx)), rnn.Upload<float>(TestData.ToSingle(c.R)),
                rnn.Upload<float>(TestData.ToSingle(c.Bias)), rnn.Upload<float>(TestData.ToSingle(c.InitialStates)));
        }

        public DeviceRecurrentInputs<float> Buffers { get; }

        public void Dispose()
        {
            Buffers.Wx.Dispose();
            Buffers.R.Dispose();
            Buffers.Bias.Dispose();
            Buffers.InitialStates!.Dispose();
        }
    }

    private static float[] ForwardY(CudaRecurrence rnn, DeviceRecurrentInputs<float> inputs)
    {
        using var y = rnn.Upload<float>(TestData.Poisoned<float>(rnn.Problem.YLength));
        rnn.Forward(inputs, y);
        return y.ToArray();
    }

    [Test]
    public void StreamedPlan_PackedPerCall_MatchesTheReference_AndAPackedCopyIsWhatTheForwardReads()
    {
        var plan = ForwardPlan(Streamed);
        Assert.That(RnnLaunch.StreamsRecurrentTiles(plan), Is.True, $"the T4 plan of {Streamed} was expected to stream R tiles:\n{plan}");
        var c = new RecurrentCase(Streamed, seed: 240);
        using var rnn = CudaRecurrence.Create(Streamed, _t4);
        using var inputs = new Inputs(rnn, c);

        var perCall = ForwardY(rnn, inputs.Buffers);
        var again = ForwardY(rnn, inputs.Buffers);
        // a copy packed from other weights: the forward reads the copy, not R
        var otherR = new RecurrentCase(Streamed, seed: 340).R;
        using var otherRBuffer = rnn.Upload<float>(TestData.ToSingle(otherR));
        using var otherPacked = rnn.PackRecurrent(otherRBuffer);
        var fromCopy = ForwardY(rnn, inputs.Buffers with { PackedR = otherPacked });

        Assert.Multiple(() =>
        {
            Assert.That(rnn.CanPackRecurrent(), Is.True);
            Assert.That(otherPacked.Length, Is.EqualTo(RnnLaunch.PackedRecurrentElements(plan)).And.GreaterThanOrEqualTo(Streamed.RLength));
            Assert.That(TestData.RelativeL2(TestData.ToDouble(perCall), c.Forward().Y), Error.AtMost(1e-5), "R packed per call");
            Assert.That(again, Is.EqualTo(perCall), "a second call reuses the scratch: the same bits");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(fromCopy), c.Forward(r: otherR).Y), Error.AtMost(1e-5),
                "inputs.PackedR is what the forward reads");
        });
    }

    [Test]
    public void StreamedPlan_ThroughTheSpanApi_MatchesTheReference()
    {
        var c = new RecurrentCase(Streamed, seed: 241);
        var (y, last, _) = c.ForwardFloat32(_t4);
        var (y64, last64, _) = c.Forward();
        Assert.Multiple(() =>
        {
            Assert.That(TestData.RelativeL2(TestData.ToDouble(y), y64), Error.AtMost(1e-5), "y");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(last), last64), Error.AtMost(1e-5), "last states");
        });
    }

    [Test]
    public void StreamedPlan_TrainingStep_MatchesTheReferenceGradients_AndRefusesAPackedCopy()
    {
        var c = new RecurrentCase(Streamed, seed: 242);
        var (dWx64, dR64, dBias64, _) = c.Backward();
        using var rnn = CudaRecurrence.Create(Streamed, _t4);
        using var inputs = new Inputs(rnn, c);
        using var y = rnn.Upload<float>(TestData.Poisoned<float>(Streamed.YLength));
        using var reserve = rnn.Upload<float>(TestData.Poisoned<float>((int)rnn.ReserveLength));
        using var dy = rnn.Upload<float>(TestData.ToSingle(c.DY));
        using var dLast = rnn.Upload<float>(TestData.ToSingle(c.DLastStates));
        using var dWx = rnn.Upload<float>(TestData.Poisoned<float>(Streamed.WxLength));
        using var dR = rnn.Upload<float>(TestData.Poisoned<float>(Streamed.RLength));
        using var dBias = rnn.Upload<float>(TestData.Poisoned<float>(Streamed.BiasLength));
        using var packed = rnn.PackRecurrent(inputs.Buffers.R);

        rnn.Forward(inputs.Buffers, y, reserve: reserve);
        rnn.Backward(inputs.Buffers, y, reserve, dy, new DeviceRecurrentGradients<float>(dWx, dR, dBias), dLast);
        Assert.Multiple(() =>
        {
            Assert.That(TestData.RelativeL2(TestData.ToDouble(y.ToArray()), c.Forward().Y), Error.AtMost(1e-5), "y");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(dWx.ToArray()), dWx64), Error.AtMost(1e-5), "dWx");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(dR.ToArray()), dR64), Error.AtMost(1e-5), "dR");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(dBias.ToArray()), dBias64), Error.AtMost(1e-5), "dBias");
            Assert.That(() => rnn.Forward(inputs.Buffers with { PackedR = packed }, y, reserve: reserve),
                Throws.ArgumentException.With.Message.Contain("inputs.PackedR: a training forward"));
        });
    }

    /// <summary>Per-call packing is for streamed plans only: on-chip plans read R once per call, as given.</summary>
    [Test]
    public void OnlyStreamedPlansArePackedPerCall()
    {
        var device = ((CudaBackend)_t4).RequireDevice();
        var onChipProblem = new RecurrentProblem(CellKind.Lstm, 2, 4, 1, 64, 1, DataType.Float32);
        using var r = device.Allocate<float>(Streamed.RLength);
        using var onChipR = device.Allocate<float>(onChipProblem.RLength);
        using var packed = RnnLaunch.PackIfStreamed(device, ForwardPlan(Streamed), Streamed, r);
        using var notPacked = RnnLaunch.PackIfStreamed(device, ForwardPlan(onChipProblem), onChipProblem, onChipR);
        Assert.Multiple(() =>
        {
            Assert.That(packed, Is.Not.Null, "the streamed plan: R packed");
            Assert.That(packed!.Bytes, Is.EqualTo((nuint)(RnnLaunch.PackedRecurrentElements(ForwardPlan(Streamed)) * sizeof(float))));
            Assert.That(notPacked, Is.Null, "the on-chip plan: R as given");
        });
    }

    [Test]
    public void OnChipPlan_WithAPackedCopy_GivesTheBitsOfTheUserLayout()
    {
        var problem = new RecurrentProblem(CellKind.Gru, 3, 5, 2, 32, 1, DataType.Float32);
        var c = new RecurrentCase(problem, seed: 243);
        using var rnn = CudaRecurrence.Create(problem, _t4);
        using var inputs = new Inputs(rnn, c);
        var userLayout = ForwardY(rnn, inputs.Buffers);
        using var packed = rnn.PackRecurrent(inputs.Buffers.R);
        // the forward reads the packed copy, not R: a copy of other weights gives those weights' result
        var otherR = new RecurrentCase(problem, seed: 343).R;
        using var otherRBuffer = rnn.Upload<float>(TestData.ToSingle(otherR));
        using var otherPacked = rnn.PackRecurrent(otherRBuffer);
        Assert.Multiple(() =>
        {
            Assert.That(ForwardY(rnn, inputs.Buffers with { PackedR = packed }), Is.EqualTo(userLayout));
            Assert.That(TestData.RelativeL2(TestData.ToDouble(userLayout), c.Forward().Y), Error.AtMost(1e-5));
            Assert.That(TestData.RelativeL2(TestData.ToDouble(ForwardY(rnn, inputs.Buffers with { PackedR = otherPacked })), c.Forward(r: otherR).Y),
                Error.AtMost(1e-5), "inputs.PackedR is what the forward reads");
        });
    }

    [Test]
    public void PackedCopy_IsRefusedByName_ForAnotherPlan_OnceDisposed_AndForTheAlternatingFallback()
    {
        var problem = new RecurrentProblem(CellKind.Lstm, 2, 3, 1, 16, 1, DataType.Float32);
        using var rnn = CudaRecurrence.Create(problem, _t4);
        var c = new RecurrentCase(problem, seed: 244);
        using var inputs = new Inputs(rnn, c);
        using var lengths = rnn.Upload<int>([3, 2]);
        using var y = rnn.Allocate<float>(problem.YLength);
        using var packed = rnn.PackRecurrent(inputs.Buffers.R);
        var disposed = rnn.PackRecurrent(inputs.Buffers.R);
        disposed.Dispose();
        using var other = CudaRecurrence.Create(new RecurrentProblem(CellKind.Lstm, 2, 3, 1, 32, 1, DataType.Float32), _t4);
        using var otherR = other.Allocate<float>(other.Problem.RLength);
        using var otherPacked = other.PackRecurrent(otherR);

        using var fallback = CudaRecurrence.Create(new RecurrentProblem(CellKind.Elman, 2, 4, 1, 1024, 1, DataType.Float32), _t4);
        using var fallbackR = fallback.Allocate<float>(fallback.Problem.RLength);
        var disposedRnn = CudaRecurrence.Create(problem, _t4);
        disposedRnn.Dispose();
        Assert.Multiple(() =>
        {
            Assert.That(packed.ForLengths, Is.False);
            Assert.That(() => rnn.Forward(inputs.Buffers with { Lengths = lengths, PackedR = packed }, y),
                Throws.ArgumentException.With.Message.Contain("inputs.PackedR").And.Message.Contain("packed for calls without lengths"));
            Assert.That(() => rnn.Forward(inputs.Buffers with { PackedR = disposed }, y),
                Throws.TypeOf<ObjectDisposedException>().With.Message.Contain("inputs.PackedR"));
            Assert.That(() => rnn.Forward(inputs.Buffers with { PackedR = otherPacked }, y),
                Throws.ArgumentException.With.Message.Contain("inputs.PackedR"));
            Assert.That(fallback.CanPackRecurrent(), Is.False);
            Assert.That(() => fallback.PackRecurrent(fallbackR),
                Throws.TypeOf<NotSupportedException>().With.Message.Contain("alternating fallback"));
            Assert.That(() => rnn.PackRecurrent(otherR), Throws.ArgumentException.With.Message.Contain("r: expected"));
            Assert.That(() => disposedRnn.Forward(inputs.Buffers, y), Throws.TypeOf<ObjectDisposedException>());
        });
    }

    [Test]
    public void PackedCopy_ForLengths_RunsTheCallsWithLengths()
    {
        var problem = new RecurrentProblem(CellKind.Lstm, 2, 4, 1, 16, 1, DataType.Float32);
        using var rnn = CudaRecurrence.Create(problem, _t4);
        var c = new RecurrentCase(problem, seed: 245);
        using var inputs = new Inputs(rnn, c);
        using var lengths = rnn.Upload<int>([4, 2]);
        using var packed = rnn.PackRecurrent(inputs.Buffers.R, lengths: true);
        var withLengths = inputs.Buffers with { Lengths = lengths };
        Assert.Multiple(() =>
        {
            Assert.That(packed.ForLengths, Is.True);
            Assert.That(ForwardY(rnn, withLengths with { PackedR = packed }), Is.EqualTo(ForwardY(rnn, withLengths)));
        });
    }
}
