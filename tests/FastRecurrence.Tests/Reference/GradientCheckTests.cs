using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Reference;

/// <summary>
/// The reference's backward against central finite differences of its own forward, in float64, for every cell,
/// every gradient (Wx, R, b, initial states), on shapes that include T = 1, B = 1, odd sizes and NH > 1.
/// </summary>
[TestFixture]
public sealed class GradientCheckTests
{
    private static readonly (int B, int T, int NH, int D)[] Shapes =
    [
        (1, 1, 1, 1),
        (1, 4, 1, 3),
        (2, 3, 2, 2),
        (3, 2, 1, 5),
        (2, 5, 3, 1),
    ];

    public static IEnumerable<TestCaseData> Cases() =>
        from cell in Enum.GetValues<CellKind>()
        from s in Shapes
        from initial in (bool[])[true, false]
        select new TestCaseData(cell, s.B, s.T, s.NH, s.D, initial)
            .SetArgDisplayNames(cell.ToString(), $"B={s.B}", $"T={s.T}", $"NH={s.NH}", $"D={s.D}", initial ? "h0" : "zero-h0");

    [TestCaseSource(nameof(Cases))]
    public void Backward_MatchesFiniteDifferences(CellKind cell, int batch, int steps, int heads, int headSize, bool withInitialStates)
    {
        var problem = new RecurrentProblem(cell, batch, steps, heads, headSize, 1, DataType.Float64);
        var c = new RecurrentCase(problem, seed: 1234 + (int)cell * 97 + batch * 13 + steps * 7 + heads * 3 + headSize, withInitialStates, recurrentScale: 1.5, forFiniteDifferences: true);
        var (dWx, dR, dBias, dInitial) = c.Backward();

        FiniteDifference.AssertMatches("dWx", dWx, FiniteDifference.Gradient(c.Wx, wx => c.Loss(wx: wx)));
        FiniteDifference.AssertMatches("dR", dR, FiniteDifference.Gradient(c.R, r => c.Loss(r: r)));
        FiniteDifference.AssertMatches("dBias", dBias, FiniteDifference.Gradient(c.Bias, b => c.Loss(bias: b)));
        if (withInitialStates)
            FiniteDifference.AssertMatches("dInitialStates", dInitial, FiniteDifference.Gradient(c.InitialStates, s => c.Loss(initial: s)));
        else if (cell != CellKind.SLstm)
        {
            // From zero states the gradient is still defined (sLSTM's n0 = 0 is a branch point of m, so it is left out).
            var zeros = new double[problem.StatesLength];
            FiniteDifference.AssertMatches("dInitialStates", dInitial, FiniteDifference.Gradient(zeros, s => c.Loss(initial: s)));
        }
    }

    [Test]
    public void SLstm_NormaliserGradientFromZeroStates_IsFinite()
    {
        var problem = new RecurrentProblem(CellKind.SLstm, 2, 3, 1, 2, 1, DataType.Float64);
        var c = new RecurrentCase(problem, seed: 5, withInitialStates: false, forFiniteDifferences: true);
        var (_, _, _, dInitial) = c.Backward();
        Assert.That(dInitial, Has.All.Matches<double>(double.IsFinite));
    }
}
