namespace FastRecurrence.Ilgpu;

/// <summary>The ILGPU accelerators a backend can run on; each is its own backend name.</summary>
public enum IlgpuAcceleratorKind
{
    /// <summary>ILGPU's CPU accelerator: a simulated GPU (groups, barriers, shared memory, warp shuffles) on OS threads.</summary>
    Cpu,
    /// <summary>An NVIDIA GPU through ILGPU's PTX backend and the CUDA driver.</summary>
    Cuda,
    /// <summary>An OpenCL 2.0+ device.</summary>
    OpenCL,
}

internal static class IlgpuAcceleratorKindNames
{
    public static string BackendName(this IlgpuAcceleratorKind kind) => kind switch
    {
        IlgpuAcceleratorKind.Cpu => "ilgpu-cpu",
        IlgpuAcceleratorKind.Cuda => "ilgpu-cuda",
        IlgpuAcceleratorKind.OpenCL => "ilgpu-opencl",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown ILGPU accelerator kind."),
    };
}
