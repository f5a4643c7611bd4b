using FastRecurrence.Validation;

namespace FastRecurrence.Planning;

/// <summary>The kernel families the planner sizes (architecture.md "Kernel families").</summary>
public enum KernelFamily
{
    /// <summary>One persistent kernel for all T steps, R on chip.</summary>
    Fused,
    /// <summary>One matmul plus one pointwise kernel per step: any size, slower.</summary>
    Alternating,
    /// <summary>The chunked diagonal linear recurrence.</summary>
    Scan,
}

public enum PlanDirection
{
    Forward,
    Backward,
}

/// <summary>How the blocks of one fused head synchronise per step.</summary>
public enum FusedRegime
{
    /// <summary>Not a fused plan.</summary>
    None,
    /// <summary>A head (or several) fits one block: __syncthreads only, heads in parallel across SMs.</summary>
    SingleBlock,
    /// <summary>A head spans a thread-block cluster (sm_90+): cluster barrier, h_t through distributed shared memory.</summary>
    Cluster,
    /// <summary>A head spans blocks across the GPU: a grid-wide barrier per step (cooperative launch).</summary>
    GridBarrier,
}

/// <summary>
/// What to plan: the kernel family and the problem's shape. For the scan, <see cref="Heads"/> and
/// <see cref="HeadSize"/> are its H and D, and <see cref="Cell"/> is ignored.
/// </summary>
public sealed record PlanRequest
{
    public PlanRequest(KernelFamily family, CellKind cell, DataType dataType, int batch, int heads, int headSize,
        PlanDirection direction = PlanDirection.Forward, int timeSteps = 1024)
    {
        Guard.Defined(family, nameof(family));
        Guard.Defined(cell, nameof(cell));
        Guard.Defined(dataType, nameof(dataType));
        Guard.Positive(batch, nameof(batch));
        Guard.Positive(heads, nameof(heads));
        Guard.Positive(headSize, nameof(headSize));
        Guard.Positive(timeSteps, nameof(timeSteps));
        Family = family;
        Cell = cell;
        DataType = dataType;
        Batch = batch;
        Heads = heads;
        HeadSize = headSize;
        Direction = direction;
        TimeSteps = timeSteps;
    }

    public KernelFamily Family { get; init; }
    public CellKind Cell { get; init; }
    public DataType DataType { get; init; }
    public int Batch { get; init; }
    public int Heads { get; init; }
    public int HeadSize { get; init; }
    public PlanDirection Direction { get; init; }
    public int TimeSteps { get; init; }

    /// <summary>Tf32: the fused kernel may multiply float32 R h on tensor cores in tf32 (FR_TF32); Float32 only.</summary>
    public MatmulPrecision Precision { get; init; }

    /// <summary>
    /// The calls give per-sequence lengths (fr_rnn_args.lengths). A fused plan is then the FR_LENGTHS build, whose
    /// per-step length check the register prediction (and ptxas's cap) includes (decision 0021); the alternating
    /// fallback and the scan ignore it (their kernels read lengths in every build).
    /// </summary>
    public bool Lengths { get; init; }

    public override string ToString() => Family == KernelFamily.Scan
        ? $"scan {Direction} B={Batch} T={TimeSteps} H={Heads} D={HeadSize} {DataType}"
        : $"{Family} {Cell} {Direction} B={Batch} NH={Heads} D={HeadSize} {DataType}{(Precision == MatmulPrecision.Tf32 ? " tf32" : "")}{(Lengths ? " lengths" : "")}";
}
