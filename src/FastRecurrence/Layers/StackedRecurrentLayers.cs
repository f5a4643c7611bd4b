using System.Numerics;
using FastRecurrence.Backends;
using FastRecurrence.Validation;

namespace FastRecurrence.Layers;

/// <summary>
/// A stack of recurrent layers as torch nn.LSTM / nn.GRU / nn.RNN build it with num_layers, bidirectional and dropout
/// (and sLSTM the same way), batch-first: x [B, T, I] in, y [B, T, directions * H] out (the forward direction's H
/// features first, as PyTorch concatenates them). Layer k > 0 reads layer k - 1's output, after dropout in training.
/// The reverse direction is the same layer run on the time-reversed sequence. Every layer and direction runs on the
/// chosen backend through <see cref="RecurrentLayer{T}"/>.
/// </summary>
/// <remarks>
/// States are [S, L * directions, B, H], layer-major and direction-minor as PyTorch orders h_n: state 0 is h_n (and
/// h0), LSTM's state 1 is c_n (and c0); sLSTM's four states follow the same layout. With proj_size P (LSTM), y and h
/// are P wide: h_n [L * directions, B, P] is followed by c_n [L * directions, B, H], and layer k &gt; 0 reads
/// directions * P features.
/// </remarks>
public sealed class StackedRecurrentLayers<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly RecurrentLayer<T>[,] _layers;

    public StackedRecurrentLayers(CellKind cell, int inputSize, int hiddenSize, StackedLayersWeights<T> weights,
        StackedLayersOptions? options = null, IRecurrenceBackend? backend = null)
    {
        Guard.NotNull(weights, nameof(weights));
        Options = options ?? new StackedLayersOptions();
        Guard.Positive(Options.NumLayers, "options.NumLayers");
        // before the layers' own checks, which name their parameter (heads), not the option
        Guard.Positive(Options.Heads, "options.Heads");
        if (hiddenSize > 0 && hiddenSize % Options.Heads != 0)
            throw new ArgumentException($"options.Heads: hiddenSize {hiddenSize} must be a multiple of heads, got heads = {Options.Heads}.", "options.Heads");
        if (Options.Dropout is < 0 or >= 1 || double.IsNaN(Options.Dropout))
            throw new ArgumentOutOfRangeException(nameof(options), Options.Dropout, $"options.Dropout: expected a probability in [0, 1), got {Options.Dropout}.");
        Guard.NonNegative(Options.ProjSize, "options.ProjSize");
        if (Options.ProjSize > 0 && (cell != CellKind.Lstm || Options.ProjSize >= hiddenSize || Options.Heads != 1))
            throw new ArgumentException($"options.ProjSize: proj_size = {Options.ProjSize} needs an LSTM (got {cell}) with one head (got {Options.Heads}) " +
                $"and proj_size < hidden_size = {hiddenSize}, as in PyTorch.", nameof(options));
        if (weights.NumLayers != Options.NumLayers || weights.Directions != Options.Directions)
            throw new ArgumentException($"weights: expected {Options.NumLayers} layers x {Options.Directions} directions (the options), got {weights.NumLayers} x {weights.Directions}.", nameof(weights));
        Cell = cell;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        _layers = new RecurrentLayer<T>[Options.NumLayers, Options.Directions];
        for (var k = 0; k < Options.NumLayers; k++)
        for (var d = 0; d < Options.Directions; d++)
        {
            var layerInput = k == 0 ? inputSize : Options.Directions * (Options.ProjSize > 0 ? Options.ProjSize : hiddenSize);
            try
            {
                _layers[k, d] = new RecurrentLayer<T>(cell, layerInput, hiddenSize, weights[k, d], Options.Heads, backend, Options.ProjSize);
            }
            catch (ArgumentException e) when (e.ParamName is { } name && name.StartsWith("weight", StringComparison.Ordinal) || e.ParamName?.StartsWith("bias", StringComparison.Ordinal) == true)
            {
                // Name the tensor as PyTorch does: weight_ih_l1_reverse, not weight_ih (and drop the exception's own
                // " (Parameter 'weight_ih')" suffix, which the new exception replaces with the full name).
                var full = e.ParamName + PyTorchParameterNames.Suffix(k, d);
                var text = e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
                throw new ArgumentException(full + text[e.ParamName!.Length..], full, e);
            }
        }
    }

    public CellKind Cell { get; }
    public int InputSize { get; }
    public int HiddenSize { get; }
    public StackedLayersOptions Options { get; }

    /// <summary>Directions * H (or * P with a projection): the feature size of y.</summary>
    public int OutputSize => Options.Directions * LayerOutputSize;

    /// <summary>The feature size of each state (h is proj_size wide with a projection, the others H).</summary>
    public IReadOnlyList<int> StateSizes => _layers[0, 0].StateSizes;

    /// <summary>
    /// The length of the initial and last states [S, L * directions, B, *] for a batch of <paramref name="batch"/>;
    /// ArgumentOutOfRangeException when that is not a positive batch, or the states would not fit one span.
    /// </summary>
    public int StatesLength(int batch)
    {
        Guard.Positive(batch, nameof(batch));
        // checked: a wrapped product would let a short (or empty) states tensor through the length checks
        return Guard.ElementCount(nameof(batch), $"states {StatesShape(batch)}", _layers.Length, batch, StateSizes.Sum());
    }

    private int LayerOutputSize => _layers[0, 0].OutputSize;

    private string StatesShape(int batch) =>
        $"[S={StateSizes.Count}, L*directions={_layers.Length}, B={batch}, {(Options.ProjSize > 0 ? $"proj_size={Options.ProjSize} for h, H={HiddenSize} for c" : $"H={HiddenSize}")}]";

    /// <summary>
    /// Runs the stack on x [B, T, I] from <paramref name="initialStates"/> [S, L * directions, B, H] (empty for zeros).
    /// With <paramref name="training"/>, dropout (if any) is applied between layers with the options' seed, and the
    /// output keeps every layer's training forward for <see cref="Backward(StackedOutput{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, RecurrentBackwardOptions?)"/>.
    /// With <paramref name="lengths"/> [B] (1..T, any order): y is zero past each sequence's length, its last states are
    /// those at its own length, and the reverse direction starts at its own last step.
    /// </summary>
    public StackedOutput<T> Forward(ReadOnlySpan<T> x, int batch, int timeSteps, ReadOnlySpan<T> initialStates = default, bool training = false,
        ReadOnlySpan<int> lengths = default)
    {
        Guard.Positive(batch, nameof(batch));
        Guard.Positive(timeSteps, nameof(timeSteps));
        int L = Options.NumLayers, dirs = Options.Directions, H = LayerOutputSize;
        // checked products: a wrapped B * T * I would let a short x through (and B * T = 0 divide by zero below)
        var xShape = $"[B={batch}, T={timeSteps}, I={InputSize}]";
        var xLength = Guard.ElementCount("x", xShape, batch, timeSteps, InputSize);
        var yLength = Guard.ElementCount(nameof(batch), $"y [B={batch}, T={timeSteps}, directions*{(Options.ProjSize > 0 ? "P" : "H")}={dirs * H}]",
            batch, timeSteps, dirs, H);
        Guard.Length(x.Length, xLength, "x", $"{xShape}");
        Guard.OptionalLength(initialStates.Length, StatesLength(batch), "initialStates", true, $"{StatesShape(batch)}");
        var forwards = new LayerOutput<T>[L, dirs];
        var last = new T[StatesLength(batch)];
        var current = x.ToArray();
        for (var k = 0; k < L; k++)
        {
            int inputSize = current.Length / (batch * timeSteps);
            var output = new T[yLength];
            for (var d = 0; d < dirs; d++)
            {
                var xDirection = d == 1 ? SequenceLayout.ReverseTime(current, batch, timeSteps, inputSize, lengths) : current;
                var result = forwards[k, d] = _layers[k, d].Forward(xDirection, batch, timeSteps,
                    SequenceLayout.StatesOf(initialStates, StateSizes, L * dirs, batch, k * dirs + d), lengths, training);
                var y = d == 1 ? SequenceLayout.ReverseTime(result.Y, batch, timeSteps, H, lengths) : result.Y;
                SequenceLayout.SetFeatures(output, y, batch, timeSteps, dirs * H, d * H, H);
                SequenceLayout.SetStatesOf(last, result.LastStates, StateSizes, L * dirs, batch, k * dirs + d);
            }
            if (training && k < L - 1)
                DropoutMask.Apply<T>(output, Options.Dropout, Options.DropoutSeed, k);
            current = output;
        }
        return new StackedOutput<T>(current, last, _layers.Length, batch, StateSizes)
        {
            Saved = training ? new SavedForward(this, batch, timeSteps, lengths.ToArray(), forwards) : null,
        };
    }

    /// <summary>
    /// Gradients given dL/dy [B, T, directions * H] and optionally dL/d(last states) [S, L * directions, B, H], through
    /// the training forward (the same dropout masks), which this call runs first: dL/dx, every weight under PyTorch's
    /// name, and dL/d(initial states). <paramref name="options"/>: recurrent clipping and truncated BPTT in every layer
    /// (accumulation is refused: the gradients are fresh arrays). After a training forward, the overload taking its
    /// output saves running it again.
    /// </summary>
    public StackedGradients<T> Backward(ReadOnlySpan<T> x, int batch, int timeSteps, ReadOnlySpan<T> dy,
        ReadOnlySpan<T> initialStates = default, ReadOnlySpan<T> dLastStates = default, RecurrentBackwardOptions? options = null,
        ReadOnlySpan<int> lengths = default) =>
        Backward(Forward(x, batch, timeSteps, initialStates, training: true, lengths), dy, dLastStates, options);

    /// <summary>
    /// The gradients for the inputs of <paramref name="forward"/>, a training forward of this stack
    /// (<c>training: true</c>), reusing every layer's forward instead of running the stack again.
    /// </summary>
    public StackedGradients<T> Backward(StackedOutput<T> forward, ReadOnlySpan<T> dy, ReadOnlySpan<T> dLastStates = default,
        RecurrentBackwardOptions? options = null)
    {
        Guard.NotNull(forward, nameof(forward));
        if (forward.Saved is not SavedForward saved || !ReferenceEquals(saved.Stack, this))
            throw new ArgumentException("forward: not a training forward of this stack; call Forward(..., training: true) on this stack first.", nameof(forward));
        int L = Options.NumLayers, dirs = Options.Directions, H = LayerOutputSize, batch = saved.Batch, timeSteps = saved.Steps;
        ReadOnlySpan<int> lengths = saved.Lengths;
        Guard.Length(dy.Length, batch * timeSteps * dirs * H, "dy", $"[B={batch}, T={timeSteps}, directions*{(Options.ProjSize > 0 ? "P" : "H")}={dirs * H}]");
        Guard.OptionalLength(dLastStates.Length, StatesLength(batch), "dLastStates", true, $"{StatesShape(batch)}");

        var named = new Dictionary<string, T[]>();
        var dInitial = new T[StatesLength(batch)];
        var dOutput = dy.ToArray();
        for (var k = L - 1; k >= 0; k--)
        {
            int inputSize = k == 0 ? InputSize : dirs * H;
            var dInput = new T[batch * timeSteps * inputSize];
            for (var d = 0; d < dirs; d++)
            {
                var layer = _layers[k, d];
                var dyDirection = SequenceLayout.Features(dOutput, batch, timeSteps, dirs * H, d * H, H);
                if (d == 1)
                    dyDirection = SequenceLayout.ReverseTime(dyDirection, batch, timeSteps, H, lengths);
                var grads = layer.Backward(saved.Layers[k, d], dyDirection,
                    SequenceLayout.StatesOf(dLastStates, StateSizes, L * dirs, batch, k * dirs + d), options);
                var dx = d == 1 ? SequenceLayout.ReverseTime(grads.DInput, batch, timeSteps, inputSize, lengths) : grads.DInput;
                for (var i = 0; i < dInput.Length; i++)
                    dInput[i] += dx[i];
                var suffix = PyTorchParameterNames.Suffix(k, d);
                named["weight_ih" + suffix] = grads.DWeightIh;
                named["weight_hh" + suffix] = grads.DWeightHh;
                if (layer.Weights.BiasIh is not null) named["bias_ih" + suffix] = grads.DBiasIh;
                if (layer.Weights.BiasHh is not null) named["bias_hh" + suffix] = grads.DBiasHh;
                if (grads.DWeightHr is not null) named["weight_hr" + suffix] = grads.DWeightHr;
                SequenceLayout.SetStatesOf(dInitial, grads.DInitialStates, StateSizes, L * dirs, batch, k * dirs + d);
            }
            // Through the dropout that fed this layer: the same mask and scale.
            if (k > 0)
                DropoutMask.Apply<T>(dInput, Options.Dropout, Options.DropoutSeed, k - 1);
            dOutput = dInput;
        }
        return new StackedGradients<T>(dOutput, named, dInitial);
    }

    /// <summary>What a training forward keeps for its backward: every layer and direction's training forward.</summary>
    private sealed record SavedForward(StackedRecurrentLayers<T> Stack, int Batch, int Steps, int[] Lengths, LayerOutput<T>[,] Layers);
}
