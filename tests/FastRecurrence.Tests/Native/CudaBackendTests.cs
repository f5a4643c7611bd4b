using FastRecurrence.Backends;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Tests.Backends;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Native;

/// <summary>The shared scan suite on the native CUDA backend; ignored with the backend's reason where it cannot run.</summary>
[TestFixture]
public sealed class CudaScanBackendTests : ScanBackendSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Get("cuda");
}

/// <summary>The cuda backend's place in the registry, what it supports, and float64 and float16 scans (on a GPU, and on
/// the CPU emulator everywhere).</summary>
[TestFixture]
public sealed class CudaBackendTests
{
    [Test]
    public void IsRegistered_ButNotTheDefault()
    {
        var cuda = RecurrenceBackends.Get("CUDA");
        Assert.Multiple(() =>
        {
            Assert.That(cuda.Name, Is.EqualTo("cuda"));
            Assert.That(RecurrenceBackends.All, Does.Contain(cuda));
            // The reference keeps the default until the RNN kernels exist (issue 7): see CudaBackend.Priority.
            Assert.That(RecurrenceBackends.All.ToList().IndexOf(cuda), Is.GreaterThan(RecurrenceBackends.All.ToList().IndexOf(RecurrenceBackends.Reference)));
            Assert.That(RecurrenceBackends.Default, Is.SameAs(RecurrenceBackends.Reference));
        });
    }

    [Test]
    public void Availability_NeverThrowsAndAlwaysGivesAReason()
    {
        var availability = RecurrenceBackends.Get("cuda").Availability;
        Assert.That(availability.Reason, Is.Not.Empty);
        Assert.That(RecurrenceBackends.Get("cuda").Availability, Is.EqualTo(availability), "probed once");
    }

    [Test]
    public void Float64Recurrences_AreRefusedWithTheReason()
    {
        var cuda = RecurrenceBackends.Get("cuda");
        Assert.That(cuda.WhyUnsupported(new RecurrentProblem(CellKind.Lstm, 1, 1, 1, 8, 8, DataType.Float64)), Does.Contain("float64 runs on the reference"));
    }

    [Test]
    public void BFloat16Scan_IsUnsupportedThroughSpans_WithTheReason()
    {
        var cuda = RecurrenceBackends.Get("cuda");
        Assert.That(cuda.WhyUnsupported(new ScanProblem(1, 4, 1, 8, DataType.BFloat16)), Does.Contain("BFloat16").And.Contain("C ABI"));
    }

    [TestCase("cuda", 1, 1, 1, 1)]
    [TestCase("cuda", 2, 1000, 3, 7)]
    [TestCase("cuda-emulated", 1, 1, 1, 1)]
    [TestCase("cuda-emulated", 2, 1000, 3, 7)]
    public void Float64Scan_MatchesTheReference(string backend, int batch, int steps, int heads, int headSize)
    {
        var cuda = Require(backend);
        var p = new ScanProblem(batch, steps, heads, headSize, DataType.Float64);
        var random = new Random(7);
        var a = TestData.Uniform(random, p.SequenceLength, -0.99, 0.99);
        var b = TestData.Uniform(random, p.SequenceLength, 1.0);
        var h0 = TestData.Uniform(random, p.StateLength, 1.0);
        var dh = TestData.Uniform(random, p.SequenceLength, 1.0);
        var (expectedH, expectedDa, expectedDb, expectedDh0) = Reference(p, a, b, h0, dh);

        var h = TestData.Poisoned<double>(p.SequenceLength);
        Scan.Forward(p, new ScanInputs<double>(a, b, h0), h, cuda);
        var (da, db, dh0) = (TestData.Poisoned<double>(p.SequenceLength), TestData.Poisoned<double>(p.SequenceLength), TestData.Poisoned<double>(p.StateLength));
        Scan.Backward(p, new ScanInputs<double>(a, b, h0), dh, new ScanGradients<double>(da, db, dh0), cuda);

        Assert.Multiple(() =>
        {
            Assert.That(TestData.RelativeL2(h, expectedH), Error.AtMost(1e-12), "h");
            Assert.That(TestData.RelativeL2(da, expectedDa), Error.AtMost(1e-12), "da");
            Assert.That(TestData.RelativeL2(db, expectedDb), Error.AtMost(1e-12), "db");
            Assert.That(TestData.RelativeL2(dh0, expectedDh0), Error.AtMost(1e-12), "dh0");
        });
    }

    [TestCase("cuda")]
    [TestCase("cuda-emulated")]
    public void Float16Scan_MatchesTheReference(string backend)
    {
        var cuda = Require(backend);
        var p = new ScanProblem(2, 300, 2, 16, DataType.Float16);
        var p64 = new ScanProblem(2, 300, 2, 16, DataType.Float64);
        var random = new Random(11);
        var a = Array.ConvertAll(TestData.Uniform(random, p.SequenceLength, -0.9, 0.9), v => (double)(Half)v);
        var b = Array.ConvertAll(TestData.Uniform(random, p.SequenceLength, 1.0), v => (double)(Half)v);
        var expected = new double[p.SequenceLength];
        Scan.Forward(p64, new ScanInputs<double>(a, b), expected, RecurrenceBackends.Reference);

        var h = TestData.Poisoned<Half>(p.SequenceLength);
        Scan.Forward(p, new ScanInputs<Half>(Array.ConvertAll(a, v => (Half)v), Array.ConvertAll(b, v => (Half)v)), h, cuda);
        // fp16 storage of h rounds each output to 11 bits; accumulation is fp32.
        Assert.That(TestData.RelativeL2(Array.ConvertAll(h, v => (double)v), expected), Error.AtMost(2e-3));
    }

    /// <summary>The backend; a missing GPU ignores the test, a missing emulator (a CPU backend) fails it.</summary>
    private static IRecurrenceBackend Require(string name)
    {
        var backend = RecurrenceBackends.Get(name);
        BackendRequirement.Ensure(backend, mustBeAvailable: name == CudaBackend.EmulatedName);
        return backend;
    }

    private static (double[] H, double[] DA, double[] DB, double[] DH0) Reference(ScanProblem p, double[] a, double[] b, double[] h0, double[] dh)
    {
        var h = new double[p.SequenceLength];
        Scan.Forward(p, new ScanInputs<double>(a, b, h0), h, RecurrenceBackends.Reference);
        var (da, db, dh0) = (new double[p.SequenceLength], new double[p.SequenceLength], new double[p.StateLength]);
        Scan.Backward(p, new ScanInputs<double>(a, b, h0), dh, new ScanGradients<double>(da, db, dh0), RecurrenceBackends.Reference);
        return (h, da, db, dh0);
    }

    [Test]
    public void CudaBackend_PriorityConstant_IsBelowTheReference() =>
        Assert.That(CudaBackend.Priority, Is.LessThan(0));
}
