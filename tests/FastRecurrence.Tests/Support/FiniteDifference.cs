namespace FastRecurrence.Tests.Support;

/// <summary>Central finite differences in float64 (math.md section 7: eps 1e-6).</summary>
internal static class FiniteDifference
{
    public const double Epsilon = 1e-6;

    /// <summary>
    /// d loss / d parameters[k] for every k, perturbing a copy of <paramref name="parameters"/>.
    /// </summary>
    public static double[] Gradient(double[] parameters, Func<double[], double> loss)
    {
        var probe = (double[])parameters.Clone();
        var gradient = new double[parameters.Length];
        for (var k = 0; k < parameters.Length; k++)
        {
            var saved = probe[k];
            probe[k] = saved + Epsilon;
            var up = loss(probe);
            probe[k] = saved - Epsilon;
            var down = loss(probe);
            probe[k] = saved;
            gradient[k] = (up - down) / (2 * Epsilon);
        }
        return gradient;
    }

    /// <summary>Asserts an analytic gradient matches finite differences, element by element, with a message naming it.</summary>
    public static void AssertMatches(string name, double[] analytic, double[] numeric, double tolerance = 1e-6)
    {
        Assert.That(analytic, Has.Length.EqualTo(numeric.Length), $"{name}: length");
        for (var k = 0; k < analytic.Length; k++)
        {
            var scale = Math.Max(1.0, Math.Abs(numeric[k]));
            Assert.That(Math.Abs(analytic[k] - numeric[k]), Error.AtMost(tolerance * scale),
                $"{name}[{k}]: analytic {analytic[k]:R} vs finite difference {numeric[k]:R}");
        }
    }
}
