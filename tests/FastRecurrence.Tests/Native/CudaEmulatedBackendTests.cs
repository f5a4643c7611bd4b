using FastRecurrence.Backends;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Tests.Backends;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// The shared scan suite on cuda-emulated: kernels/scan.cu itself, compiled by the system C++ compiler and run on the
/// CPU emulator. A CPU backend: missing (no library, no compiler) fails the suite instead of ignoring it.
/// </summary>
[TestFixture]
public sealed class CudaEmulatedScanBackendTests : ScanBackendSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("cuda-emulated");
    protected override bool MustBeAvailable => true;
}

/// <summary>
/// The shared recurrent suite on cuda-emulated: kernels/rnn_forward.cu and rnn_backward.cu (the fused forward, the
/// training forward's reserve and the fused backward, with the planner's plans for an H100) on the CPU emulator,
/// float32, every cell and shape.
/// </summary>
[TestFixture]
public sealed class CudaEmulatedRecurrentBackendTests : RecurrentBackendSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("cuda-emulated");
    protected override bool MustBeAvailable => true;
}

/// <summary>The same suite under seeded random thread orders, which turn a missing barrier into a wrong result.</summary>
[TestFixture(1UL)]
[TestFixture(20261128UL)]
public sealed class CudaEmulatedRandomScheduleScanTests(ulong seed) : ScanBackendSuite
{
    private readonly IRecurrenceBackend _backend = CudaEmulation.CreateBackend(randomSeed: seed);

    protected override IRecurrenceBackend Backend => _backend;
    protected override bool MustBeAvailable => true;
}

/// <summary>The recurrent suite under a seeded random thread order (the fused kernels' barriers, in the planner's plans).</summary>
[TestFixture(20261128UL)]
public sealed class CudaEmulatedRandomScheduleRecurrentTests(ulong seed) : RecurrentBackendSuite
{
    private readonly IRecurrenceBackend _backend = CudaEmulation.CreateBackend(randomSeed: seed);

    protected override IRecurrenceBackend Backend => _backend;
    protected override bool MustBeAvailable => true;
}

/// <summary>cuda-emulated's place in the registry and what it says about itself.</summary>
[TestFixture]
public sealed class CudaEmulatedBackendTests
{
    [Test]
    public void IsRegistered_NeverTheDefault_AndSaysItIsAnEmulation()
    {
        var emulated = RecurrenceBackends.Get("CUDA-EMULATED");
        Assert.Multiple(() =>
        {
            Assert.That(emulated.Name, Is.EqualTo("cuda-emulated"));
            Assert.That(RecurrenceBackends.All, Does.Contain(emulated));
            Assert.That(RecurrenceBackends.Default, Is.Not.SameAs(emulated));
            Assert.That(RecurrenceBackends.All.ToList().IndexOf(emulated),
                Is.GreaterThan(RecurrenceBackends.All.ToList().IndexOf(RecurrenceBackends.Get("cuda"))));
            Assert.That(emulated.Availability.Reason, Does.Contain("CPU emulation").And.Contain("H100"));
        });
    }

    [Test]
    public void ARandomSchedule_IsNamedInTheReason()
    {
        var backend = CudaEmulation.CreateBackend("A100-80GB", randomSeed: 42);
        BackendRequirement.Ensure(backend, mustBeAvailable: true);
        Assert.That(backend.Availability.Reason, Does.Contain("seed 42").And.Contain("sm_80"));
    }

    [Test]
    public void AnUnknownGpu_IsRefusedWithTheCatalog() =>
        Assert.That(() => CudaEmulation.CreateBackend("GTX-480"), Throws.ArgumentException.With.Message.Contain("GTX-480"));

    [Test]
    public void Float64Recurrences_AreRefusedWithTheReason() =>
        Assert.That(RecurrenceBackends.Get("cuda-emulated").WhyUnsupported(new RecurrentProblem(CellKind.Lstm, 1, 1, 1, 8, 8, DataType.Float64)),
            Does.Contain("fp32, bf16 or fp16"));

}

