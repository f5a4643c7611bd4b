using FastRecurrence.Backends;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Interop;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Backends;

/// <summary>
/// Device memory stays allocated while a call uses it, on cuda-emulated (where a kernel on freed memory reads whatever
/// the heap put there since). A tensor carries only the handle's address: a buffer the caller passes without keeping it
/// (an upload straight into the call) was finalized by the garbage collector during the kernel, and one disposed by
/// another thread was freed at once: wrong results, or a crash. Every launch now leases its handles (decision 0043);
/// the Dispose tests show the lease is taken, deterministically, where the collector's timing is not.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DeviceMemoryLifetimeTests
{
    private const string Emulated = "cuda-emulated";

    [SetUp]
    public void RequireEmulator() => BackendRequirement.Ensure(RecurrenceBackends.Get(Emulated), mustBeAvailable: true);

    [Test]
    public unsafe void ALeasedBuffer_StaysAllocatedThroughDispose_UntilTheLeaseEnds()
    {
        var scan = CudaScan.Create(new ScanProblem(1, 4, 1, 8), Emulated);
        var buffer = scan.Allocate<float>(32);
        var memory = buffer.Memory;
        var context = buffer.Device.Context;
        var address = memory.Pointer;
        var host = new float[32];
        FrStatus Copy()
        {
            fixed (float* source = host)
                return FastRecurrenceNative.FrMemcpyToDevice(context, address, source, 32 * sizeof(float));
        }

        using (DeviceMemoryLease.Of(memory))
        {
            buffer.Dispose();
            Assert.That(Copy(), Is.EqualTo(FrStatus.Ok), "the lease keeps the block allocated after Dispose");
        }
        // (the freed address is not used again: the emulator takes addresses outside its blocks for caller memory)
        Assert.That(memory.IsClosed, "the handle is released (fr_free) when the lease ends");
        Assert.That(() => DeviceMemoryLease.Of(memory), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void ScanForward_AnInputDisposedDuringTheCall_IsFreedAfterIt()
    {
        var problem = new ScanProblem(8, 2048, 1, 64);
        var (a, b) = (Values(problem.SequenceLength, 1, 0.9), Values(problem.SequenceLength, 2, 1.0));
        var expected = new float[problem.SequenceLength];
        Scan.Forward(problem, new ScanInputs<float>(a, b), expected, RecurrenceBackends.Reference);
        var scan = CudaScan.Create(problem, Emulated);
        using var h = scan.Allocate<float>(problem.SequenceLength);
        using var deviceB = scan.Upload<float>(b);

        DisposeDuringTheCall(() => scan.Upload<float>(a), deviceA => scan.Forward(deviceA, deviceB, h),
            () => Assert.That(MaxError(h.ToArray(), expected), Error.AtMost(1e-5)));
    }

    [Test]
    public void RecurrentForward_AnInputDisposedDuringTheCall_IsFreedAfterIt()
    {
        var problem = new RecurrentProblem(CellKind.Elman, 4, 512, 1, 64, 64);
        var (wx, r, bias) = (Values(problem.WxLength, 3, 1.0), Values(problem.RLength, 4, 0.1), Values(problem.BiasLength, 5, 0.5));
        var expected = new float[problem.YLength];
        Recurrence.Forward(problem, new RecurrentInputs<float>(wx, r, bias), new RecurrentOutputs<float>(expected), RecurrenceBackends.Reference);
        using var rnn = CudaRecurrence.Create(problem, Emulated);
        using var y = rnn.Allocate<float>(problem.YLength);
        using var deviceR = rnn.Upload<float>(r);
        using var deviceBias = rnn.Upload<float>(bias);

        DisposeDuringTheCall(() => rnn.Upload<float>(wx), deviceWx => rnn.Forward(new DeviceRecurrentInputs<float>(deviceWx, deviceR, deviceBias), y),
            () => Assert.That(MaxError(y.ToArray(), expected), Error.AtMost(1e-4)));
    }

    /// <summary>
    /// Runs <paramref name="call"/> on a buffer from <paramref name="upload"/> to compile its kernel and time it, then
    /// on another thread, disposing the buffer a third of the way in: Dispose must return at once leaving the memory
    /// to the call (released when it returns), and the call must see the memory it was given (a freed block reads NaN
    /// on the emulator, or unmapped pages). Without the lease Dispose freed the memory under the kernel, or waited in
    /// fr_free for the call to end. A loaded machine may delay either thread: up to three tries, and inconclusive
    /// when the call never ran past the Dispose.
    /// </summary>
    private static void DisposeDuringTheCall(Func<DeviceBuffer<float>> upload, Action<DeviceBuffer<float>> call, Action checkResult)
    {
        using (var warm = upload()) call(warm);
        TimeSpan duration;
        using (var timed = upload())
        {
            var timer = System.Diagnostics.Stopwatch.StartNew();
            call(timed);
            duration = timer.Elapsed;
        }
        var overlapped = false;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var buffer = upload();
            using var started = new ManualResetEventSlim();
            var running = Task.Run(() =>
            {
                started.Set();
                call(buffer);
            });
            started.Wait();
            Thread.Sleep(duration / 3);
            var runningBefore = !running.IsCompleted;
            buffer.Dispose();
            var leftToTheCall = !buffer.Memory.IsClosed && !running.IsCompleted;
            running.GetAwaiter().GetResult();
            checkResult();
            Assert.That(buffer.Memory.IsClosed, "the memory is released when the call returns");
            if (!runningBefore) continue;
            overlapped = true;
            if (leftToTheCall) return;
        }
        if (!overlapped) Assert.Inconclusive($"the call ({duration.TotalMilliseconds:0} ms) ended before the Dispose in three tries: nothing was checked");
        Assert.Fail("a Dispose during the call must return at once, leaving the memory to the call");
    }

    private static float[] Values(long length, int seed, double scale)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    private static double MaxError(float[] actual, float[] expected)
    {
        double max = 0;
        for (var i = 0; i < actual.Length; i++) max = Math.Max(max, double.IsNaN(actual[i]) ? double.PositiveInfinity : Math.Abs(actual[i] - expected[i]));
        return max;
    }
}
