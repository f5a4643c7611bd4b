using FastRecurrence.Cli.Npy;
using CliProgram = FastRecurrence.Cli.Program;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// A temporary directory of its own for one test, with helpers to write and read .npy files there and to run
/// the tool in-process (Program.Run with captured stdout and stderr). Deleted on dispose.
/// </summary>
internal sealed class CliWorkspace : IDisposable
{
    public CliWorkspace()
    {
        Root = Path.Combine(Path.GetTempPath(), "fastrecurrence-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>The absolute path of <paramref name="relative"/> inside the workspace.</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes <paramref name="values"/> as a .npy file (creating folders) and returns its absolute path.</summary>
    public string Write<T>(string relative, T[] values, params int[] shape)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        NpyFile.Write(path, NpyArray.Create(values, shape));
        return path;
    }

    /// <summary>Writes raw bytes (hand-made, possibly broken files) and returns the absolute path.</summary>
    public string WriteBytes(string relative, byte[] bytes)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public NpyArray Read(string relative) => NpyFile.Read(PathOf(relative));

    /// <summary>Reads a float64 output and checks its shape.</summary>
    public double[] ReadDoubles(string relative, params int[] shape)
    {
        var array = Read(relative);
        Assert.That(array.DataType, Is.EqualTo(NpyDataType.Float64), $"{relative}: dtype");
        Assert.That(array.Shape, Is.EqualTo(shape), $"{relative}: shape");
        return array.Values<double>();
    }

    /// <summary>Runs the tool in-process.</summary>
    public static CliResult Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = CliProgram.Run(args, stdout, stderr);
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
    }
}
