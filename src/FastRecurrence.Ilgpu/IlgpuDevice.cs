using System.Globalization;
using FastRecurrence.Planning.Ilgpu;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace FastRecurrence.Ilgpu;

/// <summary>
/// One ILGPU context and accelerator, the limits the planner sizes kernels from, and the kernels loaded on it so far.
/// Created by <see cref="Probe"/>, which says why not instead of throwing. Calls are serialised: ILGPU accelerators
/// are bound to one thread at a time.
/// </summary>
internal sealed class IlgpuDevice : IDisposable
{
    /// <summary>The CPU accelerator's simulated device (the shape): warps of 32, 4 warps per group, 1 multiprocessor.</summary>
    public static readonly CPUDevice SimulatedCpuDevice = new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 4, numMultiprocessors: 1);

    private IlgpuDevice(Context context, Accelerator accelerator, long? sharedMemoryCap)
    {
        Context = context;
        Accelerator = accelerator;
        long shared = accelerator.MaxSharedMemoryPerGroup;
        if (sharedMemoryCap is { } cap) shared = Math.Min(shared, cap);
        Limits = new IlgpuDeviceLimits(accelerator.Name, accelerator.WarpSize, accelerator.MaxNumThreadsPerGroup, shared,
            Math.Max(1, accelerator.NumMultiprocessors), Simulated: accelerator.AcceleratorType == AcceleratorType.CPU);
        Kernels = new IlgpuKernels(accelerator);
    }

    public Context Context { get; }
    public Accelerator Accelerator { get; }
    public IlgpuDeviceLimits Limits { get; }
    public IlgpuKernels Kernels { get; }
    public Lock Gate { get; } = new();

    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"ILGPU {Accelerator.AcceleratorType} accelerator ({Accelerator.Name}): warp {Limits.WarpSize}, groups up to {Limits.MaxGroupSize} threads, {Limits.MaxSharedMemoryPerGroup} bytes of shared memory per group, {Limits.Multiprocessors} multiprocessor(s)");

    /// <param name="kind">Which accelerator.</param>
    /// <param name="cpuDevice">The CPU accelerator's simulated device (default <see cref="SimulatedCpuDevice"/>).</param>
    /// <param name="sharedMemoryCap">Plan as if the accelerator had at most this much shared memory per group (bytes).</param>
    public static (IlgpuDevice? Device, string Reason) Probe(IlgpuAcceleratorKind kind, CPUDevice? cpuDevice = null, long? sharedMemoryCap = null)
    {
        Context? context = null;
        try
        {
            context = kind switch
            {
                IlgpuAcceleratorKind.Cpu => Context.Create(builder => builder.CPU(cpuDevice ?? SimulatedCpuDevice).EnableAlgorithms()),
                IlgpuAcceleratorKind.Cuda => Context.Create(builder => builder.Cuda().EnableAlgorithms()),
                _ => Context.Create(builder => builder.OpenCL().EnableAlgorithms()),
            };
            Device? device = kind switch
            {
                IlgpuAcceleratorKind.Cpu => context.GetCPUDevices().Count > 0 ? context.GetCPUDevices()[0] : null,
                IlgpuAcceleratorKind.Cuda => context.GetCudaDevices().Count > 0 ? context.GetCudaDevices()[0] : null,
                _ => context.GetCLDevices().Count > 0 ? context.GetCLDevices()[0] : null,
            };
            if (device is null)
            {
                context.Dispose();
                return (null, kind switch
                {
                    IlgpuAcceleratorKind.Cuda => "ILGPU finds no CUDA device (no NVIDIA driver or GPU)",
                    IlgpuAcceleratorKind.OpenCL => "ILGPU finds no OpenCL 2.0 device (no OpenCL driver)",
                    _ => "ILGPU's CPU accelerator is missing",
                });
            }
            var accelerator = device.CreateAccelerator(context);
            var created = new IlgpuDevice(context, accelerator, sharedMemoryCap);
            return (created, created.Description);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            context?.Dispose();
            return (null, $"ILGPU could not open a {kind} accelerator: {e.Message}");
        }
    }

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}
