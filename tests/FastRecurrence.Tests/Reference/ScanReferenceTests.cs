using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Reference;

/// <summary>The scan reference: closed forms and finite-difference gradients (a, b, h0), negative a included.</summary>
[TestFixture]
public sealed class ScanReferenceTests
{
    private static (double[] A, double[] B, double[] H0) RandomInputs(ScanProblem p, int seed)
    {
        var random = new Random(seed);
        return (TestData.Uniform(random, p.SequenceLength, 1.0), TestData.Uniform(random, p.SequenceLength, 1.0),
            TestData.Uniform(random, p.StateLength, 1.0));
    }

    private static double[] Forward(ScanProblem p, double[] a, double[] b, double[] h0)
    {
        var h = TestData.Poisoned<double>(p.SequenceLength);
        Scan.Forward(p, new ScanInputs<double>(a, b, h0), h);
        return h;
    }

    [Test]
    public void UnitA_IsPrefixSum()
    {
        var p = new ScanProblem(2, 17, 3, 5, DataType.Float64);
        var (_, b, h0) = RandomInputs(p, 1);
        var a = Enumerable.Repeat(1.0, p.SequenceLength).ToArray();
        var h = Forward(p, a, b, h0);
        int lanes = p.Heads * p.HeadSize;
        for (var batch = 0; batch < p.Batch; batch++)
        for (var lane = 0; lane < lanes; lane++)
        {
            var sum = h0[batch * lanes + lane];
            for (var t = 0; t < p.TimeSteps; t++)
            {
                sum += b[(batch * p.TimeSteps + t) * lanes + lane];
                Assert.That(h[(batch * p.TimeSteps + t) * lanes + lane], Is.EqualTo(sum).Within(1e-12));
            }
        }
    }

    [Test]
    public void ConstantNegativeA_MatchesClosedForm()
    {
        // h_t = a^t h0 + sum_{s<=t} a^(t-s) b_s with a = -0.9.
        var p = new ScanProblem(1, 25, 1, 3, DataType.Float64);
        var (_, b, h0) = RandomInputs(p, 2);
        var a = Enumerable.Repeat(-0.9, p.SequenceLength).ToArray();
        var h = Forward(p, a, b, h0);
        for (var lane = 0; lane < 3; lane++)
        for (var t = 0; t < p.TimeSteps; t++)
        {
            var expected = Math.Pow(-0.9, t + 1) * h0[lane];
            for (var s = 0; s <= t; s++)
                expected += Math.Pow(-0.9, t - s) * b[s * 3 + lane];
            Assert.That(h[t * 3 + lane], Is.EqualTo(expected).Within(1e-12));
        }
    }

    [Test]
    public void ZeroA_CopiesB_AndEmptyH0MeansZeros()
    {
        var p = new ScanProblem(2, 4, 1, 2, DataType.Float64);
        var (_, b, _) = RandomInputs(p, 3);
        var h = TestData.Poisoned<double>(p.SequenceLength);
        Scan.Forward(p, new ScanInputs<double>(new double[p.SequenceLength], b), h);
        Assert.That(h, Is.EqualTo(b));
    }

    [TestCase(1, 1, 1, 1)]
    [TestCase(2, 5, 2, 3)]
    [TestCase(3, 7, 1, 4)]
    public void Backward_MatchesFiniteDifferences(int batch, int steps, int heads, int headSize)
    {
        var p = new ScanProblem(batch, steps, heads, headSize, DataType.Float64);
        var (a, b, h0) = RandomInputs(p, batch * 31 + steps);
        var dh = TestData.Uniform(new Random(99), p.SequenceLength, 1.0);
        double Loss(double[] aa, double[] bb, double[] hh0)
        {
            var h = Forward(p, aa, bb, hh0);
            double loss = 0;
            for (var k = 0; k < h.Length; k++) loss += dh[k] * h[k];
            return loss;
        }

        var da = TestData.Poisoned<double>(p.SequenceLength);
        var db = TestData.Poisoned<double>(p.SequenceLength);
        var dh0 = TestData.Poisoned<double>(p.StateLength);
        Scan.Backward(p, new ScanInputs<double>(a, b, h0), dh, new ScanGradients<double>(da, db, dh0));

        FiniteDifference.AssertMatches("da", da, FiniteDifference.Gradient(a, x => Loss(x, b, h0)));
        FiniteDifference.AssertMatches("db", db, FiniteDifference.Gradient(b, x => Loss(a, x, h0)));
        FiniteDifference.AssertMatches("dh0", dh0, FiniteDifference.Gradient(h0, x => Loss(a, b, x)));
    }
}
