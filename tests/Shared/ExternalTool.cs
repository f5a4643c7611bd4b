using System.ComponentModel;
using System.Diagnostics;
using NUnit.Framework;

namespace FastRecurrence.TestSupport;

/// <summary>
/// Runs a program the tests need but the project does not ship (python3, pyflakes3, mypy, shellcheck): its exit code and
/// its stdout and stderr together; a program that is not installed ignores the test with <c>whyMissing</c> instead of
/// failing it, so the reason shows in the skipped count. One that runs past <c>timeout</c> is killed and fails the test.
/// <c>environment</c> adds to (or overrides) the variables the program inherits; <c>unset</c> names inherited ones it
/// must not see.
/// Linked into each test project (tests/Shared).
/// </summary>
internal static class ExternalTool
{
    public static (int Code, string Output) Run(string program, IEnumerable<string> arguments, string whyMissing,
        string? workingDirectory = null, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null,
        IEnumerable<string>? unset = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        foreach (var name in unset ?? []) start.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            Assert.Ignore($"{program} is not installed here; {whyMissing}");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var limit = timeout ?? TimeSpan.FromMinutes(10);
            if (!process.WaitForExit(limit))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                Assert.Fail($"{program} {string.Join(' ', start.ArgumentList)} did not finish in {limit.TotalMinutes:0.#} minutes; " +
                    $"its output so far:\n{stdout.Result}{stderr.Result}");
            }
            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }
}
