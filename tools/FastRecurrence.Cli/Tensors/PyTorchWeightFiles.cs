using FastRecurrence.Cli.Commands;
using FastRecurrence.Cli.Errors;
using FastRecurrence.Cli.Npy;

namespace FastRecurrence.Cli.Tensors;

/// <summary>
/// A directory of one PyTorch layer's weights under PyTorch's names (layer 0, one direction):
/// weight_ih_l0.npy [G*H, I], weight_hh_l0.npy [G*H, H], and optionally bias_ih_l0.npy and bias_hh_l0.npy [G*H]
/// (both absent is PyTorch's bias=False). H comes from weight_hh's second dimension, I from weight_ih's.
/// </summary>
internal sealed class PyTorchWeightFiles
{
    public const string WeightIhName = "weight_ih_l0.npy";
    public const string WeightHhName = "weight_hh_l0.npy";
    public const string BiasIhName = "bias_ih_l0.npy";
    public const string BiasHhName = "bias_hh_l0.npy";

    private PyTorchWeightFiles(TensorFile weightIh, TensorFile weightHh, TensorFile? biasIh, TensorFile? biasHh,
        int hiddenSize, int inputSize)
    {
        WeightIh = weightIh;
        WeightHh = weightHh;
        BiasIh = biasIh;
        BiasHh = biasHh;
        HiddenSize = hiddenSize;
        InputSize = inputSize;
    }

    public TensorFile WeightIh { get; }
    public TensorFile WeightHh { get; }
    public TensorFile? BiasIh { get; }
    public TensorFile? BiasHh { get; }
    public int HiddenSize { get; }
    public int InputSize { get; }

    public bool HasBiases => BiasIh is not null;

    public IEnumerable<TensorFile?> Files => [WeightIh, WeightHh, BiasIh, BiasHh];

    /// <summary>Reads the directory and checks every shape against <paramref name="cell"/>'s gate count.</summary>
    public static PyTorchWeightFiles Read(string directory, CellKind cell)
    {
        if (!Directory.Exists(directory))
            throw new CliInputException($"--weights: directory '{directory}' not found.");
        var cellName = CellNames.NameOf(cell);
        var gates = cell.GateCount();

        var weightHh = ReadRequired(directory, WeightHhName, "[G*H, H]");
        weightHh.RequireRank(2, "[G*H, H]");
        var hidden = weightHh.Shape[1];
        weightHh.RequireShape("[G*H, H]", $"for {cellName} (G={gates}, H={hidden} from its second dimension)", gates * hidden, hidden);

        var weightIh = ReadRequired(directory, WeightIhName, "[G*H, I]");
        weightIh.RequireRank(2, "[G*H, I]");
        var input = weightIh.Shape[1];
        weightIh.RequireShape("[G*H, I]", $"for {cellName} (G={gates}, H={hidden} from {WeightHhName})", gates * hidden, input);

        var biasIh = ReadOptional(directory, BiasIhName);
        var biasHh = ReadOptional(directory, BiasHhName);
        if ((biasIh is null) != (biasHh is null))
        {
            var (present, absent) = biasIh is null ? (BiasHhName, BiasIhName) : (BiasIhName, BiasHhName);
            throw new CliInputException(
                $"--weights: {present} is in '{directory}' but {absent} is not; a PyTorch layer has both biases or neither (bias=False).");
        }
        biasIh?.RequireShape("[G*H]", $"for {cellName}", gates * hidden);
        biasHh?.RequireShape("[G*H]", $"for {cellName}", gates * hidden);

        return new PyTorchWeightFiles(weightIh, weightHh, biasIh, biasHh, hidden, input);
    }

    private static TensorFile ReadRequired(string directory, string fileName, string shape)
    {
        var path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
            throw new CliInputException($"--weights: {path} is missing; the directory must hold {fileName} {shape} (PyTorch's name for layer 0).");
        return new TensorFile(path, NpyFile.Read(path));
    }

    private static TensorFile? ReadOptional(string directory, string fileName)
    {
        var path = Path.Combine(directory, fileName);
        return File.Exists(path) ? new TensorFile(path, NpyFile.Read(path)) : null;
    }
}
