namespace FastRecurrence.Tests.Native;

/// <summary>
/// The CLI built beside the tests (the test project references it): how a child process runs it. Framework-dependent,
/// so `dotnet exec FastRecurrence.Cli.dll`, with the test host's own dotnet where the host is one.
/// </summary>
internal static class BuiltCli
{
    public static string Assembly
    {
        get
        {
            var cli = Path.Combine(AppContext.BaseDirectory, "FastRecurrence.Cli.dll");
            Assert.That(File.Exists(cli), Is.True, $"{cli} is built with the tests");
            return cli;
        }
    }

    /// <summary>Environment.ProcessPath when the test host is dotnet itself, else "dotnet" from PATH.</summary>
    public static string Dotnet
    {
        get
        {
            var host = Environment.ProcessPath;
            return host is not null && Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
                ? host
                : "dotnet";
        }
    }

    /// <summary>The program and arguments that run the CLI, before the CLI's own arguments.</summary>
    public static IReadOnlyList<string> Command => [Dotnet, "exec", Assembly];

    /// <summary><see cref="Command"/> as one line for Python's shlex.split (the device scripts' CLI argument), each word
    /// single-quoted whatever the path holds.</summary>
    public static string CommandLine =>
        string.Join(' ', Command.Select(word => "'" + word.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'"));
}
