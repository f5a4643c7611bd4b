using System.Buffers.Binary;
using System.Text;

namespace FastRecurrence.Tests.Cli;

/// <summary>Builds .npy file bytes by hand from a header dict and raw data, so tests can make files NumPy would (or would not) write.</summary>
internal static class NpyBytes
{
    public static byte[] Build(string dict, byte[] data, byte major = 1, byte minor = 0)
    {
        var lengthSize = major == 1 ? 2 : 4;
        var prefix = 8 + lengthSize;
        var padding = 64 - (prefix + dict.Length + 1) % 64;
        var header = Encoding.ASCII.GetBytes(dict + new string(' ', padding) + "\n");
        var bytes = new byte[prefix + header.Length + data.Length];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, minor }.CopyTo(bytes, 0);
        if (major == 1)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        header.CopyTo(bytes, prefix);
        data.CopyTo(bytes, prefix + header.Length);
        return bytes;
    }

    /// <summary>The little-endian bytes of <paramref name="values"/> as float64.</summary>
    public static byte[] Float64(params double[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var k = 0; k < values.Length; k++)
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(k * 8), values[k]);
        return bytes;
    }

    public static string Dict(string descr, string shape, bool fortranOrder = false) =>
        $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {shape}, }}";
}
