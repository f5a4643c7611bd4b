using FastRecurrence.Backends;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;
using FastRecurrence.Tests.Backends;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// The variable-length suite on cuda-emulated: the CUDA C kernels' length predicate, with the planner's plans for an
/// H100 (small heads: the single-block fused forward and backward). A CPU backend: missing fails.
/// </summary>
[TestFixture]
public sealed class CudaEmulatedVariableLengthTests : VariableLengthBackendSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("cuda-emulated");
    protected override bool MustBeAvailable => true;
}

/// <summary>The same under a seeded random thread order: a masked row still reaches every barrier of its block.</summary>
[TestFixture(20261128UL)]
public sealed class CudaEmulatedRandomScheduleVariableLengthTests(ulong seed) : VariableLengthBackendSuite
{
    private readonly IRecurrenceBackend _backend = CudaEmulation.CreateBackend(randomSeed: seed);

    protected override IRecurrenceBackend Backend => _backend;
    protected override bool MustBeAvailable => true;
}

/// <summary>The variable-length suite on a GPU (NVRTC-compiled kernels); ignored with the reason where there is none.</summary>
[TestFixture]
public sealed class CudaVariableLengthTests : VariableLengthBackendSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("cuda");
}

/// <summary>
/// Variable lengths in each kernel regime the planner can pick, on cuda-emulated, float32 against the float64 reference
/// with the same lengths, outputs poisoned: the fused kernels through the backend (a small head: single block; heads
/// split over blocks on an emulated A100: grid barrier, h_t through y; on an emulated H100: thread-block cluster), the
/// regime asserted first so a planner change cannot quietly turn them into other regimes; the alternating fallback (the planner's alternating plans, launched through the
/// managed launch path, since the backend picks it only for heads too large to emulate quickly); and
/// <see cref="CudaRecurrence"/>'s device-buffer lengths.
/// </summary>
[TestFixture]
public sealed class CudaEmulatedVariableLengthRegimeTests
{
    private const int B = VariableLengthBackendSuite.Batch, T = VariableLengthBackendSuite.Steps;

    public static IEnumerable<TestCaseData> FusedCases() =>
        from c in new[]
        {
            ("H100-SXM", CellKind.Elman, 32, FusedRegime.SingleBlock),
            ("A100-80GB", CellKind.Lstm, 128, FusedRegime.GridBarrier),
            ("A100-80GB", CellKind.Gru, 160, FusedRegime.GridBarrier),
            ("H100-SXM", CellKind.SLstm, 128, FusedRegime.Cluster),
        }
        select new TestCaseData(c.Item1, c.Item2, c.Item3, c.Item4).SetArgDisplayNames(c.Item1, c.Item2.ToString(), $"D={c.Item3}", c.Item4.ToString());

    private static IRecurrenceBackend Backend(string gpu, RecurrentProblem problem, FusedRegime regime)
    {
        foreach (var direction in new[] { PlanDirection.Forward, PlanDirection.Backward })
        {
            var plan = Planner.Plan(GpuCatalog.Find(gpu), new PlanRequest(KernelFamily.Fused, problem.Cell, DataType.Float32, B,
                problem.Heads, problem.HeadSize, direction, T) { Lengths = true }).Plan;
            Assert.That(plan?.Regime, Is.EqualTo(regime), $"the planner's {direction} regime for {problem} on {gpu} (the plan for calls with lengths)");
        }
        var backend = CudaEmulation.CreateBackend(gpu);
        BackendRequirement.Ensure(backend, mustBeAvailable: true);
        return backend;
    }

    [TestCaseSource(nameof(FusedCases))]
    public void HeadSpanningBlocks_ForwardWithLengths_MatchesFloat64Reference(string gpu, CellKind cell, int headSize, FusedRegime regime)
    {
        var p = new RecurrentProblem(cell, B, T, 1, headSize, 1, DataType.Float32);
        var backend = Backend(gpu, p, regime);
        var c = new RecurrentCase(p, seed: 630 + headSize);
        var expected = VariableLengthBackendSuite.ReferenceForward(c);
        var y = TestData.Poisoned<float>(p.YLength);
        var last = TestData.Poisoned<float>(p.StatesLength);
        var all = TestData.Poisoned<float>(p.AllStatesLength);
        Recurrence.Forward(p, VariableLengthBackendSuite.Float32Inputs(c), new RecurrentOutputs<float>(y, last, all), backend);
        VariableLengthBackendSuite.AssertForward($"{backend.Name} ({gpu}, {regime})", p, expected, y, last, all, 1e-5);
    }