/// <summary>
/// Heads that span blocks, through the public C# path on cuda-emulated: the planner's own plans for an emulated H100
/// (thread-block cluster: h_t through distributed shared memory) and A100 (no clusters: grid barrier, h_t through
/// global memory), float32, against the float64 reference, outputs poisoned. The regime is asserted first, so a
/// planner change cannot quietly turn these into single-block runs.
/// </summary>
[TestFixture]
public sealed class CudaEmulatedFusedRegimeTests
{
    public static IEnumerable<TestCaseData> Cases() =>
        from c in new[]
        {
            ("H100-SXM", CellKind.Lstm, 128, FusedRegime.Cluster),
            ("H100-SXM", CellKind.SLstm, 128, FusedRegime.Cluster),
            ("A100-80GB", CellKind.Lstm, 128, FusedRegime.GridBarrier),
            ("A100-80GB", CellKind.Gru, 160, FusedRegime.GridBarrier),
        }
        select new TestCaseData(c.Item1, c.Item2, c.Item3, c.Item4).SetArgDisplayNames(c.Item1, c.Item2.ToString(), $"D={c.Item3}", c.Item4.ToString());

    [TestCaseSource(nameof(Cases))]
    public void HeadSpanningBlocks_Forward_MatchesFloat64Reference(string gpu, CellKind cell, int headSize, FusedRegime regime)
    {
        var problem = new RecurrentProblem(cell, 3, 4, 1, headSize, 1, DataType.Float32);
        var plan = Planner.Plan(GpuCatalog.Find(gpu), new PlanRequest(KernelFamily.Fused, cell, DataType.Float32, 3, 1, headSize, PlanDirection.Forward, 4)).Plan;
        Assert.That(plan?.Regime, Is.EqualTo(regime), $"the planner's regime for {problem} on {gpu}");
        Assert.That(plan!.Constant("FR_BLOCKS_PER_HEAD"), Is.GreaterThan(1));

        var backend = CudaEmulation.CreateBackend(gpu);
        BackendRequirement.Ensure(backend, mustBeAvailable: true);
        var c = new RecurrentCase(problem, seed: 77 + headSize);
        var (y64, last64, all64) = c.Forward();
        var (y, last, all) = c.ForwardFloat32(backend);
        Assert.Multiple(() =>
        {
            Assert.That(TestData.RelativeL2(TestData.ToDouble(y), y64), Is.LessThanOrEqualTo(1e-5), "y");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(last), last64), Is.LessThanOrEqualTo(1e-5), "lastStates");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(all), all64), Is.LessThanOrEqualTo(1e-5), "allStates");
        });
    }

    [TestCaseSource(nameof(Cases))]
    public void HeadSpanningBlocks_Backward_MatchesFloat64Reference(string gpu, CellKind cell, int headSize, FusedRegime regime)
    {
        var problem = new RecurrentProblem(cell, 3, 4, 1, headSize, 1, DataType.Float32);
        var plan = Planner.Plan(GpuCatalog.Find(gpu), new PlanRequest(KernelFamily.Fused, cell, DataType.Float32, 3, 1, headSize, PlanDirection.Backward, 4)).Plan;
        Assert.That(plan?.Regime, Is.EqualTo(regime), $"the planner's backward regime for {problem} on {gpu}");
        Assert.That(plan!.Constant("FR_BLOCKS_PER_HEAD"), Is.GreaterThan(1));

        var backend = CudaEmulation.CreateBackend(gpu);
        BackendRequirement.Ensure(backend, mustBeAvailable: true);
        var c = new RecurrentCase(problem, seed: 78 + headSize);
        var (dWx64, dR64, dBias64, dInitial64) = c.Backward();
        var (dWx, dR, dBias, dInitial) = c.BackwardFloat32(backend);
        Assert.Multiple(() =>
        {
            Assert.That(TestData.RelativeL2(TestData.ToDouble(dWx), dWx64), Is.LessThanOrEqualTo(1e-5), "dWx");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(dR), dR64), Is.LessThanOrEqualTo(1e-5), "dR");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(dBias), dBias64), Is.LessThanOrEqualTo(1e-5), "dBias");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(dInitial), dInitial64), Is.LessThanOrEqualTo(1e-5), "dInitialStates");
        });
    }
}

