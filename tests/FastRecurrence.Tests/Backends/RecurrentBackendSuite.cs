using FastRecurrence.Backends;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Backends;

/// <summary>
/// One suite for every backend: its float32 forward and backward against the float64 reference on fresh random
/// inputs, outputs poisoned with NaN before the run, relative L2 within math.md section 7 (fp32 exact path 1e-5).
/// Later backends (ILGPU, native CUDA) add a thin subclass; one that cannot run here is ignored with its reason.
/// </summary>
public abstract class RecurrentBackendSuite
{
    protected abstract IRecurrenceBackend Backend { get; }

    /// <summary>Relative L2 bound for float32 storage and arithmetic (math.md: fp32 exact-FMA path).</summary>
    protected virtual double Float32Tolerance => 1e-5;

    /// <summary>Whether a missing backend fails (the CPU ones) or is ignored with a reason (GPU ones).</summary>
    protected virtual bool MustBeAvailable => false;

    /// <summary>Why the backend has no backward yet (the backward cases are then ignored with this reason), or null.</summary>
    protected virtual string? BackwardMissing => null;

    /// <summary>Why the backend refuses <see cref="RecurrentBackwardOptions"/> (those cases are then ignored with it), or null.</summary>
    protected virtual string? BackwardOptionsMissing => null;

    [SetUp]
    public void RequireBackend() => BackendRequirement.Ensure(Backend, MustBeAvailable);

    private static readonly (int B, int T, int NH, int D)[] Shapes =
    [
        (1, 1, 1, 1),
        (3, 7, 1, 5),
        (2, 9, 3, 4),
        (2, 1024, 2, 8),
    ];

    public static IEnumerable<TestCaseData> Cases() =>
        from cell in Enum.GetValues<CellKind>()
        from s in Shapes
        select new TestCaseData(cell, s.B, s.T, s.NH, s.D)
            .SetArgDisplayNames(cell.ToString(), $"B={s.B}", $"T={s.T}", $"NH={s.NH}", $"D={s.D}");

    [TestCaseSource(nameof(Cases))]
    public void Forward_Float32_MatchesFloat64Reference(CellKind cell, int batch, int steps, int heads, int headSize)
    {
        var p32 = new RecurrentProblem(cell, batch, steps, heads, headSize, 1, DataType.Float32);
        var c = new RecurrentCase(p32, seed: 2024 + (int)cell + steps);
        var (y64, last64, all64) = c.Forward();

        var (y, last, all) = c.ForwardFloat32(Backend);

        AssertClose("y", y, y64);
        AssertClose("lastStates", last, last64);
        AssertClose("allStates", all, all64);
    }

    [TestCaseSource(nameof(Cases))]
    public void Backward_Float32_MatchesFloat64Reference(CellKind cell, int batch, int steps, int heads, int headSize)
    {
        if (BackwardMissing is { } missing)
            Assert.Ignore($"backend '{Backend.Name}' has no backward yet: {missing}");
        var p32 = new RecurrentProblem(cell, batch, steps, heads, headSize, 1, DataType.Float32);
        var c = new RecurrentCase(p32, seed: 4048 + (int)cell + steps);
        var (dWx64, dR64, dBias64, dInitial64) = c.Backward();

        var (dWx, dR, dBias, dInitial) = c.BackwardFloat32(Backend);

        AssertClose("dWx", dWx, dWx64);
        AssertClose("dR", dR, dR64);
        AssertClose("dBias", dBias, dBias64);
        AssertClose("dInitialStates", dInitial, dInitial64);
    }

    public static IEnumerable<TestCaseData> OptionCases() =>
        from cell in Enum.GetValues<CellKind>()
        from option in new[] { "clip", "truncate", "accumulate" }
        select new TestCaseData(cell, option).SetArgDisplayNames(cell.ToString(), option);

