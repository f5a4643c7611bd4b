namespace FastRecurrence.Bench.Configuration;

/// <summary>
/// Reproducible non-zero inputs: a kernel can be faster on zeros (denormals aside, some skip work), and the same
/// seed keeps runs comparable across machines and commits.
/// </summary>
public static class SeededData
{
    /// <summary>A new array of <paramref name="length"/> values uniform in [-scale, scale).</summary>
    public static float[] Uniform(int length, float scale, int seed)
    {
        var rng = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)(rng.NextDouble() * 2.0 - 1.0) * scale;
        return values;
    }

    /// <summary>
    /// Decay factors for the scan: magnitude in [0.5, 1) so h stays bounded over long T, with random signs
    /// because a may be negative (math.md section 5) and a kernel must not be timed only on the easy case.
    /// </summary>
    public static float[] Decay(int length, int seed)
    {
        var rng = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < values.Length; i++)
        {
            var magnitude = 0.5 + 0.5 * rng.NextDouble();
            values[i] = (float)(rng.Next(2) == 0 ? magnitude : -magnitude);
        }
        return values;
    }

    /// <summary>The bf16 bits of each value, rounded to nearest even (the inputs are finite).</summary>
    public static ushort[] ToBFloat16Bits(float[] values) => Array.ConvertAll(values, value =>
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
    });
}
