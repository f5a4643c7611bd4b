using FastRecurrence.Backends;
using FastRecurrence.Ilgpu;
using FastRecurrence.Tests.Backends;

namespace FastRecurrence.Tests.Ilgpu;

/// <summary>
/// The shared recurrent suite on ILGPU's CPU accelerator: the same groups, barriers, shared memory and warp shuffles
/// as on a GPU, each simulated GPU thread an OS thread. A CPU backend: missing fails the suite.
/// </summary>
[TestFixture]
public sealed class IlgpuCpuRecurrentTests : RecurrentBackendSuite
{
    protected override IRecurrenceBackend Backend => IlgpuBackends.Cpu;
    protected override string? BackwardOptionsMissing => IlgpuOptionsMissing.Reason;
    protected override bool MustBeAvailable => true;
}

/// <summary>The shared scan suite on ILGPU's CPU accelerator (ILGPU.Algorithms' warp scans with an affine pair operation).</summary>
[TestFixture]
public sealed class IlgpuCpuScanTests : ScanBackendSuite
{
    protected override IRecurrenceBackend Backend => IlgpuBackends.Cpu;
    protected override bool MustBeAvailable => true;
}

/// <summary>The recurrent suite through ILGPU's PTX backend on an NVIDIA GPU; ignored with the reason where there is none.
/// MathF.Exp and MathF.Tanh become ex2.approx / tanh.approx there (about 2^-11 relative for tanh), hence the tolerance.</summary>
[TestFixture]
public sealed class IlgpuCudaRecurrentTests : RecurrentBackendSuite
{
    protected override IRecurrenceBackend Backend => IlgpuBackends.Cuda;
    protected override string? BackwardOptionsMissing => IlgpuOptionsMissing.Reason;
    protected override double Float32Tolerance => 2e-3;
}

/// <summary>The scan suite through ILGPU's PTX backend; ignored without a GPU.</summary>
[TestFixture]
public sealed class IlgpuCudaScanTests : ScanBackendSuite
{
    protected override IRecurrenceBackend Backend => IlgpuBackends.Cuda;
}

/// <summary>The recurrent suite on an OpenCL device; ignored without one.</summary>
[TestFixture]
public sealed class IlgpuOpenCLRecurrentTests : RecurrentBackendSuite
{
    protected override IRecurrenceBackend Backend => IlgpuBackends.OpenCL;
    protected override string? BackwardOptionsMissing => IlgpuOptionsMissing.Reason;
    protected override double Float32Tolerance => 2e-3;
}

/// <summary>
/// The recurrent suite on a CPU accelerator planned as if it had 800 bytes of shared memory per group and two
/// multiprocessors: the planner then puts the weights in global memory and splits the batch into tiles (several groups
/// per head, partial dR / dbias summed on the accelerator), the regimes a GPU with large heads runs.
/// </summary>
[TestFixture]
public sealed class IlgpuCpuTightSharedMemoryRecurrentTests : RecurrentBackendSuite
{
    private readonly IlgpuBackend _backend = IlgpuBackends.CreateCpu(warpsPerGroup: 2, multiprocessors: 2, sharedMemoryPerGroup: 800);

    protected override IRecurrenceBackend Backend => _backend;

    [OneTimeTearDown]
    public void DisposeBackend() => _backend.Dispose();
    protected override string? BackwardOptionsMissing => IlgpuOptionsMissing.Reason;
    protected override bool MustBeAvailable => true;
}

/// <summary>
/// The recurrent suite on a CPU accelerator planned as if it had 4 bytes of shared memory per group: not even one
/// row's buffers fit (the smallest, an Elman forward row of D = 1, is 8 bytes), so every kernel keeps its rows (states, products and, backward, their gradients) in global
/// scratch, the plans a GPU runs for heads whose single row exceeds shared memory (an LSTM backward of 768:
/// docs/decisions/0033).
/// </summary>
[TestFixture]
public sealed class IlgpuCpuRowsInGlobalMemoryRecurrentTests : RecurrentBackendSuite
{
    private readonly IlgpuBackend _backend = IlgpuBackends.CreateCpu(warpsPerGroup: 2, multiprocessors: 2, sharedMemoryPerGroup: 4);

    protected override IRecurrenceBackend Backend => _backend;

    [OneTimeTearDown]
    public void DisposeBackend() => _backend.Dispose();
    protected override string? BackwardOptionsMissing => IlgpuOptionsMissing.Reason;
    protected override bool MustBeAvailable => true;
}

/// <summary>Why the ILGPU suites skip the backward options: the ILGPU backends run the plain backward only.</summary>
internal static class IlgpuOptionsMissing
{
    public const string Reason = "the ILGPU backends run the plain backward only (recurrent clipping, truncation and accumulation are the reference's and the cuda backends')";
}
