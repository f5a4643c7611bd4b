namespace FastRecurrence.Interop;

/// <summary>The header's #defines: FR_ABI_VERSION, FR_MAX_RANK, FR_MAX_DEFINES.</summary>
public static class FrConstants
{
    /// <summary>FR_ABI_VERSION: the ABI these declarations mirror; <see cref="FastRecurrenceNative.FrAbiVersion"/> must return it.</summary>
    public const int AbiVersion = 2;

    /// <summary>FR_MAX_RANK: the length of <see cref="FrTensor"/>'s shape and strides.</summary>
    public const int MaxRank = 8;

    /// <summary>FR_MAX_DEFINES: the most defines one compile or plan carries.</summary>
    public const int MaxDefines = 64;

    /// <summary>The length of <see cref="FrCompileResult"/>'s kernels array (fr_kernel_report kernels[8]).</summary>
    public const int MaxKernelReports = 8;

    /// <summary>The length of <see cref="FrKernelReport"/>'s name (char name[128]).</summary>
    public const int KernelNameLength = 128;

    /// <summary>The length of <see cref="FrCompileResult"/>'s cache_key (char cache_key[65]: 64 hex digits and the NUL).</summary>
    public const int CacheKeyLength = 65;
}

/// <summary>fr_status.</summary>
public enum FrStatus
{
    /// <summary>FR_OK.</summary>
    Ok = 0,
    /// <summary>FR_ERROR_INVALID_ARGUMENT: a null pointer, a wrong shape / stride / dtype, an unsupported size.</summary>
    ErrorInvalidArgument = 1,
    /// <summary>FR_ERROR_NO_DRIVER: libcuda.so.1 could not be loaded or cuInit failed.</summary>
    ErrorNoDriver = 2,
    /// <summary>FR_ERROR_NO_DEVICE: the driver reports no device with that ordinal.</summary>
    ErrorNoDevice = 3,
    /// <summary>FR_ERROR_NO_NVRTC: no libnvrtc could be loaded.</summary>
    ErrorNoNvrtc = 4,
    /// <summary>FR_ERROR_COMPILE: NVRTC rejected the kernel source; the log is in fr_last_error().</summary>
    ErrorCompile = 5,
    /// <summary>FR_ERROR_CUDA: a driver call failed; the CUresult name is in fr_last_error().</summary>
    ErrorCuda = 6,
    /// <summary>FR_ERROR_UNSUPPORTED: valid, but this build or device cannot do it.</summary>
    ErrorUnsupported = 7,
    /// <summary>FR_ERROR_OUT_OF_MEMORY.</summary>
    ErrorOutOfMemory = 8,
    /// <summary>FR_ERROR_CACHE: the cubin cache folder cannot be created or written.</summary>
    ErrorCache = 9,
    /// <summary>FR_ERROR_INTERNAL.</summary>
    ErrorInternal = 10,
    /// <summary>FR_ERROR_KERNEL_FAULT: an emulated kernel broke the execution model (a barrier some threads never reach,
    /// lanes that disagree on a warp operation, a deadlock) or trapped.</summary>
    ErrorKernelFault = 11,
}

/// <summary>fr_schedule: how the cuda-emulated device orders its threads between synchronisation points.</summary>
public enum FrSchedule
{
    /// <summary>FR_SCHEDULE_IN_ORDER: the runnable thread with the lowest index first; reproducible.</summary>
    InOrder = 0,
    /// <summary>FR_SCHEDULE_RANDOM: a seeded random order; exposes missing barriers.</summary>
    Random = 1,
}

/// <summary>fr_dtype: storage types, the same codes as the kernels' FR_DTYPE define.</summary>
public enum FrDtype
{
    /// <summary>FR_DTYPE_FLOAT32.</summary>
    Float32 = 0,
    /// <summary>FR_DTYPE_BFLOAT16.</summary>
    BFloat16 = 1,
    /// <summary>FR_DTYPE_FLOAT16.</summary>
    Float16 = 2,
    /// <summary>FR_DTYPE_FLOAT64.</summary>
    Float64 = 3,
}

/// <summary>fr_launch_kind.</summary>
public enum FrLaunchKind
{
    /// <summary>FR_LAUNCH_PLAIN.</summary>
    Plain = 0,
    /// <summary>FR_LAUNCH_COOPERATIVE: every block co-resident; grid barriers allowed.</summary>
    Cooperative = 1,
    /// <summary>FR_LAUNCH_CLUSTER: thread-block clusters (sm_90+), through cuLaunchKernelEx.</summary>
    Cluster = 2,
}