/// <summary>
/// The alternating fallback (kernels/rnn_alternating.cu: a matmul launch and a pointwise launch per step) through the
/// managed launch path on cuda-emulated, with the planner's alternating plans for an emulated H100, float32, every
/// cell, against the float64 reference. (The backend picks it by itself only for heads too large for the chip, which
/// are too slow to emulate; the native emulation_rnn group runs it in bf16 and fp16 too.)
/// </summary>
[TestFixture]
public sealed class CudaEmulatedAlternatingTests
{
    [TestCase(CellKind.Lstm, 40, 2)]
    [TestCase(CellKind.Gru, 24, 1)]
    [TestCase(CellKind.SLstm, 16, 3)]
    [TestCase(CellKind.Elman, 33, 1)]
    public void AlternatingPlan_Forward_MatchesFloat64Reference(CellKind cell, int headSize, int heads)
    {
        var spec = GpuCatalog.Find("H100-SXM");
        var problem = new RecurrentProblem(cell, 3, 5, heads, headSize, 1, DataType.Float32);
        var plan = Planner.Plan(spec, new PlanRequest(KernelFamily.Alternating, cell, DataType.Float32, 3, heads, headSize,
            PlanDirection.Forward, 5)).Require();
        var (device, reason) = CudaDevice.ProbeEmulated(spec, Interop.FrSchedule.InOrder, 0);
        Assert.That(device, Is.Not.Null, reason);

        var c = new RecurrentCase(problem, seed: 11 + headSize);
        var (y64, last64, all64) = c.Forward();
        using var wx = device!.Upload<float>(TestData.ToSingle(c.Wx));
        using var r = device.Upload<float>(TestData.ToSingle(c.R));
        using var bias = device.Upload<float>(TestData.ToSingle(c.Bias));
        using var initial = device.Upload<float>(TestData.ToSingle(c.InitialStates));
        using var y = device.Upload<float>(TestData.Poisoned<float>(problem.YLength));
        using var all = device.Upload<float>(TestData.Poisoned<float>(problem.AllStatesLength));
        using var last = device.Upload<float>(TestData.Poisoned<float>(problem.StatesLength));
        RnnLaunch.Forward(device, plan, problem, wx, r, bias, initial, y, all, last);
        var yHost = new float[problem.YLength];
        var allHost = new float[problem.AllStatesLength];
        var lastHost = new float[problem.StatesLength];
        device.Download(y, yHost.AsSpan());
        device.Download(all, allHost.AsSpan());
        device.Download(last, lastHost.AsSpan());
        Assert.Multiple(() =>
        {
            Assert.That(plan.Request.Family, Is.EqualTo(KernelFamily.Alternating));
            Assert.That(TestData.RelativeL2(TestData.ToDouble(yHost), y64), Is.LessThanOrEqualTo(1e-5), "y");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(lastHost), last64), Is.LessThanOrEqualTo(1e-5), "lastStates");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(allHost), all64), Is.LessThanOrEqualTo(1e-5), "allStates");
        });
    }

    /// <summary>The alternating backward after the alternating training forward (its reserve), with the planner's plans.</summary>
    [TestCase(CellKind.Lstm, 40, 2)]
    [TestCase(CellKind.Gru, 24, 1)]
    [TestCase(CellKind.SLstm, 16, 3)]
    [TestCase(CellKind.Elman, 33, 1)]
    public void AlternatingPlan_Backward_MatchesFloat64Reference(CellKind cell, int headSize, int heads)
    {
        var spec = GpuCatalog.Find("H100-SXM");
        var problem = new RecurrentProblem(cell, 3, 5, heads, headSize, 1, DataType.Float32);
        PlanRequest Request(PlanDirection direction) => new(KernelFamily.Alternating, cell, DataType.Float32, 3, heads, headSize, direction, 5);
        var forward = Planner.Plan(spec, Request(PlanDirection.Forward)).Require();
        var backward = Planner.Plan(spec, Request(PlanDirection.Backward)).Require();
        var (device, reason) = CudaDevice.ProbeEmulated(spec, Interop.FrSchedule.InOrder, 0);
        Assert.That(device, Is.Not.Null, reason);

        var c = new RecurrentCase(problem, seed: 12 + headSize);
        var (dWx64, dR64, dBias64, dInitial64) = c.Backward();
        using var wx = device!.Upload<float>(TestData.ToSingle(c.Wx));
        using var r = device.Upload<float>(TestData.ToSingle(c.R));
        using var bias = device.Upload<float>(TestData.ToSingle(c.Bias));
        using var initial = device.Upload<float>(TestData.ToSingle(c.InitialStates));
        using var y = device.Upload<float>(TestData.Poisoned<float>(problem.YLength));
        using var reserve = device.Upload<float>(TestData.Poisoned<float>((int)RnnLaunch.ReserveElements(problem)));
        RnnLaunch.ForwardTraining(device, forward, problem, wx, r, bias, initial, y, null, reserve);
        using var dy = device.Upload<float>(TestData.ToSingle(c.DY));
        using var dLast = device.Upload<float>(TestData.ToSingle(c.DLastStates));
        using var dWx = device.Upload<float>(TestData.Poisoned<float>(problem.WxLength));
        using var dR = device.Upload<float>(TestData.Poisoned<float>(problem.RLength));
        using var dBias = device.Upload<float>(TestData.Poisoned<float>(problem.BiasLength));
        using var dInitial = device.Upload<float>(TestData.Poisoned<float>(problem.StatesLength));
        RnnLaunch.Backward(device, backward, problem, RecurrentBackwardOptions.None, wx, r, bias, initial, y, reserve, dy, dLast,
            dWx, dR, dBias, dInitial);
        float[] Download(Interop.FrDeviceMemoryHandle memory, int length)
        {
            var host = new float[length];
            device.Download(memory, host.AsSpan());
            return host;
        }
        Assert.Multiple(() =>
        {
            Assert.That(backward.Request.Family, Is.EqualTo(KernelFamily.Alternating));
            Assert.That(TestData.RelativeL2(TestData.ToDouble(Download(dWx, problem.WxLength)), dWx64), Is.LessThanOrEqualTo(1e-5), "dWx");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(Download(dR, problem.RLength)), dR64), Is.LessThanOrEqualTo(1e-5), "dR");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(Download(dBias, problem.BiasLength)), dBias64), Is.LessThanOrEqualTo(1e-5), "dBias");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(Download(dInitial, problem.StatesLength)), dInitial64), Is.LessThanOrEqualTo(1e-5), "dInitialStates");
        });
    }
}

