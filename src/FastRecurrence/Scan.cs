using System.Numerics;
using FastRecurrence.Backends;
using FastRecurrence.Validation;

namespace FastRecurrence;

/// <summary>
/// The diagonal linear recurrence h_t = a_t * h_{t-1} + b_t on [B, T, H, D] (math.md section 5), forward and backward.
/// a may be negative. Every argument is validated here, before the backend runs.
/// </summary>
public static class Scan
{
    public static void Forward<T>(ScanProblem problem, ScanInputs<T> inputs, Span<T> h, IRecurrenceBackend? backend = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.NotNull(problem, nameof(problem));
        backend ??= RecurrenceBackends.Default;
        ArgumentChecks.ElementType<T>(problem.DataType, nameof(problem));
        ArgumentChecks.ScanInputs(problem, inputs);
        Guard.Length(h.Length, problem.SequenceLength, "h", $"[B={problem.Batch}, T={problem.TimeSteps}, H={problem.Heads}, D={problem.HeadSize}]");
        OutputMemoryChecks.ScanForward(inputs, h);
        ArgumentChecks.Supported(backend, problem);
        backend.ScanForward(problem, inputs, h);
    }

    /// <summary>Given dL/dh for every step, writes dL/da, dL/db and (when non-empty) dL/dh0.</summary>
    public static void Backward<T>(ScanProblem problem, ScanInputs<T> inputs, ReadOnlySpan<T> dh, ScanGradients<T> gradients,
        IRecurrenceBackend? backend = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.NotNull(problem, nameof(problem));
        backend ??= RecurrenceBackends.Default;
        ArgumentChecks.ElementType<T>(problem.DataType, nameof(problem));
        ArgumentChecks.ScanInputs(problem, inputs);
        ArgumentChecks.ScanGradients(problem, dh, gradients);
        OutputMemoryChecks.ScanBackward(inputs, dh, gradients);
        ArgumentChecks.Supported(backend, problem);
        backend.ScanBackward(problem, inputs, dh, gradients);
    }
}
