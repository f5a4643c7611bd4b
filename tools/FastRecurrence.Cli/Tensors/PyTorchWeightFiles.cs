using FastRecurrence.Cli.Commands;
using FastRecurrence.Cli.Errors;
using FastRecurrence.Cli.Npy;
using FastRecurrence.Layers;

namespace FastRecurrence.Cli.Tensors;

/// <summary>One layer and direction's files: weight_ih, weight_hh, the optional biases and, with --proj-size, weight_hr.</summary>
internal sealed record LayerWeightFiles(TensorFile WeightIh, TensorFile WeightHh, TensorFile? BiasIh, TensorFile? BiasHh, TensorFile? WeightHr);

/// <summary>
/// A directory of a PyTorch recurrent module's weights under the names named_parameters() gives, for every layer k and
/// direction (suffix "_reverse"): weight_ih_l{k}.npy [G*H, I] (layer 0) or [G*H, directions*H] (later layers),
/// weight_hh_l{k}.npy [G*H, H], and optionally bias_ih_l{k}.npy and bias_hh_l{k}.npy [G*H] (all absent is PyTorch's
/// bias=False). H comes from weight_hh_l0's second dimension, I from weight_ih_l0's. With --proj-size P (lstm):
/// weight_hh_l{k}.npy is [4H, P] (H from its first dimension), weight_hr_l{k}.npy [P, H] is required, and later layers read
/// directions*P features. Files of layers, a direction or a projection the options do not ask for are refused, so a
/// forgotten --num-layers, --bidirectional or --proj-size cannot go unnoticed.
/// </summary>
internal sealed class PyTorchWeightFiles
{
    public const string WeightIhName = "weight_ih_l0.npy";
    public const string WeightHhName = "weight_hh_l0.npy";

    private readonly LayerWeightFiles[,] _layers;

    private PyTorchWeightFiles(LayerWeightFiles[,] layers, int hiddenSize, int inputSize, int projSize)
    {
        _layers = layers;
        HiddenSize = hiddenSize;
        InputSize = inputSize;
        ProjSize = projSize;
    }

    public int HiddenSize { get; }

    /// <summary>--proj-size, or 0.</summary>
    public int ProjSize { get; }

    /// <summary>The feature size of y and h: P with a projection, else H.</summary>
    public int OutputSize => ProjSize > 0 ? ProjSize : HiddenSize;
    public int InputSize { get; }
    public int NumLayers => _layers.GetLength(0);
    public int Directions => _layers.GetLength(1);

    public LayerWeightFiles this[int layer, int direction] => _layers[layer, direction];

    public bool HasBiases => _layers[0, 0].BiasIh is not null;

    public IEnumerable<TensorFile?> Files =>
        _layers.Cast<LayerWeightFiles>().SelectMany(l => new[] { l.WeightIh, l.WeightHh, l.BiasIh, l.BiasHh, l.WeightHr });

