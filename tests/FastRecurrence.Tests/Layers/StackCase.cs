using FastRecurrence.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Layers;

/// <summary>
/// One random stack problem (PyTorch-named weights, x, initial states, output gradients) and its hand composition on
/// the float64 reference: every layer and direction through <see cref="RecurrentLayer{T}"/>, the reverse direction on
/// the reversed sequence, written out here independently of the stack's own code.
/// </summary>
internal sealed class StackCase
{
    public required CellKind Cell { get; init; }
    public required StackedLayersOptions Options { get; init; }
    public int Batch { get; } = 2;
    public int Steps { get; } = 5;
    public int Input { get; } = 3;
    public int Hidden { get; } = 4;
    public required Dictionary<string, double[]> Parameters { get; init; }
    public required double[] X { get; init; }
    public required double[] Initial { get; init; }
    public required double[] DY { get; init; }
    public required double[] DLast { get; init; }

    public static StackCase Create(CellKind cell, int layers, bool bidirectional, int heads, int seed, double dropout = 0)
    {
        var random = new Random(seed);
        var options = new StackedLayersOptions { NumLayers = layers, Bidirectional = bidirectional, Heads = heads, Dropout = dropout, DropoutSeed = (ulong)seed };
        const int batch = 2, steps = 5, input = 3, hidden = 4;
        int gates = cell.GateCount(), dirs = options.Directions, d = hidden / heads;
        var parameters = new Dictionary<string, double[]>();
        for (var k = 0; k < layers; k++)
        for (var dir = 0; dir < dirs; dir++)
        {
            var suffix = PyTorchParameterNames.Suffix(k, dir);
            var layerInput = k == 0 ? input : dirs * hidden;
            parameters["weight_ih" + suffix] = TestData.Uniform(random, gates * hidden * layerInput, 0.5);
            var hh = TestData.Uniform(random, gates * hidden * hidden, 0.5);
            for (var row = 0; row < gates * hidden; row++)
            for (var col = 0; col < hidden; col++)
                if (row % hidden / d != col / d) hh[row * hidden + col] = 0;
            parameters["weight_hh" + suffix] = hh;
            parameters["bias_ih" + suffix] = TestData.Uniform(random, gates * hidden, 0.5);
            parameters["bias_hh" + suffix] = TestData.Uniform(random, gates * hidden, 0.5);
        }
        int states = cell.StateCount() * layers * dirs * batch * hidden;
        var initial = TestData.Uniform(random, states, 0.5);
        var dLast = TestData.Uniform(random, states, 1.0);
        if (cell == CellKind.SLstm)
        {
            // sLSTM's normaliser and stabiliser states start at zero (math.md), and the loss reaches c, n, m only through y.
            var one = layers * dirs * batch * hidden;
            Array.Clear(initial, one, states - one);
            Array.Clear(dLast, one, states - one);
        }
        return new StackCase
        {
            Cell = cell, Options = options, Parameters = parameters,
            X = TestData.Uniform(random, batch * steps * input, 1.0),
            Initial = initial,
            DY = TestData.Uniform(random, batch * steps * dirs * hidden, 1.0),
            DLast = dLast,
        };
    }

    public StackedRecurrentLayers<float> Stack(FastRecurrence.Backends.IRecurrenceBackend backend) =>
        new(Cell, Input, Hidden,
            StackedLayersWeights.FromNamedParameters(Parameters.ToDictionary(p => p.Key, p => TestData.ToSingle(p.Value)), Options.NumLayers, Options.Bidirectional),
            Options, backend);

    public StackedRecurrentLayers<double> Stack64() =>
        new(Cell, Input, Hidden, StackedLayersWeights.FromNamedParameters(Parameters, Options.NumLayers, Options.Bidirectional), Options,
            FastRecurrence.Backends.RecurrenceBackends.Get("reference"));

    /// <summary>y [B, T, dirs*H] and the last states [S, L*dirs, B, H], composed layer by layer (no dropout: inference).</summary>
    public (double[] Y, double[] LastStates) ComposeByHand()
    {
        int dirs = Options.Directions, S = Cell.StateCount(), L = Options.NumLayers, block = Batch * Hidden;
        var last = new double[S * L * dirs * block];
        var current = X;
        for (var k = 0; k < L; k++)
        {
            int inputSize = current.Length / (Batch * Steps);
            var output = new double[Batch * Steps * dirs * Hidden];
            for (var dir = 0; dir < dirs; dir++)
            {
                var suffix = PyTorchParameterNames.Suffix(k, dir);
                var layer = new RecurrentLayer<double>(Cell, inputSize, Hidden,
                    new RecurrentLayerWeights<double>(Parameters["weight_ih" + suffix], Parameters["weight_hh" + suffix],
                        Parameters["bias_ih" + suffix], Parameters["bias_hh" + suffix]), Options.Heads,
                    FastRecurrence.Backends.RecurrenceBackends.Get("reference"));
                var init = new double[S * block];
                for (var s = 0; s < S; s++)
                    Array.Copy(Initial, (s * L * dirs + k * dirs + dir) * block, init, s * block, block);
                var x = dir == 0 ? current : Reverse(current, inputSize);
                var result = layer.Forward(x, Batch, Steps, init);
                var y = dir == 0 ? result.Y : Reverse(result.Y, Hidden);
                for (var row = 0; row < Batch * Steps; row++)
                    Array.Copy(y, row * Hidden, output, row * dirs * Hidden + dir * Hidden, Hidden);
                for (var s = 0; s < S; s++)
                    Array.Copy(result.LastStates, s * block, last, (s * L * dirs + k * dirs + dir) * block, block);
            }
            current = output;
        }
        return (current, last);
    }

    private double[] Reverse(double[] values, int features)
    {
        var reversed = new double[values.Length];
        for (var b = 0; b < Batch; b++)
        for (var t = 0; t < Steps; t++)
            Array.Copy(values, (b * Steps + t) * features, reversed, (b * Steps + Steps - 1 - t) * features, features);
        return reversed;
    }
}
