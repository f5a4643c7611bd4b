using System.Numerics;
using FastRecurrence.Backends;
using FastRecurrence.Cli.Errors;
using FastRecurrence.Cli.Npy;
using FastRecurrence.Cli.Tensors;
using FastRecurrence.Layers;

namespace FastRecurrence.Cli.Commands;

/// <summary>
/// Executes `run`: reads and checks the files, then lets <see cref="StackedRecurrentLayers{T}"/> (one layer and direction
/// unless --num-layers / --bidirectional say otherwise) do the math in the inputs' precision, and writes the results
/// under PyTorch's names and shapes.
/// </summary>
internal static class LayerRun
{
    public static void Execute(RunRequest request, TextWriter stdout)
    {
        var cell = CellNames.Parse(request.Cell);
        CheckProjection(cell, request);
        CheckStateOptions(cell, request);
        Timing.Check(request.Repeat);
        if (request.NumLayers < 1)
            throw new CliInputException($"--num-layers: expected 1 or more, got {request.NumLayers}.");
        if (request.Heads < 1)
            throw new CliInputException($"--heads: expected 1 or more heads, got {request.Heads}.");
        var backend = BackendChoice.Resolve(request.Backend);
        var output = OutputDirectory.Check(request.OutputDirectory, stdout);

        var weights = PyTorchWeightFiles.Read(request.WeightsDirectory, cell, request.NumLayers, request.Bidirectional, request.ProjSize);
        var x = TensorFile.Read(request.InputPath, "--input");
        var h0 = TensorFile.ReadOptional(request.H0Path, "--h0");
        var c0 = TensorFile.ReadOptional(request.C0Path, "--c0");
        var dy = TensorFile.ReadOptional(request.GradOutputPath, "--grad-output");
        var dataType = InputPrecision.Common([.. weights.Files, x, h0, c0, dy]);

        int hidden = weights.HiddenSize, width = weights.OutputSize, inputSize = weights.InputSize, layerDirections = weights.NumLayers * weights.Directions;
        if (hidden % request.Heads != 0)
            throw new CliInputException(
                $"--heads {request.Heads} does not divide H={hidden} (from {PyTorchWeightFiles.WeightHhName}): each head is H / heads wide.");
        x.RequireRank(3, "[B, T, I]");
        x.RequireAxesNotEmpty("[B, T, I]", "B", "T");
        int batch = x.Shape[0], steps = x.Shape[1];
        x.RequireShape("[B, T, I]", $"(I from {PyTorchWeightFiles.WeightIhName})", batch, steps, inputSize);
        RequireState(h0, layerDirections, batch, width, weights.ProjSize > 0 ? "P" : "H");
        RequireState(c0, layerDirections, batch, hidden, "H");
        dy?.RequireShape(weights.ProjSize > 0 ? "[B, T, directions*P]" : "[B, T, directions*H]", "(the shape of y)", batch, steps, weights.Directions * width);
        var lengths = request.LengthsPath is null ? null : TensorFile.ReadLengths(request.LengthsPath, "--lengths", batch, steps);
        BackendSupport.Require(backend, new RecurrentProblem(cell, batch, steps, request.Heads, hidden / request.Heads, inputSize,
            dataType == NpyDataType.Float32 ? DataType.Float32 : DataType.Float64));

        var run = new LayerFiles(cell, weights, x, h0, c0, dy, batch, steps, request.Heads, backend, request.Repeat,
            BackwardOptions(request), lengths);
        if (dataType == NpyDataType.Float32)
            Compute<float>(run, output, stdout);
        else
            Compute<double>(run, output, stdout);
    }

    /// <summary>--recurrent-clip and --truncate (with --grad-output) as the backward's options.</summary>
    private static RecurrentBackwardOptions BackwardOptions(RunRequest request)
    {
        if ((request.RecurrentClip != 0 || request.Truncate) && request.GradOutputPath is null)
            throw new CliInputException("--recurrent-clip, --truncate: they shape the backward; give --grad-output too.");
        if (!float.IsFinite(request.RecurrentClip) || request.RecurrentClip < 0)
            throw new CliInputException($"--recurrent-clip: expected 0 (off) or a finite positive bound, got {request.RecurrentClip}.");
        return new RecurrentBackwardOptions { RecurrentClip = request.RecurrentClip, Truncate = request.Truncate };
    }

    /// <summary>The checked inputs of one run.</summary>
    private sealed record LayerFiles(CellKind Cell, PyTorchWeightFiles Weights, TensorFile X, TensorFile? H0, TensorFile? C0,
        TensorFile? DY, int Batch, int Steps, int Heads, IRecurrenceBackend Backend, int Repeat, RecurrentBackwardOptions Options,
        int[]? Lengths)
    {
        public int HiddenSize => Weights.HiddenSize;
        public int OutputSize => Weights.OutputSize;
        public int InputSize => Weights.InputSize;
        public int LayerDirections => Weights.NumLayers * Weights.Directions;
    }

