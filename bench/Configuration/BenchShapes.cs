namespace FastRecurrence.Bench.Configuration;

/// <summary>
/// The shapes of each suite. CPU shapes are sized for the plain-C# reference and ILGPU's CPU accelerator (a call takes
/// milliseconds); GPU shapes are the targets.md ones (B = 16, T = 1024, NH * D = 768 for the recurrence; B = 8,
/// H * D = 1536, T = 16384 for the scan). The full suite adds the sweeps the plots draw: hidden size at one head, and
/// the number of heads at a fixed hidden size.
/// </summary>
public static class BenchShapes
{
    public static IEnumerable<SequenceShape> CpuRecurrent(BenchSuiteKind suite) => suite == BenchSuiteKind.Quick
        ? [new(4, 32, 1, 32), new(4, 32, 1, 64), new(4, 32, 4, 16)]
        : Sweep(batch: 4, steps: 32, headSizes: [16, 32, 64, 128, 256], hidden: 64, heads: [1, 2, 4, 8]);

    public static IEnumerable<SequenceShape> GpuRecurrent(BenchSuiteKind suite) => suite == BenchSuiteKind.Quick
        ? [new(16, 1024, 1, 768), new(16, 1024, 12, 64)]
        : Sweep(batch: 16, steps: 1024, headSizes: [64, 128, 256, 512, 768, 1024, 1536, 2048, 2560], hidden: 768,
            heads: [1, 2, 3, 4, 6, 12, 24]);

    // Small, because ILGPU's CPU accelerator takes about a second for the quick scan (and 35 s at B 2, T 1024, 4 x 64:
    // BenchmarkDotNet's in-process toolchain gives up on a case past a few minutes).
    public static IEnumerable<SequenceShape> CpuScan(BenchSuiteKind suite) => suite == BenchSuiteKind.Quick
        ? [new(1, 256, 2, 32)]
        : [new(1, 256, 2, 32), new(1, 1024, 2, 32), new(2, 512, 1, 32)];

    public static IEnumerable<SequenceShape> GpuScan(BenchSuiteKind suite) => suite == BenchSuiteKind.Quick
        ? [new(8, 16384, 24, 64)]
        : [new(8, 1024, 24, 64), new(8, 4096, 24, 64), new(8, 16384, 24, 64), new(8, 65536, 24, 64)];

    /// <summary>One head of each size, then <paramref name="hidden"/> split into each number of heads (without repeats).</summary>
    private static IEnumerable<SequenceShape> Sweep(int batch, int steps, int[] headSizes, int hidden, int[] heads) =>
        headSizes.Select(d => new SequenceShape(batch, steps, 1, d))
            .Concat(heads.Select(nh => new SequenceShape(batch, steps, nh, hidden / nh)))
            .Distinct();
}