    /// <summary>Reads the directory and checks every shape against <paramref name="cell"/>'s gate count and the stack's options.</summary>
    public static PyTorchWeightFiles Read(string directory, CellKind cell, int numLayers = 1, bool bidirectional = false, int projSize = 0)
    {
        if (!Directory.Exists(directory))
            throw new CliInputException($"--weights: directory '{directory}' not found.");
        var cellName = CellNames.NameOf(cell);
        var gates = cell.GateCount();
        var directions = bidirectional ? 2 : 1;
        RefuseUnaskedFiles(directory, numLayers, bidirectional, projSize);
        var hhShape = projSize > 0 ? "[4H, P]" : "[G*H, H]";

        var layers = new LayerWeightFiles[numLayers, directions];
        int hidden = 0, input = 0;
        bool? biases = null;
        for (var k = 0; k < numLayers; k++)
        for (var d = 0; d < directions; d++)
        {
            var suffix = PyTorchParameterNames.Suffix(k, d);
            var weightHh = ReadRequired(directory, $"weight_hh{suffix}.npy", hhShape);
            weightHh.RequireRank(2, hhShape);
            if (k == 0 && d == 0)
            {
                // H is read from this file, so an empty one is refused here, naming it, rather than by the library.
                if (projSize > 0 && weightHh.Shape[0] < gates)
                    throw new CliInputException($"{weightHh.Path}: 4H (axis 0 of {hhShape}) is {weightHh.Shape[0]} in shape {weightHh.Array.ShapeText}; expected at least 4 (H >= 1).");
                if (projSize == 0)
                    weightHh.RequireAxisNotEmpty(1, "H", hhShape);
                hidden = projSize > 0 ? weightHh.Shape[0] / gates : weightHh.Shape[1];
                if (projSize > 0 && projSize >= hidden)
                    throw new CliInputException($"--proj-size: must be smaller than H={hidden} (from weight_hh_l0's first dimension / 4), as in PyTorch; got {projSize}.");
            }
            if (projSize > 0)
                weightHh.RequireShape(hhShape, $"for lstm with --proj-size {projSize} (H={hidden} from weight_hh_l0's first dimension)", gates * hidden, projSize);
            else
                weightHh.RequireShape(hhShape, $"for {cellName} (G={gates}, H={hidden} from weight_hh_l0's second dimension)", gates * hidden, hidden);

            var weightIh = ReadRequired(directory, $"weight_ih{suffix}.npy", k == 0 ? "[G*H, I]" : "[G*H, directions*H]");
            weightIh.RequireRank(2, "[G*H, I]");
            if (k == 0 && d == 0)
            {
                weightIh.RequireAxisNotEmpty(1, "I", "[G*H, I]");
                input = weightIh.Shape[1];
            }
            var layerOutput = projSize > 0 ? projSize : hidden;
            var layerInput = k == 0 ? input : directions * layerOutput;
            weightIh.RequireShape(k == 0 ? "[G*H, I]" : projSize > 0 ? "[G*H, directions*P]" : "[G*H, directions*H]",
                k == 0 ? $"for {cellName} (G={gates}, H={hidden})" : $"for {cellName} layer {k} (its input is the previous layer's y: {directions} x {(projSize > 0 ? "P" : "H")}={layerOutput})",
                gates * hidden, layerInput);

            var biasIh = ReadOptional(directory, $"bias_ih{suffix}.npy");
            var biasHh = ReadOptional(directory, $"bias_hh{suffix}.npy");
            if ((biasIh is null) != (biasHh is null) || (biases is { } any && any != (biasIh is not null)))
                throw new CliInputException(
                    $"--weights: bias files must be given for every layer and direction (bias_ih{suffix}.npy and bias_hh{suffix}.npy) or for none (bias=False); '{directory}' has some.");
            biases = biasIh is not null;
            biasIh?.RequireShape("[G*H]", $"for {cellName}", gates * hidden);
            biasHh?.RequireShape("[G*H]", $"for {cellName}", gates * hidden);
            TensorFile? weightHr = null;
            if (projSize > 0)
            {
                weightHr = ReadRequired(directory, $"weight_hr{suffix}.npy", "[P, H]");
                weightHr.RequireShape("[P, H]", $"for --proj-size {projSize} (H={hidden})", projSize, hidden);
            }
            layers[k, d] = new LayerWeightFiles(weightIh, weightHh, biasIh, biasHh, weightHr);
        }
        return new PyTorchWeightFiles(layers, hidden, input, projSize);
    }

    /// <summary>The weights as the layer API takes them, in <typeparamref name="T"/>.</summary>
    public StackedLayersWeights<T> ToWeights<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var weights = new RecurrentLayerWeights<T>[NumLayers, Directions];
        for (var k = 0; k < NumLayers; k++)
        for (var d = 0; d < Directions; d++)
        {
            var l = _layers[k, d];
            weights[k, d] = new RecurrentLayerWeights<T>(l.WeightIh.Values<T>(), l.WeightHh.Values<T>(), l.BiasIh?.Values<T>(), l.BiasHh?.Values<T>(),
                l.WeightHr?.Values<T>());
        }
        return new StackedLayersWeights<T>(weights);
    }

    private static void RefuseUnaskedFiles(string directory, int numLayers, bool bidirectional, int projSize)
    {
        foreach (var path in Directory.EnumerateFiles(directory, "*.npy"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (!name.StartsWith("weight_", StringComparison.Ordinal) && !name.StartsWith("bias_", StringComparison.Ordinal))
                continue;
            var at = name.IndexOf("_l", StringComparison.Ordinal);
            if (at < 0) continue;
            var tail = name[(at + 2)..];
            var reverse = tail.EndsWith("_reverse", StringComparison.Ordinal);
            if (reverse) tail = tail[..^"_reverse".Length];
            if (!int.TryParse(tail, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var layer))
                continue;
            if (layer >= numLayers)
                throw new CliInputException($"--weights: {Path.GetFileName(path)} is a weight of layer {layer}, but --num-layers is {numLayers}; pass --num-layers {layer + 1} (or remove the file).");
            if (reverse && !bidirectional)
                throw new CliInputException($"--weights: {Path.GetFileName(path)} is a reverse-direction weight; pass --bidirectional (or remove the file).");
            if (projSize == 0 && name.StartsWith("weight_hr_", StringComparison.Ordinal))
                throw new CliInputException($"--weights: {Path.GetFileName(path)} is an LSTM projection weight; pass --proj-size P (its first dimension) (or remove the file).");
        }
    }

    private static TensorFile ReadRequired(string directory, string fileName, string shape)
    {
        var path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
            throw new CliInputException($"--weights: {path} is missing; the directory must hold {fileName} {shape} (PyTorch's name).");
        return new TensorFile(path, NpyFile.Read(path));
    }

    private static TensorFile? ReadOptional(string directory, string fileName)
    {
        var path = Path.Combine(directory, fileName);
        return File.Exists(path) ? new TensorFile(path, NpyFile.Read(path)) : null;
    }
}
