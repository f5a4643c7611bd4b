using System.Numerics;
using FastRecurrence.Backends;
using FastRecurrence.Validation;

namespace FastRecurrence.Layers;

/// <summary>
/// One recurrent layer with PyTorch's weights (nn.LSTM, nn.GRU, nn.RNN with tanh, and sLSTM with the same
/// shapes as LSTM), batch-first input x [B, T, I]. It computes Wx = x W_ih^T, maps the weights to the
/// low-level layouts once, and runs the cell on the chosen backend.
/// </summary>
/// <remarks>
/// Initial states are one tensor [S, B, H] (empty for zeros): LSTM (h0, c0); GRU and RNN (h0); sLSTM (y0, c0, n0, m0).
/// PyTorch's h0 [1, B, H] is exactly the first [B, H] slice.
/// </remarks>
public sealed class RecurrentLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _r;
    private readonly T[] _bias;

    public RecurrentLayer(CellKind cell, int inputSize, int hiddenSize, RecurrentLayerWeights<T> weights, int heads = 1,
        IRecurrenceBackend? backend = null)
    {
        Guard.NotNull(weights, nameof(weights));
        Guard.Positive(inputSize, nameof(inputSize));
        Guard.Positive(hiddenSize, nameof(hiddenSize));
        Guard.Positive(heads, nameof(heads));
        if (hiddenSize % heads != 0)
            throw new ArgumentException($"{nameof(heads)}: hiddenSize {hiddenSize} must be a multiple of heads, got heads = {heads}.", nameof(heads));
        var dataType = DataTypeExtensions.Of<T>()
            ?? throw new ArgumentException($"T: {typeof(T).Name} is not a storage type the layer computes in.", nameof(T));

        Cell = cell;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Heads = heads;
        Weights = weights;
        Backend = backend ?? RecurrenceBackends.Default;
        // A one-step, one-sequence problem validates the cell and sizes once; calls build their own.
        var shape = new RecurrentProblem(cell, 1, 1, heads, hiddenSize / heads, inputSize, dataType);
        int gateRows = shape.GateCount * hiddenSize;
        Guard.Length(weights.WeightIh.Length, gateRows * inputSize, "weight_ih", $"[G*H={gateRows}, I={inputSize}]");
        Guard.Length(weights.WeightHh.Length, gateRows * hiddenSize, "weight_hh", $"[G*H={gateRows}, H={hiddenSize}]");
        if (weights.BiasIh is not null)
            Guard.Length(weights.BiasIh.Length, gateRows, "bias_ih", $"[G*H={gateRows}]");
        if (weights.BiasHh is not null)
            Guard.Length(weights.BiasHh.Length, gateRows, "bias_hh", $"[G*H={gateRows}]");

        _r = PyTorchWeightMapping.RecurrentFromWeightHh<T>(shape, weights.WeightHh);
        _bias = PyTorchWeightMapping.BiasFromPyTorch<T>(shape, weights.BiasIh, weights.BiasHh);
    }

    public CellKind Cell { get; }
    public int InputSize { get; }
    public int HiddenSize { get; }
    public int Heads { get; }
    public int HeadSize => HiddenSize / Heads;
    public RecurrentLayerWeights<T> Weights { get; }
    public IRecurrenceBackend Backend { get; }

    /// <summary>The low-level problem this layer runs for a batch of <paramref name="batch"/> sequences of <paramref name="timeSteps"/> steps.</summary>
    public RecurrentProblem ProblemFor(int batch, int timeSteps) =>
        new(Cell, batch, timeSteps, Heads, HeadSize, InputSize, DataTypeExtensions.Of<T>()!.Value);

    /// <summary>
    /// Runs the layer on x [B, T, I] from <paramref name="initialStates"/> [S, B, H] (empty for zeros). With
    /// <paramref name="lengths"/> [B] (1..T each, any order), y is zero past each sequence's length and the last states
    /// are those at its own length (PyTorch's packed sequences, padded).
    /// </summary>
    public LayerOutput<T> Forward(ReadOnlySpan<T> x, int batch, int timeSteps, ReadOnlySpan<T> initialStates = default,
        ReadOnlySpan<int> lengths = default)
    {
        var p = ProblemFor(batch, timeSteps);
        Guard.Length(x.Length, p.XLength, "x", $"[B={batch}, T={timeSteps}, I={InputSize}]");
        var wx = ProjectInput(p, x);
        var y = new T[p.YLength];
        var last = new T[p.StatesLength];
        Recurrence.Forward(p, new RecurrentInputs<T>(wx, _r, _bias, initialStates, lengths), new RecurrentOutputs<T>(y, last), Backend);
        return new LayerOutput<T>(y, last, batch, HiddenSize);
    }

    /// <summary>
    /// Gradients of a loss with respect to x, the PyTorch-named weights and the initial states, given dL/dy [B, T, H]
    /// and optionally dL/d(last states) [S, B, H]. <paramref name="options"/>: recurrent clipping and truncated BPTT
    /// (the gradients are fresh arrays, so accumulation is refused: add them to your own). <paramref name="lengths"/>: as
    /// in <see cref="Forward"/>; steps past a sequence's length take no gradient.
    /// </summary>
    public LayerGradients<T> Backward(ReadOnlySpan<T> x, int batch, int timeSteps, ReadOnlySpan<T> dy,
        ReadOnlySpan<T> initialStates = default, ReadOnlySpan<T> dLastStates = default, RecurrentBackwardOptions? options = null,
        ReadOnlySpan<int> lengths = default)
    {
        if (options?.Accumulate == true)
            throw new ArgumentException("options.Accumulate: the layer returns fresh gradient arrays; add them to your own.", nameof(options));
        var p = ProblemFor(batch, timeSteps);
        Guard.Length(x.Length, p.XLength, "x", $"[B={batch}, T={timeSteps}, I={InputSize}]");
        var wx = ProjectInput(p, x);
        var dWx = new T[p.WxLength];
        var dR = new T[p.RLength];
        var dBias = new T[p.BiasLength];
        var dInitial = new T[p.StatesLength];
        Recurrence.Backward(p, new RecurrentInputs<T>(wx, _r, _bias, initialStates, lengths),
            new RecurrentOutputGradients<T>(dy, dLastStates), new RecurrentInputGradients<T>(dWx, dR, dBias, dInitial), Backend, options);

        int gateRows = p.GateCount * HiddenSize;
        var dx = new T[p.XLength];
        var dWeightIh = new T[gateRows * InputSize];
        InputProjection.Backward<T>(x, Weights.WeightIh, dWx, batch * timeSteps, InputSize, gateRows, dx, dWeightIh);
        var dWeightHh = PyTorchWeightMapping.WeightHhFromRecurrent<T>(p, dR);
        var (dBiasIh, dBiasHh) = PyTorchWeightMapping.BiasGradientsToPyTorch<T>(p, dBias);
        return new LayerGradients<T>(dx, dWeightIh, dWeightHh, dBiasIh, dBiasHh, dInitial);
    }

    private T[] ProjectInput(RecurrentProblem p, ReadOnlySpan<T> x)
    {
        var wx = new T[p.WxLength];
        // A GPU backend projects on its device (one large GEMM); every other backend, on the CPU.
        if (Backend is IInputProjectionBackend device && device.WhyNoInputProjection(p.DataType) is null)
            device.ProjectInput<T>(x, Weights.WeightIh, p.Batch * p.TimeSteps, InputSize, p.GateCount * HiddenSize, wx);
        else
            InputProjection.Forward<T>(x, Weights.WeightIh, p.Batch * p.TimeSteps, InputSize, p.GateCount * HiddenSize, wx);
        return wx;
    }
}
