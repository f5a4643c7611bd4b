using FastRecurrence.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// One small random PyTorch-style layer (B=2, T=5, I=3, H=4) for a --cell name, from a fixed seed: the weights,
/// x, h0, c0 and dy as float64, and the `run` arguments that point the tool at them once written to a workspace.
/// </summary>
internal sealed class LayerCase
{
    public const int Batch = 2, Steps = 5, Input = 3, Hidden = 4;

    public LayerCase(string cell, int seed = 1)
    {
        CellName = cell;
        Cell = cell switch
        {
            "lstm" => CellKind.Lstm,
            "gru" => CellKind.Gru,
            "rnn" => CellKind.Elman,
            "slstm" => CellKind.SLstm,
            _ => throw new ArgumentException($"unknown cell {cell}", nameof(cell)),
        };
        var random = new Random(seed);
        var scale = 1 / Math.Sqrt(Hidden);
        WeightIh = TestData.Uniform(random, GateRows * Input, scale);
        WeightHh = TestData.Uniform(random, GateRows * Hidden, scale);
        BiasIh = TestData.Uniform(random, GateRows, scale);
        BiasHh = TestData.Uniform(random, GateRows, scale);
        X = TestData.Uniform(random, Batch * Steps * Input);
        H0 = TestData.Uniform(random, Batch * Hidden, 0.5);
        C0 = TestData.Uniform(random, Batch * Hidden, 0.5);
        DY = TestData.Uniform(random, Batch * Steps * Hidden);
    }

    public string CellName { get; }
    public CellKind Cell { get; }
    public int GateRows => Cell.GateCount() * Hidden;
    public bool HasCellState => Cell is CellKind.Lstm or CellKind.SLstm;

    public double[] WeightIh { get; }
    public double[] WeightHh { get; }
    public double[] BiasIh { get; }
    public double[] BiasHh { get; }
    public double[] X { get; }
    public double[] H0 { get; }
    public double[] C0 { get; }
    public double[] DY { get; }

    public static string OutputDirectory(CliWorkspace workspace) => workspace.PathOf("out");

    /// <summary>
    /// Writes the files (float64, or float32 when <paramref name="float32"/>) and returns the `run` arguments:
    /// h0 as [1, B, H] (and c0 for LSTM) when <paramref name="initialStates"/>, dy when <paramref name="gradOutput"/>.
    /// </summary>
    public List<string> Write(CliWorkspace workspace, bool float32 = false, bool biases = true, bool initialStates = true,
        bool gradOutput = false)
    {
        string Save(string name, double[] values, params int[] shape) =>
            float32 ? workspace.Write(name, TestData.ToSingle(values), shape) : workspace.Write(name, values, shape);

        Save("weights/weight_ih_l0.npy", WeightIh, GateRows, Input);
        Save("weights/weight_hh_l0.npy", WeightHh, GateRows, Hidden);
        if (biases)
        {
            Save("weights/bias_ih_l0.npy", BiasIh, GateRows);
            Save("weights/bias_hh_l0.npy", BiasHh, GateRows);
        }
        var x = Save("x.npy", X, Batch, Steps, Input);
        List<string> args = ["run", "--cell", CellName, "--weights", workspace.PathOf("weights"), "--input", x, "--out", OutputDirectory(workspace)];
        if (initialStates)
        {
            args.AddRange(["--h0", Save("h0.npy", H0, 1, Batch, Hidden)]);
            if (Cell == CellKind.Lstm)
                args.AddRange(["--c0", Save("c0.npy", C0, 1, Batch, Hidden)]);
        }
        if (gradOutput)
            args.AddRange(["--grad-output", Save("dy.npy", DY, Batch, Steps, Hidden)]);
        return args;
    }

    /// <summary>The same layer built directly with the library, in float64.</summary>
    public RecurrentLayer<double> Layer(bool biases = true) =>
        new(Cell, Input, Hidden, new RecurrentLayerWeights<double>(WeightIh, WeightHh, biases ? BiasIh : null, biases ? BiasHh : null));

    /// <summary>The [S, B, H] initial states the CLI builds from h0 (and c0 for LSTM), or empty for zeros.</summary>
    public double[] InitialStates(bool initialStates)
    {
        if (!initialStates)
            return [];
        var states = new double[Cell.StateCount() * Batch * Hidden];
        H0.CopyTo(states, 0);
        if (Cell == CellKind.Lstm)
            C0.CopyTo(states, Batch * Hidden);
        return states;
    }
}