/// <summary>
/// Float32 with <see cref="MatmulPrecision.Tf32"/> through the public API on cuda-emulated: the plan multiplies on
/// tensor cores in tf32 (FR_TF32 = 1), and the result is within math.md's tf32 bound (5e-3) of the float64 reference.
/// The planner refuses tf32 on a GPU without it, naming why.
/// </summary>
[TestFixture]
public sealed class CudaEmulatedTf32Tests
{
    [TestCase(CellKind.Lstm, 2, 16)]
    [TestCase(CellKind.SLstm, 1, 32)]
    [TestCase(CellKind.Gru, 1, 128)]
    public void Tf32Problem_RunsOnTensorCores_WithinTheTf32Bound(CellKind cell, int heads, int headSize)
    {
        var problem = new RecurrentProblem(cell, 3, 5, heads, headSize, 1, DataType.Float32, MatmulPrecision.Tf32);
        var plan = Planner.Plan(GpuCatalog.Find(CudaBackend.EmulatedGpu), new PlanRequest(KernelFamily.Fused, cell, DataType.Float32, 3, heads,
            headSize, PlanDirection.Forward, 5) { Precision = MatmulPrecision.Tf32 }).Plan;
        Assert.That(plan?.Constant("FR_TF32"), Is.EqualTo(1), "the plan multiplies in tf32");

        var backend = RecurrenceBackends.Get("cuda-emulated");
        BackendRequirement.Ensure(backend, mustBeAvailable: true);
        var c = new RecurrentCase(problem, seed: 5 + headSize);
        var (y64, last64, _) = c.Forward();
        var (y, last, _) = c.ForwardFloat32(backend);
        Assert.Multiple(() =>
        {
            Assert.That(TestData.RelativeL2(TestData.ToDouble(y), y64), Is.LessThanOrEqualTo(5e-3), "y");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(last), last64), Is.LessThanOrEqualTo(5e-3), "lastStates");
        });
    }

    [Test]
    public void Tf32_OnAGpuWithoutIt_IsRefusedWithTheReason()
    {
        var outcome = Planner.Plan(GpuCatalog.Find("V100"), new PlanRequest(KernelFamily.Fused, CellKind.Lstm, DataType.Float32, 8, 1, 64)
            { Precision = MatmulPrecision.Tf32 });
        Assert.That(outcome.HasPlan, Is.False);
        Assert.That(outcome.Reason, Does.Contain("tf32 tensor cores (mma.m16n8k8.tf32) need sm_80 or newer"));
    }
}

