using FastRecurrence.Backends;

namespace FastRecurrence.Cli.Errors;

/// <summary>
/// Decides which exceptions are the user's mistake (bad files, shapes, options, a backend that cannot run here)
/// and turns them into the single line the tool prints. Anything else is a bug and keeps its stack trace.
/// </summary>
internal static class UserErrors
{
    public static bool IsUserError(Exception exception) => exception is
        CliInputException or
        // The library's argument checks: wrong shapes and sizes, unsupported problems, unavailable backends.
        ArgumentException or NotSupportedException or BackendUnavailableException or
        // Files: missing, unreadable, malformed .npy.
        IOException or InvalidDataException or UnauthorizedAccessException;

    /// <summary>The exception's message on one line, without .NET's " (Parameter 'x')" suffix: the library's messages already start with the argument's name.</summary>
    public static string OneLine(Exception exception)
    {
        var message = exception.Message;
        var newline = message.IndexOfAny(['\r', '\n']);
        if (newline >= 0)
            message = message[..newline];
        if (exception is ArgumentException { ParamName: { } name })
        {
            var suffix = $" (Parameter '{name}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal))
                message = message[..^suffix.Length];
        }
        return message.Trim();
    }
}