    [TestCaseSource(nameof(FusedCases))]
    public void HeadSpanningBlocks_BackwardWithLengths_MatchesFloat64Reference(string gpu, CellKind cell, int headSize, FusedRegime regime)
    {
        var p = new RecurrentProblem(cell, B, T, 1, headSize, 1, DataType.Float32);
        var backend = Backend(gpu, p, regime);
        var c = new RecurrentCase(p, seed: 640 + headSize);
        var expected = VariableLengthBackendSuite.ReferenceBackward(c);
        var dWx = TestData.Poisoned<float>(p.WxLength);
        var dR = TestData.Poisoned<float>(p.RLength);
        var dBias = TestData.Poisoned<float>(p.BiasLength);
        var dInitial = TestData.Poisoned<float>(p.StatesLength);
        Recurrence.Backward(p, VariableLengthBackendSuite.Float32Inputs(c),
            new RecurrentOutputGradients<float>(TestData.ToSingle(c.DY), TestData.ToSingle(c.DLastStates)),
            new RecurrentInputGradients<float>(dWx, dR, dBias, dInitial), backend);
        VariableLengthBackendSuite.AssertBackward($"{backend.Name} ({gpu}, {regime})", expected, dWx, dR, dBias, dInitial, 1e-5);
    }

    public static IEnumerable<TestCaseData> AlternatingCases() =>
        from c in new[] { (CellKind.Lstm, 40, 2), (CellKind.Gru, 24, 1), (CellKind.SLstm, 16, 3), (CellKind.Elman, 33, 1) }
        select new TestCaseData(c.Item1, c.Item2, c.Item3).SetArgDisplayNames(c.Item1.ToString(), $"D={c.Item2}", $"NH={c.Item3}");

    /// <summary>The alternating forward then (from its reserve) the alternating backward, both with the lengths.</summary>
    [TestCaseSource(nameof(AlternatingCases))]
    public void AlternatingPlans_WithLengths_MatchFloat64Reference(CellKind cell, int headSize, int heads)
    {
        var spec = GpuCatalog.Find("H100-SXM");
        var p = new RecurrentProblem(cell, B, T, heads, headSize, 1, DataType.Float32);
        PlanRequest Request(PlanDirection direction) => new(KernelFamily.Alternating, cell, DataType.Float32, B, heads, headSize, direction, T);
        var forward = Planner.Plan(spec, Request(PlanDirection.Forward)).Require();
        var backward = Planner.Plan(spec, Request(PlanDirection.Backward)).Require();
        Assert.That(backward.Request.Family, Is.EqualTo(KernelFamily.Alternating));
        var (device, reason) = CudaDevice.ProbeEmulated(spec, Interop.FrSchedule.InOrder, 0);
        Assert.That(device, Is.Not.Null, reason);

        var c = new RecurrentCase(p, seed: 650 + headSize);
        var expectedForward = VariableLengthBackendSuite.ReferenceForward(c);
        var expectedBackward = VariableLengthBackendSuite.ReferenceBackward(c);
        using var wx = device!.Upload<float>(TestData.ToSingle(c.Wx));
        using var r = device.Upload<float>(TestData.ToSingle(c.R));
        using var bias = device.Upload<float>(TestData.ToSingle(c.Bias));
        using var initial = device.Upload<float>(TestData.ToSingle(c.InitialStates));
        using var lengths = device.Upload<int>(VariableLengthBackendSuite.Lengths);
        using var y = device.Upload<float>(TestData.Poisoned<float>(p.YLength));
        using var all = device.Upload<float>(TestData.Poisoned<float>(p.AllStatesLength));
        using var last = device.Upload<float>(TestData.Poisoned<float>(p.StatesLength));
        RnnLaunch.Forward(device, forward, p, wx, r, bias, initial, y, all, last, lengths);

        using var yTraining = device.Upload<float>(TestData.Poisoned<float>(p.YLength));
        using var reserve = device.Upload<float>(TestData.Poisoned<float>((int)RnnLaunch.ReserveElements(p)));
        RnnLaunch.ForwardTraining(device, forward, p, wx, r, bias, initial, yTraining, null, reserve, lengths);
        using var dy = device.Upload<float>(TestData.ToSingle(c.DY));
        using var dLast = device.Upload<float>(TestData.ToSingle(c.DLastStates));
        using var dWx = device.Upload<float>(TestData.Poisoned<float>(p.WxLength));
        using var dR = device.Upload<float>(TestData.Poisoned<float>(p.RLength));
        using var dBias = device.Upload<float>(TestData.Poisoned<float>(p.BiasLength));
        using var dInitial = device.Upload<float>(TestData.Poisoned<float>(p.StatesLength));
        RnnLaunch.Backward(device, backward, p, RecurrentBackwardOptions.None, wx, r, bias, initial, yTraining, reserve, dy, dLast,
            dWx, dR, dBias, dInitial, lengths);

        float[] Download(Interop.FrDeviceMemoryHandle memory, int length)
        {
            var host = new float[length];
            device.Download(memory, host.AsSpan());
            return host;
        }
        VariableLengthBackendSuite.AssertForward("cuda-emulated (alternating)", p, expectedForward, Download(y, p.YLength),
            Download(last, p.StatesLength), Download(all, p.AllStatesLength), 1e-5);
        VariableLengthBackendSuite.AssertBackward("cuda-emulated (alternating)", expectedBackward, Download(dWx, p.WxLength),
            Download(dR, p.RLength), Download(dBias, p.BiasLength), Download(dInitial, p.StatesLength), 1e-5);
    }

