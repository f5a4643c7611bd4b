namespace FastRecurrence.Layers;

/// <summary>
/// The shape of a <see cref="StackedRecurrentLayers{T}"/>, as nn.LSTM's constructor arguments: num_layers, bidirectional,
/// dropout (between layers, in training only), proj_size (LSTM only), plus our heads (block-diagonal weight_hh in every layer) and the seed
/// that makes the dropout masks reproducible (the same seed, the same masks, in the forward and its backward).
/// </summary>
public sealed record StackedLayersOptions
{
    public int NumLayers { get; init; } = 1;
    public bool Bidirectional { get; init; }
    public int Heads { get; init; } = 1;

    /// <summary>PyTorch's proj_size (LSTM only, 0 &lt; P &lt; H; 0 = none): every layer's h and y are P wide (weight_hr_l{k}).</summary>
    public int ProjSize { get; init; }

    /// <summary>Probability of zeroing each element of every layer's output except the last, in training (PyTorch's dropout).</summary>
    public double Dropout { get; init; }

    public ulong DropoutSeed { get; init; }

    public int Directions => Bidirectional ? 2 : 1;
}
