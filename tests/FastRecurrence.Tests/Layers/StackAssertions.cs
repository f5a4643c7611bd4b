using System.Numerics;
using FastRecurrence.Layers;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Layers;

/// <summary>A stack's outputs and gradients in any precision against float64 expectations, each within a relative L2 bound.</summary>
internal static class StackAssertions
{
    private static double[] ToDouble<T>(T[] values) where T : INumberBase<T> => Array.ConvertAll(values, double.CreateTruncating);

    /// <summary>y and the last states (run inside an Assert.Multiple of the caller's, or alone).</summary>
    public static void OutputsClose<T>(StackedOutput<T> actual, double[] y, double[] lastStates, double tolerance) where T : INumberBase<T>
    {
        Assert.That(TestData.RelativeL2(ToDouble(actual.Y), y), Error.AtMost(tolerance), "y");
        Assert.That(TestData.RelativeL2(ToDouble(actual.LastStates), lastStates), Error.AtMost(tolerance), "last states");
    }

    /// <summary>d_input, d_initial_states and every named weight gradient (the same names as expected).</summary>
    public static void GradientsClose<T>(StackedGradients<T> actual, StackedGradients<double> expected, double tolerance) where T : INumberBase<T>
    {
        Assert.That(TestData.RelativeL2(ToDouble(actual.DInput), expected.DInput), Error.AtMost(tolerance), "d_input");
        Assert.That(TestData.RelativeL2(ToDouble(actual.DInitialStates), expected.DInitialStates), Error.AtMost(tolerance), "d_initial_states");
        Assert.That(actual.Weights.Keys, Is.EquivalentTo(expected.Weights.Keys));
        foreach (var (name, grad) in expected.Weights)
            Assert.That(TestData.RelativeL2(ToDouble(actual.Weights[name]), grad), Error.AtMost(tolerance), name);
    }
}
