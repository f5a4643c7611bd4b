using FastRecurrence.Cli.Npy;

namespace FastRecurrence.Cli.Tensors;

/// <summary>The --out directory: created if missing; every file written there is reported on stdout.</summary>
internal sealed class OutputDirectory
{
    private readonly TextWriter _log;

    public OutputDirectory(string path, TextWriter log)
    {
        Path = path;
        _log = log;
        Directory.CreateDirectory(path);
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="values"/> with <paramref name="shape"/> as <paramref name="fileName"/>.</summary>
    public void Write<T>(string fileName, T[] values, params int[] shape)
    {
        var array = NpyArray.Create(values, shape);
        var path = System.IO.Path.Combine(Path, fileName);
        NpyFile.Write(path, array);
        _log.WriteLine($"wrote {path} {array.ShapeText} {array.DataType.Name()}");
    }
}
