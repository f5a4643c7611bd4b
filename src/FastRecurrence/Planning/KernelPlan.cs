using System.Globalization;
using System.Text;

namespace FastRecurrence.Planning;

/// <summary>Grid, block or cluster dimensions.</summary>
public readonly record struct Dim3(int X, int Y = 1, int Z = 1)
{
    public long Volume => (long)X * Y * Z;
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({X}, {Y}, {Z})");
}

/// <summary>
/// Everything a kernel needs to be compiled and launched for one problem on one GPU: the compile-time constants
/// (the CUDA C kernels take them as -D defines, the ILGPU kernels as generic struct constants), the launch
/// dimensions, the resources it uses and the prediction it was chosen by. Immutable, printable, hashable, JSON.
/// </summary>
public sealed class KernelPlan : IEquatable<KernelPlan>
{
    /// <summary>Bumped whenever the meaning of a constant or field changes; stored in the JSON.</summary>
    public const int FormatVersion = 1;

    public KernelPlan(PlanRequest request, string gpu, string arch, FusedRegime regime,
        IReadOnlyDictionary<string, long> constants, Dim3 grid, Dim3 block, Dim3 cluster,
        long sharedMemoryBytes, int predictedRegisters, long predictedCost, IReadOnlyList<string> rationale)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(constants);
        Request = request;
        Gpu = gpu;
        Arch = arch;
        Regime = regime;
        Constants = new SortedDictionary<string, long>(constants.ToDictionary(), StringComparer.Ordinal);
        Grid = grid;
        Block = block;
        Cluster = cluster;
        SharedMemoryBytes = sharedMemoryBytes;
        PredictedRegisters = predictedRegisters;
        PredictedCost = predictedCost;
        Rationale = rationale;
    }

    public PlanRequest Request { get; }
    public string Gpu { get; }
    public string Arch { get; }
    public FusedRegime Regime { get; }

    /// <summary>The compile-time constants, sorted by name, each prefixed FR_.</summary>
    public IReadOnlyDictionary<string, long> Constants { get; }

    public Dim3 Grid { get; }
    public Dim3 Block { get; }
    /// <summary>(1, 1, 1) unless the plan uses a thread-block cluster.</summary>
    public Dim3 Cluster { get; }
    public long SharedMemoryBytes { get; }
    public int PredictedRegisters { get; }

    /// <summary>The model's predicted cost (GPU cycles per step for the RNN families, per pass for the scan).</summary>
    public long PredictedCost { get; }

    /// <summary>Why this plan: the regimes tried, what bound, what the objective preferred.</summary>
    public IReadOnlyList<string> Rationale { get; }

    public long Constant(string name) =>
        Constants.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"name: the plan has no constant '{name}'; it has {string.Join(", ", Constants.Keys)}.");

    /// <summary>
    /// An optional constant: its value, or <paramref name="absent"/> when the plan does not name it (the kernel's own
    /// default for a define it reads with #ifndef, such as FR_STREAMED_ROW_TILES = 0).
    /// </summary>
    public long Constant(string name, long absent) => Constants.TryGetValue(name, out var value) ? value : absent;

    /// <summary>
    /// R row tiles per warp a fused forward plan reads from global memory (L2) at every step (FR_STREAMED_ROW_TILES,
    /// decision 0023); 0 for every plan that keeps R on chip and every plan of another family.
    /// </summary>
    public long StreamedRowTiles => Constant("FR_STREAMED_ROW_TILES", absent: 0);

    /// <summary>The constants as NVRTC / compiler options: -DFR_NAME=value.</summary>
    public IReadOnlyList<string> Defines() =>
        Constants.Select(kv => string.Create(CultureInfo.InvariantCulture, $"-D{kv.Key}={kv.Value}")).ToArray();

    public string ToJson() => KernelPlanJson.Write(this);

    public static KernelPlan FromJson(string json) => KernelPlanJson.Read(json);

    public bool Equals(KernelPlan? other) => other is not null && ToJson() == other.ToJson();
    public override bool Equals(object? obj) => Equals(obj as KernelPlan);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToJson());

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Request} on {Gpu} ({Arch})");
        if (Regime != FusedRegime.None) text.Append(CultureInfo.InvariantCulture, $", regime {Regime}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"  grid {Grid}, block {Block}, cluster {Cluster}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  shared memory {SharedMemoryBytes} bytes, predicted registers {PredictedRegisters}, predicted cost {PredictedCost}");
        text.Append("  constants: ").AppendJoin(' ', Constants.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}={kv.Value}")));
        return text.ToString();
    }
}
