using System.Numerics;
using FastRecurrence.Backends;
using FastRecurrence.Validation;

namespace FastRecurrence;

/// <summary>
/// The low-level recurrent call (FlashRNN-compatible layouts, math.md section 1): precomputed Wx, R, b and
/// initial states in; hidden outputs, optionally all states, and last states out; and its backward.
/// Every argument is validated here, before the backend runs.
/// </summary>
public static class Recurrence
{
    /// <summary>Runs the recurrence over all T steps on <paramref name="backend"/> (default: the best available).</summary>
    public static void Forward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputs<T> outputs,
        IRecurrenceBackend? backend = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.NotNull(problem, nameof(problem));
        backend ??= RecurrenceBackends.Default;
        ArgumentChecks.ElementType<T>(problem.DataType, nameof(problem));
        ArgumentChecks.Inputs(problem, inputs);
        ArgumentChecks.Outputs(problem, outputs);
        OutputMemoryChecks.Forward(inputs, outputs);
        ArgumentChecks.Supported(backend, problem);
        ArgumentChecks.SupportsLengths(backend, inputs);
        backend.Forward(problem, inputs, outputs);
    }

    /// <summary>
    /// Backpropagation through time: given dL/dy (and optionally dL/d last states), writes dL/dWx, dL/dR,
    /// dL/db and, when asked, dL/d initial states. The gradients are overwritten unless
    /// <paramref name="options"/> says <see cref="RecurrentBackwardOptions.Accumulate"/>; recurrent clipping and
    /// truncated BPTT are options too (default: none).
    /// </summary>
    public static void Backward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs,
        RecurrentOutputGradients<T> outputGradients, RecurrentInputGradients<T> gradients, IRecurrenceBackend? backend = null,
        RecurrentBackwardOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.NotNull(problem, nameof(problem));
        backend ??= RecurrenceBackends.Default;
        ArgumentChecks.ElementType<T>(problem.DataType, nameof(problem));
        ArgumentChecks.Inputs(problem, inputs);
        ArgumentChecks.OutputGradients(problem, outputGradients);
        ArgumentChecks.InputGradients(problem, gradients);
        OutputMemoryChecks.Backward(inputs, outputGradients, gradients);
        ArgumentChecks.Supported(backend, problem);
        ArgumentChecks.SupportsLengths(backend, inputs);
        backend.Backward(problem, inputs, outputGradients, gradients, RecurrentBackwardOptions.OrNone(options));
    }
}
