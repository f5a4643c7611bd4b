using FastRecurrence.Validation;

namespace FastRecurrence;

/// <summary>
/// The size of one diagonal linear recurrence h_t = a_t * h_{t-1} + b_t (math.md section 5).
/// Layout [B, T, H, D] for a, b and h (FLA-style); h0 and the last state are [B, H, D].
/// </summary>
public sealed class ScanProblem : IEquatable<ScanProblem>
{
    public ScanProblem(int batch, int timeSteps, int heads, int headSize, DataType dataType = DataType.Float32)
    {
        Guard.Defined(dataType, nameof(dataType));
        Guard.Positive(batch, nameof(batch));
        Guard.Positive(timeSteps, nameof(timeSteps));
        Guard.Positive(heads, nameof(heads));
        Guard.Positive(headSize, nameof(headSize));
        Batch = batch;
        TimeSteps = timeSteps;
        Heads = heads;
        HeadSize = headSize;
        DataType = dataType;
        SequenceLength = Guard.ElementCount("a", "[B, T, H, D]", batch, timeSteps, heads, headSize);
        StateLength = batch * heads * headSize;
    }

    public int Batch { get; }
    public int TimeSteps { get; }
    public int Heads { get; }
    public int HeadSize { get; }
    public DataType DataType { get; }

    /// <summary>Elements of a, b, h: B * T * H * D.</summary>
    public int SequenceLength { get; }
    /// <summary>Elements of h0 and dh0: B * H * D.</summary>
    public int StateLength { get; }

    public bool Equals(ScanProblem? other) =>
        other is not null && Batch == other.Batch && TimeSteps == other.TimeSteps && Heads == other.Heads &&
        HeadSize == other.HeadSize && DataType == other.DataType;

    public override bool Equals(object? obj) => Equals(obj as ScanProblem);
    public override int GetHashCode() => HashCode.Combine(Batch, TimeSteps, Heads, HeadSize, DataType);
    public override string ToString() => $"Scan B={Batch} T={TimeSteps} H={Heads} D={HeadSize} {DataType}";
}
