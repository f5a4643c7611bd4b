using FastRecurrence.Backends;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Tests.Backends;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// The training API on device buffers (<see cref="CudaRecurrence"/>) on cuda-emulated: a training forward and backward
/// with everything left on the device match the float64 reference (with the full reserve and with the states-only
/// recompute reserve); repeated backwards are the same bits; accumulation adds into existing gradient buffers; bf16 runs
/// through raw 16-bit buffers; bad buffers are refused by name; Prepare loads the kernels ahead.
/// </summary>
[TestFixture]
public sealed class CudaRecurrenceTests
{
    private const string Emulated = "cuda-emulated";

    [SetUp]
    public void RequireEmulator() => BackendRequirement.Ensure(RecurrenceBackends.Get(Emulated), mustBeAvailable: true);

    private sealed class Step : IDisposable
    {
        // zeroGradients: the gradient buffers start at zero (to accumulate into), not poisoned with NaN
        public Step(CudaRecurrence rnn, RecurrentCase c, Func<double[], float[]> convert, bool recompute = false, bool zeroGradients = false)
        {
            var p = rnn.Problem;
            Inputs = new DeviceRecurrentInputs<float>(rnn.Upload<float>(convert(c.Wx)), rnn.Upload<float>(convert(c.R)),
                rnn.Upload<float>(convert(c.Bias)), rnn.Upload<float>(convert(c.InitialStates)));
            Y = rnn.Upload<float>(TestData.Poisoned<float>(p.YLength));
            Reserve = rnn.Upload<float>(TestData.Poisoned<float>((int)(recompute ? rnn.StatesReserveLength : rnn.ReserveLength)));
            DY = rnn.Upload<float>(convert(c.DY));
            DLast = rnn.Upload<float>(convert(c.DLastStates));
            float[] Start(int length) => zeroGradients ? new float[length] : TestData.Poisoned<float>(length);
            Gradients = new DeviceRecurrentGradients<float>(rnn.Upload<float>(Start(p.WxLength)), rnn.Upload<float>(Start(p.RLength)),
                rnn.Upload<float>(Start(p.BiasLength)), rnn.Upload<float>(Start(p.StatesLength)));
        }

        public DeviceRecurrentInputs<float> Inputs { get; }
        public DeviceBuffer<float> Y { get; }
        public DeviceBuffer<float> Reserve { get; }
        public DeviceBuffer<float> DY { get; }
        public DeviceBuffer<float> DLast { get; }
        public DeviceRecurrentGradients<float> Gradients { get; }

        public void Dispose()
        {
            foreach (var buffer in new[] { Inputs.Wx, Inputs.R, Inputs.Bias, Inputs.InitialStates!, Y, Reserve, DY, DLast,
                         Gradients.DWx, Gradients.DR, Gradients.DBias, Gradients.DInitialStates! })
                buffer.Dispose();
        }
    }

