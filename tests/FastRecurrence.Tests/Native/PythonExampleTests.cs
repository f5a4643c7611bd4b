using FastRecurrence.Backends;
using FastRecurrence.Interop;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// tools/python/lstm_example.py, another framework's way in (ctypes on the C ABI, plans from the CLI, fr_malloc'd
/// memory): a layer's input projection, training forward and backward, checked by the script itself against a float64
/// forward (outputs by relative error, gradients by central differences). Run here on the CPU emulator, and on GPU 0
/// where the cuda backend is available. python3 comes with .ci/run's script checkers; without it the tests are ignored.
/// </summary>
[TestFixture]
public sealed class PythonExampleTests
{
    [SetUp]
    public void Library() => NativeTestEnvironment.RequireLibrary();

    [Test]
    public void LstmExample_OnTheEmulator_PassesItsChecks()
    {
        var (code, output) = RunExample("--emulated", "--cache-dir", NativeTestEnvironment.NewTemporaryFolder("lstm-example"));
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain("on the CPU emulator: all checks passed"), output);
        Assert.That(output, Does.Contain("dr ").And.Contain("dinitial_states").And.Contain("last_states"), "every check printed");
    }

    [Test]
    public void LstmExample_OnGpu_PassesItsChecks()
    {
        var cuda = RecurrenceBackends.Get("cuda");
        if (!cuda.Availability.IsAvailable)
            Assert.Ignore($"runs on GPU 0; the cuda backend is not available here: {cuda.Availability.Reason}");
        var (code, output) = RunExample();
        if (code == 2 && output.Contains("is not an H100 or H200", StringComparison.Ordinal))
            Assert.Ignore($"the example plans for catalog cards it can name: {output}");
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain("on GPU 0: all checks passed"), output);
    }

    private static (int Code, string Output) RunExample(params string[] arguments)
    {
        var script = Path.Combine(NativeTestEnvironment.RepositoryRoot, "tools", "python", "lstm_example.py");
        return ExternalTool.Run("python3",
            [script, "--cli", BuiltCli.CommandLine, "--library", FastRecurrenceLibrary.LoadedPath!, .. arguments],
            ".ci/run brings it with the script checkers (Debian's python3)", timeout: TimeSpan.FromMinutes(5));
    }
}
