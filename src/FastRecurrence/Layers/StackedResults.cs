namespace FastRecurrence.Layers;

/// <summary>
/// What a stack's forward returns: y [B, T, directions * H] and the last states [S, L * directions, B, *]
/// (PyTorch's h_n is state 0, LSTM's c_n state 1; with proj_size P, y and h_n are P wide and c_n H wide).
/// </summary>
public sealed class StackedOutput<T>(T[] y, T[] lastStates, int layerDirections, int batch, IReadOnlyList<int> stateSizes)
{
    public T[] Y { get; } = y;
    public T[] LastStates { get; } = lastStates;

    /// <summary>h_n, [L * directions, B, H] (or P), layer-major and direction-minor as PyTorch orders it.</summary>
    public ReadOnlySpan<T> HN => State(0);

    /// <summary>
    /// State <paramref name="index"/>, [L * directions, B, stateSizes[index]]; ArgumentOutOfRangeException for an index
    /// outside the cell's states.
    /// </summary>
    public ReadOnlySpan<T> State(int index)
    {
        StateIndex.Check(index, stateSizes.Count);
        return LastStates.AsSpan(layerDirections * batch * stateSizes.Take(index).Sum(), layerDirections * batch * stateSizes[index]);
    }

    /// <summary>Whether this is a training forward, which the stack's backward can start from.</summary>
    public bool IsTraining => Saved is not null;

    /// <summary>What a training forward keeps for its backward (the stack's own type), or null.</summary>
    internal object? Saved { get; init; }
}

/// <summary>
/// What a stack's backward returns: dL/dx [B, T, I], the weight gradients under PyTorch's parameter names
/// (weight_ih_l0, weight_hh_l1_reverse, ...; the gradient of a parameter has its name), and dL/d(initial states)
/// [S, L * directions, B, *].
/// </summary>
public sealed class StackedGradients<T>(T[] dInput, IReadOnlyDictionary<string, T[]> weights, T[] dInitialStates)
{
    public T[] DInput { get; } = dInput;
    public IReadOnlyDictionary<string, T[]> Weights { get; } = weights;
    public T[] DInitialStates { get; } = dInitialStates;
}
