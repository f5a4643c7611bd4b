using FastRecurrence.Validation;

namespace FastRecurrence;

/// <summary>
/// The size of one recurrent call: which cell, how many sequences and steps, how the hidden state is split
/// into heads (block-diagonal R), the input size (used by the layer API) and the storage type.
/// Validated on construction; every property of a constructed problem is consistent.
/// </summary>
/// <remarks>
/// Layouts (row-major, last index fastest), with G = <see cref="GateCount"/>, Gb = <see cref="BiasCount"/>,
/// S = <see cref="StateCount"/>, NH = <see cref="Heads"/>, D = <see cref="HeadSize"/>:
/// Wx [B, T, G, NH, D]; R [G, NH, D_out, D_in]; b [Gb, NH, D]; initial / last states [S, B, NH, D];
/// y [B, T, NH, D]; all states [S, B, T, NH, D].
/// </remarks>
public sealed class RecurrentProblem : IEquatable<RecurrentProblem>
{
    public RecurrentProblem(CellKind cell, int batch, int timeSteps, int heads, int headSize, int inputSize,
        DataType dataType = DataType.Float32, MatmulPrecision precision = MatmulPrecision.Exact)
    {
        Guard.Defined(cell, nameof(cell));
        Guard.Defined(dataType, nameof(dataType));
        Guard.Defined(precision, nameof(precision));
        if (precision == MatmulPrecision.Tf32 && dataType != DataType.Float32)
            throw new ArgumentException($"precision: Tf32 applies to Float32 storage only, got {dataType} (16-bit storage always multiplies in its own format).", nameof(precision));
        Guard.Positive(batch, nameof(batch));
        Guard.Positive(timeSteps, nameof(timeSteps));
        Guard.Positive(heads, nameof(heads));
        Guard.Positive(headSize, nameof(headSize));
        Guard.Positive(inputSize, nameof(inputSize));

        Cell = cell;
        Batch = batch;
        TimeSteps = timeSteps;
        Heads = heads;
        HeadSize = headSize;
        InputSize = inputSize;
        DataType = dataType;
        Precision = precision;

        HiddenSize = Guard.ElementCount(nameof(heads), "heads * headSize", heads, headSize);
        WxLength = Guard.ElementCount("Wx", "[B, T, G, NH, D]", batch, timeSteps, GateCount, heads, headSize);
        RLength = Guard.ElementCount("R", "[G, NH, D, D]", GateCount, heads, headSize, headSize);
        BiasLength = Guard.ElementCount("bias", "[Gb, NH, D]", BiasCount, heads, headSize);
        StatesLength = Guard.ElementCount("states", "[S, B, NH, D]", StateCount, batch, HiddenSize);
        YLength = Guard.ElementCount("y", "[B, T, NH, D]", batch, timeSteps, HiddenSize);
        AllStatesLength = Guard.ElementCount("allStates", "[S, B, T, NH, D]", StateCount, batch, timeSteps, HiddenSize);
        // Only the low-level tensors: the layer API's dense x [B, T, I], weight_ih [G*H, I] and weight_hh [G*H, H] are
        // checked by RecurrentLayer, which holds them; a multi-head problem (e.g. NH=4096, D=16) has no dense weight_hh.
    }

    public CellKind Cell { get; }
    public int Batch { get; }
    public int TimeSteps { get; }
    public int Heads { get; }
    public int HeadSize { get; }
    public int InputSize { get; }
    public DataType DataType { get; }

    /// <summary>How a GPU may compute R h for float32 storage (the CPU reference is float64 regardless).</summary>
    public MatmulPrecision Precision { get; }

    /// <summary>H = NH * D.</summary>
    public int HiddenSize { get; }
    public int GateCount => Cell.GateCount();
    public int BiasCount => Cell.BiasCount();
    public int StateCount => Cell.StateCount();

    public int WxLength { get; }
    public int RLength { get; }
    public int BiasLength { get; }
    public int StatesLength { get; }
    public int YLength { get; }
    public int AllStatesLength { get; }

    /// <summary>The same problem with another storage type.</summary>
    public RecurrentProblem WithDataType(DataType dataType) =>
        new(Cell, Batch, TimeSteps, Heads, HeadSize, InputSize, dataType, dataType == DataType.Float32 ? Precision : MatmulPrecision.Exact);

    public bool Equals(RecurrentProblem? other) =>
        other is not null && Cell == other.Cell && Batch == other.Batch && TimeSteps == other.TimeSteps &&
        Heads == other.Heads && HeadSize == other.HeadSize && InputSize == other.InputSize && DataType == other.DataType &&
        Precision == other.Precision;

    public override bool Equals(object? obj) => Equals(obj as RecurrentProblem);
    public override int GetHashCode() => HashCode.Combine(Cell, Batch, TimeSteps, Heads, HeadSize, InputSize, DataType, Precision);

    public override string ToString() =>
        $"{Cell} B={Batch} T={TimeSteps} NH={Heads} D={HeadSize} I={InputSize} {DataType}{(Precision == MatmulPrecision.Tf32 ? " tf32" : "")}";
}
