using System.Globalization;

namespace FastRecurrence.Cli.Npy;

/// <summary>
/// The dict at the start of a .npy file: {'descr': '&lt;f8', 'fortran_order': False, 'shape': (2, 3), }.
/// Only little-endian float32/float64 in C order is accepted; every other case is rejected with the reason.
/// </summary>
internal sealed record NpyHeader(NpyDataType DataType, int[] Shape)
{
    private static readonly string[] Keys = ["descr", "fortran_order", "shape"];

    /// <summary>Parses and validates the header text; throws <see cref="FormatException"/> saying what is unsupported or malformed.</summary>
    public static NpyHeader Parse(string text, bool integers = false)
    {
        Dictionary<string, object?> dict;
        try
        {
            dict = PythonLiteral.ParseDict(text.TrimEnd('\n', ' ', '\0'));
        }
        catch (FormatException e)
        {
            throw new FormatException($"the header is not a valid Python dict literal: {e.Message}", e);
        }
        var missing = Keys.Where(k => !dict.ContainsKey(k)).ToArray();
        if (missing.Length > 0)
            throw new FormatException($"the header lacks the key(s) {string.Join(", ", missing.Select(k => $"'{k}'"))}");
        var extra = dict.Keys.Where(k => !Keys.Contains(k)).ToArray();
        if (extra.Length > 0)
            throw new FormatException($"the header has unexpected key(s) {string.Join(", ", extra.Select(k => $"'{k}'"))}");

        var dataType = ParseDescr(dict["descr"], integers);
        if (dict["fortran_order"] is not bool fortranOrder)
            throw new FormatException("'fortran_order' must be True or False");
        if (fortranOrder)
            throw new FormatException(
                "the array is stored in Fortran order ('fortran_order': True); only C order is supported: save np.ascontiguousarray(arr)");
        return new NpyHeader(dataType, ParseShape(dict["shape"]));
    }

    /// <summary>The header dict as NumPy writes it (same key order and spacing), without padding.</summary>
    public string Format()
    {
        var dims = string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        // Python writes a one-element tuple as "(3,)".
        var tuple = Shape.Length == 1 ? $"({dims},)" : $"({dims})";
        return $"{{'descr': '{DataType.Descr()}', 'fortran_order': False, 'shape': {tuple}, }}";
    }

    private static NpyDataType ParseDescr(object? descr, bool integers)
    {
        if (descr is not string text)
            throw new FormatException(
                "the dtype is a structured (record) type; only plain float32 ('<f4') or float64 ('<f8') arrays are supported");
        switch (text)
        {
            case "<f4":
                return NpyDataType.Float32;
            case "<f8":
                return NpyDataType.Float64;
            case "<i4" when integers:
                return NpyDataType.Int32;
            case "<i8" when integers:
                return NpyDataType.Int64;
        }
        var why = text.Length >= 2 ? text[0] switch
        {
            '>' => " (big-endian; save arr.astype('<f8') or '<f4')",
            _ => text[1] switch
            {
                'i' or 'u' => " (an integer type; save arr.astype(np.float64) or np.float32)",
                'f' => " (only little-endian 4- and 8-byte floats are supported)",
                'b' => " (a boolean type)",
                'c' => " (a complex type)",
                _ => "",
            },
        } : "";
        throw new FormatException($"dtype '{text}' is not supported{why}; expected little-endian float32 '<f4' or float64 '<f8'");
    }

    private static int[] ParseShape(object? shape)
    {
        // NumPy writes a tuple; a list is read the same way.
        if (shape is not PythonSequence { Items: var dims })
            throw new FormatException($"'shape' must be a tuple of integers, got {PythonSequence.Describe(shape)}");
        var result = new int[dims.Count];
        for (var k = 0; k < dims.Count; k++)
        {
            // The entry as the file wrote it (a nested tuple, a string, None), not as .NET holds it.
            if (dims[k] is not long d || d < 0 || d > Array.MaxLength)
                throw new FormatException($"'shape' entry {k} is {PythonSequence.Describe(dims[k])}, not a dimension between 0 and {Array.MaxLength}");
            result[k] = (int)d;
        }
        if (NpyArray.ElementCount(result) < 0)
            throw new FormatException($"shape {NpyArray.FormatShape(result)} holds more elements than one .NET array can");
        return result;
    }
}
