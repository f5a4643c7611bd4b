using FastRecurrence.Backends;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Backends;

/// <summary>
/// One scan suite for every backend: float32 forward and backward against the float64 reference, outputs
/// poisoned, any T (not only powers of two), negative a.
/// </summary>
public abstract class ScanBackendSuite
{
    protected abstract IRecurrenceBackend Backend { get; }
    protected virtual double Float32Tolerance => 1e-5;
    protected virtual bool MustBeAvailable => false;

    [SetUp]
    public void RequireBackend() => BackendRequirement.Ensure(Backend, MustBeAvailable);

    [TestCase(1, 1, 1, 1, true)]
    [TestCase(2, 1000, 3, 7, true)]
    [TestCase(3, 4097, 1, 2, false)]
    public void ForwardAndBackward_Float32_MatchFloat64Reference(int batch, int steps, int heads, int headSize, bool withH0)
    {
        var p64 = new ScanProblem(batch, steps, heads, headSize, DataType.Float64);
        var p32 = new ScanProblem(batch, steps, heads, headSize, DataType.Float32);
        var random = new Random(steps + heads);
        // |a| < 1 with both signs keeps the sequence bounded over thousands of steps.
        var a = TestData.Uniform(random, p64.SequenceLength, -0.99, 0.99);
        var b = TestData.Uniform(random, p64.SequenceLength, 1.0);
        var h0 = withH0 ? TestData.Uniform(random, p64.StateLength, 1.0) : [];
        var dh = TestData.Uniform(random, p64.SequenceLength, 1.0);

        var h64 = new double[p64.SequenceLength];
        Scan.Forward(p64, new ScanInputs<double>(a, b, h0), h64, RecurrenceBackends.Reference);
        var (da64, db64, dh064) = (new double[p64.SequenceLength], new double[p64.SequenceLength], new double[p64.StateLength]);
        Scan.Backward(p64, new ScanInputs<double>(a, b, h0), dh, new ScanGradients<double>(da64, db64, dh064), RecurrenceBackends.Reference);

        var inputs32 = (A: TestData.ToSingle(a), B: TestData.ToSingle(b), H0: TestData.ToSingle(h0));
        var h = TestData.Poisoned<float>(p32.SequenceLength);
        Scan.Forward(p32, new ScanInputs<float>(inputs32.A, inputs32.B, inputs32.H0), h, Backend);
        var da = TestData.Poisoned<float>(p32.SequenceLength);
        var db = TestData.Poisoned<float>(p32.SequenceLength);
        var dh0 = TestData.Poisoned<float>(p32.StateLength);
        Scan.Backward(p32, new ScanInputs<float>(inputs32.A, inputs32.B, inputs32.H0), TestData.ToSingle(dh),
            new ScanGradients<float>(da, db, dh0), Backend);

        AssertClose("h", h, h64);
        AssertClose("da", da, da64);
        AssertClose("db", db, db64);
        AssertClose("dh0", dh0, dh064);
    }

    private void AssertClose(string name, float[] actual, double[] expected)
    {
        var error = TestData.RelativeL2(TestData.ToDouble(actual), expected);
        Assert.That(error, Is.LessThanOrEqualTo(Float32Tolerance), $"{name}: relative L2 error {error:E3} on backend '{Backend.Name}'");
    }
}

[TestFixture]
public sealed class ReferenceScanBackendTests : ScanBackendSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Reference;
    protected override bool MustBeAvailable => true;
}
