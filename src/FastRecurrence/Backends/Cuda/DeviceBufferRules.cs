namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// What the device-resident APIs (<see cref="CudaRecurrence"/>, <see cref="CudaScan"/>) share: making buffers on
/// their device, and refusing, by argument name, a buffer of another device, a disposed one, a wrong length or a
/// wrong element type, before anything reaches the native library.
/// </summary>
internal static class DeviceBufferRules
{
    /// <summary>
    /// The device of the cuda backend named <paramref name="backend"/>, for a problem stored in <paramref name="dataType"/>.
    /// Throws ArgumentException for a backend that is not a cuda one, NotSupportedException for float64 storage, and
    /// BackendUnavailableException when the backend cannot run here.
    /// </summary>
    public static (string Backend, CudaDevice Device) RequireDevice(string backend, DataType dataType, object problem)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return RequireDevice(RecurrenceBackends.Get(backend), dataType, problem);
    }

    /// <summary>
    /// <see cref="RequireDevice(string, DataType, object)"/> for a backend object: a registered one, or one of
    /// <see cref="CudaEmulation.CreateBackend"/> (another GPU's limits, a random thread order).
    /// </summary>
    public static (string Backend, CudaDevice Device) RequireDevice(IRecurrenceBackend backend, DataType dataType, object problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(backend);
        if (backend is not CudaBackend cuda)
            throw new ArgumentException($"backend: expected a cuda backend ({CudaBackend.BackendName}, {CudaBackend.EmulatedName} or one of CudaEmulation.CreateBackend), got '{backend.Name}'.", nameof(backend));
        if (dataType == DataType.Float64)
            throw new NotSupportedException($"problem: the CUDA kernels store fp32, bf16 or fp16; {problem} runs on the reference backend.");
        return (cuda.Name, cuda.RequireDevice());
    }

    /// <summary>
    /// <paramref name="elements"/> as a <see cref="DeviceBuffer{T}"/>'s length, an int like a span's (so that every buffer
    /// can be copied to and from the host); beyond it NotSupportedException naming <paramref name="name"/>, the limit and
    /// what to do <paramref name="instead"/>, rather than a bare OverflowException from a checked cast.
    /// </summary>
    public static int BufferLength(long elements, string name, object problem, string instead)
    {
        if (elements > int.MaxValue)
            throw new NotSupportedException(
                $"{name}: {problem} needs {elements} elements, more than a DeviceBuffer holds ({int.MaxValue}, the largest int: its length is a span's); {instead}.");
        return (int)elements;
    }

    public static DeviceBuffer<T> Allocate<T>(CudaDevice device, int length) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return new DeviceBuffer<T>(device, device.Allocate<T>(length), length);
    }

    public static DeviceBuffer<T> Upload<T>(CudaDevice device, ReadOnlySpan<T> host) where T : unmanaged
    {
        if (host.IsEmpty) throw new ArgumentException("host: expected at least one element.", nameof(host));
        return new DeviceBuffer<T>(device, device.Upload(host), host.Length);
    }

    /// <summary>Refuses <paramref name="buffer"/> unless it is live memory of <paramref name="device"/> holding
    /// <paramref name="length"/> elements; <paramref name="problem"/> is named in the message (the shape the length comes from).</summary>
    public static void Check<T>(CudaDevice device, DeviceBuffer<T>? buffer, long length, string name, object problem)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer, name);
        if (!ReferenceEquals(buffer.Device, device))
            throw new ArgumentException($"{name}: the buffer belongs to another device or backend; allocate it with the same object that runs it.", name);
        if (buffer.Memory.IsClosed)
            throw new ObjectDisposedException(name, $"{name}: the buffer was disposed.");
        if (buffer.Length != length)
            throw new ArgumentException($"{name}: expected {length} elements for {problem}, got {buffer.Length}.", name);
    }

    /// <summary>float (Float32), Half (Float16), ushort (BFloat16, the raw bits).</summary>
    public static void CheckElementType<T>(DataType type) where T : unmanaged
    {
        var expected = type switch
        {
            DataType.Float32 => typeof(float),
            DataType.Float16 => typeof(Half),
            DataType.BFloat16 => typeof(ushort),
            _ => throw new NotSupportedException($"problem: the CUDA kernels store fp32, bf16 or fp16, not {type}."),
        };
        if (typeof(T) != expected)
            throw new ArgumentException($"T: {type} buffers hold {expected.Name}, got {typeof(T).Name}.", nameof(T));
    }
}
