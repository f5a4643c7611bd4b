namespace FastRecurrence.Planning.Ilgpu;

/// <summary>
/// What an ILGPU accelerator offers a kernel, as the accelerator reports it (Accelerator.WarpSize,
/// MaxNumThreadsPerGroup, MaxSharedMemoryPerGroup, NumMultiprocessors): a CUDA or OpenCL device, or the CPU
/// accelerator's simulated device. The ILGPU planner sizes kernels from these alone.
/// </summary>
/// <param name="Name">The accelerator, for messages.</param>
/// <param name="WarpSize">Threads per warp.</param>
/// <param name="MaxGroupSize">Threads per group at most.</param>
/// <param name="MaxSharedMemoryPerGroup">Shared memory per group at most, in bytes.</param>
/// <param name="Multiprocessors">Groups that run at once.</param>
/// <param name="Simulated">ILGPU's CPU accelerator: every simulated thread is an OS thread, so a group barrier costs
/// time in proportion to the group's threads, and smaller groups run faster.</param>
public sealed record IlgpuDeviceLimits(string Name, int WarpSize, int MaxGroupSize, long MaxSharedMemoryPerGroup, int Multiprocessors,
    bool Simulated = false)
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
