using System.Collections.Concurrent;
using System.Globalization;
using FastRecurrence.Interop;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// The device a native backend runs on: device 0's retained primary context with its live <see cref="GpuSpec"/> (every
/// <see cref="DeviceAttribute"/> read through fr_device_attribute), or an emulated context planned for a catalog GPU;
/// and the scan plans made for it so far. Created by <see cref="Probe"/> / <see cref="ProbeEmulated"/>, which report
/// why not instead of throwing.
/// </summary>
internal sealed class CudaDevice
{
    private readonly ConcurrentDictionary<(ScanProblem Problem, PlanDirection Direction), PlanOutcome> _scanPlans = new();
    private readonly ConcurrentDictionary<(RecurrentProblem Problem, PlanDirection Direction, bool Lengths), PlanOutcome> _rnnPlans = new();

    private CudaDevice(FrContextHandle context, GpuSpec spec, string description)
    {
        Context = context;
        Spec = spec;
        Description = description;
    }

    public FrContextHandle Context { get; }
    public GpuSpec Spec { get; }
    public string Description { get; }

    /// <summary>
    /// An emulated device (cuda-emulated): the same kernels compiled by the system C++ compiler and run on the CPU
    /// emulator, planned for <paramref name="spec"/>'s limits. The reason, in words, when the library or a C++
    /// compiler is missing; never throws.
    /// </summary>
    public static (CudaDevice? Device, string Reason) ProbeEmulated(GpuSpec spec, FrSchedule schedule, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!FastRecurrenceLibrary.TryLoad(out _))
            return (null, "libfastrecurrence not found (run ./build.sh to build it)");
        try
        {
            return ProbeEmulatedLoaded(spec, schedule, seed);
        }
        catch (Exception e) when (e is FastRecurrenceNativeException or EntryPointNotFoundException or ArgumentException)
        {
            return (null, $"the emulated device could not be created: {e.Message}");
        }
    }

    private static unsafe (CudaDevice? Device, string Reason) ProbeEmulatedLoaded(GpuSpec spec, FrSchedule schedule, ulong seed)
    {
        var abi = FastRecurrenceNative.FrAbiVersion();
        if (abi != FrConstants.AbiVersion)
            return (null, $"libfastrecurrence speaks ABI {abi}, this build expects {FrConstants.AbiVersion} (rebuild it with ./build.sh)");
        const int Capacity = 1024;
        var buffer = stackalloc byte[Capacity];
        var status = FastRecurrenceNative.FrEmulationCompiler(buffer, Capacity);
        if (status == FrStatus.ErrorUnsupported)
            return (null, Prefixed("no C++ compiler", NativeText.LastError()));
        FastRecurrenceNativeException.ThrowIfFailed(status, "fr_emulation_compiler");
        var compiler = NativeText.FromFixedBuffer(buffer, Capacity);

        var arch = System.Text.Encoding.ASCII.GetBytes(spec.ComputeCapability.Arch + "\0");
        FrContextHandle context;
        fixed (byte* archText = arch)
        {
            var options = new FrEmulationOptions
            {
                StructSize = (nuint)sizeof(FrEmulationOptions),
                Arch = archText,
                Schedule = schedule,
                Seed = seed,
            };
            context = FrContextHandle.CreateEmulated(options);
        }
        var order = schedule == FrSchedule.InOrder ? "threads in order" : string.Create(CultureInfo.InvariantCulture, $"random thread order, seed {seed}");
        var description = string.Create(CultureInfo.InvariantCulture,
            $"CPU emulation of {spec.Name} ({spec.ComputeCapability.Arch} limits), kernels built by {compiler}, {order}");
        return (new CudaDevice(context, spec, description), description);
    }

    /// <summary>The reason, in words, when the library, the driver, a device or NVRTC is missing; never throws.</summary>
    public static (CudaDevice? Device, string Reason) Probe(int ordinal = 0)
    {
        if (!FastRecurrenceLibrary.TryLoad(out _))
            return (null, "libfastrecurrence not found (run ./build.sh to build it)");
        try
        {
            return ProbeLoaded(ordinal);
        }
        catch (Exception e) when (e is FastRecurrenceNativeException or EntryPointNotFoundException or ArgumentException)
        {
            return (null, $"the CUDA device could not be opened: {e.Message}");
        }
    }

    private static unsafe (CudaDevice? Device, string Reason) ProbeLoaded(int ordinal)
    {
        var abi = FastRecurrenceNative.FrAbiVersion();
        if (abi != FrConstants.AbiVersion)
            return (null, $"libfastrecurrence speaks ABI {abi}, this build expects {FrConstants.AbiVersion} (rebuild it with ./build.sh)");

        int count = 0;
        var status = FastRecurrenceNative.FrDeviceCount(&count);
        switch (status)
        {
            case FrStatus.Ok when count > ordinal:
                break;
            case FrStatus.Ok:
                return (null, count == 0 ? "no CUDA device" : $"no CUDA device {ordinal} (the driver reports {count})");
            case FrStatus.ErrorNoDriver:
                return (null, Prefixed("no CUDA driver", NativeText.LastError()));
            case FrStatus.ErrorNoDevice:
                return (null, Prefixed("no CUDA device", NativeText.LastError()));
            default:
                return (null, $"the CUDA device query failed: {FastRecurrenceNativeException.FromLastError(status, "fr_device_count").Message}");
        }

        int major = 0, minor = 0;
        status = FastRecurrenceNative.FrNvrtcVersion(&major, &minor);
        if (status == FrStatus.ErrorNoNvrtc)
            return (null, Prefixed("no NVRTC", NativeText.LastError()));
        FastRecurrenceNativeException.ThrowIfFailed(status, "fr_nvrtc_version");

        var context = FrContextHandle.Create(ordinal);
        var spec = GpuSpec.FromDeviceAttributes(DeviceName(ordinal), ReadAttributes(ordinal));
        var description = string.Create(CultureInfo.InvariantCulture,
            $"{spec.Name} ({spec.ComputeCapability.Arch}, {spec.SmCount} SMs), device {ordinal}, NVRTC {major}.{minor}");
        return (new CudaDevice(context, spec, description), description);
    }

    /// <summary>The native message, starting with <paramref name="what"/> (the library's own messages usually do).</summary>
    private static string Prefixed(string what, string message) =>
        message.Length == 0 ? what
        : message.StartsWith(what, StringComparison.OrdinalIgnoreCase) ? message
        : $"{what}: {message}";

    private static unsafe string DeviceName(int ordinal)
    {
        const int Capacity = 256;
        var buffer = stackalloc byte[Capacity];
        FastRecurrenceNativeException.ThrowIfFailed(FastRecurrenceNative.FrDeviceName(ordinal, buffer, Capacity), "fr_device_name");
        return NativeText.FromFixedBuffer(buffer, Capacity);
    }

    private static unsafe Dictionary<DeviceAttribute, int> ReadAttributes(int ordinal)
    {
        var attributes = new Dictionary<DeviceAttribute, int>();
        foreach (var attribute in Enum.GetValues<DeviceAttribute>())
        {
            int value = 0;
            FastRecurrenceNativeException.ThrowIfFailed(FastRecurrenceNative.FrDeviceAttribute(ordinal, (int)attribute, &value), "fr_device_attribute");
            attributes[attribute] = value;
        }
        return attributes;
    }

    /// <summary>The planner's scan plan for this device (cached per problem and direction), or why there is none.</summary>
    public PlanOutcome PlanScan(ScanProblem problem, PlanDirection direction) =>
        _scanPlans.GetOrAdd((problem, direction), key => Planner.Plan(Spec, new PlanRequest(KernelFamily.Scan, default,
            key.Problem.DataType, key.Problem.Batch, key.Problem.Heads, key.Problem.HeadSize, key.Direction, key.Problem.TimeSteps)));

    /// <summary>
    /// The planner's recurrent plan for this device (cached per problem, direction and lengths): fused when a plan fits
    /// on chip (forward: or streams its remaining R tiles from L2, decision 0023), else the alternating fallback; or why
    /// there is none. <paramref name="lengths"/>: for calls with
    /// per-sequence lengths, whose fused plan is the FR_LENGTHS build sized with its length check (decision 0021).
    /// </summary>
    public PlanOutcome PlanRecurrent(RecurrentProblem problem, PlanDirection direction, bool lengths = false) =>
        _rnnPlans.GetOrAdd((problem, direction, lengths), key => Planner.PlanBest(Spec, new PlanRequest(KernelFamily.Fused, key.Problem.Cell,
            key.Problem.DataType, key.Problem.Batch, key.Problem.Heads, key.Problem.HeadSize, key.Direction, key.Problem.TimeSteps)
            { Precision = key.Problem.Precision, Lengths = key.Lengths }));

    /// <summary>
    /// <see cref="PlanRecurrent"/>'s plan, or NotSupportedException with the planner's reason (the message names the
    /// lengths plan when <paramref name="lengths"/>).
    /// </summary>
    public KernelPlan RequireRecurrentPlan(RecurrentProblem problem, PlanDirection direction, bool lengths = false)
    {
        var outcome = PlanRecurrent(problem, direction, lengths);
        return outcome.Plan ?? throw new NotSupportedException(
            $"problem: no {direction.ToString().ToLowerInvariant()} plan (fused or alternating){(lengths ? " for calls with lengths" : "")} of {problem} on {Spec.Name}: {outcome.Reason}");
    }

    /// <summary>Device memory holding a copy of <paramref name="host"/>.</summary>
    public unsafe FrDeviceMemoryHandle Upload<T>(ReadOnlySpan<T> host) where T : unmanaged
    {
        var memory = Allocate<T>(host.Length);
        try
        {
            fixed (T* source = host)
                FastRecurrenceNativeException.ThrowIfFailed(
                    FastRecurrenceNative.FrMemcpyToDevice(Context, memory.Pointer, source, memory.Bytes), "fr_memcpy_to_device");
            return memory;
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <paramref name="elements"/> is a long: memory only the device reads (the backward's reserve) may hold more
    /// elements than a span, which bounds what is copied to or from the host.
    /// </summary>
    public unsafe FrDeviceMemoryHandle Allocate<T>(long elements) where T : unmanaged =>
        FrDeviceMemoryHandle.Allocate(Context, checked((nuint)elements * (nuint)sizeof(T)));

    public unsafe void Download<T>(FrDeviceMemoryHandle memory, Span<T> host) where T : unmanaged
    {
        using var lease = DeviceMemoryLease.Of(memory);
        fixed (T* destination = host)
            FastRecurrenceNativeException.ThrowIfFailed(
                FastRecurrenceNative.FrMemcpyToHost(Context, destination, memory.Pointer, (nuint)host.Length * (nuint)sizeof(T)), "fr_memcpy_to_host");
    }

    public unsafe void Synchronize() =>
        FastRecurrenceNativeException.ThrowIfFailed(FastRecurrenceNative.FrSynchronize(Context, null), "fr_synchronize");
}
