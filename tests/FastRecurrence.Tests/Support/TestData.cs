using System.Numerics;

namespace FastRecurrence.Tests.Support;

/// <summary>Seeded random tensors and the comparisons every suite uses.</summary>
internal static class TestData
{
    /// <summary>Uniform values in [-scale, scale) from a fixed seed.</summary>
    public static double[] Uniform(Random random, int length, double scale = 1.0)
    {
        var values = new double[length];
        for (var k = 0; k < length; k++)
            values[k] = (random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    /// <summary>Uniform values in [low, high).</summary>
    public static double[] Uniform(Random random, int length, double low, double high)
    {
        var values = new double[length];
        for (var k = 0; k < length; k++)
            values[k] = low + random.NextDouble() * (high - low);
        return values;
    }

    public static float[] ToSingle(double[] values) => Array.ConvertAll(values, v => (float)v);

    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    /// <summary>A buffer full of NaN, so that any element a kernel fails to write shows up in the comparison.</summary>
    public static T[] Poisoned<T>(int length) where T : IFloatingPointIeee754<T>
    {
        var values = new T[length];
        Array.Fill(values, T.NaN);
        return values;
    }

    /// <summary>||actual - expected|| / ||expected|| (math.md section 7); NaN or infinity anywhere gives +infinity.</summary>
    public static double RelativeL2(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length)
            throw new ArgumentException($"length {actual.Length} != {expected.Length}");
        double diff = 0, norm = 0;
        for (var k = 0; k < actual.Length; k++)
        {
            if (!double.IsFinite(actual[k]) || !double.IsFinite(expected[k]))
                return double.PositiveInfinity;
            diff += (actual[k] - expected[k]) * (actual[k] - expected[k]);
            norm += expected[k] * expected[k];
        }
        return norm == 0 ? Math.Sqrt(diff) : Math.Sqrt(diff / norm);
    }

    /// <summary>
    /// max |actual - expected|; NaN anywhere gives +infinity, and a length mismatch throws (a short or empty output
    /// would otherwise compare only its own elements and pass).
    /// </summary>
    public static double MaxAbsDifference(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length)
            throw new ArgumentException($"length {actual.Length} != {expected.Length}");
        double max = 0;
        for (var k = 0; k < actual.Length; k++)
        {
            var d = Math.Abs(actual[k] - expected[k]);
            if (double.IsNaN(d)) return double.PositiveInfinity;
            max = Math.Max(max, d);
        }
        return max;
    }
}
