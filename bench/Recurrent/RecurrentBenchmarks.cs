using BenchmarkDotNet.Attributes;
using FastRecurrence.Bench.Configuration;

namespace FastRecurrence.Bench.Recurrent;

/// <summary>
/// The recurrent kernels, each cell, forward and forward + backward, over the variants and shapes a subclass names.
/// Parameter names are read by the custom columns (Columns/); keep them.
/// </summary>
public abstract class RecurrentBenchmarks
{
    // Rows group by shape, then cell, with the variants of one problem next to each other (the Speedup column compares them).
    [ParamsSource(nameof(Shapes), Priority = -3)]
    public SequenceShape Shape { get; set; } = null!;

    [ParamsAllValues(Priority = -2)]
    public CellKind Cell { get; set; }

    [ParamsSource(nameof(Variants), Priority = -1)]
    public BackendVariant Variant { get; set; } = null!;

    /// <summary>The backends and storage types this suite times; the lowest-ranked present is the Speedup column's baseline.</summary>
    public abstract IEnumerable<BackendVariant> Variants();

    public abstract IEnumerable<SequenceShape> Shapes();

    private RecurrentRunner? _runner;

    [GlobalSetup]
    public void Setup()
    {
        // The input size only matters to the layer API; the kernels take Wx already projected.
        var problem = new RecurrentProblem(Cell, Shape.Batch, Shape.TimeSteps, Shape.Heads, Shape.HeadSize,
            inputSize: Shape.Hidden, Variant.DataType);
        _runner = RecurrentRunner.Create(Variant, problem);
    }

    [GlobalCleanup]
    public void Cleanup() => _runner?.Dispose();

    [Benchmark]
    public void Forward() => _runner!.Forward();

    [Benchmark]
    public void ForwardBackward() => _runner!.ForwardBackward();
}

/// <summary>The reference and ILGPU's CPU accelerator at CPU-sized shapes; the reference is the baseline.</summary>
public class CpuRecurrentBenchmarks : RecurrentBenchmarks
{
    public override IEnumerable<BackendVariant> Variants() => BackendVariant.Cpu();

    public override IEnumerable<SequenceShape> Shapes() => BenchShapes.CpuRecurrent(BenchSuite.Current);
}

/// <summary>
/// ILGPU's CUDA kernels and the native kernels at the targets.md shapes; no cases without a GPU. The fair comparison
/// with cuDNN (torch nn.LSTM, same process) is tools/device/'s harness: .NET cannot call cuDNN here.
/// </summary>
public class GpuRecurrentBenchmarks : RecurrentBenchmarks
{
    public override IEnumerable<BackendVariant> Variants() => BackendVariant.Gpu();

    public override IEnumerable<SequenceShape> Shapes() => BenchShapes.GpuRecurrent(BenchSuite.Current);
}
