namespace FastRecurrence.Cli.Errors;

/// <summary>
/// A mistake in what the user gave the tool (a missing file, a wrong shape, an option that does not apply):
/// reported as one line, never with a stack trace.
/// </summary>
internal sealed class CliInputException : Exception
{
    public CliInputException()
    {
    }

    public CliInputException(string message) : base(message)
    {
    }

    public CliInputException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
