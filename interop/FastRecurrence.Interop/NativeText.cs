using System.Runtime.InteropServices;
using System.Text;

namespace FastRecurrence.Interop;

/// <summary>The header's strings: NUL-terminated UTF-8 (const char* and char[N]), to and from .NET strings.</summary>
public static class NativeText
{
    /// <summary>The UTF-8 bytes of <paramref name="text"/> followed by a NUL, ready to pin as a const char*.</summary>
    public static byte[] ToUtf8Z(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    /// <summary>A const char* the library returned; "" for NULL.</summary>
    public static unsafe string FromUtf8Z(byte* text) => text is null ? "" : Marshal.PtrToStringUTF8((nint)text) ?? "";

    /// <summary>A char[capacity] field: the bytes up to the first NUL (or all of them).</summary>
    public static unsafe string FromFixedBuffer(byte* buffer, int capacity)
    {
        var span = new ReadOnlySpan<byte>(buffer, capacity);
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    /// <summary>fr_last_error() of this thread as a string.</summary>
    public static unsafe string LastError() => FromUtf8Z(FastRecurrenceNative.FrLastError());

    /// <summary>fr_status_name(status) as a string.</summary>
    public static unsafe string StatusName(FrStatus status) => FromUtf8Z(FastRecurrenceNative.FrStatusName(status));
}
