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
/// <remarks>
/// Every property validates its own value, in the constructor and in object initialisers and <c>with</c> alike
/// (ArgumentOutOfRangeException naming the property), so no request holds a size below 1 or an undefined enum value.
/// What depends on two properties (<see cref="MatmulPrecision.Tf32"/> needs Float32) is checked by the
/// <see cref="Planner"/>, since an initialiser may set the two in either order.
/// </remarks>
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
        Guard.Defined(direction, nameof(direction));
        // the accessors check again, naming the properties; the checks above name the constructor's parameters
        Family = family;
        Cell = cell;
        DataType = dataType;
        Batch = batch;
        Heads = heads;
        HeadSize = headSize;
        Direction = direction;
        TimeSteps = timeSteps;
    }

    public KernelFamily Family { get; init { Guard.Defined(value, nameof(Family)); field = value; } }
    public CellKind Cell { get; init { Guard.Defined(value, nameof(Cell)); field = value; } }
    public DataType DataType { get; init { Guard.Defined(value, nameof(DataType)); field = value; } }
    public int Batch { get; init { Guard.Positive(value, nameof(Batch)); field = value; } }
    public int Heads { get; init { Guard.Positive(value, nameof(Heads)); field = value; } }
    public int HeadSize { get; init { Guard.Positive(value, nameof(HeadSize)); field = value; } }
    public PlanDirection Direction { get; init { Guard.Defined(value, nameof(Direction)); field = value; } }
    public int TimeSteps { get; init { Guard.Positive(value, nameof(TimeSteps)); field = value; } }

    /// <summary>
    /// Tf32: the fused kernel may multiply float32 R h on tensor cores in tf32 (FR_TF32), and a backward plan also its
    /// dR reduction (16-bit plans always reduce on tensor cores; decision 0026); Float32 only (the planner refuses it with
    /// another <see cref="DataType"/>).
    /// </summary>
    public MatmulPrecision Precision { get; init { Guard.Defined(value, nameof(Precision)); field = value; } }

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
