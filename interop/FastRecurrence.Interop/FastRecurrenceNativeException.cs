namespace FastRecurrence.Interop;

/// <summary>
/// A libfastrecurrence entry point returned a status other than FR_OK: <see cref="Status"/> is that status and
/// <see cref="NativeMessage"/> the library's fr_last_error() text for the call (which names the argument and the limit).
/// </summary>
public sealed class FastRecurrenceNativeException : Exception
{
    public FastRecurrenceNativeException()
    {
        Function = "";
        NativeMessage = "";
    }

    public FastRecurrenceNativeException(string message) : base(message)
    {
        Function = "";
        NativeMessage = message;
    }

    public FastRecurrenceNativeException(string message, Exception innerException) : base(message, innerException)
    {
        Function = "";
        NativeMessage = message;
    }

    public FastRecurrenceNativeException(FrStatus status, string function, string statusName, string nativeMessage)
        : base($"{function} failed with {statusName}: {(nativeMessage.Length == 0 ? "(no message)" : nativeMessage)}")
    {
        Status = status;
        Function = function;
        NativeMessage = nativeMessage;
    }

    /// <summary>The status the entry point returned.</summary>
    public FrStatus Status { get; }

    /// <summary>The C name of the entry point, e.g. "fr_compile".</summary>
    public string Function { get; }

    /// <summary>fr_last_error() right after the failing call.</summary>
    public string NativeMessage { get; }

    /// <summary>
    /// Throws unless <paramref name="status"/> is <see cref="FrStatus.Ok"/>. Call it right after the entry point, on
    /// the same thread: the message is the thread-local fr_last_error(), which the next call replaces.
    /// </summary>
    /// <param name="status">What the entry point returned.</param>
    /// <param name="function">Its C name, for the message.</param>
    public static void ThrowIfFailed(FrStatus status, string function)
    {
        if (status != FrStatus.Ok) throw FromLastError(status, function);
    }

    /// <summary>The exception for a failed call, with this thread's fr_last_error(); read it before any other call.</summary>
    public static FastRecurrenceNativeException FromLastError(FrStatus status, string function)
    {
        var message = NativeText.LastError();
        var name = NativeText.StatusName(status);
        return new FastRecurrenceNativeException(status, function, name.Length == 0 ? status.ToString() : name, message);
    }
}
