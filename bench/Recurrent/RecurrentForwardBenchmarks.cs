using BenchmarkDotNet.Attributes;

namespace FastRecurrence.Bench.Recurrent;

/// <summary>The recurrent forward (y and last states) for every cell and backend.</summary>
public class RecurrentForwardBenchmarks : RecurrentBenchmarkBase
{
    [Benchmark]
    public void Forward() => RunForward();
}
