using BenchmarkDotNet.Attributes;

namespace FastRecurrence.Bench.Recurrent;

/// <summary>
/// One training step of the recurrence: forward, then backward through time. Timed together because that is what
/// a training step pays, and because a backend may keep forward state for its backward (the reference replays it).
/// </summary>
public class RecurrentForwardBackwardBenchmarks : RecurrentBenchmarkBase
{
    [Benchmark]
    public void ForwardBackward()
    {
        RunForward();
        RunBackward();
    }
}
