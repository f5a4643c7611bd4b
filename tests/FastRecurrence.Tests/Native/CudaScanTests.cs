using FastRecurrence.Backends;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Tests.Backends;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// The scan on device buffers (<see cref="CudaScan"/>) on cuda-emulated: forward and backward with everything left on
/// the device match the float64 reference, with and without an initial state; bad buffers are refused by name.
/// </summary>
[TestFixture]
public sealed class CudaScanTests
{
    private const string Emulated = "cuda-emulated";

    [SetUp]
    public void RequireEmulator() => BackendRequirement.Ensure(RecurrenceBackends.Get(Emulated), mustBeAvailable: true);

    [TestCase(false)]
    [TestCase(true)]
    public void ForwardAndBackward_OnDeviceBuffers_MatchTheReference(bool withInitialState)
    {
        var problem = new ScanProblem(2, 37, 3, 8, DataType.Float32);
        var problem64 = new ScanProblem(2, 37, 3, 8, DataType.Float64);
        var random = new Random(71);
        int n = problem.SequenceLength, s = problem.StateLength;
        var a = TestData.Uniform(random, n, -1.0, 1.0);
        var b = TestData.Uniform(random, n);
        var h0 = withInitialState ? TestData.Uniform(random, s) : [];
        var dh = TestData.Uniform(random, n);
        var h64 = new double[n];
        var da64 = new double[n];
        var db64 = new double[n];
        var dh064 = new double[withInitialState ? s : 0];
        var reference = RecurrenceBackends.Get("reference");
        Scan.Forward(problem64, new ScanInputs<double>(a, b, h0), h64, reference);
        Scan.Backward(problem64, new ScanInputs<double>(a, b, h0), dh, new ScanGradients<double>(da64, db64, dh064), reference);

        var scan = CudaScan.Create(problem, Emulated);
        using var da = scan.Upload<float>(TestData.Poisoned<float>(n));
        using var db = scan.Upload<float>(TestData.Poisoned<float>(n));
        using var h = scan.Upload<float>(TestData.Poisoned<float>(n));
        using var aDevice = scan.Upload<float>(TestData.ToSingle(a));
        using var bDevice = scan.Upload<float>(TestData.ToSingle(b));
        using var dhDevice = scan.Upload<float>(TestData.ToSingle(dh));
        using var h0Device = withInitialState ? scan.Upload<float>(TestData.ToSingle(h0)) : null;
        using var dh0Device = withInitialState ? scan.Upload<float>(TestData.Poisoned<float>(s)) : null;

        scan.Forward(aDevice, bDevice, h, h0Device);
        scan.Backward(aDevice, h, dhDevice, da, db, h0Device, dh0Device);

        Assert.Multiple(() =>
        {
            Assert.That(TestData.RelativeL2(TestData.ToDouble(h.ToArray()), h64), Error.AtMost(1e-5), "h");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(da.ToArray()), da64), Error.AtMost(1e-5), "da");
            Assert.That(TestData.RelativeL2(TestData.ToDouble(db.ToArray()), db64), Error.AtMost(1e-5), "db");
            if (dh0Device is not null)
                Assert.That(TestData.RelativeL2(TestData.ToDouble(dh0Device.ToArray()), dh064), Error.AtMost(1e-5), "dh0");
        });
    }

    [Test]
    public void BadBuffers_AreRefusedByName()
    {
        var problem = new ScanProblem(1, 5, 1, 4, DataType.Float32);
        var scan = CudaScan.Create(problem, Emulated);
        using var good = scan.Allocate<float>(problem.SequenceLength);
        using var shortBuffer = scan.Allocate<float>(problem.SequenceLength - 1);
        using var halfBuffer = scan.Allocate<Half>(problem.SequenceLength);
        var disposed = scan.Allocate<float>(problem.SequenceLength);
        disposed.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(() => scan.Forward(good, shortBuffer, good),
                Throws.ArgumentException.With.Message.Contains("b: expected 20 elements"));
            Assert.That(() => scan.Forward(halfBuffer, halfBuffer, halfBuffer),
                Throws.ArgumentException.With.Message.Contains("T: Float32 buffers hold Single"));
            Assert.That(() => scan.Forward(good, disposed, good), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => scan.Backward(good, good, good, good, good, dh0: shortBuffer),
                Throws.ArgumentException.With.Message.Contains("dh0: expected 4 elements"));
            Assert.That(() => CudaScan.Create(problem, "reference"),
                Throws.ArgumentException.With.Message.Contains("expected a cuda backend"));
            Assert.That(() => CudaScan.Create(new ScanProblem(1, 5, 1, 4, DataType.Float64), Emulated),
                Throws.InstanceOf<NotSupportedException>());
        });
    }
}