    [TestCase(CellKind.Lstm)]
    [TestCase(CellKind.Gru)]
    [TestCase(CellKind.SLstm)]
    [TestCase(CellKind.Elman)]
    public void TrainingStep_OnDeviceBuffers_MatchesTheReference_AndRepeatsBitForBit(CellKind cell)
    {
        var problem = new RecurrentProblem(cell, 3, 6, 2, 8, 1, DataType.Float32);
        var c = new RecurrentCase(problem, seed: 60 + (int)cell);
        var (dWx64, dR64, dBias64, dInitial64) = c.Backward();
        var rnn = CudaRecurrence.Create(problem, Emulated);
        using var step = new Step(rnn, c, TestData.ToSingle);

        rnn.Forward(step.Inputs, step.Y, reserve: step.Reserve);
        rnn.Backward(step.Inputs, step.Y, step.Reserve, step.DY, step.Gradients, step.DLast);
        var first = (step.Gradients.DWx.ToArray(), step.Gradients.DR.ToArray(), step.Gradients.DBias.ToArray(), step.Gradients.DInitialStates!.ToArray());
        rnn.Backward(step.Inputs, step.Y, step.Reserve, step.DY, step.Gradients, step.DLast);

        Assert.Multiple(() =>
        {
            Assert.That(TestData.RelativeL2(TestData.ToDouble(first.Item1), dWx64), Error.AtMost(1e-5), "dWx");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(first.Item2), dR64), Error.AtMost(1e-5), "dR");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(first.Item3), dBias64), Error.AtMost(1e-5), "dBias");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(first.Item4), dInitial64), Error.AtMost(1e-5), "dInitialStates");
            Assert.That(step.Gradients.DWx.ToArray(), Is.EqualTo(first.Item1), "a second backward: the same bits");
            Assert.That(step.Gradients.DR.ToArray(), Is.EqualTo(first.Item2), "a second backward: the same bits");
            Assert.That(step.Gradients.DBias.ToArray(), Is.EqualTo(first.Item3), "a second backward: the same bits");
        });
    }

    /// <summary>The recompute reserve: the forward keeps the states only, the backward recomputes the gate products.</summary>
    [TestCase(CellKind.Lstm)]
    [TestCase(CellKind.SLstm)]
    public void StatesOnlyReserve_GivesTheSameGradients_WithLessKeptBetweenThePasses(CellKind cell)
    {
        var problem = new RecurrentProblem(cell, 3, 6, 2, 8, 1, DataType.Float32);
        var c = new RecurrentCase(problem, seed: 80 + (int)cell);
        var (dWx64, dR64, dBias64, dInitial64) = c.Backward();
        var rnn = CudaRecurrence.Create(problem, Emulated);
        using var step = new Step(rnn, c, TestData.ToSingle, recompute: true);
        Assert.That((rnn.StatesReserveLength - 1) * (problem.GateCount + problem.StateCount), Is.EqualTo(rnn.ReserveLength * problem.StateCount),
            "the states only, and one unused element that keeps the two sizes apart");

        rnn.Forward(step.Inputs, step.Y, reserve: step.Reserve);
        rnn.Backward(step.Inputs, step.Y, step.Reserve, step.DY, step.Gradients, step.DLast);

        Assert.Multiple(() =>
        {
            Assert.That(step.Reserve.Length, Is.EqualTo(rnn.StatesReserveLength));
            Assert.That(TestData.RelativeL2(TestData.ToDouble(step.Gradients.DWx.ToArray()), dWx64), Error.AtMost(1e-5), "dWx");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(step.Gradients.DR.ToArray()), dR64), Error.AtMost(1e-5), "dR");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(step.Gradients.DBias.ToArray()), dBias64), Error.AtMost(1e-5), "dBias");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(step.Gradients.DInitialStates!.ToArray()), dInitial64), Error.AtMost(1e-5), "dInitialStates");
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Prepare_LoadsTheKernelsAhead_AndTheStepThatFollowsIsRight(bool lengths)
    {
        // what Prepare loads is checked natively (emulation_rnn_backward's check_prepare: the calls load nothing more)
        var problem = new RecurrentProblem(CellKind.Gru, 3, 5, 2, 8, 1, DataType.Float32);
        var c = new RecurrentCase(problem, seed: 71);
        var (dWx64, _, _, _) = c.Backward();
        using var rnn = CudaRecurrence.Create(problem, Emulated);
        rnn.Prepare(lengths: lengths);
        rnn.Prepare(lengths: lengths);  // again: nothing to do
        using var step = new Step(rnn, c, TestData.ToSingle);
        rnn.Forward(step.Inputs, step.Y, reserve: step.Reserve);
        rnn.Backward(step.Inputs, step.Y, step.Reserve, step.DY, step.Gradients, step.DLast);
        Assert.That(TestData.RelativeL2(TestData.ToDouble(step.Gradients.DWx.ToArray()), dWx64), Error.AtMost(1e-5));
        rnn.Dispose();
        Assert.Throws<ObjectDisposedException>(() => rnn.Prepare());
    }

    [Test]
    public void Accumulate_AddsToTheGradientBuffers()
    {
        var problem = new RecurrentProblem(CellKind.Lstm, 2, 5, 1, 16, 1, DataType.Float32);
        var c = new RecurrentCase(problem, seed: 7);
        var (dWx64, dR64, dBias64, _) = c.Backward();
        var rnn = CudaRecurrence.Create(problem, Emulated);
        using var step = new Step(rnn, c, TestData.ToSingle, zeroGradients: true);
        rnn.Forward(step.Inputs, step.Y, reserve: step.Reserve);
        var accumulate = new RecurrentBackwardOptions { Accumulate = true };
        rnn.Backward(step.Inputs, step.Y, step.Reserve, step.DY, step.Gradients, step.DLast, accumulate);
        rnn.Backward(step.Inputs, step.Y, step.Reserve, step.DY, step.Gradients, step.DLast, accumulate);
        static double[] Twice(double[] values) => values.Select(v => 2 * v).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(TestData.RelativeL2(TestData.ToDouble(step.Gradients.DWx.ToArray()), Twice(dWx64)), Error.AtMost(1e-5), "dWx");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(step.Gradients.DR.ToArray()), Twice(dR64)), Error.AtMost(1e-5), "dR");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(step.Gradients.DBias.ToArray()), Twice(dBias64)), Error.AtMost(1e-5), "dBias");
        });
    }

    [Test]
    public void BFloat16_RunsThroughRawBuffers_WithinTheBf16Bound()
    {
        var problem = new RecurrentProblem(CellKind.Lstm, 3, 5, 2, 16, 1, DataType.BFloat16);
        var c = new RecurrentCase(problem, seed: 21);
        // the reference on the bf16-rounded inputs, so the bound measures the kernels, not the rounding of the inputs
        foreach (var values in new[] { c.Wx, c.R, c.Bias, c.InitialStates, c.DY, c.DLastStates })
            for (var i = 0; i < values.Length; i++)
                values[i] = BitConverter.Int32BitsToSingle(ToBf16((float)values[i]) << 16);
        var y64 = c.Forward().Y;
        var (dWx64, dR64, dBias64, dInitial64) = c.Backward();
        var rnn = CudaRecurrence.Create(problem, Emulated);
        DeviceBuffer<ushort> Up(double[] values) => rnn.Upload<ushort>(values.Select(v => ToBf16((float)v)).ToArray());
        DeviceBuffer<ushort> Poisoned(int length) => Up(TestData.Poisoned<double>(length));
        var inputs = new DeviceRecurrentInputs<ushort>(Up(c.Wx), Up(c.R), Up(c.Bias), Up(c.InitialStates));
        using var y = Poisoned(problem.YLength);
        using var reserve = rnn.AllocateReserve();
        using var dy = Up(c.DY);
        using var dLast = Up(c.DLastStates);
        var gradients = new DeviceRecurrentGradients<ushort>(Poisoned(problem.WxLength), Poisoned(problem.RLength),
            Poisoned(problem.BiasLength), Poisoned(problem.StatesLength));
        rnn.Forward(inputs, y, reserve: reserve);
        rnn.Backward(inputs, y, reserve, dy, gradients, dLast);
        static double[] FromBf16(ushort[] bits) => bits.Select(b => (double)BitConverter.Int32BitsToSingle(b << 16)).ToArray();
        Assert.Multiple(() =>
        {
            // math.md section 7: bf16 storage, fp32 accumulation and state
            Assert.That(TestData.RelativeL2(FromBf16(y.ToArray()), y64), Error.AtMost(2e-2), "y");
            Assert.That(TestData.RelativeL2(FromBf16(gradients.DWx.ToArray()), dWx64), Error.AtMost(2e-2), "dWx");
            Assert.That(TestData.RelativeL2(FromBf16(gradients.DR.ToArray()), dR64), Error.AtMost(2e-2), "dR");
            Assert.That(TestData.RelativeL2(FromBf16(gradients.DBias.ToArray()), dBias64), Error.AtMost(2e-2), "dBias");
            Assert.That(TestData.RelativeL2(FromBf16(gradients.DInitialStates!.ToArray()), dInitial64), Error.AtMost(2e-2), "dInitialStates");
        });
    }

    [Test]
    public void BadBuffersAndBackends_AreRefusedByName()
    {
        var problem = new RecurrentProblem(CellKind.Elman, 2, 3, 1, 8, 1, DataType.Float32);
        var rnn = CudaRecurrence.Create(problem, Emulated);
        using var wx = rnn.Allocate<float>(problem.WxLength);
        using var r = rnn.Allocate<float>(problem.RLength);
        using var bias = rnn.Allocate<float>(problem.BiasLength);
        using var shortY = rnn.Allocate<float>(problem.YLength - 1);
        using var y = rnn.Allocate<float>(problem.YLength);
        using var reserve = rnn.Allocate<float>(3);
        var inputs = new DeviceRecurrentInputs<float>(wx, r, bias);
        Assert.Multiple(() =>
        {
            Assert.That(() => rnn.Forward(inputs, shortY), Throws.ArgumentException.With.Message.Contain("y: expected 48 elements"));
            Assert.That(() => rnn.Forward(inputs, y, reserve: reserve),
                Throws.ArgumentException.With.Message.Contain("reserve: expected 96 elements (gate products and states) or 49 (states only)"));
            Assert.That(() => rnn.Forward(new DeviceRecurrentInputs<float>(r, r, bias), y),
                Throws.ArgumentException.With.Message.Contain("inputs.Wx: expected"));
            Assert.That(() => CudaRecurrence.Create(problem, "reference"),
                Throws.ArgumentException.With.Message.Contain("expected a cuda backend"));
            Assert.That(() => CudaRecurrence.Create(problem.WithDataType(DataType.Float64), Emulated),
                Throws.TypeOf<NotSupportedException>().With.Message.Contain("reference backend"));
            Assert.That(() => rnn.Upload<float>(new float[3]).CopyTo(new float[2]),
                Throws.ArgumentException.With.Message.Contain("host: expected 3 elements"));
        });
    }

    private static ushort ToBf16(float x)
    {
        var bits = (uint)BitConverter.SingleToInt32Bits(x);
        return (ushort)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
    }
}
