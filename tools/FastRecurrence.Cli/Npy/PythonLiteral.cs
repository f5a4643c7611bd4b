using System.Globalization;
using System.Text;

namespace FastRecurrence.Cli.Npy;

/// <summary>
/// Parses the small subset of Python literals a .npy header uses: a dict of strings, booleans, None, integers,
/// tuples and lists. Values come back as string, bool, null, long, <see cref="PythonSequence"/> (a tuple or a list) or
/// a nested dict.
/// </summary>
/// <remarks>
/// A hand parser, because the header is Python syntax (single quotes, True/False, "(3,)"), not JSON. Recursive, so
/// nesting is limited to <see cref="MaxDepth"/>: a header of a few hundred kilobytes of brackets (format 2.0 allows 4 GB)
/// would otherwise overflow the stack, which .NET cannot catch, and end the process instead of naming the file.
/// </remarks>
internal sealed class PythonLiteral
{
    /// <summary>How deep tuples, lists and dicts may nest, the header's dict included; NumPy's deepest (a structured
    /// dtype's nested fields and subarray shapes) stays far below.</summary>
    public const int MaxDepth = 32;

    private readonly string _text;
    private int _position;
    private int _depth;

    private PythonLiteral(string text) => _text = text;

    /// <summary>Parses a dict literal into its entries; throws <see cref="FormatException"/> with what was wrong.</summary>
    public static Dictionary<string, object?> ParseDict(string text)
    {
        var parser = new PythonLiteral(text);
        parser.SkipSpace();
        if (parser.Peek() != '{')
            throw new FormatException($"expected a Python dict starting with '{{', got {parser.Describe()}");
        var dict = parser.ParseDictBody();
        parser.SkipSpace();
        if (parser._position != text.Length)
            throw new FormatException($"unexpected text after the dict at offset {parser._position}: {parser.Describe()}");
        return dict;
    }

    private Dictionary<string, object?> ParseDictBody()
    {
        Expect('{');
        using var nesting = Enter();
        var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (true)
        {
            SkipSpace();
            if (TryConsume('}'))
                return dict;
            if (ParseValue() is not string key)
                throw new FormatException($"dict keys must be strings (near offset {_position})");
            SkipSpace();
            Expect(':');
            if (!dict.TryAdd(key, ParseValue()))
                throw new FormatException($"key '{key}' appears twice");
            SkipSpace();
            if (TryConsume('}'))
                return dict;
            Expect(',');
        }
    }

    private object? ParseValue()
    {
        SkipSpace();
        var c = Peek();
        switch (c)
        {
            case '\'' or '"':
                return ParseString();
            case '(':
                return new PythonSequence(ParseSequence('(', ')'), IsTuple: true);
            case '[':
                return new PythonSequence(ParseSequence('[', ']'), IsTuple: false);
            case '{':
                return ParseDictBody();
        }
        if (c == '-' || char.IsAsciiDigit(c))
            return ParseInteger();
        if (TryConsumeWord("True")) return true;
        if (TryConsumeWord("False")) return false;
        if (TryConsumeWord("None")) return null;
        throw new FormatException($"unexpected {Describe()} at offset {_position}");
    }

    private string ParseString()
    {
        var quote = _text[_position++];
        var value = new StringBuilder();
        while (_position < _text.Length && _text[_position] != quote)
        {
            // Escapes never occur in the keys and dtype strings of a float array's header; keep them literal.
            if (_text[_position] == '\\' && _position + 1 < _text.Length)
                value.Append(_text[_position++]);
            value.Append(_text[_position++]);
        }
        if (_position >= _text.Length)
            throw new FormatException("unterminated string");
        _position++;
        return value.ToString();
    }

    private List<object?> ParseSequence(char open, char close)
    {
        Expect(open);
        using var nesting = Enter();
        var items = new List<object?>();
        while (true)
        {
            SkipSpace();
            if (TryConsume(close))
                return items;
            items.Add(ParseValue());
            SkipSpace();
            if (TryConsume(close))
                return items;
            Expect(',');
        }
    }

    private long ParseInteger()
    {
        var start = _position;
        if (Peek() == '-')
            _position++;
        while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            _position++;
        var digits = _text[start.._position];
        // Python 2 wrote long integers as "3L" in old .npy files.
        if (Peek() is 'L' or 'l')
            _position++;
        if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw new FormatException($"'{digits}' is not an integer that fits in 64 bits");
        return value;
    }

    /// <summary>One level deeper into a tuple, list or dict until the returned scope is disposed; refuses past <see cref="MaxDepth"/>.</summary>
    private DepthScope Enter()
    {
        if (++_depth > MaxDepth)
            throw new FormatException($"tuples, lists and dicts nest more than {MaxDepth} deep (at offset {_position}); a .npy header nests 2 or 3");
        return new DepthScope(this);
    }

    private readonly struct DepthScope(PythonLiteral parser) : IDisposable
    {
        public void Dispose() => parser._depth--;
    }

    private bool TryConsumeWord(string word)
    {
        if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
            return false;
        var end = _position + word.Length;
        if (end < _text.Length && (char.IsAsciiLetterOrDigit(_text[end]) || _text[end] == '_'))
            return false;
        _position = end;
        return true;
    }

    private void Expect(char c)
    {
        if (!TryConsume(c))
            throw new FormatException($"expected '{c}' at offset {_position}, got {Describe()}");
    }

    private bool TryConsume(char c)
    {
        if (Peek() != c)
            return false;
        _position++;
        return true;
    }

    private char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private void SkipSpace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
            _position++;
    }

    private string Describe() => _position < _text.Length ? $"'{_text[_position]}'" : "the end of the header";
}