    /// <summary>
    /// Computes the forward (and the backward with --grad-output), then writes every file, then times the --repeat
    /// calls: a run the library rejects writes nothing, and the timing lines follow the files, as the help says.
    /// </summary>
    private static void Compute<T>(LayerFiles run, OutputDirectory output, TextWriter stdout)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var w = run.Weights;
        var options = new StackedLayersOptions { NumLayers = w.NumLayers, Bidirectional = w.Directions == 2, Heads = run.Heads, ProjSize = w.ProjSize };
        var weights = w.ToWeights<T>();
        var layers = new StackedRecurrentLayers<T>(run.Cell, run.InputSize, run.HiddenSize, weights, options, run.Backend);
        int batch = run.Batch, steps = run.Steps, hidden = run.HiddenSize, width = run.OutputSize, inputSize = run.InputSize, ld = run.LayerDirections;
        var x = run.X.Values<T>();
        var initialStates = InitialStates<T>(run);
        var hasCellState = CellNames.HasCellState(run.Cell);
        var lengths = run.Lengths ?? [];
        // With a gradient to compute, the forward is a training forward (the CLI has no dropout, so the same numbers)
        // and the backward starts from it instead of running it again.
        var training = run.DY is not null;
        var forward = layers.Forward(x, batch, steps, initialStates, training, lengths);
        var dyValues = run.DY?.Values<T>();
        var gradients = dyValues is null ? null : layers.Backward(forward, dyValues, options: run.Options);

        output.Write("y.npy", forward.Y, batch, steps, w.Directions * width);
        // sLSTM: h_n is the last y (state 0) and c_n the last c (state 1), matching LSTM's files.
        output.Write("h_n.npy", forward.State(0).ToArray(), ld, batch, width);
        if (hasCellState)
            output.Write("c_n.npy", forward.State(1).ToArray(), ld, batch, hidden);
        if (gradients is not null)
        {
            output.Write("d_input.npy", gradients.DInput, batch, steps, inputSize);
            // One file per parameter, d_ + PyTorch's name; as in PyTorch, a module without biases has no bias gradients.
            foreach (var (name, value) in weights.NamedParameters())
            {
                var shape = name.StartsWith("bias", StringComparison.Ordinal) ? new[] { value.Length }
                    : name.StartsWith("weight_hr", StringComparison.Ordinal) ? [width, hidden]
                    : [run.Cell.GateCount() * hidden, value.Length / (run.Cell.GateCount() * hidden)];
                output.Write($"d_{name}.npy", gradients.Weights[name], shape);
            }
            var hSlot = ld * batch * width;
            output.Write("d_h0.npy", gradients.DInitialStates.AsSpan(0, hSlot).ToArray(), ld, batch, width);
            if (hasCellState)
                output.Write("d_c0.npy", gradients.DInitialStates.AsSpan(hSlot, ld * batch * hidden).ToArray(), ld, batch, hidden);
        }

        var what = $"(B={batch}, T={steps}, H={hidden}{(w.ProjSize > 0 ? $", P={w.ProjSize}" : "")}, NH={run.Heads}, layers={w.NumLayers}{(w.Directions == 2 ? ", bidirectional" : "")})";
        Timing.Report(stdout, $"{run.Cell} layer forward {what}", run.Backend.Name, run.Repeat,
            () => layers.Forward(x, batch, steps, initialStates, lengths: lengths));
        if (dyValues is not null)
            Timing.Report(stdout, $"{run.Cell} layer backward {what}", run.Backend.Name, run.Repeat,
                () => layers.Backward(forward, dyValues, options: run.Options));
    }

    /// <summary>
    /// The stack's initial states from h0 (slot 0, [L*directions, B, H or P]) and c0 (slot 1, [L*directions, B, H]) and
    /// zeros for the rest, or empty (zeros) when neither was given.
    /// </summary>
    private static T[] InitialStates<T>(LayerFiles run)
    {
        if (run.H0 is null && run.C0 is null)
            return [];
        int hSlot = run.LayerDirections * run.Batch * run.OutputSize, slot = run.LayerDirections * run.Batch * run.HiddenSize;
        var states = new T[hSlot + (run.Cell.StateCount() - 1) * slot];
        run.H0?.Values<T>().CopyTo(states, 0);
        run.C0?.Values<T>().CopyTo(states, hSlot);
        return states;
    }

    /// <summary>Initial states are PyTorch's [num_layers * directions, B, width]; with one layer and direction a plain [B, width] is accepted too.</summary>
    private static void RequireState(TensorFile? state, int layerDirections, int batch, int width, string widthName)
    {
        if (state is null || (layerDirections == 1 && state.Array.HasShape(batch, width)))
            return;
        state.RequireShape($"[{layerDirections}, B, {widthName}]", layerDirections == 1 ? $"(or [B, {widthName}])" : $"(num_layers * directions, B, {widthName})",
            layerDirections, batch, width);
    }

    /// <summary>--proj-size is nn.LSTM's proj_size: lstm only, one head, not negative (its bound by H is checked with the weights).</summary>
    private static void CheckProjection(CellKind cell, RunRequest request)
    {
        if (request.ProjSize < 0)
            throw new CliInputException($"--proj-size: expected 0 (none) or a positive size smaller than H, got {request.ProjSize}.");
        if (request.ProjSize == 0)
            return;
        if (cell != CellKind.Lstm)
            throw new CliInputException($"--proj-size: only lstm has a projection (nn.LSTM's proj_size), got --cell {CellNames.NameOf(cell)}.");
        if (request.Heads != 1)
            throw new CliInputException($"--proj-size: a projected lstm has one head; got --heads {request.Heads}.");
        if (request.RecurrentClip != 0)
            throw new CliInputException("--recurrent-clip: not supported with --proj-size (decision 0020).");
    }

    private static void CheckStateOptions(CellKind cell, RunRequest request)
    {
        var name = CellNames.NameOf(cell);
        if (cell == CellKind.SLstm && (request.H0Path is not null || request.C0Path is not null))
            throw new CliInputException(
                $"{(request.H0Path is not null ? "--h0" : "--c0")}: slstm starts from zero states (y, c, n, m); --h0 and --c0 are not supported for slstm.");
        if (!CellNames.HasCellState(cell) && request.C0Path is not null)
            throw new CliInputException($"--c0: {name} has no cell state; only lstm takes --c0.");
    }
}
