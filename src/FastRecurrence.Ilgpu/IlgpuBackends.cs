using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using FastRecurrence.Backends;

namespace FastRecurrence.Ilgpu;

/// <summary>
/// The three ILGPU backends, registered in <see cref="RecurrenceBackends"/> when this assembly loads (below the
/// reference: chosen by name). Registering opens no accelerator; each is probed on first use.
/// </summary>
public static class IlgpuBackends
{
    /// <summary>Below the reference and the native backends: the portable path, chosen by name.</summary>
    public const int Priority = -30;

    public static IlgpuBackend Cpu { get; } = new(IlgpuAcceleratorKind.Cpu);
    public static IlgpuBackend Cuda { get; } = new(IlgpuAcceleratorKind.Cuda);
    public static IlgpuBackend OpenCL { get; } = new(IlgpuAcceleratorKind.OpenCL);

    /// <summary>
    /// An ilgpu-cpu backend on another simulated device (threads per warp, warps per group, multiprocessors), planned as
    /// if it had at most <paramref name="sharedMemoryPerGroup"/> bytes of shared memory per group (the CPU accelerator
    /// itself has no limit): how a GPU's plan, with weights in global memory or batch tiles, runs on the CPU.
    /// Not registered; pass it to the operations directly, and dispose it (its accelerator runs threads of its own).
    /// </summary>
    public static IlgpuBackend CreateCpu(int threadsPerWarp = 32, int warpsPerGroup = 4, int multiprocessors = 1,
        long? sharedMemoryPerGroup = null) =>
        new(IlgpuAcceleratorKind.Cpu, new ILGPU.Runtime.CPU.CPUDevice(threadsPerWarp, warpsPerGroup, multiprocessors), sharedMemoryPerGroup,
            disposable: true);

    /// <summary>Makes sure the backends are registered (touching this class loads the assembly and runs its initializer).</summary>
    public static void EnsureRegistered()
    {
    }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The backends register themselves with the registry; registration opens no accelerator and cannot throw.")]
    internal static void Register()
    {
        RecurrenceBackends.Register(Cpu, Priority);
        RecurrenceBackends.Register(Cuda, Priority);
        RecurrenceBackends.Register(OpenCL, Priority);
    }
}
