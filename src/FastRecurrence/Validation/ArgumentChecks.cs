using FastRecurrence.Backends;

namespace FastRecurrence.Validation;

/// <summary>
/// The shape and type checks every public call makes before any backend runs, so that no backend sees an
/// inconsistent argument and every caller gets the same message for the same mistake.
/// </summary>
internal static class ArgumentChecks
{
    public static void ElementType<T>(DataType expected, string problemArgument)
    {
        var actual = DataTypeExtensions.Of<T>();
        if (actual != expected)
            throw new ArgumentException(
                $"{problemArgument}: the problem's DataType is {expected}, but the tensors hold {typeof(T).Name}" +
                (actual is null ? " (no DataType stores it)." : $" ({actual})."), problemArgument);
    }

    public static void Supported(IRecurrenceBackend backend, RecurrentProblem problem)
    {
        RecurrenceBackends.EnsureAvailable(backend);
        if (backend.WhyUnsupported(problem) is { } reason)
            throw new NotSupportedException($"problem: backend '{backend.Name}' does not run {problem}: {reason}");
    }

    public static void Supported(IRecurrenceBackend backend, ScanProblem problem)
    {
        RecurrenceBackends.EnsureAvailable(backend);
        if (backend.WhyUnsupported(problem) is { } reason)
            throw new NotSupportedException($"problem: backend '{backend.Name}' does not run {problem}: {reason}");
    }

    public static void Inputs<T>(RecurrentProblem p, RecurrentInputs<T> inputs)
    {
        Guard.Length(inputs.Wx.Length, p.WxLength, "Wx", $"[B={p.Batch}, T={p.TimeSteps}, G={p.GateCount}, NH={p.Heads}, D={p.HeadSize}]");
        Guard.Length(inputs.R.Length, p.RLength, "R", $"[G={p.GateCount}, NH={p.Heads}, D={p.HeadSize}, D={p.HeadSize}]");
        Guard.Length(inputs.Bias.Length, p.BiasLength, "bias", $"[Gb={p.BiasCount}, NH={p.Heads}, D={p.HeadSize}]");
        Guard.OptionalLength(inputs.InitialStates.Length, p.StatesLength, "initialStates", true, $"[S={p.StateCount}, B={p.Batch}, NH={p.Heads}, D={p.HeadSize}]");
        Lengths(inputs.Lengths, p.Batch, p.TimeSteps, "lengths");
    }

    /// <summary>Empty, or one length per sequence in 1..T (any order; PyTorch refuses empty sequences too).</summary>
    public static void Lengths(ReadOnlySpan<int> lengths, int batch, int timeSteps, string argument)
    {
        if (lengths.IsEmpty) return;
        if (lengths.Length != batch)
            throw new ArgumentException($"{argument}: expected one length per sequence, [B={batch}], got {lengths.Length}.", argument);
        for (var b = 0; b < lengths.Length; b++)
        {
            if (lengths[b] < 1 || lengths[b] > timeSteps)
                throw new ArgumentOutOfRangeException(argument, lengths[b],
                    $"{argument}[{b}]: expected a length in 1..T={timeSteps}, got {lengths[b]}{(lengths[b] < 1 ? " (an empty sequence has no steps to run)" : " (longer than the padded sequence)")}.");
        }
    }

    /// <summary>Refuses lengths on a backend that does not mask them, naming the backend.</summary>
    public static void SupportsLengths<T>(IRecurrenceBackend backend, RecurrentInputs<T> inputs)
    {
        if (!inputs.Lengths.IsEmpty && backend.WhyNoVariableLengths is { } reason)
            throw new NotSupportedException($"lengths: {reason}.");
    }

    public static void Outputs<T>(RecurrentProblem p, RecurrentOutputs<T> outputs)
    {
        Guard.Length(outputs.Y.Length, p.YLength, "y", $"[B={p.Batch}, T={p.TimeSteps}, NH={p.Heads}, D={p.HeadSize}]");
        Guard.OptionalLength(outputs.LastStates.Length, p.StatesLength, "lastStates", true, $"[S={p.StateCount}, B={p.Batch}, NH={p.Heads}, D={p.HeadSize}]");
        Guard.OptionalLength(outputs.AllStates.Length, p.AllStatesLength, "allStates", true,
            $"[S={p.StateCount}, B={p.Batch}, T={p.TimeSteps}, NH={p.Heads}, D={p.HeadSize}]");
    }

    public static void OutputGradients<T>(RecurrentProblem p, RecurrentOutputGradients<T> g)
    {
        Guard.Length(g.DY.Length, p.YLength, "dy", $"[B={p.Batch}, T={p.TimeSteps}, NH={p.Heads}, D={p.HeadSize}]");
        Guard.OptionalLength(g.DLastStates.Length, p.StatesLength, "dLastStates", true, $"[S={p.StateCount}, B={p.Batch}, NH={p.Heads}, D={p.HeadSize}]");
    }

    public static void InputGradients<T>(RecurrentProblem p, RecurrentInputGradients<T> g)
    {
        Guard.Length(g.DWx.Length, p.WxLength, "dWx", $"[B={p.Batch}, T={p.TimeSteps}, G={p.GateCount}, NH={p.Heads}, D={p.HeadSize}]");
        Guard.Length(g.DR.Length, p.RLength, "dR", $"[G={p.GateCount}, NH={p.Heads}, D={p.HeadSize}, D={p.HeadSize}]");
        Guard.Length(g.DBias.Length, p.BiasLength, "dBias", $"[Gb={p.BiasCount}, NH={p.Heads}, D={p.HeadSize}]");
        Guard.OptionalLength(g.DInitialStates.Length, p.StatesLength, "dInitialStates", true, $"[S={p.StateCount}, B={p.Batch}, NH={p.Heads}, D={p.HeadSize}]");
    }

    public static void ScanInputs<T>(ScanProblem p, ScanInputs<T> inputs)
    {
        Guard.Length(inputs.A.Length, p.SequenceLength, "a", $"[B={p.Batch}, T={p.TimeSteps}, H={p.Heads}, D={p.HeadSize}]");
        Guard.Length(inputs.B.Length, p.SequenceLength, "b", $"[B={p.Batch}, T={p.TimeSteps}, H={p.Heads}, D={p.HeadSize}]");
        Guard.OptionalLength(inputs.H0.Length, p.StateLength, "h0", true, $"[B={p.Batch}, H={p.Heads}, D={p.HeadSize}]");
    }

    public static void ScanGradients<T>(ScanProblem p, ReadOnlySpan<T> dh, ScanGradients<T> g)
    {
        Guard.Length(dh.Length, p.SequenceLength, "dh", $"[B={p.Batch}, T={p.TimeSteps}, H={p.Heads}, D={p.HeadSize}]");
        Guard.Length(g.DA.Length, p.SequenceLength, "da", $"[B={p.Batch}, T={p.TimeSteps}, H={p.Heads}, D={p.HeadSize}]");
        Guard.Length(g.DB.Length, p.SequenceLength, "db", $"[B={p.Batch}, T={p.TimeSteps}, H={p.Heads}, D={p.HeadSize}]");
        Guard.OptionalLength(g.DH0.Length, p.StateLength, "dh0", true, $"[B={p.Batch}, H={p.Heads}, D={p.HeadSize}]");
    }

}
