using System.ComponentModel;
using System.Diagnostics;

namespace FastRecurrence.Bench.Tests;

/// <summary>
/// The Python tools (tools/device: the GPU session's checks and harness; tools/python: the ctypes binding and its
/// example) first run on a lent GPU, with minutes to spare: pyflakes (undefined and unused names) and mypy with
/// tools/mypy.ini (calls that do not match a definition, attributes a module lacks) check them here, where torch is absent.
/// .ci/run installs both from Debian (pyflakes3, mypy); without them these tests are ignored with that reason.
/// </summary>
[TestFixture]
public sealed class PythonToolsCheckTests
{
    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FastRecurrence.sln")) && File.Exists(Path.Combine(dir.FullName, "tools", "mypy.ini")))
                return dir.FullName;
        throw new FileNotFoundException("FastRecurrence.sln with tools/mypy.ini above the test binary");
    }

    private static string[] Scripts(string root) =>
        [.. new[] { "device", "python" }
            .SelectMany(folder => Directory.GetFiles(Path.Combine(root, "tools", folder), "*.py"))
            .Select(path => Path.GetRelativePath(root, path))
            .Order(StringComparer.Ordinal)];

    private static (int Code, string Output) Run(string root, string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            Assert.Ignore($"{program} is not installed here; .ci/run installs it (Debian package {(program == "mypy" ? "mypy" : "pyflakes3")})");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr);
        }
    }

    [Test]
    public void TheToolsFolderHasScriptsToCheck()
    {
        var scripts = Scripts(Root());
        Assert.That(scripts, Has.Some.EndsWith("rnn_check.py").And.Some.EndsWith("fastrecurrence_ctypes.py"));
    }

    [Test]
    public void Pyflakes_FindsNoUndefinedOrUnusedName()
    {
        var root = Root();
        var (code, output) = Run(root, "pyflakes3", Scripts(root));
        Assert.That(code, Is.Zero, output);
    }

    [Test]
    public void Mypy_FindsNoCallOrAttributeThatDoesNotMatchItsDefinition()
    {
        var root = Root();
        var cache = Directory.CreateTempSubdirectory("fr-mypy-cache-");
        try
        {
            var (code, output) = Run(root, "mypy",
                ["--config-file", Path.Combine("tools", "mypy.ini"), "--cache-dir", cache.FullName, "--no-error-summary", .. Scripts(root)]);
            Assert.That(code, Is.Zero, output);
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }
}
