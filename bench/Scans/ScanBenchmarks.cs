using BenchmarkDotNet.Attributes;
using FastRecurrence.Backends;
using FastRecurrence.Bench.Configuration;

namespace FastRecurrence.Bench.Scans;

/// <summary>
/// The diagonal linear recurrence h_t = a_t h_{t-1} + b_t, forward and backward, float32. The default shape is
/// CPU-sized; the GPU target shape (B = 8, H*D = 1536, T = 16384) is in docs/PERFORMANCE.md.
/// Parameter names are read by <see cref="Columns.ScanBandwidthColumn"/>; keep them.
/// </summary>
public class ScanBenchmarks
{
    [ParamsSource(typeof(AvailableBackends), nameof(AvailableBackends.Names), Priority = -2)]
    public string Backend { get; set; } = "";

    [Params(2)]
    public int Batch { get; set; }

    [Params(1024)]
    public int TimeSteps { get; set; }

    [Params(4)]
    public int Heads { get; set; }

    [Params(64)]
    public int HeadSize { get; set; }

    private ScanProblem _problem = null!;
    private IRecurrenceBackend _backend = null!;
    private float[] _a = [];
    private float[] _b = [];
    private float[] _h = [];
    private float[] _dh = [];
    private float[] _da = [];
    private float[] _db = [];

    [GlobalSetup]
    public void Setup()
    {
        _problem = new ScanProblem(Batch, TimeSteps, Heads, HeadSize, DataType.Float32);
        _backend = RecurrenceBackends.Get(Backend);
        if (_backend.WhyUnsupported(_problem) is { } reason)
            throw new NotSupportedException($"{Backend}: {reason}");

        int n = _problem.SequenceLength;
        _a = SeededData.Decay(n, seed: 11);
        _b = SeededData.Uniform(n, 1.0f, seed: 12);
        _dh = SeededData.Uniform(n, 1.0f, seed: 13);
        _h = new float[n];
        _da = new float[n];
        _db = new float[n];
    }

    /// <summary>Reads a, b; writes h.</summary>
    [Benchmark]
    [ScanTraffic(arraysRead: 2, arraysWritten: 1, elementBytes: sizeof(float))]
    public void Forward() => Scan.Forward(_problem, new ScanInputs<float>(_a, _b), _h, _backend);

    /// <summary>Reads a, b, dh; writes da, db (h is recomputed or kept by the backend, not counted).</summary>
    [Benchmark]
    [ScanTraffic(arraysRead: 3, arraysWritten: 2, elementBytes: sizeof(float))]
    public void Backward() =>
        Scan.Backward(_problem, new ScanInputs<float>(_a, _b), _dh, new ScanGradients<float>(_da, _db), _backend);
}
