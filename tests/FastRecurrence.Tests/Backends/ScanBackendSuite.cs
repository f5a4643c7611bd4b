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

        AssertMatchesFloat64Reference(p64, p32, a, b, h0, dh);
    }

    /// <summary>
    /// Runs of a = 2 (and -2) for 200 steps, or 1e30 for 2, where h and the incoming gradient are exactly zero, each ended by a = 0:
    /// the sequential recurrence stays finite, but a chunk's product of a over the run exceeds float32's range, and
    /// inf * 0 once gave NaN from the run's end on (cuda-emulated and ilgpu-cpu, forward and backward). Runs start at
    /// step 0 and inside the sequence, one across T = 1024 (a chunk boundary of the CUDA C scan's larger plans).
    /// </summary>
    [Test]
    public void AProductOfAThatOverflowsBeforeAZero_GivesTheSequentialResult()
    {
        const int steps = 1400, lanes = 3;
        var p64 = new ScanProblem(2, steps, 1, lanes, DataType.Float64);
        var p32 = new ScanProblem(2, steps, 1, lanes, DataType.Float32);
        var random = new Random(1401);
        var a = TestData.Uniform(random, p64.SequenceLength, -0.99, 0.99);
        var b = TestData.Uniform(random, p64.SequenceLength, 1.0);
        var dh = TestData.Uniform(random, p64.SequenceLength, 1.0);
        var runs = new[] { (Start: 0, Length: 200, A: 2.0), (Start: 300, Length: 200, A: 2.0), (Start: 900, Length: 250, A: 2.0),
            (Start: 1200, Length: 3, A: 1e30), (Start: 1250, Length: 4, A: 1e20) };
        for (var batch = 0; batch < p64.Batch; batch++)
            for (var lane = 0; lane < lanes; lane++)
                foreach (var (start, length, runA) in runs)
                {
                    int At(int t) => (batch * steps + t) * lanes + lane;
                    // h enters the run at zero (a = 0, b = 0 at its first step, or h0 = 0 at step 0) and stays zero in it;
                    // no gradient arrives inside the run, and a = 0 after it stops the one arriving from later steps
                    for (var t = start; t < start + length; t++)
                    {
                        a[At(t)] = t == start ? 0.0 : (lane % 2 == 0 ? runA : -runA);
                        b[At(t)] = 0.0;
                        dh[At(t)] = 0.0;
                    }
                    a[At(start + length)] = 0.0;
                }

        AssertMatchesFloat64Reference(p64, p32, a, b, [], dh, finiteReference: true);
    }

    /// <summary>
    /// The float64 reference's forward and backward, then the backend's float32 ones with outputs poisoned, within
    /// <see cref="Float32Tolerance"/>; with <paramref name="finiteReference"/>, the reference's outputs are checked finite first.
    /// </summary>
    private void AssertMatchesFloat64Reference(ScanProblem p64, ScanProblem p32, double[] a, double[] b, double[] h0, double[] dh,
        bool finiteReference = false)
    {
        var h64 = new double[p64.SequenceLength];
        Scan.Forward(p64, new ScanInputs<double>(a, b, h0), h64, RecurrenceBackends.Reference);
        var (da64, db64, dh064) = (new double[p64.SequenceLength], new double[p64.SequenceLength], new double[p64.StateLength]);
        Scan.Backward(p64, new ScanInputs<double>(a, b, h0), dh, new ScanGradients<double>(da64, db64, dh064), RecurrenceBackends.Reference);
        if (finiteReference)
            Assert.That(h64.Concat(da64).Concat(db64).All(double.IsFinite), "the float64 reference is finite");

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
        Assert.That(error, Error.AtMost(Float32Tolerance), $"{name}: relative L2 error {error:E3} on backend '{Backend.Name}'");
    }
}

[TestFixture]
public sealed class ReferenceScanBackendTests : ScanBackendSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Reference;
    protected override bool MustBeAvailable => true;
}
