using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastRecurrence.Interop;

// The header's structs, field for field, in the header's order and C types: size_t -> nuint, pointers -> pointers,
// int -> int, int64_t -> long, uint32_t -> uint, char[N] -> fixed byte[N], struct arrays -> [InlineArray].
// All are blittable, so the runtime passes them by address with no copy. NativeLayoutTests checks every size and
// offset against the C layout rules (x64 / arm64 LP64).

/// <summary>fr_define: one compile-time constant, e.g. FR_SCAN_THREADS = 256.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FrDefine
{
    /// <summary>const char* name: NUL-terminated UTF-8; letters, digits and '_' only.</summary>
    public byte* Name;
    /// <summary>int64_t value.</summary>
    public long Value;
}

/// <summary>fr_compile_options.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FrCompileOptions
{
    /// <summary>size_t struct_size: sizeof(fr_compile_options) as compiled against.</summary>
    public nuint StructSize;
    /// <summary>const char* source_name: an embedded source, "scan".</summary>
    public byte* SourceName;
    /// <summary>const char* arch: "sm_80", "sm_90", ...</summary>
    public byte* Arch;
    /// <summary>const fr_define* defines: the plan's constants.</summary>
    public FrDefine* Defines;
    /// <summary>int define_count: 0 .. FR_MAX_DEFINES.</summary>
    public int DefineCount;
    /// <summary>const char* cache_dir: NULL for $FR_CACHE_DIR, $XDG_CACHE_HOME/fastrecurrence or ~/.cache/fastrecurrence.</summary>
    public byte* CacheDir;
    /// <summary>int use_cache: 0 always compiles, never reads or writes the cache.</summary>
    public int UseCache;
}

/// <summary>fr_kernel_report: what ptxas reported for one kernel of the compiled source.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FrKernelReport
{
    /// <summary>char name[128]: the kernel's extern "C" name, NUL-terminated.</summary>
    public fixed byte Name[FrConstants.KernelNameLength];
    /// <summary>int registers.</summary>
    public int Registers;
    /// <summary>int spill_store_bytes.</summary>
    public int SpillStoreBytes;
    /// <summary>int spill_load_bytes.</summary>
    public int SpillLoadBytes;
    /// <summary>int shared_bytes: static shared memory.</summary>
    public int SharedBytes;
    /// <summary>int stack_bytes.</summary>
    public int StackBytes;
}

/// <summary>fr_kernel_report[8], the kernels field of <see cref="FrCompileResult"/>.</summary>
[InlineArray(FrConstants.MaxKernelReports)]
public struct FrKernelReports
{
    private FrKernelReport _element0;
}

/// <summary>fr_compile_result.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FrCompileResult
{
    /// <summary>size_t struct_size: sizeof(fr_compile_result) as compiled against.</summary>
    public nuint StructSize;
    /// <summary>int cache_hit: 1 when the cubin came from the disk cache.</summary>
    public int CacheHit;
    /// <summary>double milliseconds: wall time of the call.</summary>
    public double Milliseconds;
    /// <summary>size_t cubin_bytes.</summary>
    public nuint CubinBytes;
    /// <summary>int nvrtc_major.</summary>
    public int NvrtcMajor;
    /// <summary>int nvrtc_minor.</summary>
    public int NvrtcMinor;
    /// <summary>int kernel_count: entries filled in <see cref="Kernels"/>.</summary>
    public int KernelCount;
    /// <summary>fr_kernel_report kernels[8].</summary>
    public FrKernelReports Kernels;
    /// <summary>char cache_key[65]: hex SHA-256 of (source, defines, arch, NVRTC version), NUL-terminated.</summary>
    public fixed byte CacheKey[FrConstants.CacheKeyLength];
}

/// <summary>fr_dim3.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FrDim3
{
    public uint X;
    public uint Y;
    public uint Z;
}