    /// <summary>
    /// Recurrent clipping (tight enough to bind), truncated BPTT and accumulation, against the reference's. What the
    /// reference computes with them is checked against independent oracles in <see cref="Reference.BackwardOptionReferenceTests"/>;
    /// on the reference itself this case compares its float32 run with its float64 run.
    /// </summary>
    [TestCaseSource(nameof(OptionCases))]
    public void Backward_WithAnOption_MatchesTheReferenceWithIt(CellKind cell, string option)
    {
        if (BackwardMissing is { } missing)
            Assert.Ignore($"backend '{Backend.Name}' has no backward yet: {missing}");
        if (BackwardOptionsMissing is { } optionsMissing)
            Assert.Ignore($"backend '{Backend.Name}' takes no backward options: {optionsMissing}");
        var options = option switch
        {
            "clip" => new RecurrentBackwardOptions { RecurrentClip = 0.05f },
            "truncate" => new RecurrentBackwardOptions { Truncate = true },
            _ => new RecurrentBackwardOptions { Accumulate = true },
        };
        var p32 = new RecurrentProblem(cell, 3, 9, 2, 6, 1, DataType.Float32);
        var c = new RecurrentCase(p32, seed: 31 + (int)cell);
        var (dWx64, dR64, dBias64, dInitial64) = c.Backward(options);
        var (plainWx64, _, _, plainInitial64) = c.Backward();
        Assert.That(TestData.RelativeL2(dWx64, plainWx64) + TestData.RelativeL2(dInitial64, plainInitial64), Is.GreaterThan(1e-3),
            $"the option {option} changes the reference's gradients");

        var (dWx, dR, dBias, dInitial) = c.BackwardFloat32(Backend, options);

        AssertClose("dWx", dWx, dWx64);
        AssertClose("dR", dR, dR64);
        AssertClose("dBias", dBias, dBias64);
        AssertClose("dInitialStates", dInitial, dInitial64);
    }

    public static IEnumerable<TestCaseData> NaNCases() =>
        from cell in Enum.GetValues<CellKind>()
        from input in new[] { "dy", "wx" }
        select new TestCaseData(cell, input).SetArgDisplayNames(cell.ToString(), input);

    /// <summary>
    /// A NaN in one input gives NaN exactly where the float32 reference has it, and the reference's values elsewhere:
    /// never a plausible number in its place (the sLSTM's stabiliser once dropped a NaN gate from m); forward and plain
    /// backward.
    /// </summary>
    [TestCaseSource(nameof(NaNCases))]
    public void ANaNInput_GivesTheReferencesNaNs_ForwardAndBackward(CellKind cell, string input)
    {
        var c = NaNCase(cell, input);
        if (input == "wx")
        {
            var (y, last, all) = c.ForwardFloat32(Backend);
            var (yRef, lastRef, allRef) = c.ForwardFloat32(RecurrenceBackends.Reference);
            AssertSameNaNs("y", y, yRef);
            AssertSameNaNs("lastStates", last, lastRef);
            AssertSameNaNs("allStates", all, allRef);
        }
        if (BackwardMissing is { } missing)
        {
            if (input == "dy") Assert.Ignore($"backend '{Backend.Name}' has no backward to check: {missing}");
            return;
        }
        AssertBackwardHasTheReferencesNaNs(c, options: null);
    }

    /// <summary>The same NaNs through the backward with recurrent clipping (which once turned a NaN into -clip).</summary>
    [TestCaseSource(nameof(NaNCases))]
    public void ANaNInput_GivesTheReferencesNaNs_InTheClippedBackward(CellKind cell, string input)
    {
        if ((BackwardMissing ?? BackwardOptionsMissing) is { } missing)
            Assert.Ignore($"backend '{Backend.Name}' has no clipped backward to check: {missing}");
        AssertBackwardHasTheReferencesNaNs(NaNCase(cell, input), new RecurrentBackwardOptions { RecurrentClip = 0.05f });
    }

    private static RecurrentCase NaNCase(CellKind cell, string input)
    {
        var c = new RecurrentCase(new RecurrentProblem(cell, 3, 6, 1, 4, 1, DataType.Float32), seed: 77 + (int)cell);
        var g = c.Problem.GateCount;
        if (input == "dy") c.DY[3 * 4 + 1] = double.NaN;       // batch 0, step 3, unit 1
        else c.Wx[2 * g * 4 + 1] = double.NaN;                  // batch 0, step 2, first gate, unit 1
        return c;
    }

