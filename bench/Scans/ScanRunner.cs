using FastRecurrence.Backends;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Bench.Configuration;

namespace FastRecurrence.Bench.Scans;

/// <summary>One scan problem with its seeded tensors, ready to time on one backend variant; allocated up front.</summary>
internal abstract class ScanRunner : IDisposable
{
    /// <summary>Reads a, b; writes h.</summary>
    public abstract void Forward();

    /// <summary>Reads a, h (or b), dh; writes da, db.</summary>
    public abstract void Backward();

    /// <summary>Frees device memory; host arrays need nothing.</summary>
    public abstract void Dispose();

    public static ScanRunner Create(BackendVariant variant, ScanProblem problem)
    {
        if (!variant.DeviceResident)
            return new HostArrayScanRunner(problem, variant.Backend);
        return problem.DataType == DataType.BFloat16
            ? new DeviceScanRunner<ushort>(problem, variant.Backend, SeededData.ToBFloat16Bits)
            : new DeviceScanRunner<float>(problem, variant.Backend, values => values);
    }

    /// <summary>
    /// Decay factors with magnitude in [0.5, 1) and random signs (h stays bounded; a may be negative, math.md section 5),
    /// inputs and output gradients uniform in [-1, 1).
    /// </summary>
    protected static (float[] A, float[] B, float[] DH) SeededTensors(ScanProblem problem) =>
        (SeededData.Decay(problem.SequenceLength, seed: 11), SeededData.Uniform(problem.SequenceLength, 1.0f, seed: 12),
         SeededData.Uniform(problem.SequenceLength, 1.0f, seed: 13));
}

/// <summary>The public span API (<see cref="Scan"/>) on float32 host arrays; on a GPU backend the time includes the copies.</summary>
internal sealed class HostArrayScanRunner : ScanRunner
{
    private readonly ScanProblem _problem;
    private readonly IRecurrenceBackend _backend;
    private readonly float[] _a, _b, _dh, _h, _da, _db;

    public HostArrayScanRunner(ScanProblem problem, string backend)
    {
        _problem = problem;
        _backend = HostArrayBackend.Require(backend, problem.DataType, b => b.WhyUnsupported(problem));
        (_a, _b, _dh) = SeededTensors(problem);
        _h = new float[problem.SequenceLength];
        _da = new float[problem.SequenceLength];
        _db = new float[problem.SequenceLength];
    }

    public override void Forward() => Scan.Forward(_problem, new ScanInputs<float>(_a, _b), _h, _backend);

    public override void Backward() =>
        Scan.Backward(_problem, new ScanInputs<float>(_a, _b), _dh, new ScanGradients<float>(_da, _db), _backend);

    public override void Dispose()
    {
    }
}

/// <summary>The native kernels through <see cref="CudaScan"/>: every tensor on the GPU, the kernels' time alone.</summary>
internal sealed class DeviceScanRunner<T> : ScanRunner where T : unmanaged
{
    private readonly CudaScan _scan;
    private readonly DeviceBuffer<T> _a, _b, _dh, _h, _da, _db;

    public DeviceScanRunner(ScanProblem problem, string backend, Func<float[], T[]> convert)
    {
        _scan = CudaScan.Create(problem, backend);
        var (a, b, dh) = SeededTensors(problem);
        _a = _scan.Upload<T>(convert(a));
        _b = _scan.Upload<T>(convert(b));
        _dh = _scan.Upload<T>(convert(dh));
        _h = _scan.Allocate<T>(problem.SequenceLength);
        _da = _scan.Allocate<T>(problem.SequenceLength);
        _db = _scan.Allocate<T>(problem.SequenceLength);
        // The backward reads the forward's h.
        _scan.Forward(_a, _b, _h);
    }

    public override void Forward() => _scan.Forward(_a, _b, _h);

    public override void Backward() => _scan.Backward(_a, _h, _dh, _da, _db);

    public override void Dispose()
    {
        foreach (var buffer in new[] { _a, _b, _dh, _h, _da, _db })
            buffer.Dispose();
    }
}
