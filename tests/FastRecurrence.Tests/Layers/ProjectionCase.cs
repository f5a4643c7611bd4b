using FastRecurrence.Backends;
using FastRecurrence.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Layers;

/// <summary>
/// One random LSTM stack with proj_size (PyTorch-named weights incl. weight_hr_l{k}, x, initial states h0 [L*dirs, B, P]
/// then c0 [L*dirs, B, H], output gradients) and its direct float64 computation: PyTorch's projected LSTM step by step
/// (gates = W_ih x + b_ih + W_hh h + b_hh, c = f c + i g, h = W_hr (o tanh c)), written here independently of the
/// library's folded form (decision 0020), layer after layer, the reverse direction on each sequence reversed within its
/// own length, steps past a length holding the states and giving y = 0.
/// </summary>
internal sealed class ProjectionCase
{
    public const int Batch = 2, Steps = 5, Input = 3, Hidden = 4, Proj = 2;
    public required StackedLayersOptions Options { get; init; }
    public required Dictionary<string, double[]> Parameters { get; init; }
    public required double[] X { get; init; }
    public required double[] Initial { get; init; }
    public required double[] DY { get; init; }
    public required double[] DLast { get; init; }

    public int Blocks => Options.NumLayers * Options.Directions;

    public static ProjectionCase Create(int layers, bool bidirectional, int seed, double dropout = 0)
    {
        var random = new Random(seed);
        var options = new StackedLayersOptions { NumLayers = layers, Bidirectional = bidirectional, ProjSize = Proj, Dropout = dropout, DropoutSeed = (ulong)seed };
        int dirs = options.Directions;
        var parameters = new Dictionary<string, double[]>();
        for (var k = 0; k < layers; k++)
        for (var dir = 0; dir < dirs; dir++)
        {
            var suffix = PyTorchParameterNames.Suffix(k, dir);
            var layerInput = k == 0 ? Input : dirs * Proj;
            parameters["weight_ih" + suffix] = TestData.Uniform(random, 4 * Hidden * layerInput, 0.6);
            parameters["weight_hh" + suffix] = TestData.Uniform(random, 4 * Hidden * Proj, 0.6);
            parameters["bias_ih" + suffix] = TestData.Uniform(random, 4 * Hidden, 0.5);
            parameters["bias_hh" + suffix] = TestData.Uniform(random, 4 * Hidden, 0.5);
            parameters["weight_hr" + suffix] = TestData.Uniform(random, Proj * Hidden, 0.7);
        }
        int states = layers * dirs * Batch * (Proj + Hidden);
        return new ProjectionCase
        {
            Options = options, Parameters = parameters,
            X = TestData.Uniform(random, Batch * Steps * Input, 1.0),
            Initial = TestData.Uniform(random, states, 0.5),
            DY = TestData.Uniform(random, Batch * Steps * dirs * Proj, 1.0),
            DLast = TestData.Uniform(random, states, 1.0),
        };
    }

    public StackedRecurrentLayers<float> Stack(IRecurrenceBackend backend) =>
        new(CellKind.Lstm, Input, Hidden,
            StackedLayersWeights.FromNamedParameters(Parameters.ToDictionary(p => p.Key, p => TestData.ToSingle(p.Value)), Options.NumLayers, Options.Bidirectional),
            Options, backend);

    /// <summary>The stack in <typeparamref name="T"/> (float16 tests), its weights rounded once.</summary>
    public StackedRecurrentLayers<T> StackOf<T>(IRecurrenceBackend backend) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        new(CellKind.Lstm, Input, Hidden,
            StackedLayersWeights.FromNamedParameters(Parameters.ToDictionary(p => p.Key, p => Convert<T>(p.Value)), Options.NumLayers, Options.Bidirectional),
            Options, backend);

    public static T[] Convert<T>(double[] values) where T : System.Numerics.INumberBase<T> => Array.ConvertAll(values, T.CreateTruncating);

    public StackedRecurrentLayers<double> Stack64(Dictionary<string, double[]>? parameters = null) =>
        new(CellKind.Lstm, Input, Hidden, StackedLayersWeights.FromNamedParameters(parameters ?? Parameters, Options.NumLayers, Options.Bidirectional),
            Options, RecurrenceBackends.Get("reference"));

