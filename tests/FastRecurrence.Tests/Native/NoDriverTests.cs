using FastRecurrence.Backends;
using FastRecurrence.Interop;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// Without a CUDA driver (development machines, CI): every device entry point returns FR_ERROR_NO_DRIVER with a message
/// that says what to install, the cuda backend is unavailable with that reason, and running a scan on it raises
/// BackendUnavailableException. On a machine with a driver these are ignored (GPU machines check the other side).
/// </summary>
[TestFixture]
public sealed unsafe class NoDriverTests
{
    [SetUp]
    public void NoDriverHere()
    {
        NativeTestEnvironment.RequireLibrary();
        if (NativeTestEnvironment.DriverLibraryLoads())
            Assert.Ignore("a CUDA driver (libcuda.so.1) is installed here; NativeLibraryTests.MissingDriver_* covers the no-driver path with FR_CUDA_LIBRARY");
    }

    private static void AssertNoDriver(FrStatus status)
    {
        var message = NativeText.LastError();
        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(FrStatus.ErrorNoDriver), message);
            Assert.That(message, Does.StartWith("no CUDA driver: libcuda.so.1 could not be loaded").And.Contain("install the NVIDIA driver"));
        });
    }

    [Test]
    public void DeviceCount_ReturnsNoDriverWithAClearMessage()
    {
        var count = -1;
        AssertNoDriver(FastRecurrenceNative.FrDeviceCount(&count));
        Assert.That(count, Is.Zero, "the count is written (0) even on failure");
    }

    [Test]
    public void EveryDeviceEntryPoint_ReturnsNoDriver()
    {
        var buffer = stackalloc byte[64];
        int value;
        nint context;
        AssertNoDriver(FastRecurrenceNative.FrDeviceName(0, buffer, 64));
        AssertNoDriver(FastRecurrenceNative.FrDeviceAttribute(0, 16, &value));
        AssertNoDriver(FastRecurrenceNative.FrContextCreate(0, &context));
        Assert.That(context, Is.EqualTo((nint)0));
        var ex = Assert.Throws<FastRecurrenceNativeException>(() => FrContextHandle.Create(0));
        Assert.That(ex!.Status, Is.EqualTo(FrStatus.ErrorNoDriver));
    }

    [Test]
    public void CudaBackend_IsUnavailableAndSaysNoDriver()
    {
        var cuda = RecurrenceBackends.Get("cuda");
        Assert.Multiple(() =>
        {
            Assert.That(cuda.Availability.IsAvailable, Is.False);
            Assert.That(cuda.Availability.Reason, Does.StartWith("no CUDA driver: libcuda.so.1 could not be loaded"));
        });
    }

    [Test]
    public void Scan_OnTheCudaBackend_ThrowsBackendUnavailable()
    {
        var cuda = RecurrenceBackends.Get("cuda");
        var p = new ScanProblem(1, 3, 1, 2);
        var ex = Assert.Throws<BackendUnavailableException>(() =>
            Scan.Forward(p, new ScanInputs<float>(new float[6], new float[6]), new float[6], cuda));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Backend, Is.EqualTo("cuda"));
            Assert.That(ex.Message, Does.StartWith("backend 'cuda' cannot run this: no CUDA driver"));
        });
        Assert.Throws<BackendUnavailableException>(() =>
            Scan.Backward(p, new ScanInputs<float>(new float[6], new float[6]), new float[6],
                new ScanGradients<float>(new float[6], new float[6]), cuda));
    }
}