/// <summary>
/// The layer API's input projection on the device (fr_linear; kernels/linear.cu on cuda-emulated, cuBLAS on a GPU that
/// has it): the backend offers it, it equals the CPU projection, and a layer on cuda-emulated (GPU projection, then the
/// fused kernels) matches the same layer on the reference backend, forward and backward.
/// </summary>
[TestFixture]
public sealed class CudaEmulatedInputProjectionTests
{
    [Test]
    public void ProjectInput_EqualsTheCpuProjection()
    {
        var backend = RecurrenceBackends.Get("cuda-emulated");
        BackendRequirement.Ensure(backend, mustBeAvailable: true);
        var device = backend as IInputProjectionBackend;
        Assert.That(device, Is.Not.Null, "cuda-emulated projects inputs on its device");
        Assert.That(device!.WhyNoInputProjection(DataType.Float32), Is.Null);
        Assert.That(device.WhyNoInputProjection(DataType.Float64), Does.Contain("fp32, bf16 and fp16"));

        const int rows = 37, inputSize = 19, gateRows = 72;
        var random = new Random(3);
        var x = Enumerable.Range(0, rows * inputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var w = Enumerable.Range(0, gateRows * inputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var onDevice = TestData.Poisoned<float>(rows * gateRows);
        device.ProjectInput<float>(x, w, rows, inputSize, gateRows, onDevice);
        var expected = new double[rows * gateRows];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < gateRows; j++)
                for (var k = 0; k < inputSize; k++)
                    expected[i * gateRows + j] += (double)x[i * inputSize + k] * w[j * inputSize + k];
        Assert.That(TestData.RelativeL2(TestData.ToDouble(onDevice), expected), Is.LessThanOrEqualTo(1e-6));
    }

    [TestCase(CellKind.Lstm)]
    [TestCase(CellKind.Gru)]
    public void Layer_OnCudaEmulated_MatchesTheReferenceLayer_ForwardAndBackward(CellKind cell)
    {
        const int input = 12, hidden = 16, batch = 3, steps = 6;
        var gates = cell.GateCount();
        var random = new Random(9);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 0.5 - 0.25)).ToArray();
        var weights = new FastRecurrence.Layers.RecurrentLayerWeights<float>(Values(gates * hidden * input), Values(gates * hidden * hidden),
            Values(gates * hidden), Values(gates * hidden));
        var x = Values(batch * steps * input);
        var emulated = new FastRecurrence.Layers.RecurrentLayer<float>(cell, input, hidden, weights, backend: RecurrenceBackends.Get("cuda-emulated"));
        var reference = new FastRecurrence.Layers.RecurrentLayer<float>(cell, input, hidden, weights, backend: RecurrenceBackends.Get("reference"));
        var got = emulated.Forward(x, batch, steps);
        var want = reference.Forward(x, batch, steps);
        Assert.That(TestData.RelativeL2(TestData.ToDouble(got.Y), TestData.ToDouble(want.Y)), Is.LessThanOrEqualTo(1e-5));

        // the layer's backward: the training forward and backward kernels, then the PyTorch-named gradients
        var dy = Values(batch * steps * hidden);
        var gotGradients = emulated.Backward(x, batch, steps, dy);
        var wantGradients = reference.Backward(x, batch, steps, dy);
        Assert.Multiple(() =>
        {
            foreach (var (name, actual, expected) in new[]
                     {
                         ("dInput", gotGradients.DInput, wantGradients.DInput),
                         ("dWeightIh", gotGradients.DWeightIh, wantGradients.DWeightIh),
                         ("dWeightHh", gotGradients.DWeightHh, wantGradients.DWeightHh),
                         ("dBiasIh", gotGradients.DBiasIh, wantGradients.DBiasIh),
                         ("dBiasHh", gotGradients.DBiasHh, wantGradients.DBiasHh),
                     })
                Assert.That(TestData.RelativeL2(TestData.ToDouble(actual), TestData.ToDouble(expected)), Is.LessThanOrEqualTo(1e-5), name);
        });
    }
}
