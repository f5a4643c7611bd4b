namespace FastRecurrence.Planning.Models;

/// <summary>Storage facts the models share: bytes per element and the FR_DTYPE code the kernels switch on.</summary>
internal static class StorageType
{
    /// <summary>FR_DTYPE: 0 fp32, 1 bf16, 2 fp16, 3 fp64 (the scan only).</summary>
    public static int Code(DataType type) => type switch
    {
        DataType.Float32 => 0,
        DataType.BFloat16 => 1,
        DataType.Float16 => 2,
        DataType.Float64 => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown data type."),
    };

    public static int Bytes(DataType type) => type.SizeInBytes();
}
