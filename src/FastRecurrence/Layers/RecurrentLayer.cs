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
    private readonly LstmProjection<T>? _projection;

    /// <summary>
    /// A layer of <paramref name="cell"/> over <paramref name="inputSize"/> features with <paramref name="hiddenSize"/> units
    /// in <paramref name="heads"/> heads, on <paramref name="backend"/> (the default backend when null). With
    /// <paramref name="projSize"/> P &gt; 0 (LSTM only, P &lt; H, one head: PyTorch's proj_size), h = W_hr m is P wide,
    /// <paramref name="weights"/>.WeightHr is [P, H] and weight_hh [4H, P] (decision 0020).
    /// </summary>
    public RecurrentLayer(CellKind cell, int inputSize, int hiddenSize, RecurrentLayerWeights<T> weights, int heads = 1,
        IRecurrenceBackend? backend = null, int projSize = 0)
    {
        Guard.NotNull(weights, nameof(weights));
        Guard.Positive(inputSize, nameof(inputSize));
        Guard.Positive(hiddenSize, nameof(hiddenSize));
        Guard.Positive(heads, nameof(heads));
        Guard.NonNegative(projSize, nameof(projSize));
        if (hiddenSize % heads != 0)
            throw new ArgumentException($"{nameof(heads)}: hiddenSize {hiddenSize} must be a multiple of heads, got heads = {heads}.", nameof(heads));
        var dataType = DataTypeExtensions.Of<T>()
            ?? throw new ArgumentException($"T: {typeof(T).Name} is not a storage type the layer computes in.", nameof(T));
        if (projSize > 0)
        {
            if (cell != CellKind.Lstm)
                throw new ArgumentException($"{nameof(projSize)}: proj_size is an LSTM option (as in PyTorch), got cell {cell} with proj_size = {projSize}.", nameof(projSize));
            if (projSize >= hiddenSize)
                throw new ArgumentOutOfRangeException(nameof(projSize), projSize, $"{nameof(projSize)}: proj_size must be smaller than hidden_size = {hiddenSize} (as in PyTorch), got {projSize}.");
            if (heads != 1)
                throw new ArgumentException($"{nameof(heads)}: a projected LSTM has one head (weight_hh [4H, P] is not block-diagonal), got heads = {heads}.", nameof(heads));
        }
        if (projSize == 0 && weights.WeightHr is not null)
            throw new ArgumentException("weight_hr: given, but proj_size is 0 (weight_hr belongs to an LSTM with a projection).", "weight_hr");

        Cell = cell;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Heads = heads;
        ProjSize = projSize;
        Weights = weights;
        Backend = backend ?? RecurrenceBackends.Default;
        // A one-step, one-sequence problem validates the cell and sizes once; calls build their own.
        var shape = new RecurrentProblem(cell, 1, 1, heads, hiddenSize / heads, inputSize, dataType);
        int gateRows = shape.GateCount * hiddenSize;
        int recurrentInput = projSize > 0 ? projSize : hiddenSize;
        // The dense tensors are checked here, where they exist (the problem checks only the low-level ones): checked
        // products, so that a wrapped G*H*H cannot pass for the length of a smaller array.
        var weightIhShape = $"[G*H={gateRows}, I={inputSize}]";
        var weightHhShape = $"[G*H={gateRows}, {(projSize > 0 ? "proj_size" : "H")}={recurrentInput}]";
        Guard.Length(weights.WeightIh.Length, Guard.ElementCount("weight_ih", weightIhShape, gateRows, inputSize), "weight_ih", $"{weightIhShape}");
        Guard.Length(weights.WeightHh.Length, Guard.ElementCount("weight_hh", weightHhShape, gateRows, recurrentInput), "weight_hh", $"{weightHhShape}");
        if (weights.BiasIh is not null)
            Guard.Length(weights.BiasIh.Length, gateRows, "bias_ih", $"[G*H={gateRows}]");
        if (weights.BiasHh is not null)
            Guard.Length(weights.BiasHh.Length, gateRows, "bias_hh", $"[G*H={gateRows}]");

        if (projSize > 0)
        {
            var weightHr = weights.WeightHr
                ?? throw new ArgumentException($"weight_hr: required with proj_size = {projSize} ([proj_size={projSize}, H={hiddenSize}]).", "weight_hr");
            Guard.Length(weightHr.Length, projSize * hiddenSize, "weight_hr", $"[proj_size={projSize}, H={hiddenSize}]");
            _projection = new LstmProjection<T>(weights.WeightHh, weightHr, gateRows, hiddenSize, projSize);
            _r = PyTorchWeightMapping.RecurrentFromWeightHh<T>(shape, _projection.FoldedWeightHh());
        }
        else
            _r = PyTorchWeightMapping.RecurrentFromWeightHh<T>(shape, weights.WeightHh);
        _bias = PyTorchWeightMapping.BiasFromPyTorch<T>(shape, weights.BiasIh, weights.BiasHh);
        StateSizes = projSize > 0 ? [projSize, hiddenSize] : Enumerable.Repeat(hiddenSize, shape.StateCount).ToArray();
    }

    public CellKind Cell { get; }
    public int InputSize { get; }
    public int HiddenSize { get; }
    public int Heads { get; }
    public int HeadSize => HiddenSize / Heads;

    /// <summary>PyTorch's proj_size, or 0 without a projection.</summary>
    public int ProjSize { get; }

    /// <summary>The feature size of y and h: proj_size with a projection, else H.</summary>
    public int OutputSize => ProjSize > 0 ? ProjSize : HiddenSize;

    /// <summary>The feature size of each state: H for every state, but h is proj_size wide with a projection (h, c).</summary>
    public IReadOnlyList<int> StateSizes { get; }

    /// <summary>
    /// The length of the initial and last states [S, B, *] for a batch of <paramref name="batch"/>;
    /// ArgumentOutOfRangeException when that is not a positive batch, or the states would not fit one span.
    /// </summary>
    public int StatesLength(int batch)
    {
        Guard.Positive(batch, nameof(batch));
        return Guard.ElementCount(nameof(batch), $"states [S={StateSizes.Count}, B={batch}, *] ({StateSizes.Sum()} values per sequence)", batch, StateSizes.Sum());
    }

    public RecurrentLayerWeights<T> Weights { get; }
    public IRecurrenceBackend Backend { get; }

    /// <summary>x is [B, T, I], its length a checked product (the problem does not hold the dense input).</summary>
    private void CheckX(int length, int batch, int timeSteps)
    {
        var shape = $"[B={batch}, T={timeSteps}, I={InputSize}]";
        Guard.Length(length, Guard.ElementCount("x", shape, batch, timeSteps, InputSize), "x", $"{shape}");
    }

    /// <summary>The low-level problem this layer runs for a batch of <paramref name="batch"/> sequences of <paramref name="timeSteps"/> steps.</summary>
    public RecurrentProblem ProblemFor(int batch, int timeSteps) =>
        new(Cell, batch, timeSteps, Heads, HeadSize, InputSize, DataTypeExtensions.Of<T>()!.Value);

    /// <summary>
    /// Runs the layer on x [B, T, I] from <paramref name="initialStates"/> [S, B, *] (empty for zeros; h is proj_size
    /// wide with a projection). With <paramref name="lengths"/> [B] (1..T each, any order), y is zero past each
    /// sequence's length and the last states are those at its own length (PyTorch's packed sequences, padded). With
    /// <paramref name="training"/>, the output keeps what <see cref="Backward(LayerOutput{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, RecurrentBackwardOptions?)"/>
    /// reuses (x, the input projection and, with a projection, m), so the backward does not redo them.
    /// </summary>
    public LayerOutput<T> Forward(ReadOnlySpan<T> x, int batch, int timeSteps, ReadOnlySpan<T> initialStates = default,
        ReadOnlySpan<int> lengths = default, bool training = false)
    {
        var p = ProblemFor(batch, timeSteps);
        CheckX(x.Length, batch, timeSteps);
        if (_projection is null)
        {
            var y = new T[p.YLength];
            var last = new T[p.StatesLength];
            var wx = ProjectInput(p, x);
            Recurrence.Forward(p, new RecurrentInputs<T>(wx, _r, _bias, initialStates, lengths), new RecurrentOutputs<T>(y, last), Backend);
            return new LayerOutput<T>(y, last, batch, StateSizes)
            {
                Saved = training ? new SavedForward(this, x.ToArray(), batch, timeSteps, initialStates.ToArray(), lengths.ToArray(), wx, null) : null,
            };
        }
        var run = RunProjected(p, x, initialStates, lengths);
        var h = Project(run.M, batch * timeSteps);
        return new LayerOutput<T>(h, [.. _projection.Project(run.LastM, batch), .. run.LastC], batch, StateSizes)
        {
            Saved = training ? new SavedForward(this, x.ToArray(), batch, timeSteps, initialStates.ToArray(), lengths.ToArray(), run.Wx, run) : null,
        };
    }

    /// <summary>
    /// Gradients of a loss with respect to x, the PyTorch-named weights and the initial states, given dL/dy [B, T, *]
    /// and optionally dL/d(last states) [S, B, *]. <paramref name="options"/>: recurrent clipping and truncated BPTT
    /// (the gradients are fresh arrays, so accumulation is refused: add them to your own; clipping is refused with a
    /// projection, decision 0020). <paramref name="lengths"/>: as in <see cref="Forward"/>; steps past a sequence's
    /// length take no gradient.
    /// </summary>
    public LayerGradients<T> Backward(ReadOnlySpan<T> x, int batch, int timeSteps, ReadOnlySpan<T> dy,
        ReadOnlySpan<T> initialStates = default, ReadOnlySpan<T> dLastStates = default, RecurrentBackwardOptions? options = null,
        ReadOnlySpan<int> lengths = default)
    {
        CheckOptions(options);
        var p = ProblemFor(batch, timeSteps);
        CheckX(x.Length, batch, timeSteps);
        return _projection is null
            ? Gradients(p, x, ProjectInput(p, x), initialStates, lengths, null, dy, dLastStates, options)
            : Gradients(p, x, default, initialStates, lengths, RunProjected(p, x, initialStates, lengths), dy, dLastStates, options);
    }

    /// <summary>
    /// The same gradients for the inputs of <paramref name="forward"/>, a training forward of this layer
    /// (<c>training: true</c>), reusing its input projection (and m with a projection) instead of computing them again.
    /// </summary>
    public LayerGradients<T> Backward(LayerOutput<T> forward, ReadOnlySpan<T> dy, ReadOnlySpan<T> dLastStates = default,
        RecurrentBackwardOptions? options = null)
    {
        Guard.NotNull(forward, nameof(forward));
        if (forward.Saved is not SavedForward saved || !ReferenceEquals(saved.Layer, this))
            throw new ArgumentException("forward: not a training forward of this layer; call Forward(..., training: true) on this layer first.", nameof(forward));
        CheckOptions(options);
        return Gradients(ProblemFor(saved.Batch, saved.Steps), saved.X, saved.Wx, saved.InitialStates, saved.Lengths, saved.Projected,
            dy, dLastStates, options);
    }

    private void CheckOptions(RecurrentBackwardOptions? options)
    {
        if (options?.Accumulate == true)
            throw new ArgumentException("options.Accumulate: the layer returns fresh gradient arrays; add them to your own.", nameof(options));
        if (_projection is not null && options?.RecurrentClip > 0)
            throw new ArgumentException($"options.RecurrentClip: not supported with proj_size = {ProjSize} (the folded recurrence would clip the gradient reaching m, not h; decision 0020).", nameof(options));
    }

    /// <summary>What a training forward keeps for its backward; <see cref="Layer"/> checks it is this layer's.</summary>
    private sealed record SavedForward(RecurrentLayer<T> Layer, T[] X, int Batch, int Steps, T[] InitialStates, int[] Lengths, T[] Wx,
        ProjectedRun? Projected);

    /// <summary>The backward given the input projection <paramref name="wx"/> (without a projection) or the forward's <paramref name="run"/>.</summary>
    private LayerGradients<T> Gradients(RecurrentProblem p, ReadOnlySpan<T> x, ReadOnlySpan<T> wx, ReadOnlySpan<T> initialStates,
        ReadOnlySpan<int> lengths, ProjectedRun? run, ReadOnlySpan<T> dy, ReadOnlySpan<T> dLastStates, RecurrentBackwardOptions? options)
    {
        int batch = p.Batch, timeSteps = p.TimeSteps;
        var dWx = new T[p.WxLength];
        var dR = new T[p.RLength];
        var dBias = new T[p.BiasLength];
        var dInitial = new T[p.StatesLength];
        T[] dWeightHh, dInitialStates;
        T[]? dWeightHr = null;
        if (_projection is null || run is null)
        {
            Recurrence.Backward(p, new RecurrentInputs<T>(wx, _r, _bias, initialStates, lengths),
                new RecurrentOutputGradients<T>(dy, dLastStates), new RecurrentInputGradients<T>(dWx, dR, dBias, dInitial), Backend, options);
            dWeightHh = PyTorchWeightMapping.WeightHhFromRecurrent<T>(p, dR);
            dInitialStates = dInitial;
        }
        else
        {
            int rows = batch * timeSteps, P = ProjSize, block = batch * HiddenSize;
            Guard.Length(dy.Length, rows * P, "dy", $"[B={batch}, T={timeSteps}, proj_size={P}]");
            Guard.OptionalLength(dLastStates.Length, StatesLength(batch), "dLastStates", true, $"h [B={batch}, proj_size={P}] then c [B={batch}, H={HiddenSize}]");
            // The unprojected backward with dL/dm = dL/dh W_hr, from the forward's run (its m gives dW_hr).
            T[] dLastLow = dLastStates.IsEmpty ? [] : [.. _projection.ProjectGradient(dLastStates[..(batch * P)], batch), .. dLastStates[(batch * P)..]];
            Recurrence.Backward(p, new RecurrentInputs<T>(run.Wx, _r, _bias, run.LowInitial, lengths),
                new RecurrentOutputGradients<T>(_projection.ProjectGradient(dy, rows), dLastLow),
                new RecurrentInputGradients<T>(dWx, dR, dBias, dInitial), Backend, options);

            var dGates0 = new T[batch * p.GateCount * HiddenSize];
            for (var b = 0; b < batch; b++)
                dWx.AsSpan(b * timeSteps * p.GateCount * HiddenSize, p.GateCount * HiddenSize).CopyTo(dGates0.AsSpan(b * p.GateCount * HiddenSize));
            var h0 = initialStates.IsEmpty ? default : initialStates[..(batch * P)];
            // dL/dh and m side by side: every step's, then the last state's when it has a gradient.
            T[] dh = dLastStates.IsEmpty ? dy.ToArray() : [.. dy, .. dLastStates[..(batch * P)]];
            T[] m = dLastStates.IsEmpty ? run.M : [.. run.M, .. run.LastM];
            // Truncated BPTT lets no gradient through the recurrent weights into the previous h, h_0 included, nor on
            // from there to W_hr.
            var truncated = options?.Truncate == true;
            (dWeightHh, dWeightHr) = _projection.WeightGradients(PyTorchWeightMapping.WeightHhFromRecurrent<T>(p, dR), dGates0, h0, batch,
                dh, m, dh.Length / P, truncated);
            var dh0 = truncated ? new T[batch * P] : _projection.InitialGradient(dGates0, batch);
            dInitialStates = [.. dh0, .. dInitial.AsSpan(block)];
        }

        int gateRows = p.GateCount * HiddenSize;
        var dx = new T[x.Length];
        var dWeightIh = new T[Weights.WeightIh.Length];
        InputProjection.Backward<T>(x, Weights.WeightIh, dWx, batch * timeSteps, InputSize, gateRows, dx, dWeightIh);
        var (dBiasIh, dBiasHh) = PyTorchWeightMapping.BiasGradientsToPyTorch<T>(p, dBias);
        return new LayerGradients<T>(dx, dWeightIh, dWeightHh, dBiasIh, dBiasHh, dInitialStates, dWeightHr);
    }

    private sealed record ProjectedRun(T[] Wx, T[] LowInitial, T[] M, T[] LastM, T[] LastC);

    /// <summary>The unprojected recurrence over m (decision 0020): m_0 = 0, c_0 given, W_hh h_0 added to step 0's input.</summary>
    private ProjectedRun RunProjected(RecurrentProblem p, ReadOnlySpan<T> x, ReadOnlySpan<T> initialStates, ReadOnlySpan<int> lengths)
    {
        int batch = p.Batch, block = batch * HiddenSize;
        Guard.OptionalLength(initialStates.Length, StatesLength(batch), "initialStates", true, $"h0 [B={batch}, proj_size={ProjSize}] then c0 [B={batch}, H={HiddenSize}]");
        var wx = ProjectInput(p, x);
        var lowInitial = new T[p.StatesLength];
        if (!initialStates.IsEmpty)
        {
            _projection!.AddInitialTerm(wx, initialStates[..(batch * ProjSize)], batch, p.TimeSteps);
            initialStates[(batch * ProjSize)..].CopyTo(lowInitial.AsSpan(block));
        }
        var m = new T[p.YLength];
        var last = new T[p.StatesLength];
        Recurrence.Forward(p, new RecurrentInputs<T>(wx, _r, _bias, lowInitial, lengths), new RecurrentOutputs<T>(m, last), Backend);
        return new ProjectedRun(wx, lowInitial, m, last[..block], last[block..]);
    }

    /// <summary>y = m W_hr^T over all rows, as one GEMM (on the device where the backend projects there).</summary>
    private T[] Project(T[] m, int rows)
    {
        if (DeviceProjection() is not { } device)
            return _projection!.Project(m, rows);
        var y = new T[rows * ProjSize];
        device.ProjectInput<T>(m, Weights.WeightHr, rows, HiddenSize, ProjSize, y);
        return y;
    }

    private T[] ProjectInput(RecurrentProblem p, ReadOnlySpan<T> x)
    {
        var wx = new T[p.WxLength];
        if (DeviceProjection() is { } device)
            device.ProjectInput<T>(x, Weights.WeightIh, p.Batch * p.TimeSteps, InputSize, p.GateCount * HiddenSize, wx);
        else
            InputProjection.Forward<T>(x, Weights.WeightIh, p.Batch * p.TimeSteps, InputSize, p.GateCount * HiddenSize, wx);
        return wx;
    }

    /// <summary>The backend's device GEMM when it has one for T (a GPU backend: one large GEMM there), else null (the CPU's).</summary>
    private IInputProjectionBackend? DeviceProjection() =>
        Backend is IInputProjectionBackend device && device.WhyNoInputProjection(DataTypeExtensions.Of<T>()!.Value) is null ? device : null;
}
