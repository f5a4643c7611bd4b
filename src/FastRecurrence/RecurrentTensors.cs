namespace FastRecurrence;

/// <summary>
/// Inputs of a recurrent call in the FlashRNN-compatible layouts of <see cref="RecurrentProblem"/>.
/// An empty <see cref="InitialStates"/> means all-zero initial states; empty <see cref="Lengths"/>, every sequence T long.
/// </summary>
public readonly ref struct RecurrentInputs<T>
{
    public RecurrentInputs(ReadOnlySpan<T> wx, ReadOnlySpan<T> r, ReadOnlySpan<T> bias, ReadOnlySpan<T> initialStates = default,
        ReadOnlySpan<int> lengths = default)
    {
        Wx = wx;
        R = r;
        Bias = bias;
        InitialStates = initialStates;
        Lengths = lengths;
    }

    /// <summary>
    /// Each sequence's length, [B], in 1..T (any order), or empty when all are T. Steps at or past a sequence's length
    /// leave its states unchanged and write zeros to its y; its last states are those at its own length; in the
    /// backward those steps take no gradient and pass the state gradients through unchanged.
    /// </summary>
    public ReadOnlySpan<int> Lengths { get; }

    /// <summary>Input projections x W^T per gate, [B, T, G, NH, D] (for GRU without b_in: that is in <see cref="Bias"/>).</summary>
    public ReadOnlySpan<T> Wx { get; }
    /// <summary>Recurrent weights, [G, NH, D_out, D_in]: g[d] = sum_p R[g, h, d, p] * y[h, p].</summary>
    public ReadOnlySpan<T> R { get; }
    /// <summary>Biases, [Gb, NH, D]. GRU: (r, z, n input, n hidden).</summary>
    public ReadOnlySpan<T> Bias { get; }
    /// <summary>[S, B, NH, D], or empty for zeros.</summary>
    public ReadOnlySpan<T> InitialStates { get; }
}

/// <summary>
/// Outputs of a forward call. <see cref="Y"/> is required; <see cref="AllStates"/> and <see cref="LastStates"/>
/// are written only when non-empty.
/// </summary>
public readonly ref struct RecurrentOutputs<T>
{
    public RecurrentOutputs(Span<T> y, Span<T> lastStates = default, Span<T> allStates = default)
    {
        Y = y;
        LastStates = lastStates;
        AllStates = allStates;
    }

    /// <summary>Hidden outputs after every step, [B, T, NH, D].</summary>
    public Span<T> Y { get; }
    /// <summary>States after the last step, [S, B, NH, D], or empty.</summary>
    public Span<T> LastStates { get; }
    /// <summary>States after every step, [S, B, T, NH, D], or empty.</summary>
    public Span<T> AllStates { get; }
}

/// <summary>
/// Gradients flowing into a backward call: dL/dy for every step and, optionally, dL/d(last states).
/// </summary>
public readonly ref struct RecurrentOutputGradients<T>
{
    public RecurrentOutputGradients(ReadOnlySpan<T> dy, ReadOnlySpan<T> dLastStates = default)
    {
        DY = dy;
        DLastStates = dLastStates;
    }

    /// <summary>[B, T, NH, D].</summary>
    public ReadOnlySpan<T> DY { get; }
    /// <summary>[S, B, NH, D], or empty for zeros. sLSTM: the stabiliser m takes no gradient (math.md section 2).</summary>
    public ReadOnlySpan<T> DLastStates { get; }
}

/// <summary>
/// Gradients a backward call produces, in the layouts of the inputs. <see cref="DInitialStates"/> is written only when non-empty.
/// </summary>
public readonly ref struct RecurrentInputGradients<T>
{
    public RecurrentInputGradients(Span<T> dWx, Span<T> dR, Span<T> dBias, Span<T> dInitialStates = default)
    {
        DWx = dWx;
        DR = dR;
        DBias = dBias;
        DInitialStates = dInitialStates;
    }

    /// <summary>[B, T, G, NH, D].</summary>
    public Span<T> DWx { get; }
    /// <summary>[G, NH, D, D].</summary>
    public Span<T> DR { get; }
    /// <summary>[Gb, NH, D].</summary>
    public Span<T> DBias { get; }
    /// <summary>[S, B, NH, D], or empty.</summary>
    public Span<T> DInitialStates { get; }
}
