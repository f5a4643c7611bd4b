using FastRecurrence.Validation;

namespace FastRecurrence.Layers;

/// <summary>
/// The weights of one layer under PyTorch's names and layouts (nn.LSTM / nn.GRU / nn.RNN, layer 0):
/// weight_ih [G*H, I], weight_hh [G*H, H], bias_ih [G*H], bias_hh [G*H], rows in PyTorch's gate order
/// (LSTM i, f, g, o; GRU r, z, n; sLSTM i, f, z, o). Biases may be null (PyTorch's bias=False). An LSTM with
/// proj_size P has weight_hh [4H, P] and weight_hr [P, H]; without a projection weight_hr is null.
/// </summary>
public sealed class RecurrentLayerWeights<T>
{
    public RecurrentLayerWeights(T[] weightIh, T[] weightHh, T[]? biasIh = null, T[]? biasHh = null, T[]? weightHr = null)
    {
        Guard.NotNull(weightIh, "weight_ih");
        Guard.NotNull(weightHh, "weight_hh");
        WeightIh = weightIh;
        WeightHh = weightHh;
        BiasIh = biasIh;
        BiasHh = biasHh;
        WeightHr = weightHr;
    }

    /// <summary>weight_ih_l0, [G*H, I].</summary>
    public T[] WeightIh { get; }
    /// <summary>weight_hh_l0, [G*H, H] ([4H, P] with a projection); block-diagonal per gate when the layer has several heads.</summary>
    public T[] WeightHh { get; }
    /// <summary>bias_ih_l0, [G*H], or null.</summary>
    public T[]? BiasIh { get; }
    /// <summary>bias_hh_l0, [G*H], or null.</summary>
    public T[]? BiasHh { get; }
    /// <summary>weight_hr_l0, [P, H]: the LSTM projection (proj_size P), or null.</summary>
    public T[]? WeightHr { get; }
}