    /// <summary>
    /// <see cref="CudaRecurrence"/> with a lengths buffer: the training forward with the recompute reserve (states only)
    /// and the backward, against the reference; a lengths buffer of another size is refused by name.
    /// </summary>
    [Test]
    public void DeviceBufferApi_WithLengths_MatchesFloat64Reference()
    {
        var p = new RecurrentProblem(CellKind.Lstm, B, T, 2, 8, 1, DataType.Float32);
        BackendRequirement.Ensure(RecurrenceBackends.Get("cuda-emulated"), mustBeAvailable: true);
        var recurrence = CudaRecurrence.Create(p, "cuda-emulated");
        var c = new RecurrentCase(p, seed: 660);
        var expectedForward = VariableLengthBackendSuite.ReferenceForward(c);
        var expectedBackward = VariableLengthBackendSuite.ReferenceBackward(c);
        using var wx = recurrence.Upload<float>(TestData.ToSingle(c.Wx));
        using var r = recurrence.Upload<float>(TestData.ToSingle(c.R));
        using var bias = recurrence.Upload<float>(TestData.ToSingle(c.Bias));
        using var initial = recurrence.Upload<float>(TestData.ToSingle(c.InitialStates));
        using var lengths = recurrence.Upload<int>(VariableLengthBackendSuite.Lengths);
        var inputs = new DeviceRecurrentInputs<float>(wx, r, bias, initial, lengths);
        using var y = recurrence.Upload<float>(TestData.Poisoned<float>(p.YLength));
        using var last = recurrence.Upload<float>(TestData.Poisoned<float>(p.StatesLength));
        using var reserve = recurrence.AllocateReserve(recompute: true);
        recurrence.Forward(inputs, y, last, reserve);
        using var dy = recurrence.Upload<float>(TestData.ToSingle(c.DY));
        using var dLast = recurrence.Upload<float>(TestData.ToSingle(c.DLastStates));
        using var dWx = recurrence.Upload<float>(TestData.Poisoned<float>(p.WxLength));
        using var dR = recurrence.Upload<float>(TestData.Poisoned<float>(p.RLength));
        using var dBias = recurrence.Upload<float>(TestData.Poisoned<float>(p.BiasLength));
        using var dInitial = recurrence.Upload<float>(TestData.Poisoned<float>(p.StatesLength));
        recurrence.Backward(inputs, y, reserve, dy, new DeviceRecurrentGradients<float>(dWx, dR, dBias, dInitial), dLast);

        var yHost = new float[p.YLength];
        var lastHost = new float[p.StatesLength];
        y.CopyTo(yHost);
        last.CopyTo(lastHost);
        var expectedY = expectedForward.Y;
        Assert.Multiple(() =>
        {
            Assert.That(TestData.RelativeL2(TestData.ToDouble(yHost), expectedY), Error.AtMost(1e-5), "y");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(lastHost), expectedForward.Last), Error.AtMost(1e-5), "lastStates");
        });
        float[] Host(DeviceBuffer<float> buffer)
        {
            var host = new float[buffer.Length];
            buffer.CopyTo(host);
            return host;
        }
        VariableLengthBackendSuite.AssertBackward("cuda-emulated (CudaRecurrence)", expectedBackward, Host(dWx), Host(dR), Host(dBias),
            Host(dInitial), 1e-5);

        using var shortLengths = recurrence.Upload<int>([4, 7]);
        Assert.That(() => recurrence.Forward(inputs with { Lengths = shortLengths }, y),
            Throws.ArgumentException.With.Message.Contains("inputs.Lengths: expected 3 elements"));
    }
}
