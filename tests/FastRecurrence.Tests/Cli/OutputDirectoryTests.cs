using FastRecurrence.Backends;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// --out: a path that cannot be the output directory is refused before anything is read or computed, naming --out
/// (not .NET's "The file ... already exists" or "Could not find file"); the directory is created only once every
/// result is computed, so a run the library or the CLI rejects leaves none behind; and the --repeat timing lines
/// follow the written files, as the help says.
/// </summary>
[TestFixture]
public sealed class OutputDirectoryTests
{
    private CliWorkspace _workspace = null!;

    [SetUp]
    public void SetUp() => _workspace = new CliWorkspace();

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    private static void AssertInputError(CliResult result, params string[] fragments)
    {
        CliAssert.InputError(result, "error: --out: ", fragments);
    }

    /// <summary>A scan whose inputs are fine, writing to <paramref name="output"/>.</summary>
    private CliResult Scan(string output, params string[] more)
    {
        var a = _workspace.Write("a.npy", new double[2 * 3 * 1 * 2], 2, 3, 1, 2);
        var b = _workspace.Write("b.npy", new double[2 * 3 * 1 * 2], 2, 3, 1, 2);
        return CliWorkspace.Run(["scan", "--a", a, "--b", b, "--out", output, .. more]);
    }

    [Test]
    public void AnExistingFile_IsRefusedNamingOut()
    {
        var file = _workspace.Write("x.npy", new double[1], 1);

        AssertInputError(Scan(file), "x.npy", "is a file");
    }

    [Test]
    public void AnEmptyPath_IsRefusedNamingOut() => AssertInputError(Scan(""), "empty");

    [Test]
    public void APathUnderAFile_IsRefusedNamingOutAndTheFile()
    {
        var file = _workspace.Write("x.npy", new double[1], 1);

        AssertInputError(Scan(Path.Combine(file, "sub")), "cannot create", "x.npy' is a file");
    }

    [Test]
    public void AFolderThatTakesNoFiles_IsRefusedNamingOut()
    {
        // /proc refuses new files even to root, unlike a folder without write permission
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc/self"))
            Assert.Ignore("needs Linux's /proc");

        AssertInputError(Scan("/proc/fastrecurrence-out"), "cannot create '/proc/fastrecurrence-out'", "'/proc'", "does not accept new files");
    }

    [Test]
    public void AnExistingDirectory_IsWrittenInto_AndTheCheckLeavesNoFileBehind()
    {
        var output = _workspace.PathOf("existing");
        Directory.CreateDirectory(output);

        var result = Scan(output);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(Directory.GetFileSystemEntries(output).Select(Path.GetFileName), Is.EqualTo(new[] { "h.npy" }));
    }

    [Test]
    public void RejectedRuns_LeaveNoOutputDirectory()
    {
        var output = LayerCase.OutputDirectory(_workspace);
        // float64 inputs on a float32-only backend: refused once the files are read
        var float64 = new LayerCase("lstm").Write(_workspace);
        AssertNoOutput(CliWorkspace.Run([.. float64, "--backend", "ilgpu-cpu"]), "--backend ilgpu-cpu");
        // an empty batch
        var empty = new LayerCase("gru").Write(_workspace, initialStates: false);
        empty[empty.IndexOf("--input") + 1] = _workspace.Write("x0.npy", Array.Empty<double>(), 0, LayerCase.Steps, LayerCase.Input);
        AssertNoOutput(CliWorkspace.Run([.. empty]), "x0.npy");
        // a backend that cannot run here
        if (RecurrenceBackends.All.FirstOrDefault(b => b.Name == "cuda") is { Availability.IsAvailable: false })
            AssertNoOutput(CliWorkspace.Run([.. new LayerCase("rnn").Write(_workspace, float32: true), "--backend", "cuda"]), "cuda");

        void AssertNoOutput(CliResult result, string fragment)
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Stderr, Does.StartWith("error: ").And.Contain(fragment));
            Assert.That(Directory.Exists(output), Is.False, $"{result}: --out was created");
        }
    }

    [Test]
    public void Timings_FollowEveryWrittenFile()
    {
        var args = new LayerCase("lstm").Write(_workspace, gradOutput: true);

        var result = CliWorkspace.Run([.. args, "--repeat", "1"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var lastWrite = Array.FindLastIndex(lines, l => l.StartsWith("wrote ", StringComparison.Ordinal));
        var firstTiming = Array.FindIndex(lines, l => l.StartsWith("timing: ", StringComparison.Ordinal));
        Assert.That(lines.Count(l => l.StartsWith("timing: ", StringComparison.Ordinal)), Is.EqualTo(2), result.Stdout);
        Assert.That(firstTiming, Is.GreaterThan(lastWrite), result.Stdout);
    }
}
