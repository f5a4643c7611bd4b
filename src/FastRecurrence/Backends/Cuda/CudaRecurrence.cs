using FastRecurrence.Interop;
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
    where T : unmanaged
{
    /// <summary>
    /// R packed once by <see cref="CudaRecurrence.PackRecurrent{T}"/> for the plan of this call (inference with fixed
    /// weights): the inference forward reads it instead of <see cref="R"/> (which stays required and checked, as the
    /// backward's input). Set it with <c>inputs with { PackedR = packed }</c>. A training forward (with a reserve)
    /// refuses it: its copy would go stale at the next weight update while the backward reads the new R.
    /// </summary>
    public PackedRecurrent<T>? PackedR { get; init; }
}

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
/// the planner for the device (fused, or the alternating fallback for heads too large for the chip). A forward plan
/// that streams R tiles from L2 (heads beyond the chip) reads R packed in its layout: the forward packs R per call
/// into scratch, or reads <see cref="PackRecurrent{T}"/>'s copy when the inputs carry one (decision 0024).
/// Element types: float (Float32), Half (Float16), ushort (BFloat16, the raw bits).
/// </summary>
public sealed class CudaRecurrence : IDisposable
{
    private readonly CudaDevice _device;

    /// <summary>
    /// Where forwards of plans that stream R tiles pack R (rewritten by every such call, so reused: no allocation, no
    /// free, no extra synchronisation per call); calls hold <see cref="_scratchGate"/> from the pack to the end of the
    /// launch. Null until the first such call.
    /// </summary>
    private FrDeviceMemoryHandle? _scratch;
    private readonly Lock _scratchGate = new();
    private bool _disposed;

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
        ArgumentNullException.ThrowIfNull(backend);
        return Create(problem, RecurrenceBackends.Get(backend));
    }

    /// <summary>
    /// <see cref="Create(RecurrentProblem, string)"/> on a backend object: a registered cuda backend, or one of
    /// <see cref="CudaEmulation.CreateBackend"/> (the emulator planning for another GPU, or in a random thread order).
    /// </summary>
    public static CudaRecurrence Create(RecurrentProblem problem, IRecurrenceBackend backend)
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

    /// <summary>fp32 elements of the recompute reserve: B * T * NH * D * S + 1 (the states only, and one unused element
    /// that keeps the two reserve sizes apart).</summary>
    public long StatesReserveLength => RnnLaunch.ReserveElements(Problem, gateProducts: false);

    /// <summary>Uninitialised device memory of <paramref name="length"/> elements.</summary>
    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged => DeviceBufferRules.Allocate<T>(_device, length);

    /// <summary>Device memory holding a copy of <paramref name="host"/>.</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> host) where T : unmanaged => DeviceBufferRules.Upload(_device, host);

    /// <summary>
    /// A reserve for the training forward: <see cref="ReserveLength"/> fp32 elements, or with
    /// <paramref name="recompute"/> <see cref="StatesReserveLength"/> (the backward recomputes the gate products).
    /// </summary>
    /// <remarks>
    /// A <see cref="DeviceBuffer{T}"/> holds at most int.MaxValue elements (its length is a span's): a reserve beyond that
    /// (e.g. LSTM B=48, T=4096, D=2048 needs 2.4 billion) throws NotSupportedException naming the limit, and the
    /// states-only reserve when that one fits.
    /// </remarks>
    public DeviceBuffer<float> AllocateReserve(bool recompute = false)
    {
        var elements = recompute ? StatesReserveLength : ReserveLength;
        var instead = !recompute && StatesReserveLength <= int.MaxValue
            ? $"AllocateReserve(recompute: true) keeps the states only ({StatesReserveLength} elements; the backward recomputes the gate products)"
            : "split the batch";
        return Allocate<float>(DeviceBufferRules.BufferLength(elements, "reserve", Problem, instead));
    }

    /// <summary>
    /// Compiles and loads now what the calls would on first use: the kernels of the forward (and with
    /// <paramref name="backward"/> of the backward) of calls with (<paramref name="lengths"/>) or without per-sequence
    /// lengths, so a cold start (a kernel compile is up to a few seconds, a cache hit a few milliseconds) happens here,
    /// at set-up, rather than in the first step. Optional; compile errors surface here as they would in the call.
    /// </summary>
    public void Prepare(bool backward = true, bool lengths = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        RnnLaunch.Prepare(_device, _device.RequireRecurrentPlan(Problem, PlanDirection.Forward, lengths), lengths);
        if (backward) RnnLaunch.Prepare(_device, _device.RequireRecurrentPlan(Problem, PlanDirection.Backward, lengths), lengths);
    }

    /// <summary>
    /// Whether the forward of calls with (<paramref name="lengths"/>) or without per-sequence lengths runs a fused plan,
    /// whose R <see cref="PackRecurrent{T}"/> can pack; false for the alternating fallback, which reads R as given.
    /// </summary>
    public bool CanPackRecurrent(bool lengths = false) =>
        _device.RequireRecurrentPlan(Problem, PlanDirection.Forward, lengths).Request.Family == KernelFamily.Fused;

    /// <summary>
    /// R [G, NH, D, D] packed in the layout of the forward plan of calls with (<paramref name="lengths"/>) or without
    /// per-sequence lengths, for <see cref="DeviceRecurrentInputs{T}.PackedR"/>: for callers whose R stays the same across
    /// calls. Throws NotSupportedException when that plan is the alternating fallback (<see cref="CanPackRecurrent"/>).
    /// </summary>
    public PackedRecurrent<T> PackRecurrent<T>(DeviceBuffer<T> r, bool lengths = false) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckElementType<T>();
        Check(r, Problem.RLength, nameof(r));
        var plan = _device.RequireRecurrentPlan(Problem, PlanDirection.Forward, lengths);
        if (plan.Request.Family != KernelFamily.Fused)
            throw new NotSupportedException($"r: the forward of {Problem}{(lengths ? " with lengths" : "")} on {_device.Spec.Name} runs the alternating fallback, which reads R as [G, NH, D, D] (it has no packed layout); pass R itself.");
        var buffer = Allocate<T>(DeviceBufferRules.BufferLength(RnnLaunch.PackedRecurrentElements(plan), "r", Problem,
            "pass R itself (the forward packs it per call into scratch of its own)"));
        try
        {
            RnnLaunch.PackRecurrent(_device, plan, Problem, r.Memory, buffer.Memory);
            return new PackedRecurrent<T>(plan, lengths, buffer);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The forward: y [B, T, NH, D] and optionally the last states; with <paramref name="reserve"/>, the training forward
    /// that also fills it for <see cref="Backward{T}"/>. A plan that streams R tiles packs R into this object's scratch
    /// first, unless the inputs carry <see cref="DeviceRecurrentInputs{T}.PackedR"/> (inference only).
    /// </summary>
    public void Forward<T>(DeviceRecurrentInputs<T> inputs, DeviceBuffer<T> y, DeviceBuffer<T>? lastStates = null,
        DeviceBuffer<float>? reserve = null)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckElementType<T>();
        CheckInputs(inputs);
        Check(y, Problem.YLength, nameof(y));
        if (lastStates is not null) Check(lastStates, Problem.StatesLength, nameof(lastStates));
        if (reserve is not null) CheckReserve(reserve);
        var plan = PlanFor(PlanDirection.Forward, inputs);
        if (inputs.PackedR is { } given)
        {
            if (reserve is not null)
                throw new ArgumentException("inputs.PackedR: a training forward (with a reserve) reads R itself, packing it where the plan needs it: a packed copy is for inference with fixed weights (the backward reads R, and a copy goes stale at the next weight update).", nameof(inputs));
            CheckPacked(given, plan, inputs.Lengths is not null);
            Launch(inputs, plan, given.Buffer.Memory, rPacked: true, y, lastStates, reserve);
            return;
        }
        if (!RnnLaunch.StreamsRecurrentTiles(plan))
        {
            Launch(inputs, plan, inputs.R.Memory, rPacked: false, y, lastStates, reserve);
            return;
        }
        lock (_scratchGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var bytes = checked((nuint)RnnLaunch.PackedRecurrentElements(plan) * (nuint)Problem.DataType.SizeInBytes());
            if (_scratch is null || _scratch.Bytes != bytes)
            {
                _scratch?.Dispose();
                _scratch = null;
                _scratch = FrDeviceMemoryHandle.Allocate(_device.Context, bytes);
            }
            // the same stream orders the pack before the forward; the forward's synchronisation reports either's fault,
            // and R stays leased until then (decision 0043)
            using var leasedR = DeviceMemoryLease.Of(inputs.R.Memory);
            RnnLaunch.PackRecurrent(_device, plan, Problem, inputs.R.Memory, _scratch, synchronize: false);
            Launch(inputs, plan, _scratch, rPacked: true, y, lastStates, reserve);
        }
    }

    private void Launch<T>(DeviceRecurrentInputs<T> inputs, KernelPlan plan, FrDeviceMemoryHandle r, bool rPacked, DeviceBuffer<T> y,
        DeviceBuffer<T>? lastStates, DeviceBuffer<float>? reserve) where T : unmanaged
    {
        if (reserve is null)
            RnnLaunch.Forward(_device, plan, Problem, inputs.Wx.Memory, r, inputs.Bias.Memory, inputs.InitialStates?.Memory, y.Memory, null,
                lastStates?.Memory, inputs.Lengths?.Memory, rPacked);
        else
            RnnLaunch.ForwardTraining(_device, plan, Problem, inputs.Wx.Memory, r, inputs.Bias.Memory, inputs.InitialStates?.Memory, y.Memory,
                lastStates?.Memory, reserve.Memory, inputs.Lengths?.Memory, rPacked);
    }

    /// <summary>Frees the scratch that forwards of plans streaming R tiles pack R into; the buffers made here stay the caller's.</summary>
    public void Dispose()
    {
        lock (_scratchGate)
        {
            _disposed = true;
            _scratch?.Dispose();
            _scratch = null;
        }
    }

    /// <summary>Refuses a packed R of another device, a disposed one, or one packed for another plan than the call's.</summary>
    private void CheckPacked<T>(PackedRecurrent<T> packed, KernelPlan plan, bool lengths) where T : unmanaged
    {
        // its device and that it is live (its length is its own)
        Check(packed.Buffer, packed.Length, "inputs.PackedR");
        // plans are cached per device, problem, direction and lengths: the same object unless another device planned it
        if (ReferenceEquals(packed.Plan, plan) || packed.Plan.Equals(plan)) return;
        var why = packed.ForLengths != lengths
            ? $"it was packed for calls {(packed.ForLengths ? "with" : "without")} lengths and this call has {(lengths ? "lengths" : "none")} (PackRecurrent(r, lengths: {(lengths ? "true" : "false")}))"
            : "it was packed for another plan (another problem or device)";
        throw new ArgumentException($"inputs.PackedR: not in the layout of this forward's plan for {Problem}: {why}.", "inputs");
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
        ObjectDisposedException.ThrowIf(_disposed, this);
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
