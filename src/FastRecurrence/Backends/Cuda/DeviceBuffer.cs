using FastRecurrence.Interop;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// Memory on the device of a cuda backend (GPU memory; host memory on cuda-emulated), owned by this object, for
/// <see cref="CudaRecurrence"/>: the buffers a training loop keeps on the device between calls.
/// <see cref="Pointer"/> is the device address, for handing the memory to another library.
/// </summary>
public sealed class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    internal DeviceBuffer(CudaDevice device, FrDeviceMemoryHandle memory, int length)
    {
        Device = device;
        Memory = memory;
        Length = length;
    }

    internal CudaDevice Device { get; }
    internal FrDeviceMemoryHandle Memory { get; }

    /// <summary>Elements of <typeparamref name="T"/>.</summary>
    public int Length { get; }

    /// <summary>The device address of the first element; throws ObjectDisposedException once the buffer is disposed.</summary>
    public unsafe nint Pointer
    {
        get
        {
            // a freed address handed to another library would be read or written after the memory is reused
            ObjectDisposedException.ThrowIf(Memory.IsClosed, this);
            return (nint)Memory.Pointer;
        }
    }

    /// <summary>Copies <paramref name="host"/> (exactly <see cref="Length"/> elements) to the device.</summary>
    public unsafe void CopyFrom(ReadOnlySpan<T> host)
    {
        ObjectDisposedException.ThrowIf(Memory.IsClosed, this);
        if (host.Length != Length)
            throw new ArgumentException($"host: expected {Length} elements (the buffer's length), got {host.Length}.", nameof(host));
        using var lease = DeviceMemoryLease.Of(Memory);
        fixed (T* source = host)
            FastRecurrenceNativeException.ThrowIfFailed(
                FastRecurrenceNative.FrMemcpyToDevice(Device.Context, Memory.Pointer, source, Memory.Bytes), "fr_memcpy_to_device");
    }

    /// <summary>
    /// Sets every element to zero (all bits clear: 0 for every element type), e.g. gradients that later backwards
    /// accumulate into: <see cref="CudaRecurrence.Allocate{T}"/> leaves memory uninitialised. Done when it returns.
    /// </summary>
    public unsafe void Clear()
    {
        ObjectDisposedException.ThrowIf(Memory.IsClosed, this);
        using var lease = DeviceMemoryLease.Of(Memory);
        FastRecurrenceNativeException.ThrowIfFailed(
            FastRecurrenceNative.FrMemsetZero(Device.Context, Memory.Pointer, Memory.Bytes, null), "fr_memset_zero");
        Device.Synchronize();
    }

    /// <summary>Copies the buffer to <paramref name="host"/> (exactly <see cref="Length"/> elements).</summary>
    public void CopyTo(Span<T> host)
    {
        ObjectDisposedException.ThrowIf(Memory.IsClosed, this);
        if (host.Length != Length)
            throw new ArgumentException($"host: expected {Length} elements (the buffer's length), got {host.Length}.", nameof(host));
        Device.Download(Memory, host);
    }

    /// <summary>The buffer's contents as a new array.</summary>
    public T[] ToArray()
    {
        var host = new T[Length];
        CopyTo(host);
        return host;
    }

    public void Dispose() => Memory.Dispose();
}