    /// <summary>
    /// y [B, T, dirs*P] and the last states (h_n [L*dirs, B, P], then c_n [L*dirs, B, H]), computed directly. With
    /// <paramref name="training"/>, the options' dropout between layers (the library's mask: which elements it keeps is
    /// its choice, how the backward replays them is under test). With <paramref name="heldRecurrentInputs"/>, the h that
    /// each W_hh h reads comes from it (see <see cref="HeldRecurrentInputs"/>).
    /// </summary>
    public (double[] Y, double[] LastStates) ComposeByHand(int[]? lengths = null, Dictionary<string, double[]>? parameters = null,
        double[]? x = null, double[]? initial = null, bool training = false, HeldRecurrentInputs? heldRecurrentInputs = null)
    {
        parameters ??= Parameters;
        initial ??= Initial;
        int dirs = Options.Directions, hBlock = Batch * Proj, cBlock = Batch * Hidden;
        var last = new double[Blocks * (hBlock + cBlock)];
        var current = x ?? X;
        for (var k = 0; k < Options.NumLayers; k++)
        {
            int inputSize = current.Length / (Batch * Steps);
            var output = new double[Batch * Steps * dirs * Proj];
            for (var dir = 0; dir < dirs; dir++)
            {
                var suffix = PyTorchParameterNames.Suffix(k, dir);
                int block = k * dirs + dir;
                var h = initial.AsSpan(block * hBlock, hBlock).ToArray();
                var c = initial.AsSpan(Blocks * hBlock + block * cBlock, cBlock).ToArray();
                for (var b = 0; b < Batch; b++)
                {
                    var length = lengths?[b] ?? Steps;
                    var hb = h.AsSpan(b * Proj, Proj).ToArray();
                    var cb = c.AsSpan(b * Hidden, Hidden).ToArray();
                    for (var step = 0; step < length; step++)
                    {
                        var t = dir == 0 ? step : length - 1 - step;
                        var xt = current.AsSpan((b * Steps + t) * inputSize, inputSize).ToArray();
                        Step(parameters, suffix, xt, hb, cb, heldRecurrentInputs?.Read((block, b, step), hb) ?? hb);
                        hb.CopyTo(output, (b * Steps + t) * dirs * Proj + dir * Proj);
                    }
                    hb.CopyTo(last, block * hBlock + b * Proj);
                    cb.CopyTo(last, Blocks * hBlock + block * cBlock + b * Hidden);
                }
            }
            if (training && k < Options.NumLayers - 1)
                DropoutMask.Apply<double>(output, Options.Dropout, Options.DropoutSeed, k);
            current = output;
        }
        return (current, last);
    }

    /// <summary>
    /// One PyTorch projected-LSTM step, gate order i, f, g, o; updates h [P] and c [H] in place. W_hh multiplies
    /// <paramref name="hRecurrent"/>, which is h itself except where a test holds it.
    /// </summary>
    private static void Step(Dictionary<string, double[]> w, string suffix, double[] x, double[] h, double[] c, double[] hRecurrent)
    {
        var wih = w["weight_ih" + suffix];
        var whh = w["weight_hh" + suffix];
        var bih = w["bias_ih" + suffix];
        var bhh = w["bias_hh" + suffix];
        var whr = w["weight_hr" + suffix];
        var gates = new double[4 * Hidden];
        for (var r = 0; r < 4 * Hidden; r++)
        {
            var sum = bih[r] + bhh[r];
            for (var i = 0; i < x.Length; i++) sum += wih[r * x.Length + i] * x[i];
            for (var p = 0; p < Proj; p++) sum += whh[r * Proj + p] * hRecurrent[p];
            gates[r] = sum;
        }
        var m = new double[Hidden];
        for (var j = 0; j < Hidden; j++)
        {
            double i = Sigmoid(gates[j]), f = Sigmoid(gates[Hidden + j]), g = Math.Tanh(gates[2 * Hidden + j]), o = Sigmoid(gates[3 * Hidden + j]);
            c[j] = f * c[j] + i * g;
            m[j] = o * Math.Tanh(c[j]);
        }
        for (var p = 0; p < Proj; p++)
        {
            var sum = 0.0;
            for (var j = 0; j < Hidden; j++) sum += whr[p * Hidden + j] * m[j];
            h[p] = sum;
        }
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}

/// <summary>
/// The h that each step's W_hh h reads, keyed by (layer * directions + direction, sequence, step in the direction's
/// order): the first run through it records them, every later run reads the recorded ones instead of its own. Finite
/// differences of the later runs are the gradients of truncated BPTT (no gradient through W_hh into the previous h),
/// an oracle that shares nothing with the backward's handling of the option.
/// </summary>
internal sealed class HeldRecurrentInputs
{
    private readonly Dictionary<(int Block, int Sequence, int Step), double[]> _recorded = [];

    public double[] Read((int Block, int Sequence, int Step) key, double[] h)
    {
        if (_recorded.TryGetValue(key, out var held))
            return held;
        _recorded[key] = (double[])h.Clone();
        return h;
    }
}
