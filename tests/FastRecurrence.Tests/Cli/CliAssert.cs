namespace FastRecurrence.Tests.Cli;

/// <summary>What every refused input must look like: exit 1 and exactly one "error: ..." line, never a stack trace.</summary>
internal static class CliAssert
{
    /// <summary>
    /// One input error starting with <paramref name="prefix"/> and containing every fragment (the file, the option, the
    /// limit it names).
    /// </summary>
    public static void InputError(CliResult result, string prefix, params string[] fragments)
    {
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), result.Stderr);
        Assert.That(lines[0], Does.StartWith(prefix));
        Assert.That(lines[0], Does.Not.Contain(" at FastRecurrence"), "no stack trace");
        foreach (var fragment in fragments)
            Assert.That(lines[0], Does.Contain(fragment));
    }
}
