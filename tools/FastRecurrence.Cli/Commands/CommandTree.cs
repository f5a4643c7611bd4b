using System.CommandLine;

namespace FastRecurrence.Cli.Commands;

/// <summary>The tool's command tree. Commands write to the given writer, so tests can run them in-process.</summary>
internal static class CommandTree
{
    public static RootCommand Create(TextWriter stdout) =>
        new("fastrecurrence: run FastRecurrence's recurrent layers and scans on NumPy .npy files, and plan kernels for a GPU.")
        {
            RunCommand.Create(stdout),
            ScanCommand.Create(stdout),
            DevicesCommand.Create(stdout),
            PlanCommand.Create(stdout),
            CompileCommand.Create(stdout),
        };
}
