using System.Diagnostics;
using FastRecurrence.Backends;
using FastRecurrence.Ilgpu;

namespace FastRecurrence.Tests.Ilgpu;

/// <summary>
/// A backend made by <see cref="IlgpuBackends.CreateCpu"/> owns an ILGPU CPU accelerator, which runs threads of its own
/// (about 130 for the default device): disposing the backend releases them (a helper audit found 20 backends holding
/// 2,600 threads, with no way to free them). The registered backends are the process's and ignore Dispose.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class IlgpuBackendLifetimeTests
{
    private static readonly ScanProblem Problem = new(2, 8, 1, 32);

    [Test]
    public void CreatedBackends_Disposed_DoNotKeepTheirThreads()
    {
        RunScan(IlgpuBackends.Cpu); // the registered one's threads, before counting
        var before = ThreadCount();
        for (var i = 0; i < 10; i++)
        {
            using var backend = IlgpuBackends.CreateCpu();
            RunScan(backend);
        }
        var after = ThreadCount();
        Assert.That(after - before, Is.LessThan(100), $"threads: {before} before 10 created and disposed backends, {after} after");
    }

    [Test]
    public void ADisposedBackend_RefusesCalls_AndSaysWhy()
    {
        var backend = IlgpuBackends.CreateCpu();
        RunScan(backend);
        backend.Dispose();
        backend.Dispose();
        Assert.That(backend.Availability.IsAvailable, Is.False);
        Assert.That(backend.Availability.Reason, Does.Contain("disposed"));
        Assert.That(() => RunScan(backend), Throws.TypeOf<BackendUnavailableException>().With.Message.Contains("disposed"));
        var h = new float[Problem.SequenceLength];
        Assert.That(() => backend.ScanForward(Problem, new ScanInputs<float>(new float[h.Length], new float[h.Length]), h),
            Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void TheRegisteredBackend_IgnoresDispose()
    {
        IlgpuBackends.Cpu.Dispose();
        Assert.That(IlgpuBackends.Cpu.Availability.IsAvailable, Is.True, IlgpuBackends.Cpu.Availability.Reason);
        RunScan(IlgpuBackends.Cpu);
    }

    private static void RunScan(IRecurrenceBackend backend)
    {
        var n = Problem.SequenceLength;
        var (a, b, h, expected) = (new float[n], new float[n], new float[n], new float[n]);
        for (var i = 0; i < n; i++) (a[i], b[i]) = (0.5f, i % 7);
        Scan.Forward(Problem, new ScanInputs<float>(a, b), expected, RecurrenceBackends.Reference);
        Array.Fill(h, float.NaN);
        Scan.Forward(Problem, new ScanInputs<float>(a, b), h, backend);
        Assert.That(h, Is.EqualTo(expected).Within(1e-5f));
    }

    private static int ThreadCount()
    {
        using var process = Process.GetCurrentProcess();
        return process.Threads.Count;
    }
}
