namespace FastRecurrence;

/// <summary>Storage type of the tensors a kernel reads and writes. State and accumulation are always at least fp32.</summary>
public enum DataType
{
    Float32,
    Float64,
    BFloat16,
    Float16,
}

public static class DataTypeExtensions
{
    /// <summary>Bytes per stored element.</summary>
    public static int SizeInBytes(this DataType type) => type switch
    {
        DataType.Float32 => 4,
        DataType.Float64 => 8,
        DataType.BFloat16 => 2,
        DataType.Float16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown data type."),
    };

    /// <summary>The data type that stores the managed element type <typeparamref name="T"/>, if any.</summary>
    public static DataType? Of<T>()
    {
        if (typeof(T) == typeof(float)) return DataType.Float32;
        if (typeof(T) == typeof(double)) return DataType.Float64;
        if (typeof(T) == typeof(Half)) return DataType.Float16;
        return null;
    }
}
