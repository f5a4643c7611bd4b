using System.Numerics;

namespace FastRecurrence.Backends;

/// <summary>
/// One way of executing the recurrences: the CPU reference now; ILGPU and native CUDA register later.
/// Callers go through <see cref="Recurrence"/> and <see cref="Scan"/>, which validate every argument before
/// a backend sees it, so a backend may assume shapes and types are consistent with the problem.
/// </summary>
public interface IRecurrenceBackend
{
    /// <summary>The name users pass (CLI --backend, <see cref="RecurrenceBackends.Get"/>).</summary>
    string Name { get; }

    /// <summary>Whether this backend can run on this machine, and why not.</summary>
    BackendAvailability Availability { get; }

    /// <summary>Null if the backend runs this problem, else the reason (naming the limit) it does not.</summary>
    string? WhyUnsupported(RecurrentProblem problem);

    /// <summary>
    /// Null if the backend masks variable sequence lengths (<see cref="RecurrentInputs{T}.Lengths"/>), else why not.
    /// Default: not yet, so a backend that does not mask is refused by name instead of running full lengths silently.
    /// </summary>
    string? WhyNoVariableLengths => $"backend '{Name}' does not mask variable sequence lengths yet (the reference does)";

    /// <summary>Null if the backend runs this scan, else the reason it does not.</summary>
    string? WhyUnsupported(ScanProblem problem);

    void Forward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputs<T> outputs)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Backpropagation through time. Overwrites every gradient in <paramref name="gradients"/> (adds to them with
    /// <see cref="RecurrentBackwardOptions.Accumulate"/>). A backend without an option throws NotSupportedException naming it.
    /// </summary>
    void Backward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputGradients<T> outputGradients,
        RecurrentInputGradients<T> gradients, RecurrentBackwardOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>;

    void ScanForward<T>(ScanProblem problem, ScanInputs<T> inputs, Span<T> h)
        where T : unmanaged, IFloatingPointIeee754<T>;

    void ScanBackward<T>(ScanProblem problem, ScanInputs<T> inputs, ReadOnlySpan<T> dh, ScanGradients<T> gradients)
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>Whether a backend can run here; <see cref="Reason"/> says why not (or what it runs on).</summary>
public readonly record struct BackendAvailability(bool IsAvailable, string Reason)
{
    public static BackendAvailability Available(string device) => new(true, device);
    public static BackendAvailability Missing(string reason) => new(false, reason);
}
