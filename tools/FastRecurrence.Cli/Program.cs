using System.CommandLine;
using System.CommandLine.Invocation;
using FastRecurrence.Cli.Commands;
using FastRecurrence.Cli.Errors;

namespace FastRecurrence.Cli;

/// <summary>
/// Entry point. Exit codes: 0 success; 1 bad input (files, shapes, options that do not apply, library argument
/// errors, a backend, device or native library refusing the request), reported as one "error: ..." line on stderr;
/// 2 command-line syntax errors (an unknown option, a missing required one, a value that does not parse);
/// `compile` also uses 3 (<see cref="Commands.CompileCommand.CompileFailure"/>).
/// </summary>
internal static class Program
{
    public const int InputError = 1;
    public const int SyntaxError = 2;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the tool in-process with its output going to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        // The ILGPU backends register themselves when their assembly loads; make sure it has, so --backend and
        // `devices` see them.
        FastRecurrence.Ilgpu.IlgpuBackends.EnsureRegistered();
        var parse = CommandTree.Create(stdout).Parse(args);
        // --help and --version clear parse errors; anything else with errors is a syntax error, one line each.
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
                stderr.WriteLine($"error: {error.Message}");
            return SyntaxError;
        }

        var configuration = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // User errors become one line in ErrorBoundary; anything else is a bug and should surface with its stack trace.
            EnableDefaultExceptionHandler = false,
            // In-process callers (tests) must not get Ctrl+C handlers installed on their process.
            ProcessTerminationTimeout = null,
        };
        return ErrorBoundary.Run(() => parse.Invoke(configuration), stderr);
    }
}