    private void AssertBackwardHasTheReferencesNaNs(RecurrentCase c, RecurrentBackwardOptions? options)
    {
        string which = options is null ? "plain backward" : "clipped backward";
        var (dWx, dR, dBias, dInitial) = c.BackwardFloat32(Backend, options);
        var (dWxRef, dRRef, dBiasRef, dInitialRef) = c.BackwardFloat32(RecurrenceBackends.Reference, options);
        Assert.That(dInitialRef.Count(float.IsNaN), Is.GreaterThan(0), $"{which}: the NaN reaches the reference's initial-state gradient");
        AssertSameNaNs($"{which} dWx", dWx, dWxRef);
        AssertSameNaNs($"{which} dR", dR, dRRef);
        AssertSameNaNs($"{which} dBias", dBias, dBiasRef);
        AssertSameNaNs($"{which} dInitialStates", dInitial, dInitialRef);
    }

    /// <summary>
    /// sLSTM from zero states with g~_i = -150 at the first step: m = g~_i makes f' = exp(log f - g~_i) overflow float32,
    /// and f' times the zero state once gave NaN everywhere from there on (inf * 0). The forward and the weight gradients
    /// match the float64 reference; an initial-state gradient is +-inf exactly where the reference's is beyond float32.
    /// </summary>
    [Test]
    public void SLstm_FromZeroStates_WithAVeryNegativeInputGate_StaysFinite()
    {
        var p = new RecurrentProblem(CellKind.SLstm, 2, 5, 2, 3, 1, DataType.Float32);
        var c = new RecurrentCase(p, seed: 59, withInitialStates: false);
        for (var b = 0; b < p.Batch; b++)
            c.Wx.AsSpan(b * p.TimeSteps * p.GateCount * p.HiddenSize, p.HiddenSize).Fill(-150.0);  // step 0, gate i, every unit
        var (y64, last64, all64) = c.Forward();
        var (y, last, all) = c.ForwardFloat32(Backend);
        AssertClose("y", y, y64);
        AssertClose("lastStates", last, last64);
        AssertClose("allStates", all, all64);
        if (BackwardMissing is { } missing)
            Assert.Ignore($"backend '{Backend.Name}' has no backward yet: {missing}");

        var (dWx64, dR64, dBias64, dInitial64) = c.Backward();
        var (dWx, dR, dBias, dInitial) = c.BackwardFloat32(Backend);

        AssertClose("dWx", dWx, dWx64);
        AssertClose("dR", dR, dR64);
        AssertClose("dBias", dBias, dBias64);
        var beyond = Enumerable.Range(0, dInitial64.Length).Where(i => Math.Abs(dInitial64[i]) > float.MaxValue).ToArray();
        Assert.That(beyond, Is.Not.Empty, "the reference's gradient on the initial c and n exceeds float32's range");
        Assert.That(beyond.Select(i => dInitial[i]), Is.EqualTo(beyond.Select(i => (float)dInitial64[i])),
            "dInitialStates: +-inf where the reference's value is beyond float32's range");
        var inRange = Enumerable.Range(0, dInitial64.Length).Except(beyond).ToArray();
        AssertClose("dInitialStates (the elements within float32's range)", [.. inRange.Select(i => dInitial[i])], [.. inRange.Select(i => dInitial64[i])]);
    }

    private void AssertSameNaNs(string name, float[] actual, float[] expected)
    {
        var actualNaNs = Enumerable.Range(0, actual.Length).Where(i => float.IsNaN(actual[i])).ToArray();
        var expectedNaNs = Enumerable.Range(0, expected.Length).Where(i => float.IsNaN(expected[i])).ToArray();
        Assert.That(actualNaNs, Is.EqualTo(expectedNaNs), $"{name}: the elements that are NaN on backend '{Backend.Name}' and on the reference");
        var finite = Enumerable.Range(0, expected.Length).Where(i => !float.IsNaN(expected[i])).ToArray();
        var error = TestData.RelativeL2(TestData.ToDouble([.. finite.Select(i => actual[i])]), TestData.ToDouble([.. finite.Select(i => expected[i])]));
        Assert.That(error, Error.AtMost(Float32Tolerance), $"{name}: relative L2 error {error:E3} of the other elements");
    }

    private void AssertClose(string name, float[] actual, double[] expected)
    {
        var error = TestData.RelativeL2(TestData.ToDouble(actual), expected);
        Assert.That(error, Error.AtMost(Float32Tolerance),
            $"{name}: relative L2 error {error:E3} on backend '{Backend.Name}' (NaN or an unwritten element gives infinity)");
    }
}

[TestFixture]
public sealed class ReferenceRecurrentBackendTests : RecurrentBackendSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Reference;
    protected override bool MustBeAvailable => true;
}
