namespace FastRecurrence.Bench.Tests;

/// <summary>
/// README.md tells users to run `./build.sh` and `./build.ps1`: both must start with a shebang line and be committed
/// executable (git mode 100755), or a fresh clone answers "Permission denied". Read from git's index, so the test
/// checks what a clone gets, not this checkout's file modes; outside a git checkout it is ignored.
/// </summary>
[TestFixture]
public sealed class BuildScriptsTests
{
    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FastRecurrence.sln")) && File.Exists(Path.Combine(dir.FullName, "build.sh")))
                return dir.FullName;
        throw new FileNotFoundException("FastRecurrence.sln with build.sh above the test binary");
    }

    [TestCase("build.sh", "#!/usr/bin/env bash")]
    [TestCase("build.ps1", "#!/usr/bin/env pwsh")]
    public void BuildScript_HasAShebang_AndIsExecutableInGit(string script, string shebang)
    {
        var root = Root();
        if (!Directory.Exists(Path.Combine(root, ".git")) && !File.Exists(Path.Combine(root, ".git")))
            Assert.Ignore($"{root} is not a git checkout");
        var (code, output) = ExternalTool.Run("git", ["ls-files", "--stage", "--", script], "git reads the index", root);

        if (code != 0)
            Assert.Ignore($"git cannot read this checkout's index: {output}");
        Assert.Multiple(() =>
        {
            Assert.That(output, Does.StartWith("100755 "), $"{script} is committed executable: git update-index --chmod=+x {script}");
            Assert.That(File.ReadLines(Path.Combine(root, script)).First(), Is.EqualTo(shebang));
        });
    }
}
