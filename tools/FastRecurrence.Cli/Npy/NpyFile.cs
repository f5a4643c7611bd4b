using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace FastRecurrence.Cli.Npy;

/// <summary>
/// Reads and writes NumPy .npy files (format versions 1.0, 2.0 and 3.0 read; 1.0 written, or 2.0 when the
/// header would not fit 1.0's 16-bit length). Little-endian float32/float64 in C order only.
/// </summary>
/// <remarks>
/// Layout: the magic "\x93NUMPY", major and minor version bytes, the header length (uint16 LE for 1.0,
/// uint32 LE for 2.0 and 3.0), the header (a Python dict literal padded with spaces and ending in '\n',
/// so that the data starts at a multiple of 64 bytes), then the raw elements.
/// </remarks>
internal static class NpyFile
{
    /// <summary>The data of a written file starts at a multiple of this many bytes, as NumPy does.</summary>
    public const int Alignment = 64;

    /// <summary>NumPy's GROWTH_AXIS_MAX_DIGITS: header space reserved for the growing axis' length.</summary>
    private const int GrowthAxisMaxDigits = 21;

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads <paramref name="path"/>; any unsupported or malformed content throws <see cref="InvalidDataException"/> naming the file.</summary>
    public static NpyArray Read(string path, bool integers = false)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found.", path);
        var bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes, integers);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}.", e);
        }
    }

    /// <summary>Writes <paramref name="array"/> to <paramref name="path"/> as format 1.0 (replacing any file there).</summary>
    public static void Write(string path, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var bytes = Serialize(array);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>The bytes of a .npy file holding <paramref name="array"/>.</summary>
    public static byte[] Serialize(NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var dict = new NpyHeader(array.DataType, [.. array.Shape]).Format();
        // NumPy leaves room for the first dimension to grow to 21 digits, so a file can be appended to in place;
        // doing the same makes the files byte-identical to np.save's.
        if (array.Rank > 0)
            dict += new string(' ', GrowthAxisMaxDigits - array.Shape[0].ToString(CultureInfo.InvariantCulture).Length);
        // Version 1.0 stores the header length in 16 bits; only absurdly many dimensions need 2.0.
        var major = dict.Length + Alignment < ushort.MaxValue ? 1 : 2;
        var prefixLength = Magic.Length + 2 + (major == 1 ? 2 : 4);
        // NumPy: header + spaces + '\n', so that prefix + header is a multiple of 64 (a whole 64 of padding if it already was).
        var padding = Alignment - (prefixLength + dict.Length + 1) % Alignment;
        var header = dict + new string(' ', padding) + "\n";

        var itemSize = array.DataType.SizeInBytes();
        var bytes = new byte[prefixLength + header.Length + (long)array.Length * itemSize];
        Magic.CopyTo(bytes, 0);
        bytes[6] = (byte)major;
        bytes[7] = 0;
        if (major == 1)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        Encoding.ASCII.GetBytes(header, bytes.AsSpan(prefixLength));

        var data = bytes.AsSpan(prefixLength + header.Length);
        if (array.DataType == NpyDataType.Int64)
        {
            var values = array.Values<long>();
            for (var k = 0; k < values.Length; k++)
                BinaryPrimitives.WriteInt64LittleEndian(data[(k * 8)..], values[k]);
        }
        else if (array.DataType == NpyDataType.Float32)
        {
            var values = array.Values<float>();
            for (var k = 0; k < values.Length; k++)
                BinaryPrimitives.WriteSingleLittleEndian(data[(k * 4)..], values[k]);
        }
        else
        {
            var values = array.Values<double>();
            for (var k = 0; k < values.Length; k++)
                BinaryPrimitives.WriteDoubleLittleEndian(data[(k * 8)..], values[k]);
        }
        return bytes;
    }

    /// <summary>Parses the bytes of a .npy file; throws <see cref="FormatException"/> saying what is wrong.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="integers">Accept '&lt;i4' and '&lt;i8' too (read as long values), for commands that take integers.</param>
    public static NpyArray Parse(ReadOnlySpan<byte> bytes, bool integers = false)
    {
        if (bytes.Length < Magic.Length + 2 || !bytes[..Magic.Length].SequenceEqual(Magic))
            throw new FormatException("not a .npy file (it does not start with the magic bytes \\x93NUMPY)");
        int major = bytes[6], minor = bytes[7];
        if (major is not (1 or 2 or 3) || minor != 0)
            throw new FormatException($".npy format version {major}.{minor} is not supported (only 1.0, 2.0 and 3.0)");

        var lengthSize = major == 1 ? 2 : 4;
        var prefixLength = Magic.Length + 2 + lengthSize;
        if (bytes.Length < prefixLength)
            throw new FormatException("truncated: the file ends inside the header length");
        long headerLength = major == 1
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (bytes.Length - prefixLength < headerLength)
            throw new FormatException(
                $"truncated: the header should be {headerLength} bytes, but only {bytes.Length - prefixLength} follow");
        var headerBytes = bytes.Slice(prefixLength, (int)headerLength);
        // Versions 1.0 and 2.0 store the header in latin-1, 3.0 in UTF-8.
        var headerText = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        var header = NpyHeader.Parse(headerText, integers);

        var data = bytes[(prefixLength + (int)headerLength)..];
        var count = NpyArray.ElementCount(header.Shape);
        var itemSize = header.DataType.SizeInBytes();
        var expected = count * itemSize;
        if (data.Length != expected)
        {
            var what = data.Length < expected ? "truncated" : "shape/data mismatch";
            throw new FormatException(
                $"{what}: shape {NpyArray.FormatShape(header.Shape)} of {header.DataType.Name()} needs {expected} data bytes, but the file has {data.Length}");
        }

        if (header.DataType is NpyDataType.Int32 or NpyDataType.Int64)
        {
            var values = new long[count];
            for (var k = 0; k < values.Length; k++)
                values[k] = header.DataType == NpyDataType.Int32
                    ? BinaryPrimitives.ReadInt32LittleEndian(data[(k * 4)..])
                    : BinaryPrimitives.ReadInt64LittleEndian(data[(k * 8)..]);
            return NpyArray.Create(values, header.Shape);
        }
        if (header.DataType == NpyDataType.Float32)
        {
            var values = new float[count];
            for (var k = 0; k < values.Length; k++)
                values[k] = BinaryPrimitives.ReadSingleLittleEndian(data[(k * 4)..]);
            return NpyArray.Create(values, header.Shape);
        }
        else
        {
            var values = new double[count];
            for (var k = 0; k < values.Length; k++)
                values[k] = BinaryPrimitives.ReadDoubleLittleEndian(data[(k * 8)..]);
            return NpyArray.Create(values, header.Shape);
        }
    }
}