/// <summary>fr_launch_config.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FrLaunchConfig
{
    /// <summary>size_t struct_size.</summary>
    public nuint StructSize;
    public FrDim3 Grid;
    public FrDim3 Block;
    public FrDim3 Cluster;
    /// <summary>uint32_t shared_bytes: dynamic shared memory; above 48 KB the library opts in.</summary>
    public uint SharedBytes;
    /// <summary>fr_launch_kind kind.</summary>
    public FrLaunchKind Kind;
    /// <summary>void* stream: a CUstream or NULL.</summary>
    public void* Stream;
}

/// <summary>fr_rnn_backward_options: recurrent clipping, truncated BPTT, accumulation (all off when zero).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FrRnnBackwardOptions
{
    /// <summary>size_t struct_size.</summary>
    public nuint StructSize;
    /// <summary>float recurrent_clip: &gt; 0 clamps R^T dg_t (the recurrent gradient reaching y_{t-1}) to [-clip, clip]; 0 off.</summary>
    public float RecurrentClip;
    /// <summary>int truncate: 1 for no gradient through R into y_{t-1}.</summary>
    public int Truncate;
    /// <summary>int accumulate: 1 adds every gradient to the outputs' values.</summary>
    public int Accumulate;
}

/// <summary>fr_emulation_options: the cuda-emulated device a context emulates and how it schedules threads.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FrEmulationOptions
{
    /// <summary>size_t struct_size.</summary>
    public nuint StructSize;
    /// <summary>const char* arch: "sm_70" .. "sm_90", or NULL for "sm_90".</summary>
    public byte* Arch;
    /// <summary>fr_schedule schedule.</summary>
    public FrSchedule Schedule;
    /// <summary>uint64_t seed: FR_SCHEDULE_RANDOM's seed.</summary>
    public ulong Seed;
    /// <summary>int workers: OS threads running independent blocks at once; 0 for 1.</summary>
    public int Workers;
    /// <summary>const char* compiler: NULL for $FR_EMULATION_CXX, else c++ / g++ / clang++ on PATH.</summary>
    public byte* Compiler;
    /// <summary>const char* cache_dir: NULL for the default cache folder.</summary>
    public byte* CacheDir;
}

/// <summary>int64_t[FR_MAX_RANK], the shape and strides of <see cref="FrTensor"/>.</summary>
[InlineArray(FrConstants.MaxRank)]
public struct FrTensorExtents
{
    private long _element0;
}

/// <summary>fr_tensor: a strided view of caller-owned device memory; strides in elements.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FrTensor
{
    /// <summary>void* data: a device pointer.</summary>
    public void* Data;
    /// <summary>fr_dtype dtype.</summary>
    public FrDtype Dtype;
    /// <summary>int rank.</summary>
    public int Rank;
    /// <summary>int64_t shape[FR_MAX_RANK].</summary>
    public FrTensorExtents Shape;
    /// <summary>int64_t strides[FR_MAX_RANK].</summary>
    public FrTensorExtents Strides;
}

/// <summary>fr_define[FR_MAX_DEFINES], the defines field of <see cref="FrPlan"/>.</summary>
[InlineArray(FrConstants.MaxDefines)]
public struct FrPlanDefines
{
    private FrDefine _element0;
}

/// <summary>fr_plan: a kernel plan as the managed planner produces it, its constants and its launch.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FrPlan
{
    /// <summary>size_t struct_size.</summary>
    public nuint StructSize;
    /// <summary>const char* source_name: "scan".</summary>
    public byte* SourceName;
    /// <summary>fr_define defines[FR_MAX_DEFINES].</summary>
    public FrPlanDefines Defines;
    /// <summary>int define_count.</summary>
    public int DefineCount;
    public FrDim3 Grid;
    public FrDim3 Block;
    public FrDim3 Cluster;
    /// <summary>uint32_t shared_bytes.</summary>
    public uint SharedBytes;
    /// <summary>fr_launch_kind kind.</summary>
    public FrLaunchKind Kind;
}
