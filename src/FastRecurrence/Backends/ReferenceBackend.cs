using System.Numerics;
using FastRecurrence.Reference;

namespace FastRecurrence.Backends;

/// <summary>The CPU reference as a backend: float32 and float64, every cell and the scan, any size that fits in memory.</summary>
internal sealed class ReferenceBackend : IRecurrenceBackend
{
    public static readonly ReferenceBackend Instance = new();

    private ReferenceBackend()
    {
    }

    public string Name => "reference";

    public BackendAvailability Availability => BackendAvailability.Available("CPU (plain C#, one thread)");

    public string? WhyUnsupported(RecurrentProblem problem) => WhyUnsupported(problem.DataType);

    /// <summary>The reference masks variable lengths.</summary>
    public string? WhyNoVariableLengths => null;

    public string? WhyUnsupported(ScanProblem problem) => WhyUnsupported(problem.DataType);

    private static string? WhyUnsupported(DataType type) =>
        type is DataType.Float32 or DataType.Float64
            ? null
            : $"the CPU reference computes in Float32 or Float64, not {type}; convert the inputs or use a GPU backend.";

    public void Forward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputs<T> outputs)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        RecurrentReference.Forward(problem, inputs, outputs);

    public void Backward<T>(RecurrentProblem problem, RecurrentInputs<T> inputs, RecurrentOutputGradients<T> outputGradients,
        RecurrentInputGradients<T> gradients, RecurrentBackwardOptions options)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        RecurrentReference.Backward(problem, inputs, outputGradients, gradients, options);

    public void ScanForward<T>(ScanProblem problem, ScanInputs<T> inputs, Span<T> h)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ScanReference.Forward(problem, inputs, h);

    public void ScanBackward<T>(ScanProblem problem, ScanInputs<T> inputs, ReadOnlySpan<T> dh, ScanGradients<T> gradients)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ScanReference.Backward(problem, inputs, dh, gradients);
}
