using FastRecurrence.Planning;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// The inputs of a <see cref="CudaRecurrence"/> call, in device buffers (the layouts of <see cref="RecurrentInputs{T}"/>).
/// <see cref="Lengths"/>: each sequence's length, [B] int32 in 1..T (<see cref="RecurrentInputs{T}.Lengths"/>'s
/// semantics), or null when every sequence is T long. Its size is checked, its values are not: they stay on the device
/// (reading them back would cost a copy and a synchronisation per call). A value outside 1..T touches no memory outside
/// the buffers (the kernels only compare a step with it) but is not a meaningful sequence.
/// </summary>
public sealed record DeviceRecurrentInputs<T>(DeviceBuffer<T> Wx, DeviceBuffer<T> R, DeviceBuffer<T> Bias, DeviceBuffer<T>? InitialStates = null,
    DeviceBuffer<int>? Lengths = null)
    where T : unmanaged;

/// <summary>The gradients a <see cref="CudaRecurrence"/> backward writes (or adds to), in device buffers.</summary>
public sealed record DeviceRecurrentGradients<T>(DeviceBuffer<T> DWx, DeviceBuffer<T> DR, DeviceBuffer<T> DBias,
    DeviceBuffer<T>? DInitialStates = null)
    where T : unmanaged;

/// <summary>
/// One recurrent problem on the device of a cuda backend ("cuda", or "cuda-emulated" on the CPU), for training loops:
/// inputs, outputs, the forward's reserve and the gradients stay in <see cref="DeviceBuffer{T}"/>s between calls, and
/// nothing is copied to the host. <see cref="Forward{T}"/> with a reserve is the training forward (fp32, what the
/// backward reads: <see cref="ReserveLength"/> elements, the gate products and the states; or, to keep less between
/// the passes, <see cref="StatesReserveLength"/>, the states only, from which the backward recomputes the gate products
/// in one parallel product into scratch of its own); <see cref="Backward{T}"/> reads it and writes the gradients,
/// or adds them to the buffers' values with <see cref="RecurrentBackwardOptions.Accumulate"/>. The plans come from
/// the planner for the device (fused, or the alternating fallback for heads too large for the chip).
/// Element types: float (Float32), Half (Float16), ushort (BFloat16, the raw bits).
/// </summary>
public sealed class CudaRecurrence
{
    private readonly CudaDevice _device;

    private CudaRecurrence(RecurrentProblem problem, string backend, CudaDevice device)
    {
        Problem = problem;
        Backend = backend;
        _device = device;
    }

    /// <summary>
    /// The plan of a call (the device caches them): calls with lengths run the FR_LENGTHS build, planned with its length
    /// check (decision 0021).
    /// </summary>
    private KernelPlan PlanFor<T>(PlanDirection direction, DeviceRecurrentInputs<T> inputs) where T : unmanaged =>
        _device.RequireRecurrentPlan(Problem, direction, lengths: inputs.Lengths is not null);

