using FastRecurrence.Backends;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Backends;

/// <summary>
/// Variable lengths (<see cref="RecurrentInputs{T}.Lengths"/>) on one backend, through the low-level calls: float32
/// forward and backward with lengths [4, 7, 1] of T = 7 (unsorted, one of them T, one of them 1), every cell, against
/// the float64 reference with the same lengths, outputs poisoned with NaN first, relative L2 within math.md section 7;
/// y past each sequence's length must be exactly zero. One thin subclass per backend; a GPU one is ignored with its
/// reason where there is none.
/// </summary>
public abstract class VariableLengthBackendSuite
{
    protected abstract IRecurrenceBackend Backend { get; }

    protected virtual double Float32Tolerance => 1e-5;

    protected virtual bool MustBeAvailable => false;

    internal static readonly int[] Lengths = [4, 7, 1];
    internal const int Batch = 3, Steps = 7;

    [SetUp]
    public void RequireBackend() => BackendRequirement.Ensure(Backend, MustBeAvailable);

    public static IEnumerable<TestCaseData> Cases() =>
        from cell in Enum.GetValues<CellKind>()
        from shape in new[] { (NH: 1, D: 5), (NH: 2, D: 8) }
        select new TestCaseData(cell, shape.NH, shape.D).SetArgDisplayNames(cell.ToString(), $"NH={shape.NH}", $"D={shape.D}");

    [TestCaseSource(nameof(Cases))]
    public void Forward_WithLengths_MatchesFloat64Reference(CellKind cell, int heads, int headSize)
    {
        var p = new RecurrentProblem(cell, Batch, Steps, heads, headSize, 1, DataType.Float32);
        var c = new RecurrentCase(p, seed: 610 + (int)cell + headSize);
        var expected = ReferenceForward(c);
        var y = TestData.Poisoned<float>(p.YLength);
        var last = TestData.Poisoned<float>(p.StatesLength);
        var all = TestData.Poisoned<float>(p.AllStatesLength);
        Recurrence.Forward(p, Float32Inputs(c), new RecurrentOutputs<float>(y, last, all), Backend);
        AssertForward(Backend.Name, p, expected, y, last, all, Float32Tolerance);
    }

    [TestCaseSource(nameof(Cases))]
    public void Backward_WithLengths_MatchesFloat64Reference(CellKind cell, int heads, int headSize)
    {
        var p = new RecurrentProblem(cell, Batch, Steps, heads, headSize, 1, DataType.Float32);
        var c = new RecurrentCase(p, seed: 620 + (int)cell + headSize);
        var expected = ReferenceBackward(c);
        var dWx = TestData.Poisoned<float>(p.WxLength);
        var dR = TestData.Poisoned<float>(p.RLength);
        var dBias = TestData.Poisoned<float>(p.BiasLength);
        var dInitial = TestData.Poisoned<float>(p.StatesLength);
        Recurrence.Backward(p, Float32Inputs(c),
            new RecurrentOutputGradients<float>(TestData.ToSingle(c.DY), TestData.ToSingle(c.DLastStates)),
            new RecurrentInputGradients<float>(dWx, dR, dBias, dInitial), Backend);
        AssertBackward(Backend.Name, expected, dWx, dR, dBias, dInitial, Float32Tolerance);
    }

    internal static RecurrentInputs<float> Float32Inputs(RecurrentCase c) =>
        new(TestData.ToSingle(c.Wx), TestData.ToSingle(c.R), TestData.ToSingle(c.Bias), TestData.ToSingle(c.InitialStates), Lengths);

    /// <summary>The float64 reference with <see cref="Lengths"/>: y, last states, all states.</summary>
    internal static (double[] Y, double[] Last, double[] All) ReferenceForward(RecurrentCase c)
    {
        var p = c.Problem.WithDataType(DataType.Float64);
        var y = TestData.Poisoned<double>(p.YLength);
        var last = TestData.Poisoned<double>(p.StatesLength);
        var all = TestData.Poisoned<double>(p.AllStatesLength);
        Recurrence.Forward(p, new RecurrentInputs<double>(c.Wx, c.R, c.Bias, c.InitialStates, Lengths),
            new RecurrentOutputs<double>(y, last, all), RecurrenceBackends.Reference);
        return (y, last, all);
    }

    /// <summary>The float64 reference's gradients with <see cref="Lengths"/>: dWx, dR, dBias, dInitialStates.</summary>
    internal static (double[] DWx, double[] DR, double[] DBias, double[] DInitial) ReferenceBackward(RecurrentCase c)
    {
        var p = c.Problem.WithDataType(DataType.Float64);
        var dWx = TestData.Poisoned<double>(p.WxLength);
        var dR = TestData.Poisoned<double>(p.RLength);
        var dBias = TestData.Poisoned<double>(p.BiasLength);
        var dInitial = TestData.Poisoned<double>(p.StatesLength);
        Recurrence.Backward(p, new RecurrentInputs<double>(c.Wx, c.R, c.Bias, c.InitialStates, Lengths),
            new RecurrentOutputGradients<double>(c.DY, c.DLastStates), new RecurrentInputGradients<double>(dWx, dR, dBias, dInitial),
            RecurrenceBackends.Reference);
        return (dWx, dR, dBias, dInitial);
    }

    internal static void AssertForward(string backend, RecurrentProblem p, (double[] Y, double[] Last, double[] All) expected,
        float[] y, float[] last, float[] all, double tolerance)
    {
        int h = p.HiddenSize;
        Assert.Multiple(() =>
        {
            Close(backend, "y", y, expected.Y, tolerance);
            Close(backend, "lastStates", last, expected.Last, tolerance);
            Close(backend, "allStates", all, expected.All, tolerance);
            for (var b = 0; b < Batch; b++)
            {
                var past = y.AsSpan((b * Steps + Lengths[b]) * h, (Steps - Lengths[b]) * h).ToArray();
                Assert.That(past, Is.All.EqualTo(0f), $"y of sequence {b} past its length {Lengths[b]} on '{backend}'");
            }
        });
    }

    internal static void AssertBackward(string backend, (double[] DWx, double[] DR, double[] DBias, double[] DInitial) expected,
        float[] dWx, float[] dR, float[] dBias, float[] dInitial, double tolerance) =>
        Assert.Multiple(() =>
        {
            Close(backend, "dWx", dWx, expected.DWx, tolerance);
            Close(backend, "dR", dR, expected.DR, tolerance);
            Close(backend, "dBias", dBias, expected.DBias, tolerance);
            Close(backend, "dInitialStates", dInitial, expected.DInitial, tolerance);
        });

    private static void Close(string backend, string name, float[] actual, double[] expected, double tolerance)
    {
        var error = TestData.RelativeL2(TestData.ToDouble(actual), expected);
        Assert.That(error, Error.AtMost(tolerance),
            $"{name} with lengths [{string.Join(", ", Lengths)}]: relative L2 error {error:E3} on backend '{backend}' (NaN or an unwritten element gives infinity)");
    }
}

[TestFixture]
public sealed class ReferenceVariableLengthTests : VariableLengthBackendSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Reference;
    protected override bool MustBeAvailable => true;
}
