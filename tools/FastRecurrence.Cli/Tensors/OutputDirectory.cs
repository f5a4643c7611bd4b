using FastRecurrence.Cli.Errors;
using FastRecurrence.Cli.Npy;

namespace FastRecurrence.Cli.Tensors;

/// <summary>
/// The --out directory. <see cref="Check"/> refuses a path that cannot become one before any input is read or anything
/// computed, naming --out; the directory itself is created by the first <see cref="Write{T}"/>, which the commands
/// call only once every result is computed, so a rejected or failed run leaves nothing behind. Every file written is
/// reported on stdout.
/// </summary>
internal sealed class OutputDirectory
{
    private const string Option = "--out";

    private readonly TextWriter _log;

    private OutputDirectory(string path, TextWriter log)
    {
        Path = path;
        _log = log;
    }

    public string Path { get; }

    /// <summary>
    /// The directory <paramref name="path"/> if it exists or can be created, and files can be written in it; else a
    /// <see cref="CliInputException"/> naming --out and why. Creates nothing: it checks the nearest existing folder
    /// with a probe file that is deleted as it is closed.
    /// </summary>
    public static OutputDirectory Check(string path, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
            throw new CliInputException($"{Option}: expected a directory, got an empty string.");
        string full;
        try
        {
            full = System.IO.Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliInputException($"{Option}: '{path}' is not a valid path: {UserErrors.OneLine(e)}", e);
        }
        if (File.Exists(full))
            throw new CliInputException($"{Option}: '{path}' is a file; expected a directory (an existing one, or one to create).");

        // The nearest folder that exists: the directory itself, or the ancestor under which it would be created.
        var existing = full;
        while (!Directory.Exists(existing))
        {
            var parent = System.IO.Path.GetDirectoryName(existing);
            if (parent is null)
                break;
            if (File.Exists(parent))
                throw new CliInputException($"{Option}: cannot create '{path}': '{parent}' is a file, not a directory.");
            existing = parent;
        }
        RequireWritable(path, full, existing);
        return new OutputDirectory(path, log);
    }

    /// <summary>Writes <paramref name="values"/> with <paramref name="shape"/> as <paramref name="fileName"/>, creating the directory first.</summary>
    public void Write<T>(string fileName, T[] values, params int[] shape)
    {
        var array = NpyArray.Create(values, shape);
        Directory.CreateDirectory(Path);
        var path = System.IO.Path.Combine(Path, fileName);
        NpyFile.Write(path, array);
        _log.WriteLine($"wrote {path} {array.ShapeText} {array.DataType.Name()}");
    }

    /// <summary>Whether a file can be created in <paramref name="existing"/> (permissions, read-only mounts, /proc): tried, not guessed.</summary>
    private static void RequireWritable(string path, string full, string existing)
    {
        var probe = System.IO.Path.Combine(existing, $".fastrecurrence-write-check-{Guid.NewGuid():N}");
        try
        {
            using var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The probe's own name in .NET's message would only confuse; the folder is what the user can act on.
            throw new CliInputException(existing == full
                ? $"{Option}: cannot write in '{path}': the folder does not accept new files (permissions, a read-only or special file system)."
                : $"{Option}: cannot create '{path}': the folder above it, '{existing}', does not accept new files (permissions, a read-only or special file system).", e);
        }
    }
}