    /// <summary>
    /// Plans <paramref name="problem"/> for the device of <paramref name="backend"/> (a cuda backend's name). Throws
    /// ArgumentException for a backend that is not a cuda one, BackendUnavailableException when it cannot run here, and
    /// NotSupportedException (with the planner's reason) when no plan fits.
    /// </summary>
    public static CudaRecurrence Create(RecurrentProblem problem, string backend = CudaBackend.BackendName)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var (name, device) = DeviceBufferRules.RequireDevice(backend, problem.DataType, problem);
        // planned (and cached by the device) now, so a problem without a plan fails here rather than at its first call
        device.PlanRecurrent(problem, PlanDirection.Forward).Require();
        return new CudaRecurrence(problem, name, device);
    }

    public RecurrentProblem Problem { get; }

    /// <summary>The backend's name.</summary>
    public string Backend { get; }

    /// <summary>fp32 elements of the training forward's reserve: B * T * NH * D * (G + S) (gate products and states).</summary>
    public long ReserveLength => RnnLaunch.ReserveElements(Problem);

    /// <summary>fp32 elements of the recompute reserve: B * T * NH * D * S (the states only).</summary>
    public long StatesReserveLength => RnnLaunch.ReserveElements(Problem, gateProducts: false);

    /// <summary>Uninitialised device memory of <paramref name="length"/> elements.</summary>
    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged => DeviceBufferRules.Allocate<T>(_device, length);

    /// <summary>Device memory holding a copy of <paramref name="host"/>.</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> host) where T : unmanaged => DeviceBufferRules.Upload(_device, host);

    /// <summary>
    /// A reserve for the training forward: <see cref="ReserveLength"/> fp32 elements, or with
    /// <paramref name="recompute"/> <see cref="StatesReserveLength"/> (the backward recomputes the gate products).
    /// </summary>
    public DeviceBuffer<float> AllocateReserve(bool recompute = false) =>
        Allocate<float>(checked((int)(recompute ? StatesReserveLength : ReserveLength)));

    /// <summary>
    /// The forward: y [B, T, NH, D] and optionally the last states; with <paramref name="reserve"/>, the training forward
    /// that also fills it for <see cref="Backward{T}"/>.
    /// </summary>
    public void Forward<T>(DeviceRecurrentInputs<T> inputs, DeviceBuffer<T> y, DeviceBuffer<T>? lastStates = null,
        DeviceBuffer<float>? reserve = null)
        where T : unmanaged
    {
        CheckElementType<T>();
        CheckInputs(inputs);
        Check(y, Problem.YLength, nameof(y));
        if (lastStates is not null) Check(lastStates, Problem.StatesLength, nameof(lastStates));
        if (reserve is null)
        {
            RnnLaunch.Forward(_device, PlanFor(PlanDirection.Forward, inputs), Problem, inputs.Wx.Memory, inputs.R.Memory, inputs.Bias.Memory,
                inputs.InitialStates?.Memory, y.Memory, null, lastStates?.Memory, inputs.Lengths?.Memory);
            return;
        }
        CheckReserve(reserve);
        RnnLaunch.ForwardTraining(_device, PlanFor(PlanDirection.Forward, inputs), Problem, inputs.Wx.Memory, inputs.R.Memory, inputs.Bias.Memory,
            inputs.InitialStates?.Memory, y.Memory, lastStates?.Memory, reserve.Memory, inputs.Lengths?.Memory);
    }

    /// <summary>
    /// The backward after a training forward of the same inputs (its y and reserve): given dL/dy (and optionally dL/d
    /// last states), writes dL/dWx, dL/dR, dL/db and, when given a buffer, dL/d initial states; the options add
    /// recurrent clipping, truncated BPTT and accumulation into the gradient buffers.
    /// </summary>
    public void Backward<T>(DeviceRecurrentInputs<T> inputs, DeviceBuffer<T> y, DeviceBuffer<float> reserve, DeviceBuffer<T> dy,
        DeviceRecurrentGradients<T> gradients, DeviceBuffer<T>? dLastStates = null, RecurrentBackwardOptions? options = null)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(gradients);
        CheckElementType<T>();
        CheckInputs(inputs);
        Check(y, Problem.YLength, nameof(y));
        CheckReserve(reserve);
        Check(dy, Problem.YLength, nameof(dy));
        if (dLastStates is not null) Check(dLastStates, Problem.StatesLength, nameof(dLastStates));
        Check(gradients.DWx, Problem.WxLength, "gradients.DWx");
        Check(gradients.DR, Problem.RLength, "gradients.DR");
        Check(gradients.DBias, Problem.BiasLength, "gradients.DBias");
        if (gradients.DInitialStates is not null) Check(gradients.DInitialStates, Problem.StatesLength, "gradients.DInitialStates");
        RnnLaunch.Backward(_device, PlanFor(PlanDirection.Backward, inputs), Problem, options ?? RecurrentBackwardOptions.None, inputs.Wx.Memory,
            inputs.R.Memory, inputs.Bias.Memory, inputs.InitialStates?.Memory, y.Memory, reserve.Memory, dy.Memory,
            dLastStates?.Memory, gradients.DWx.Memory, gradients.DR.Memory, gradients.DBias.Memory, gradients.DInitialStates?.Memory,
            inputs.Lengths?.Memory);
    }

    private void CheckInputs<T>(DeviceRecurrentInputs<T> inputs) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Check(inputs.Wx, Problem.WxLength, "inputs.Wx");
        Check(inputs.R, Problem.RLength, "inputs.R");
        Check(inputs.Bias, Problem.BiasLength, "inputs.Bias");
        if (inputs.InitialStates is not null) Check(inputs.InitialStates, Problem.StatesLength, "inputs.InitialStates");
        if (inputs.Lengths is not null) Check(inputs.Lengths, Problem.Batch, "inputs.Lengths");
    }

    private void CheckReserve(DeviceBuffer<float> reserve)
    {
        ArgumentNullException.ThrowIfNull(reserve);
        if (reserve.Length != ReserveLength && reserve.Length != StatesReserveLength)
            throw new ArgumentException($"reserve: expected {ReserveLength} elements (gate products and states) or {StatesReserveLength} (states only) for {Problem}, got {reserve.Length}.", nameof(reserve));
        Check(reserve, reserve.Length, nameof(reserve));
    }

    private void Check<TElement>(DeviceBuffer<TElement> buffer, long length, string name) where TElement : unmanaged =>
        DeviceBufferRules.Check(_device, buffer, length, name, Problem);

    private void CheckElementType<T>() where T : unmanaged => DeviceBufferRules.CheckElementType<T>(Problem.DataType);
}
