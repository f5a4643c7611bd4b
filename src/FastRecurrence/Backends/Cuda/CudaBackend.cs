using System.Numerics;
using FastRecurrence.Interop;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// The native CUDA backends: libfastrecurrence's CUDA C kernels, NVRTC-compiled on device 0 ("cuda"), or compiled by the
/// system C++ compiler and run on the CPU emulator ("cuda-emulated"), sized per problem by the planner for the device.
/// Runs the scan (float32, float64, and float16 through <see cref="Half"/>) and the recurrent forward and backward
/// (float32, float16; fused in every regime, or the alternating fallback for heads too large for the chip).
/// Availability is probed once, on first use, and never throws: it says what is missing (the library, the driver, a
/// device, NVRTC, a C++ compiler for the emulation).
/// </summary>
internal sealed class CudaBackend : IRecurrenceBackend, IInputProjectionBackend
{
    public const string BackendName = "cuda";

    /// <summary>
    /// Below the reference (0): <see cref="RecurrenceBackends.Default"/> picks by availability alone, and the recurrent
    /// kernels have run only on the CPU emulator so far (no GPU run has checked them: issues 7, 8). Callers choose it by
    /// name until a GPU run of tools/device/ records the correctness matrix.
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

    /// <summary>
    /// Every kernel path masks (fused forward and backward in each regime, the alternating fallback, the gate-product
    /// recompute reads only steps that ran): a per-row <c>t &lt; length[b]</c> predicate inside the same launches.
    /// </summary>
    public string? WhyNoVariableLengths => null;

    public BackendAvailability Availability =>
        _probe.Value.Device is not null ? BackendAvailability.Available(_probe.Value.Reason) : BackendAvailability.Missing(_probe.Value.Reason);

