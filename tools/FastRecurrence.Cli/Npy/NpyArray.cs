namespace FastRecurrence.Cli.Npy;

/// <summary>
/// An n-dimensional array as a .npy file holds it: a C-order (row-major) buffer of float or double and its shape.
/// A 0-d array (shape []) holds one element.
/// </summary>
internal sealed class NpyArray
{
    private readonly Array _values;

    private NpyArray(Array values, NpyDataType dataType, int[] shape)
    {
        _values = values;
        DataType = dataType;
        Shape = shape;
    }

    public NpyDataType DataType { get; }

    public IReadOnlyList<int> Shape { get; }

    public int Rank => Shape.Count;

    public int Length => _values.Length;

    /// <summary>Wraps <paramref name="values"/> (not copied) with <paramref name="shape"/>, whose product must be its length.</summary>
    public static NpyArray Create<T>(T[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        var dataType = NpyDataTypeExtensions.Of<T>();
        if (shape.Any(d => d < 0))
            throw new ArgumentException($"shape: dimensions must be >= 0, got {FormatShape(shape)}.", nameof(shape));
        var count = ElementCount(shape);
        if (count != values.Length)
            throw new ArgumentException(
                $"shape: {FormatShape(shape)} holds {count} elements, but the buffer has {values.Length}.", nameof(shape));
        return new NpyArray(values, dataType, (int[])shape.Clone());
    }

    /// <summary>The elements, when they are of type <typeparamref name="T"/>; callers check <see cref="DataType"/> first.</summary>
    public T[] Values<T>() => _values as T[]
        ?? throw new InvalidOperationException($"the array holds {DataType.Name()}, not {typeof(T).Name}.");

    public bool HasShape(params int[] shape) => Shape.SequenceEqual(shape);

    /// <summary>"[2, 5, 4]", the way the tool's messages write shapes.</summary>
    public string ShapeText => FormatShape(Shape);

    public static string FormatShape(IEnumerable<int> shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>The element count of <paramref name="shape"/>, or -1 when it exceeds what one .NET array holds.</summary>
    public static long ElementCount(IEnumerable<int> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
            if (count > Array.MaxLength)
                return -1;
        }
        return count;
    }
}
