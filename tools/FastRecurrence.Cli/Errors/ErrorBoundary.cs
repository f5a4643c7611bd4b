namespace FastRecurrence.Cli.Errors;

/// <summary>
/// Where a command's exceptions become exit codes: a user error (<see cref="UserErrors.IsUserError"/>) is one
/// "error: ..." line on stderr and <see cref="Program.InputError"/>; anything else propagates with its stack trace,
/// because it is a bug and hiding it would make it harder to fix.
/// </summary>
internal static class ErrorBoundary
{
    public static int Run(Func<int> command, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            return command();
        }
        catch (Exception e) when (UserErrors.IsUserError(e))
        {
            stderr.WriteLine($"error: {UserErrors.OneLine(e)}");
            return Program.InputError;
        }
    }
}
