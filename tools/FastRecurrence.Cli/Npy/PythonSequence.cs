using System.Globalization;
using System.Text;

namespace FastRecurrence.Cli.Npy;

/// <summary>
/// A tuple or a list of a .npy header, as <see cref="PythonLiteral"/> parsed it. Which of the two it was is kept only
/// so that messages can show the value as the file wrote it.
/// </summary>
internal sealed record PythonSequence(IReadOnlyList<object?> Items, bool IsTuple)
{
    /// <summary>Longest text <see cref="Describe"/> returns before cutting it short with "...".</summary>
    private const int MaxDescription = 60;

    /// <summary>
    /// A header value as Python writes it, for messages: "the tuple (1,)", "the string '1'", "None", "-1", "True".
    /// </summary>
    public static string Describe(object? value) => value switch
    {
        PythonSequence sequence => $"the {(sequence.IsTuple ? "tuple" : "list")} {Cut(Repr(value))}",
        string => $"the string {Cut(Repr(value))}",
        Dictionary<string, object?> => $"the dict {Cut(Repr(value))}",
        _ => Repr(value),
    };

    /// <summary>Python's repr of a parsed value (a dict's entries in the file's order).</summary>
    public static string Repr(object? value)
    {
        var text = new StringBuilder();
        Append(text, value);
        return text.ToString();
    }

    private static void Append(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null:
                text.Append("None");
                break;
            case bool flag:
                text.Append(flag ? "True" : "False");
                break;
            case long number:
                text.Append(number.ToString(CultureInfo.InvariantCulture));
                break;
            case string s:
                text.Append('\'').Append(s).Append('\'');
                break;
            case PythonSequence sequence:
                text.Append(sequence.IsTuple ? '(' : '[');
                for (var k = 0; k < sequence.Items.Count; k++)
                {
                    if (k > 0) text.Append(", ");
                    Append(text, sequence.Items[k]);
                }
                // Python writes a one-element tuple as "(1,)"
                if (sequence.IsTuple && sequence.Items.Count == 1) text.Append(',');
                text.Append(sequence.IsTuple ? ')' : ']');
                break;
            case Dictionary<string, object?> dict:
                text.Append('{');
                var first = true;
                foreach (var (key, item) in dict)
                {
                    if (!first) text.Append(", ");
                    first = false;
                    Append(text, key);
                    text.Append(": ");
                    Append(text, item);
                }
                text.Append('}');
                break;
            default:
                text.Append(value);
                break;
        }
    }

    private static string Cut(string text) => text.Length <= MaxDescription ? text : text[..(MaxDescription - 3)] + "...";
}
