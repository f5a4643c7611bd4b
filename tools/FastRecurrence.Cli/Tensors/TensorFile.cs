using FastRecurrence.Cli.Errors;
using FastRecurrence.Cli.Npy;

namespace FastRecurrence.Cli.Tensors;

/// <summary>An input array and the file it came from, so that every shape error can name the file.</summary>
internal sealed record TensorFile(string Path, NpyArray Array)
{
    /// <summary>Reads <paramref name="path"/>, given by the option <paramref name="option"/> (named in the error when the file is missing).</summary>
    public static TensorFile Read(string path, string option)
    {
        if (!File.Exists(path))
            throw new CliInputException($"{option}: file '{path}' not found.");
        return new TensorFile(path, NpyFile.Read(path));
    }

    /// <summary>
    /// Sequence lengths for a batch of <paramref name="batch"/>: a 1-d integer array (int64 as torch saves it, or int32)
    /// [B], each in 1..<paramref name="steps"/> (any order).
    /// </summary>
    public static int[] ReadLengths(string path, string option, int batch, int steps)
    {
        if (!File.Exists(path))
            throw new CliInputException($"{option}: file '{path}' not found.");
        var file = new TensorFile(path, NpyFile.Read(path, integers: true));
        if (file.Array.DataType != NpyDataType.Int64)
            throw new CliInputException($"{path}: expected integer lengths ('<i8' or '<i4'), got {file.Array.DataType.Name()}; save lengths.astype(np.int64).");
        file.RequireShape("[B]", "(one length per sequence of x)", batch);
        var lengths = new int[batch];
        var values = file.Values<long>();
        for (var b = 0; b < batch; b++)
        {
            if (values[b] < 1 || values[b] > steps)
                throw new CliInputException($"{path}: lengths[{b}] is {values[b]}; each length must be in 1..T={steps} (T from x).");
            lengths[b] = (int)values[b];
        }
        return lengths;
    }

    /// <summary>Reads the file if the option was given.</summary>
    public static TensorFile? ReadOptional(string? path, string option) => path is null ? null : Read(path, option);

    public IReadOnlyList<int> Shape => Array.Shape;

    public T[] Values<T>() => Array.Values<T>();

    /// <summary>Throws unless the array has exactly <paramref name="shape"/>; <paramref name="meaning"/> says what the dimensions are, e.g. "[B, T, H]".</summary>
    public void RequireShape(string meaning, params int[] shape) => RequireShape(meaning, "", shape);

    /// <summary>As <see cref="RequireShape(string, int[])"/>, with <paramref name="reason"/> saying where the sizes come from.</summary>
    public void RequireShape(string meaning, string reason, params int[] shape)
    {
        if (!Array.HasShape(shape))
            throw new CliInputException(
                $"{Path}: expected shape {meaning} = {NpyArray.FormatShape(shape)}{(reason.Length > 0 ? $" {reason}" : "")}, got {Array.ShapeText}.");
    }

    /// <summary>
    /// Throws unless dimension <paramref name="axis"/> (called <paramref name="name"/> in <paramref name="meaning"/>, e.g.
    /// "B" of "[B, T, I]") is at least 1: checked here so that an empty array is refused naming the file and its axis,
    /// not later by the library naming its own parameter.
    /// </summary>
    public void RequireAxisNotEmpty(int axis, string name, string meaning)
    {
        if (Array.Shape[axis] < 1)
            throw new CliInputException($"{Path}: {name} (axis {axis} of {meaning}) is 0 in shape {Array.ShapeText}; expected at least 1.");
    }

    /// <summary><see cref="RequireAxisNotEmpty"/> for the leading axes, named in order by <paramref name="names"/>.</summary>
    public void RequireAxesNotEmpty(string meaning, params string[] names)
    {
        for (var axis = 0; axis < names.Length; axis++)
            RequireAxisNotEmpty(axis, names[axis], meaning);
    }

    /// <summary>Throws unless the array has <paramref name="rank"/> dimensions.</summary>
    public void RequireRank(int rank, string meaning)
    {
        if (Array.Rank != rank)
            throw new CliInputException($"{Path}: expected a {rank}-d array {meaning}, got shape {Array.ShapeText}.");
    }
}
