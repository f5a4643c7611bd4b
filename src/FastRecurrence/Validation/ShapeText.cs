using System.Runtime.CompilerServices;

namespace FastRecurrence.Validation;

/// <summary>
/// The shape text of a length check, formatted only when the check fails: calls with correct arguments (every call
/// on the hot path) allocate nothing.
/// </summary>
[InterpolatedStringHandler]
internal ref struct ShapeText
{
    private DefaultInterpolatedStringHandler _text;

    public ShapeText(int literalLength, int formattedCount, int actual, int expected, out bool isNeeded)
        : this(literalLength, formattedCount, actual, expected, false, out isNeeded)
    {
    }

    // optional: an optional tensor, for which an empty span (actual = 0) is fine too.
    public ShapeText(int literalLength, int formattedCount, int actual, int expected, bool optional, out bool isNeeded)
    {
        isNeeded = actual != expected && !(optional && actual == 0);
        _text = isNeeded ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    public string ToStringAndClear() => _text.ToStringAndClear();
}