    /// <summary>
    /// The forward and the backward run every plan the planner picks (fused: single block, cluster, grid barrier, with R
    /// tiles streamed from L2 beyond the chip; or the alternating fallback) in float32 and float16.
    /// </summary>
    public string? WhyUnsupported(RecurrentProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.DataType == DataType.Float64)
            return "the fused kernels store fp32, bf16 or fp16 (fp32 accumulation); float64 runs on the reference backend";
        if (problem.DataType == DataType.BFloat16)
            return "no .NET element type holds BFloat16, so spans cannot carry it; the fused kernel runs bf16 through the C ABI (fr_rnn_forward with FR_DTYPE_BFLOAT16).";
        if (_probe.Value.Device is not { } device) return null;
        var outcome = device.PlanRecurrent(problem, PlanDirection.Forward);
        return outcome.Plan is null ? $"no forward plan (fused or alternating) on {device.Spec.Name}: {outcome.Reason}" : null;
    }

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
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var device = RequireDevice();
        if (WhyUnsupported(problem) is { } why)
            throw new NotSupportedException($"problem: backend '{Name}' does not run {problem}: {why}");
        var plan = device.RequireRecurrentPlan(problem, PlanDirection.Forward, lengths: !inputs.Lengths.IsEmpty);
        using var wx = device.Upload(inputs.Wx);
        using var r = device.Upload(inputs.R);
        using var bias = device.Upload(inputs.Bias);
        using var initial = inputs.InitialStates.IsEmpty ? null : device.Upload(inputs.InitialStates);
        using var lengths = UploadLengths(device, problem, inputs.Lengths);
        using var y = device.Allocate<T>(problem.YLength);
        using var all = outputs.AllStates.IsEmpty ? null : device.Allocate<T>(problem.AllStatesLength);
        using var last = outputs.LastStates.IsEmpty ? null : device.Allocate<T>(problem.StatesLength);
        using var packed = RnnLaunch.PackIfStreamed(device, plan, problem, r);
        RnnLaunch.Forward(device, plan, problem, wx, packed ?? r, bias, initial, y, all, last, lengths, rPacked: packed is not null);
        device.Download(y, outputs.Y);
        if (all is not null) device.Download(all, outputs.AllStates);
        if (last is not null) device.Download(last, outputs.LastStates);
    }

    /// <summary>
    /// The training forward (fr_rnn_forward_training: y and the fp32 reserve) then the backward (fr_rnn_backward: fused,
    /// or the alternating fallback for heads too large for the chip), on the device; what the spans carry is uploaded
    /// and downloaded around them. Every option is supported.
    /// </summary>
    public void Backward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputGradients<T> outputGradients,
        RecurrentInputGradients<T> gradients, RecurrentBackwardOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(options);
        var device = RequireDevice();
        if ((WhyUnsupported(problem) ?? WhyNoBackward(device, problem)) is { } why)
            throw new NotSupportedException($"problem: backend '{Name}' does not run the backward of {problem}: {why}");
        var forwardPlan = device.RequireRecurrentPlan(problem, PlanDirection.Forward, lengths: !inputs.Lengths.IsEmpty);
        var backwardPlan = device.RequireRecurrentPlan(problem, PlanDirection.Backward, lengths: !inputs.Lengths.IsEmpty);
        using var wx = device.Upload(inputs.Wx);
        using var r = device.Upload(inputs.R);
        using var bias = device.Upload(inputs.Bias);
        using var initial = inputs.InitialStates.IsEmpty ? null : device.Upload(inputs.InitialStates);
        using var lengths = UploadLengths(device, problem, inputs.Lengths);
        using var y = device.Allocate<T>(problem.YLength);
        // device-only memory: its length may pass int.MaxValue for problems whose every span fits (the reserve is G + S
        // times y), and the library takes its length from the allocation's bytes
        using var reserve = device.Allocate<float>(RnnLaunch.ReserveElements(problem));
        using (var packed = RnnLaunch.PackIfStreamed(device, forwardPlan, problem, r))
            RnnLaunch.ForwardTraining(device, forwardPlan, problem, wx, packed ?? r, bias, initial, y, null, reserve, lengths, rPacked: packed is not null);

        using var dy = device.Upload(outputGradients.DY);
        using var dLast = outputGradients.DLastStates.IsEmpty ? null : device.Upload(outputGradients.DLastStates);
        // accumulation adds to the caller's values: they go up with the call
        using var dWx = options.Accumulate ? device.Upload<T>(gradients.DWx) : device.Allocate<T>(problem.WxLength);
        using var dR = options.Accumulate ? device.Upload<T>(gradients.DR) : device.Allocate<T>(problem.RLength);
        using var dBias = options.Accumulate ? device.Upload<T>(gradients.DBias) : device.Allocate<T>(problem.BiasLength);
        using var dInitial = gradients.DInitialStates.IsEmpty ? null
            : options.Accumulate ? device.Upload<T>(gradients.DInitialStates) : device.Allocate<T>(problem.StatesLength);
        RnnLaunch.Backward(device, backwardPlan, problem, options, wx, r, bias, initial, y, reserve, dy, dLast, dWx, dR, dBias, dInitial,
            lengths);
        device.Download(dWx, gradients.DWx);
        device.Download(dR, gradients.DR);
        device.Download(dBias, gradients.DBias);
        if (dInitial is not null) device.Download(dInitial, gradients.DInitialStates);
    }

    /// <summary>
    /// The lengths on the device, checked here (1..T each) because the library does not read device values; null when
    /// every sequence is T long.
    /// </summary>
    private static Interop.FrDeviceMemoryHandle? UploadLengths(CudaDevice device, RecurrentProblem problem, ReadOnlySpan<int> lengths)
    {
        if (lengths.IsEmpty) return null;
        Validation.ArgumentChecks.Lengths(lengths, problem.Batch, problem.TimeSteps, "lengths");
        return device.Upload(lengths);
    }

    /// <summary>Null when the backward of <paramref name="problem"/> has a plan (fused or alternating) on this device, else why not.</summary>
    private static string? WhyNoBackward(CudaDevice device, RecurrentProblem problem)
    {
        var outcome = device.PlanRecurrent(problem, PlanDirection.Backward);
        return outcome.Plan is null ? $"no backward plan (fused or alternating) on {device.Spec.Name}: {outcome.Reason}" : null;
    }

    public string? WhyNoInputProjection(DataType dataType)
    {
        if (dataType is not (DataType.Float32 or DataType.Float16))
            return $"the input projection (fr_linear) runs fp32, bf16 and fp16, and spans carry Float32 and Float16; got {dataType}";
        return _probe.Value.Device is null ? _probe.Value.Reason : null;
    }

    /// <summary>x W_ih^T through fr_linear: cuBLAS where it loads, else kernels/linear.cu.</summary>
    public void ProjectInput<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weightIh, int rows, int inputSize, int gateRows, Span<T> wx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var device = RequireDevice();
        var type = DataTypeExtensions.Of<T>() ?? throw new NotSupportedException($"T: {typeof(T).Name} is not a storage type.");
        if (WhyNoInputProjection(type) is { } why)
            throw new NotSupportedException($"T: backend '{Name}' cannot project {type} inputs: {why}");
        using var xs = device.Upload(x);
        using var w = device.Upload(weightIh);
        using var y = device.Allocate<T>(wx.Length);
        LinearLaunch.Run(device, type, xs, w, y, rows, inputSize, gateRows, allowCublas: true);
        device.Download(y, wx);
    }

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

    internal CudaDevice RequireDevice() =>
        _probe.Value.Device ?? throw new BackendUnavailableException(Name, _probe.Value.Reason);
}
