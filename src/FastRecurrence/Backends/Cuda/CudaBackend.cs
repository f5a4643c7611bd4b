using System.Numerics;
using FastRecurrence.Interop;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// The native CUDA backends: libfastrecurrence's CUDA C kernels, NVRTC-compiled on device 0 ("cuda"), or compiled by the
/// system C++ compiler and run on the CPU emulator ("cuda-emulated"), sized per problem by the planner for the device. Runs the scan (float32, float64, and float16 through <see cref="Half"/>); the fused
/// RNN kernels arrive with issue 7. Availability is probed once, on first use, and never throws: it says what is
/// missing (the library, the driver, a device, NVRTC).
/// </summary>
internal sealed class CudaBackend : IRecurrenceBackend
{
    public const string BackendName = "cuda";

    /// <summary>
    /// Below the reference (0): <see cref="RecurrenceBackends.Default"/> picks by availability alone, and this backend
    /// runs only the scan, so as the default it would refuse every RNN call on a GPU machine. Callers choose it by
    /// name until the RNN kernels (issue 7) exist.
    /// </summary>
    public const int Priority = -10;

    /// <summary>The CPU emulation of the same kernels (issue 5): never the default, chosen by name.</summary>
    public const string EmulatedName = "cuda-emulated";

    /// <summary>Below the cuda backend: an emulator is for correctness, never picked for speed.</summary>
    public const int EmulatedPriority = -20;

    /// <summary>The GPU whose limits the registered emulated backend plans for.</summary>
    public const string EmulatedGpu = "H100-SXM";

    public static readonly CudaBackend Instance = new(BackendName, () => CudaDevice.Probe());

    /// <summary>cuda-emulated with threads in order (reproducible); <see cref="CudaEmulation"/> makes others.</summary>
    public static readonly CudaBackend Emulated = new(EmulatedName,
        () => CudaDevice.ProbeEmulated(GpuCatalog.Find(EmulatedGpu), FrSchedule.InOrder, 0));

    private readonly Lazy<(CudaDevice? Device, string Reason)> _probe;

    internal CudaBackend(string name, Func<(CudaDevice? Device, string Reason)> probe)
    {
        Name = name;
        _probe = new(probe, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Name { get; }

    public BackendAvailability Availability =>
        _probe.Value.Device is not null ? BackendAvailability.Available(_probe.Value.Reason) : BackendAvailability.Missing(_probe.Value.Reason);

    public string? WhyUnsupported(RecurrentProblem problem) => "the fused RNN kernels arrive with issue 7";

    public string? WhyUnsupported(ScanProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.DataType == DataType.BFloat16)
            return "no .NET element type holds BFloat16, so spans cannot carry it; the scan kernel runs bf16 through the C ABI (fr_scan_forward with FR_DTYPE_BFLOAT16).";
        if (_probe.Value.Device is { } device)
        {
            foreach (var direction in new[] { PlanDirection.Forward, PlanDirection.Backward })
            {
                var outcome = device.PlanScan(problem, direction);
                if (!outcome.HasPlan) return $"no {direction} scan plan on {device.Spec.Name}: {outcome.Reason}";
            }
        }
        return null;
    }

    public void Forward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputs<T> outputs)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new NotSupportedException($"problem: backend '{Name}' does not run {problem}: {WhyUnsupported(problem)}");

    public void Backward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputGradients<T> outputGradients,
        RecurrentInputGradients<T> gradients)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new NotSupportedException($"problem: backend '{Name}' does not run {problem}: {WhyUnsupported(problem)}");

    public void ScanForward<T>(ScanProblem problem, ScanInputs<T> inputs, Span<T> h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var device = RequireDevice();
        var plan = device.PlanScan(problem, PlanDirection.Forward).Require();
        using var a = device.Upload(inputs.A);
        using var b = device.Upload(inputs.B);
        using var h0 = inputs.H0.IsEmpty ? null : device.Upload(inputs.H0);
        using var hDevice = device.Allocate<T>(problem.SequenceLength);
        ScanLaunch.Forward(device, plan, problem, a, b, h0, hDevice);
        device.Download(hDevice, h);
    }

    public void ScanBackward<T>(ScanProblem problem, ScanInputs<T> inputs, ReadOnlySpan<T> dh, ScanGradients<T> gradients)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var device = RequireDevice();
        var forward = device.PlanScan(problem, PlanDirection.Forward).Require();
        var backward = device.PlanScan(problem, PlanDirection.Backward).Require();
        using var a = device.Upload(inputs.A);
        using var h0 = inputs.H0.IsEmpty ? null : device.Upload(inputs.H0);
        // The backward reads the forward's h (h_{t-1} in da = delta * h_{t-1}): recompute it on the device.
        using var h = device.Allocate<T>(problem.SequenceLength);
        using (var b = device.Upload(inputs.B))
            ScanLaunch.Forward(device, forward, problem, a, b, h0, h);
        using var dhDevice = device.Upload(dh);
        using var da = device.Allocate<T>(problem.SequenceLength);
        using var db = device.Allocate<T>(problem.SequenceLength);
        using var dh0 = gradients.DH0.IsEmpty ? null : device.Allocate<T>(problem.StateLength);
        ScanLaunch.Backward(device, backward, problem, a, h, h0, dhDevice, da, db, dh0);
        device.Download(da, gradients.DA);
        device.Download(db, gradients.DB);
        if (dh0 is not null) device.Download(dh0, gradients.DH0);
    }

    private CudaDevice RequireDevice() =>
        _probe.Value.Device ?? throw new BackendUnavailableException(Name, _probe.Value.Reason);
}
