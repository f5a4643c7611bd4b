using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace FastRecurrence.Planning.Hardware;

/// <summary>
/// The CUDA driver device attributes the hardware model reads. The values are the CUdevice_attribute numbers of
/// cuda.h (checked against the CUDA 12/13 header and, on an H200, against cuDeviceGetAttribute), so the native
/// library passes cuDeviceGetAttribute results through without a translation table.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix",
    Justification = "Named after CUDA's CUdevice_attribute, which it mirrors; it is not a .NET attribute.")]
public enum DeviceAttribute
{
    MaxThreadsPerBlock = 1,
    WarpSize = 10,
    MaxRegistersPerBlock = 12,
    MultiprocessorCount = 16,
    /// <summary>Peak memory clock in kHz.</summary>
    MemoryClockRate = 36,
    /// <summary>Global memory bus width in bits.</summary>
    GlobalMemoryBusWidth = 37,
    /// <summary>L2 cache size in bytes.</summary>
    L2CacheSize = 38,
    MaxThreadsPerMultiprocessor = 39,
    ComputeCapabilityMajor = 75,
    ComputeCapabilityMinor = 76,
    /// <summary>Shared memory per SM in bytes (the largest carve-out).</summary>
    MaxSharedMemoryPerMultiprocessor = 81,
    /// <summary>32-bit registers per SM.</summary>
    MaxRegistersPerMultiprocessor = 82,
    /// <summary>The most shared memory one block may opt into (cudaFuncAttributeMaxDynamicSharedMemorySize), in bytes.</summary>
    MaxSharedMemoryPerBlockOptin = 97,
    MaxBlocksPerMultiprocessor = 106,
    /// <summary>Shared memory the driver reserves per resident block, in bytes.</summary>
    ReservedSharedMemoryPerBlock = 111,
    /// <summary>1 when the device launches thread-block clusters.</summary>
    ClusterLaunch = 120,
}

public static class DeviceAttributeExtensions
{
    /// <summary>The cuda.h name, e.g. CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, for messages a CUDA user recognises.</summary>
    public static string CudaName(this DeviceAttribute attribute)
    {
        var name = attribute.ToString();
        var snake = new StringBuilder("CU_DEVICE_ATTRIBUTE_", 64);
        for (var i = 0; i < name.Length; i++)
        {
            // A word starts at an upper-case letter that follows a lower-case letter or digit (L2CacheSize -> L2_CACHE_SIZE).
            if (i > 0 && char.IsUpper(name[i]) && !char.IsUpper(name[i - 1]))
                snake.Append('_');
            snake.Append(char.ToUpperInvariant(name[i]));
        }
        return snake.ToString();
    }
}
