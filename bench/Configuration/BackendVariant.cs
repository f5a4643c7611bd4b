using FastRecurrence.Backends;
using FastRecurrence.Ilgpu;

namespace FastRecurrence.Bench.Configuration;

/// <summary>
/// A backend and the storage type it is timed with: one benchmark parameter, so that only the pairs a backend runs
/// are generated (BenchmarkDotNet's parameters are a cross product). <see cref="ToString"/> is the table's key,
/// e.g. "cuda/bf16". Variants order by <see cref="Rank"/>, so a suite's rows list the baseline first.
/// </summary>
public sealed record BackendVariant(string Backend, DataType DataType) : IComparable<BackendVariant>, IComparable
{
    public const string Reference = "reference";
    public const string IlgpuCpu = "ilgpu-cpu";
    public const string Cuda = "cuda";
    public const string IlgpuCuda = "ilgpu-cuda";

    /// <summary>
    /// True for the native cuda backend, which the benchmarks drive through its device-buffer API (CudaRecurrence,
    /// CudaScan): the kernels alone. The other backends take host arrays; on ilgpu-cuda that time includes copying the
    /// inputs to the GPU and the outputs back (its API has no device-resident form yet), and the Copies column says so.
    /// </summary>
    public bool DeviceResident => Backend == Cuda;

    /// <summary>True when the timed call moves data between host and GPU memory.</summary>
    public bool IncludesHostDeviceCopies => Backend == IlgpuCuda;

    // Baseline first: the most portable path, then our faster ones. BenchmarkDotNet orders parameter values that are
    // IComparable by comparing them (others by their text, which would put ilgpu-cpu before the reference).
    private static readonly BackendVariant[] Order =
    [
        new(Reference, DataType.Float32), new(IlgpuCpu, DataType.Float32), new(IlgpuCuda, DataType.Float32),
        new(Cuda, DataType.Float32), new(Cuda, DataType.BFloat16), new(Cuda, DataType.Float16),
    ];

    /// <summary>The place in the baseline order (lower is the baseline of higher); unknown variants last.</summary>
    public int Rank => Array.IndexOf(Order, this) is var i and >= 0 ? i : Order.Length;

    public int CompareTo(BackendVariant? other) =>
        other is null ? 1 : Rank != other.Rank ? Rank.CompareTo(other.Rank) : string.CompareOrdinal(ToString(), other.ToString());

    public int CompareTo(object? obj) => CompareTo(obj as BackendVariant);

    public static bool operator <(BackendVariant? left, BackendVariant? right) => Comparer<BackendVariant>.Default.Compare(left, right) < 0;
    public static bool operator <=(BackendVariant? left, BackendVariant? right) => Comparer<BackendVariant>.Default.Compare(left, right) <= 0;
    public static bool operator >(BackendVariant? left, BackendVariant? right) => Comparer<BackendVariant>.Default.Compare(left, right) > 0;
    public static bool operator >=(BackendVariant? left, BackendVariant? right) => Comparer<BackendVariant>.Default.Compare(left, right) >= 0;

    public override string ToString() => $"{Backend}/{ShortName(DataType)}";

    public static string ShortName(DataType type) => type switch
    {
        DataType.Float32 => "fp32",
        DataType.BFloat16 => "bf16",
        DataType.Float16 => "fp16",
        _ => "fp64",
    };

    /// <summary>The CPU variants of this machine: the reference (the baseline), then ILGPU's CPU accelerator.</summary>
    public static IEnumerable<BackendVariant> Cpu() =>
        Available([new(Reference, DataType.Float32), new(IlgpuCpu, DataType.Float32)]);

    /// <summary>
    /// The GPU variants of this machine (none without a GPU): ILGPU's CUDA kernels in fp32 (the baseline: our portable
    /// path), the native kernels in fp32 and in bf16 (the headline storage type).
    /// </summary>
    public static IEnumerable<BackendVariant> Gpu() =>
        Available([new(IlgpuCuda, DataType.Float32), new(Cuda, DataType.Float32), new(Cuda, DataType.BFloat16)]);

    private static BackendVariant[] Available(BackendVariant[] candidates)
    {
        // Loading the ILGPU assembly registers its backends; nothing else in the bench touches it first.
        IlgpuBackends.EnsureRegistered();
        return candidates.Where(v => RecurrenceBackends.All.Any(b => b.Name == v.Backend && b.Availability.IsAvailable)).ToArray();
    }
}
