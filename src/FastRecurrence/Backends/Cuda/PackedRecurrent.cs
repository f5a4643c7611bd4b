using FastRecurrence.Planning;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// R of one <see cref="CudaRecurrence"/> in the layout of its fused forward plan (fr_rnn_pack_recurrent, decision 0016),
/// made by <see cref="CudaRecurrence.PackRecurrent{T}"/> for callers whose R stays the same across many forward calls
/// (inference): pass it as <see cref="DeviceRecurrentInputs{T}.PackedR"/> and the forward reads it instead of packing R
/// again (plans that stream R tiles) or gathering R's fragments from the user layout (every other fused plan). It is a
/// copy: after R changes, pack again. It belongs to the plan it was packed for (calls with and without lengths have
/// plans of their own, <see cref="ForLengths"/>); a forward whose plan is another refuses it by name.
/// </summary>
public sealed class PackedRecurrent<T> : IDisposable where T : unmanaged
{
    internal PackedRecurrent(KernelPlan plan, bool forLengths, DeviceBuffer<T> buffer)
    {
        Plan = plan;
        ForLengths = forLengths;
        Buffer = buffer;
    }

    /// <summary>The forward plan whose layout the buffer holds.</summary>
    internal KernelPlan Plan { get; }

    internal DeviceBuffer<T> Buffer { get; }

    /// <summary>Packed for calls with per-sequence lengths (their FR_LENGTHS plan), or for calls without.</summary>
    public bool ForLengths { get; }

    /// <summary>Elements of <typeparamref name="T"/> (fr_rnn_packed_recurrent_size: R padded to the plan's tiles).</summary>
    public int Length => Buffer.Length;

    public void Dispose() => Buffer.Dispose();
}
