using FastRecurrence.Backends;
using FastRecurrence.Interop;
using FastRecurrence.Planning;

namespace FastRecurrence.Cli.Errors;

/// <summary>
/// Decides which exceptions are the user's mistake or a refusal of what the user asked (bad files, shapes, options; a
/// backend, device or native library that cannot do this) and turns them into the single line the tool prints.
/// Anything else is a bug and keeps its stack trace.
/// </summary>
internal static class UserErrors
{
    public static bool IsUserError(Exception exception) => exception switch
    {
        CliInputException => true,
        // The library's argument checks: wrong shapes and sizes, unsupported problems.
        ArgumentException or NotSupportedException => true,
        // A backend that cannot run here (no driver, no device), and a problem no kernel plan fits on the device.
        BackendUnavailableException or PlanningException => true,
        // libfastrecurrence refusing a call: only the statuses that mean "not with this input, device or setup".
        FastRecurrenceNativeException native => NativeRefusals.IsRefusal(native.Status),
        // libfastrecurrence not built or not loadable: its message lists where it looked and how to build it.
        FastRecurrenceLibraryNotFoundException => true,
        // Files: missing, unreadable, malformed .npy.
        IOException or InvalidDataException or UnauthorizedAccessException => true,
        _ => false,
    };

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
