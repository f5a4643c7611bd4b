using BenchmarkDotNet.Attributes;
using FastRecurrence.Bench.Configuration;

namespace FastRecurrence.Bench.Scans;

/// <summary>
/// The diagonal linear recurrence h_t = a_t h_{t-1} + b_t, forward and backward, over the variants and shapes a
/// subclass names. Parameter names are read by the custom columns (Columns/); keep them.
/// </summary>
public abstract class ScanBenchmarks
{
    [ParamsSource(nameof(Shapes), Priority = -2)]
    public SequenceShape Shape { get; set; } = null!;

    [ParamsSource(nameof(Variants), Priority = -1)]
    public BackendVariant Variant { get; set; } = null!;

    /// <summary>The backends and storage types this suite times; the lowest-ranked present is the Speedup column's baseline.</summary>
    public abstract IEnumerable<BackendVariant> Variants();

    public abstract IEnumerable<SequenceShape> Shapes();

    private ScanRunner? _runner;

    [GlobalSetup]
    public void Setup() =>
        _runner = ScanRunner.Create(Variant, new ScanProblem(Shape.Batch, Shape.TimeSteps, Shape.Heads, Shape.HeadSize, Variant.DataType));

    [GlobalCleanup]
    public void Cleanup() => _runner?.Dispose();

    [Benchmark]
    [ScanTraffic(arraysRead: 2, arraysWritten: 1)]
    public void Forward() => _runner!.Forward();

    /// <summary>h is the forward's (kept by the device API, recomputed by the span API) and not counted.</summary>
    [Benchmark]
    [ScanTraffic(arraysRead: 3, arraysWritten: 2)]
    public void Backward() => _runner!.Backward();
}

/// <summary>The reference and ILGPU's CPU accelerator at CPU-sized shapes; the reference is the baseline.</summary>
public class CpuScanBenchmarks : ScanBenchmarks
{
    public override IEnumerable<BackendVariant> Variants() => BackendVariant.Cpu();

    public override IEnumerable<SequenceShape> Shapes() => BenchShapes.CpuScan(BenchSuite.Current);
}

/// <summary>ILGPU's CUDA kernels and the native kernels at the targets.md scan shape; no cases without a GPU.</summary>
public class GpuScanBenchmarks : ScanBenchmarks
{
    public override IEnumerable<BackendVariant> Variants() => BackendVariant.Gpu();

    public override IEnumerable<SequenceShape> Shapes() => BenchShapes.GpuScan(BenchSuite.Current);
}
