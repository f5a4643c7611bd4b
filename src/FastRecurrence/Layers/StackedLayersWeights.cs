using FastRecurrence.Validation;

namespace FastRecurrence.Layers;

/// <summary>
/// The weights of every layer and direction of a <see cref="StackedRecurrentLayers{T}"/>, under the names PyTorch's
/// named_parameters() gives: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, with the suffix "_reverse"
/// for the reverse direction, and weight_hr_l{k} for an LSTM with proj_size. Layer k > 0 reads the previous layer's
/// output, so its weight_ih is [G*H, directions*H] (directions*P with a projection).
/// </summary>
public sealed class StackedLayersWeights<T>
{
    private readonly RecurrentLayerWeights<T>[,] _layers;

    /// <param name="layers">[layer, direction]: direction 0 forward, 1 reverse.</param>
    public StackedLayersWeights(RecurrentLayerWeights<T>[,] layers)
    {
        Guard.NotNull(layers, nameof(layers));
        if (layers.GetLength(0) == 0 || layers.GetLength(1) is not (1 or 2))
            throw new ArgumentException($"layers: expected [num_layers >= 1, directions 1 or 2], got [{layers.GetLength(0)}, {layers.GetLength(1)}].", nameof(layers));
        foreach (var layer in layers)
            Guard.NotNull(layer, nameof(layers));
        _layers = layers;
    }

    public int NumLayers => _layers.GetLength(0);
    public int Directions => _layers.GetLength(1);

    public RecurrentLayerWeights<T> this[int layer, int direction] => _layers[layer, direction];

    /// <summary>The weights under PyTorch's names, in named_parameters() order (layer, direction, ih, hh, biases, hr).</summary>
    public IReadOnlyList<KeyValuePair<string, T[]>> NamedParameters()
    {
        var list = new List<KeyValuePair<string, T[]>>();
        for (var k = 0; k < NumLayers; k++)
        for (var d = 0; d < Directions; d++)
        {
            var w = _layers[k, d];
            var suffix = PyTorchParameterNames.Suffix(k, d);
            list.Add(new("weight_ih" + suffix, w.WeightIh));
            list.Add(new("weight_hh" + suffix, w.WeightHh));
            if (w.BiasIh is not null) list.Add(new("bias_ih" + suffix, w.BiasIh));
            if (w.BiasHh is not null) list.Add(new("bias_hh" + suffix, w.BiasHh));
            if (w.WeightHr is not null) list.Add(new("weight_hr" + suffix, w.WeightHr));
        }
        return list;
    }
}

/// <summary>Builds <see cref="StackedLayersWeights{T}"/> from PyTorch's parameter names.</summary>
public static class StackedLayersWeights
{
    /// <summary>
    /// The weights from PyTorch's names. weight_ih and weight_hh are required for every layer and direction; a missing
    /// bias means bias=False, and then no layer may have one (PyTorch's flag is per module). weight_hr_l{k} (an LSTM with
    /// proj_size) likewise: for every layer and direction or for none.
    /// </summary>
    public static StackedLayersWeights<T> FromNamedParameters<T>(IReadOnlyDictionary<string, T[]> parameters, int numLayers, bool bidirectional)
    {
        Guard.NotNull(parameters, nameof(parameters));
        Guard.Positive(numLayers, nameof(numLayers));
        var directions = bidirectional ? 2 : 1;
        var layers = new RecurrentLayerWeights<T>[numLayers, directions];
        var hasBias = parameters.ContainsKey("bias_ih_l0");
        var hasProjection = parameters.ContainsKey("weight_hr_l0");
        for (var k = 0; k < numLayers; k++)
        for (var d = 0; d < directions; d++)
        {
            var suffix = PyTorchParameterNames.Suffix(k, d);
            T[] Required(string name) => parameters.TryGetValue(name + suffix, out var value)
                ? value
                : throw new ArgumentException($"parameters: '{name}{suffix}' is missing (num_layers = {numLayers}, bidirectional = {bidirectional}).", nameof(parameters));
            layers[k, d] = new RecurrentLayerWeights<T>(Required("weight_ih"), Required("weight_hh"),
                hasBias ? Required("bias_ih") : null, hasBias ? Required("bias_hh") : null, hasProjection ? Required("weight_hr") : null);
        }
        var expected = layers.Cast<RecurrentLayerWeights<T>>().Count() * ((hasBias ? 4 : 2) + (hasProjection ? 1 : 0));
        if (parameters.Count != expected)
        {
            var known = Enumerable.Range(0, numLayers).SelectMany(k => Enumerable.Range(0, directions).Select(d => PyTorchParameterNames.Suffix(k, d)))
                .SelectMany(s => new[] { "weight_ih" + s, "weight_hh" + s, "bias_ih" + s, "bias_hh" + s, "weight_hr" + s }).ToHashSet();
            var extra = parameters.Keys.Where(name => !known.Contains(name)).Order(StringComparer.Ordinal).ToArray();
            throw new ArgumentException(extra.Length > 0
                ? $"parameters: unexpected {string.Join(", ", extra)} for num_layers = {numLayers}, bidirectional = {bidirectional}."
                : "parameters: biases (and weight_hr) must be given for every layer and direction or for none (PyTorch's bias and proj_size are per module).", nameof(parameters));
        }
        return new StackedLayersWeights<T>(layers);
    }
}

/// <summary>PyTorch's parameter names for stacked recurrent layers.</summary>
public static class PyTorchParameterNames
{
    /// <summary>"_l{layer}", plus "_reverse" for direction 1, as named_parameters() spells it.</summary>
    public static string Suffix(int layer, int direction) => $"_l{layer}{(direction == 1 ? "_reverse" : "")}";
}
