using FastRecurrence.Cli.Errors;
using FastRecurrence.Cli.Npy;

namespace FastRecurrence.Cli.Tensors;

/// <summary>
/// The precision a command computes in: that of its inputs, which must all agree. Silently converting one
/// input would hide a float32 file in a float64 run (or the reverse), so a mix is an error.
/// </summary>
internal static class InputPrecision
{
    public static NpyDataType Common(IEnumerable<TensorFile?> inputs)
    {
        var present = inputs.OfType<TensorFile>().ToArray();
        if (present.Length == 0)
            throw new InvalidOperationException("a command has at least one input file.");
        var first = present[0];
        var other = present.FirstOrDefault(f => f.Array.DataType != first.Array.DataType);
        if (other is not null)
            throw new CliInputException(
                $"mixed dtypes: {first.Path} is {Describe(first)} but {other.Path} is {Describe(other)}; " +
                "all inputs of one command must have the same dtype (convert with arr.astype(np.float32) or np.float64).");
        return first.Array.DataType;
    }

    private static string Describe(TensorFile file) => $"{file.Array.DataType.Name()} ('{file.Array.DataType.Descr()}')";
}
