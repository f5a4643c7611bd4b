using FastRecurrence.Backends;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Tests.Backends;

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
/// The shared recurrent suite on cuda-emulated: kernels/rnn_forward.cu (the fused forward, single-block plans from the
/// planner for an H100) on the CPU emulator, float32, every cell and shape. The fused backward is issue 8.
/// </summary>
[TestFixture]
public sealed class CudaEmulatedRecurrentBackendTests : RecurrentBackendSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("cuda-emulated");
    protected override bool MustBeAvailable => true;
    protected override string? BackwardMissing => "the fused backward kernels arrive with issue 8";
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

    [Test]
    public void Backward_IsRefusedUntilIssue8()
    {
        var p = new RecurrentProblem(CellKind.Elman, 1, 2, 1, 4, 1, DataType.Float32);
        Assert.That(() => Recurrence.Backward(p, new RecurrentInputs<float>(new float[p.WxLength], new float[p.RLength], new float[p.BiasLength]),
                new RecurrentOutputGradients<float>(new float[p.YLength]),
                new RecurrentInputGradients<float>(new float[p.WxLength], new float[p.RLength], new float[p.BiasLength]),
                RecurrenceBackends.Get("cuda-emulated")),
            Throws.TypeOf<NotSupportedException>().With.Message.Contain("issue 8"));
    }
}
