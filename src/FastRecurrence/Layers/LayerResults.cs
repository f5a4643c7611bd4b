namespace FastRecurrence.Layers;

/// <summary>
/// What a layer's forward returns: y [B, T, H] (batch-first; [B, T, P] with proj_size P) and the last states [S, B, *]
/// (state 0 is h_n; LSTM state 1 is c_n; sLSTM states are y, c, n, m), each state <c>stateSizes[s]</c> wide.
/// </summary>
public sealed class LayerOutput<T>(T[] y, T[] lastStates, int batch, IReadOnlyList<int> stateSizes)
{
    public T[] Y { get; } = y;
    public T[] LastStates { get; } = lastStates;

    /// <summary>h_n, [B, H] or [B, P] (PyTorch's [1, B, *] for one layer, one direction).</summary>
    public ReadOnlySpan<T> HN => State(0);

    /// <summary>
    /// State <paramref name="index"/> of <see cref="LastStates"/>, [B, stateSizes[index]]; ArgumentOutOfRangeException
    /// for an index outside the cell's states (LSTM has 2, GRU and Elman 1, sLSTM 4).
    /// </summary>
    public ReadOnlySpan<T> State(int index)
    {
        StateIndex.Check(index, stateSizes.Count);
        return LastStates.AsSpan(batch * stateSizes.Take(index).Sum(), batch * stateSizes[index]);
    }

    /// <summary>Whether this is a training forward, which the layer's backward can start from.</summary>
    public bool IsTraining => Saved is not null;

    /// <summary>What a training forward keeps for its backward (the layer's own type), or null.</summary>
    internal object? Saved { get; init; }
}

/// <summary>
/// What a layer's backward returns, under PyTorch's names: d_input [B, T, I], d_weight_ih, d_weight_hh,
/// d_bias_ih, d_bias_hh (the shapes of the weights), d_initial_states [S, B, *], and d_weight_hr with a projection.
/// </summary>
/// <remarks>
/// With several heads, weight_hh is block-diagonal by construction, and d_weight_hh is the gradient with respect
/// to the blocks: entries outside them are zero.
/// </remarks>
public sealed class LayerGradients<T>(T[] dInput, T[] dWeightIh, T[] dWeightHh, T[] dBiasIh, T[] dBiasHh, T[] dInitialStates, T[]? dWeightHr = null)
{
    public T[] DInput { get; } = dInput;
    public T[] DWeightIh { get; } = dWeightIh;
    public T[] DWeightHh { get; } = dWeightHh;
    public T[] DBiasIh { get; } = dBiasIh;
    public T[] DBiasHh { get; } = dBiasHh;
    public T[] DInitialStates { get; } = dInitialStates;
    /// <summary>d_weight_hr [P, H] with a projection, else null.</summary>
    public T[]? DWeightHr { get; } = dWeightHr;
}
