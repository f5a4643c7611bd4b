namespace FastRecurrence.Planning.Ilgpu;

/// <summary>
/// What an ILGPU accelerator offers a kernel, as the accelerator reports it (Accelerator.WarpSize,
/// MaxNumThreadsPerGroup, MaxSharedMemoryPerGroup, NumMultiprocessors): a CUDA or OpenCL device, or the CPU
/// accelerator's simulated device. The ILGPU planner sizes kernels from these alone.
/// </summary>
public sealed record IlgpuDeviceLimits(string Name, int WarpSize, int MaxGroupSize, long MaxSharedMemoryPerGroup, int Multiprocessors)
{
    /// <summary>Throws when a figure is impossible, naming it.</summary>
    public void Validate()
    {
        if (WarpSize < 1) throw new ArgumentOutOfRangeException(nameof(WarpSize), WarpSize, "WarpSize: expected >= 1.");
        if (MaxGroupSize < WarpSize)
            throw new ArgumentOutOfRangeException(nameof(MaxGroupSize), MaxGroupSize, $"MaxGroupSize: expected >= the warp size {WarpSize}.");
        if (MaxSharedMemoryPerGroup < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxSharedMemoryPerGroup), MaxSharedMemoryPerGroup, "MaxSharedMemoryPerGroup: expected >= 0.");
        if (Multiprocessors < 1)
            throw new ArgumentOutOfRangeException(nameof(Multiprocessors), Multiprocessors, "Multiprocessors: expected >= 1.");
    }
}
