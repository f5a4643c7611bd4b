using System.Numerics;

namespace FastRecurrence.Backends;

/// <summary>
/// A backend that computes the layer API's input projection Wx = x W_ih^T (one GEMM over the B * T rows, off the
/// recurrence's critical path) on its own device; <see cref="Layers.RecurrentLayer{T}"/> uses it when the backend
/// offers it, and the CPU otherwise.
/// </summary>
public interface IInputProjectionBackend
{
    /// <summary>Why this backend cannot project inputs stored as <paramref name="dataType"/> now, or null when it can.</summary>
    string? WhyNoInputProjection(DataType dataType);

    /// <summary>
    /// wx [rows, gateRows] = x [rows, inputSize] W_ih^T, W_ih [gateRows, inputSize] (PyTorch's layout), row-major,
    /// fp32 accumulation; the result in T.
    /// </summary>
    void ProjectInput<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weightIh, int rows, int inputSize, int gateRows, Span<T> wx)
        where T : unmanaged, IFloatingPointIeee754<T>;
}
