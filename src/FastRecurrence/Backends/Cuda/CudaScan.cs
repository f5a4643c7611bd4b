using FastRecurrence.Planning;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// One diagonal linear recurrence h_t = a_t h_{t-1} + b_t on the device of a cuda backend ("cuda", or
/// "cuda-emulated" on the CPU) with every tensor in a <see cref="DeviceBuffer{T}"/>: nothing is copied to the host,
/// so a model (or a benchmark) pays for the kernels alone. Layouts as <see cref="ScanInputs{T}"/>: a, b, h, dh, da,
/// db [B, T, H, D]; h0, dh0 [B, H, D]. Element types: float (Float32), Half (Float16), ushort (BFloat16, the raw bits).
/// </summary>
public sealed class CudaScan
{
    private readonly CudaDevice _device;
    private readonly KernelPlan _forwardPlan;
    private readonly KernelPlan _backwardPlan;

    private CudaScan(ScanProblem problem, string backend, CudaDevice device, KernelPlan forwardPlan, KernelPlan backwardPlan)
    {
        Problem = problem;
        Backend = backend;
        _device = device;
        _forwardPlan = forwardPlan;
        _backwardPlan = backwardPlan;
    }

    /// <summary>
    /// Plans <paramref name="problem"/> both ways for the device of <paramref name="backend"/> (a cuda backend's name).
    /// Throws ArgumentException for a backend that is not a cuda one, BackendUnavailableException when it cannot run
    /// here, and NotSupportedException (with the planner's reason) when no plan fits.
    /// </summary>
    public static CudaScan Create(ScanProblem problem, string backend = CudaBackend.BackendName)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var (name, device) = DeviceBufferRules.RequireDevice(backend, problem.DataType, problem);
        return new CudaScan(problem, name, device, device.PlanScan(problem, PlanDirection.Forward).Require(),
            device.PlanScan(problem, PlanDirection.Backward).Require());
    }

    public ScanProblem Problem { get; }

    /// <summary>The backend's name.</summary>
    public string Backend { get; }

    /// <summary>Uninitialised device memory of <paramref name="length"/> elements.</summary>
    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged => DeviceBufferRules.Allocate<T>(_device, length);

    /// <summary>Device memory holding a copy of <paramref name="host"/>.</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> host) where T : unmanaged => DeviceBufferRules.Upload(_device, host);

    /// <summary>h = scan(a, b), starting from <paramref name="h0"/> (zeros when null).</summary>
    public void Forward<T>(DeviceBuffer<T> a, DeviceBuffer<T> b, DeviceBuffer<T> h, DeviceBuffer<T>? h0 = null)
        where T : unmanaged
    {
        DeviceBufferRules.CheckElementType<T>(Problem.DataType);
        CheckSequence(a, nameof(a));
        CheckSequence(b, nameof(b));
        CheckSequence(h, nameof(h));
        if (h0 is not null) CheckState(h0, nameof(h0));
        ScanLaunch.Forward(_device, _forwardPlan, Problem, a.Memory, b.Memory, h0?.Memory, h.Memory);
    }

    /// <summary>
    /// Given dL/dh and the forward's <paramref name="h"/>, writes dL/da and dL/db (and dL/dh0 when given a buffer;
    /// <paramref name="h0"/> is the forward's initial state, zeros when null).
    /// </summary>
    public void Backward<T>(DeviceBuffer<T> a, DeviceBuffer<T> h, DeviceBuffer<T> dh, DeviceBuffer<T> da, DeviceBuffer<T> db,
        DeviceBuffer<T>? h0 = null, DeviceBuffer<T>? dh0 = null)
        where T : unmanaged
    {
        DeviceBufferRules.CheckElementType<T>(Problem.DataType);
        CheckSequence(a, nameof(a));
        CheckSequence(h, nameof(h));
        CheckSequence(dh, nameof(dh));
        CheckSequence(da, nameof(da));
        CheckSequence(db, nameof(db));
        if (h0 is not null) CheckState(h0, nameof(h0));
        if (dh0 is not null) CheckState(dh0, nameof(dh0));
        ScanLaunch.Backward(_device, _backwardPlan, Problem, a.Memory, h.Memory, h0?.Memory, dh.Memory, da.Memory, db.Memory,
            dh0?.Memory);
    }

    private void CheckSequence<T>(DeviceBuffer<T> buffer, string name) where T : unmanaged =>
        DeviceBufferRules.Check(_device, buffer, Problem.SequenceLength, name, Problem);

    private void CheckState<T>(DeviceBuffer<T> buffer, string name) where T : unmanaged =>
        DeviceBufferRules.Check(_device, buffer, Problem.StateLength, name, Problem);
}
