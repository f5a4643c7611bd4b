namespace FastRecurrence.Bench.Tests;

/// <summary>
/// The scripts of tools/device (the GPU session's checks and harness) first run on a lent GPU, with minutes to spare, so
/// they are checked statically here, where torch is absent: the Python ones (and tools/python: the ctypes binding and
/// its example) by pyflakes (undefined and unused names) and mypy with tools/mypy.ini (calls that do not match a
/// definition, attributes a module lacks), the shell ones (and build.sh, .ci/run) by shellcheck at warning level.
/// .ci/run installs the three from Debian (pyflakes3, mypy, shellcheck); without one, its test is ignored with that reason.
/// The rehearsal's stand-in torch (tools/device/rehearsal/: torch.py and its self_check.py) gets pyflakes only: given to
/// mypy, it would become the torch the scripts are checked against, and it is not torch.
/// </summary>
[TestFixture]
public sealed class ToolScriptsCheckTests
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

    private static (int Code, string Output) Run(string root, string program, IEnumerable<string> arguments) =>
        ExternalTool.Run(program, arguments, ".ci/run installs it (the Debian package of that name)", root);

    private static string[] ShellScripts(string root) =>
        [.. Directory.GetFiles(Path.Combine(root, "tools", "device"), "*.sh")
            .Select(path => Path.GetRelativePath(root, path))
            .Order(StringComparer.Ordinal), "build.sh", Path.Combine(".ci", "run")];

    [Test]
    public void TheToolsFolderHasScriptsToCheck()
    {
        var root = Root();
        Assert.That(Scripts(root), Has.Some.EndsWith("rnn_check.py").And.Some.EndsWith("fastrecurrence_ctypes.py"));
        Assert.That(ShellScripts(root), Has.Some.EndsWith("run_session.sh"));
    }

    [Test]
    public void Shellcheck_FindsNoWarning()
    {
        var root = Root();
        var (code, output) = Run(root, "shellcheck", ["--severity=warning", .. ShellScripts(root)]);
        Assert.That(code, Is.Zero, output);
    }

    [Test]
    public void Pyflakes_FindsNoUndefinedOrUnusedName()
    {
        var root = Root();
        var (code, output) = Run(root, "pyflakes3",
            [.. Scripts(root), .. new[] { "torch.py", "self_check.py" }.Select(f => Path.Combine("tools", "device", "rehearsal", f))]);
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
