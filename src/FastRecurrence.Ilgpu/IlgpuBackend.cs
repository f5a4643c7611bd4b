using System.Numerics;
using System.Runtime.InteropServices;
using FastRecurrence.Backends;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Ilgpu;

namespace FastRecurrence.Ilgpu;

/// <summary>
/// The ILGPU backends (ilgpu-cpu, ilgpu-cuda, ilgpu-opencl): every cell forward and backward and the scan as ILGPU
/// kernels in float32, sized by <see cref="IlgpuPlanner"/> for the accelerator. The accelerator is opened on first
/// use (never throws: <see cref="Availability"/> says what is missing) and calls are serialised on it.
/// A backend made by <see cref="IlgpuBackends.CreateCpu"/> owns its accelerator (and its threads) until disposed; the
/// three registered ones live as long as the process, and disposing them does nothing.
/// </summary>
public sealed class IlgpuBackend : IRecurrenceBackend, IDisposable
{
    private readonly Func<(IlgpuDevice? Device, string Reason)> _probe;
    private readonly bool _disposable;
    private readonly Lock _lifetime = new();
    private (IlgpuDevice? Device, string Reason)? _probed;
    private volatile bool _disposed;

    internal IlgpuBackend(IlgpuAcceleratorKind kind, ILGPU.Runtime.CPU.CPUDevice? cpuDevice = null, long? sharedMemoryCap = null,
        bool disposable = false)
    {
        Kind = kind;
        _disposable = disposable;
        _probe = () => IlgpuDevice.Probe(kind, cpuDevice, sharedMemoryCap);
    }

    /// <summary>
    /// The accelerator, opened on first use, or null and why not; after Dispose null ("disposed"), never opened again.
    /// </summary>
    private (IlgpuDevice? Device, string Reason) Probed
    {
        get
        {
            lock (_lifetime)
                return _disposed ? (null, $"this {Name} backend was disposed") : _probed ??= _probe();
        }
    }

    /// <summary>
    /// Releases the accelerator (waiting for a call in progress); later calls throw ObjectDisposedException and
    /// <see cref="Availability"/> says the backend was disposed. Nothing for the registered backends.
    /// </summary>
    public void Dispose()
    {
        if (!_disposable) return;
        IlgpuDevice? device;
        lock (_lifetime)
        {
            if (_disposed) return;
            _disposed = true;
            device = _probed?.Device;
        }
        if (device is null) return;
        lock (device.Gate)
            device.Dispose();
    }

    public IlgpuAcceleratorKind Kind { get; }

    public string Name => Kind.BackendName();

    public BackendAvailability Availability
    {
        get
        {
            var (device, reason) = Probed;
            return device is not null ? BackendAvailability.Available(reason) : BackendAvailability.Missing(reason);
        }
    }

    /// <summary>The accelerator's limits as the planner sees them, or null where the accelerator is missing.</summary>
    public IlgpuDeviceLimits? Limits => Probed.Device?.Limits;

    public string? WhyUnsupported(RecurrentProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.DataType != DataType.Float32)
            return $"the ILGPU kernels compute and store float32; {problem.DataType} runs on the reference or the cuda backend";
        // The forward decides support; the backward plans whatever the forward does (rows that do not fit shared memory
        // go to global scratch, decision 0033), and its planner is asked again when it is called.
        return PlanProblem(device => IlgpuPlanner.PlanRecurrent(device.Limits, problem, PlanDirection.Forward));
    }

    /// <summary>The ILGPU kernels mask variable lengths inside the sequence loop (forward and backward).</summary>
    public string? WhyNoVariableLengths => null;

    public string? WhyUnsupported(ScanProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.DataType != DataType.Float32)
            return $"the ILGPU scan computes and stores float32; {problem.DataType} runs on the reference or the cuda backend";
        return PlanProblem(device => IlgpuPlanner.PlanScan(device.Limits, problem));
    }

    private string? PlanProblem(Action<IlgpuDevice> plan)
    {
        if (Probed.Device is not { } device) return null; // Recurrence / Scan report the missing (or disposed) backend first
        try
        {
            plan(device);
            return null;
        }
        catch (PlanningException e)
        {
            return e.Message;
        }
    }

    public void Forward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputs<T> outputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var device = RequireFloat32<T>(problem.DataType);
        lock (device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            IlgpuRecurrentRuns.Forward(device, problem,
                new RecurrentInputs<float>(AsFloat(inputs.Wx), AsFloat(inputs.R), AsFloat(inputs.Bias), AsFloat(inputs.InitialStates),
                    inputs.Lengths),
                new RecurrentOutputs<float>(AsFloat(outputs.Y), AsFloat(outputs.LastStates), AsFloat(outputs.AllStates)));
        }
    }

    public void Backward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputGradients<T> outputGradients,
        RecurrentInputGradients<T> gradients, RecurrentBackwardOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AnySet)
            throw new NotSupportedException($"options: backend '{Name}' runs the plain backward only (no recurrent clipping, truncation or accumulation); got {options}. The reference and cuda backends take these options.");
        var device = RequireFloat32<T>(problem.DataType);
        try
        {
            IlgpuPlanner.PlanRecurrent(device.Limits, problem, PlanDirection.Backward);
        }
        catch (PlanningException e)
        {
            throw new NotSupportedException($"problem: backend '{Name}' has no backward for {problem}: {e.Message}", e);
        }
        lock (device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            IlgpuRecurrentRuns.Backward(device, problem,
                new RecurrentInputs<float>(AsFloat(inputs.Wx), AsFloat(inputs.R), AsFloat(inputs.Bias), AsFloat(inputs.InitialStates),
                    inputs.Lengths),
                new RecurrentOutputGradients<float>(AsFloat(outputGradients.DY), AsFloat(outputGradients.DLastStates)),
                new RecurrentInputGradients<float>(AsFloat(gradients.DWx), AsFloat(gradients.DR), AsFloat(gradients.DBias), AsFloat(gradients.DInitialStates)));
        }
    }

    public void ScanForward<T>(ScanProblem problem, ScanInputs<T> inputs, Span<T> h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var device = RequireFloat32<T>(problem.DataType);
        lock (device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            IlgpuScanRuns.Forward(device, problem, new ScanInputs<float>(AsFloat(inputs.A), AsFloat(inputs.B), AsFloat(inputs.H0)), AsFloat(h));
        }
    }

    public void ScanBackward<T>(ScanProblem problem, ScanInputs<T> inputs, ReadOnlySpan<T> dh, ScanGradients<T> gradients)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var device = RequireFloat32<T>(problem.DataType);
        lock (device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            IlgpuScanRuns.Backward(device, problem, new ScanInputs<float>(AsFloat(inputs.A), AsFloat(inputs.B), AsFloat(inputs.H0)),
                AsFloat(dh), new ScanGradients<float>(AsFloat(gradients.DA), AsFloat(gradients.DB), AsFloat(gradients.DH0)));
        }
    }

    private IlgpuDevice RequireFloat32<T>(DataType dataType)
    {
        var (device, reason) = Probed;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (device is null) throw new BackendUnavailableException(Name, reason);
        if (typeof(T) != typeof(float) || dataType != DataType.Float32)
            throw new NotSupportedException($"problem: backend '{Name}' runs float32 only, got {typeof(T).Name} ({dataType}).");
        return device;
    }

    private static ReadOnlySpan<float> AsFloat<T>(ReadOnlySpan<T> span) where T : unmanaged => MemoryMarshal.Cast<T, float>(span);

    private static Span<float> AsFloat<T>(Span<T> span) where T : unmanaged => MemoryMarshal.Cast<T, float>(span);
}
