namespace FastRecurrence.Cli.Npy;

/// <summary>The element types the tool reads and writes: little-endian IEEE floats, as NumPy's '&lt;f4' and '&lt;f8'.</summary>
internal enum NpyDataType
{
    /// <summary>'&lt;f4', float32.</summary>
    Float32,
    /// <summary>'&lt;f8', float64.</summary>
    Float64,
    /// <summary>'&lt;i4', int32: read only where a command takes integers (--lengths), as long values.</summary>
    Int32,
    /// <summary>'&lt;i8', int64 (torch's and NumPy's default integer): read only where a command takes integers.</summary>
    Int64,
}

internal static class NpyDataTypeExtensions
{
    /// <summary>NumPy's descr string for the type.</summary>
    public static string Descr(this NpyDataType type) => type switch
    {
        NpyDataType.Float32 => "<f4",
        NpyDataType.Float64 => "<f8",
        NpyDataType.Int32 => "<i4",
        NpyDataType.Int64 => "<i8",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown .npy data type."),
    };

    /// <summary>NumPy's name for the type, for messages.</summary>
    public static string Name(this NpyDataType type) => type switch
    {
        NpyDataType.Float32 => "float32",
        NpyDataType.Float64 => "float64",
        NpyDataType.Int32 => "int32",
        NpyDataType.Int64 => "int64",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown .npy data type."),
    };

    public static int SizeInBytes(this NpyDataType type) => type is NpyDataType.Float32 or NpyDataType.Int32 ? 4 : 8;

    /// <summary>The .npy type that stores the managed element type <typeparamref name="T"/>.</summary>
    public static NpyDataType Of<T>()
    {
        if (typeof(T) == typeof(float)) return NpyDataType.Float32;
        if (typeof(T) == typeof(double)) return NpyDataType.Float64;
        if (typeof(T) == typeof(long)) return NpyDataType.Int64;
        throw new NotSupportedException($".npy files hold float32 or float64 here, not {typeof(T).Name}.");
    }
}
