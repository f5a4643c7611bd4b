using FastRecurrence.Backends;
using FastRecurrence.Bench.Configuration;

namespace FastRecurrence.Bench.Recurrent;

/// <summary>
/// The public span API (<see cref="Recurrence"/>) on float32 host arrays: what the reference and the ILGPU backends
/// offer. On a GPU backend the time includes the copies to and from the device.
/// </summary>
internal sealed class HostArrayRecurrentRunner : RecurrentRunner
{
    private readonly RecurrentProblem _problem;
    private readonly IRecurrenceBackend _backend;
    private readonly float[] _wx, _r, _bias, _dy, _y, _lastStates, _dWx, _dR, _dBias;

    public HostArrayRecurrentRunner(RecurrentProblem problem, string backend)
    {
        _problem = problem;
        _backend = HostArrayBackend.Require(backend, problem.DataType, b => b.WhyUnsupported(problem));
        (_wx, _r, _bias, _dy) = SeededTensors(problem);
        _y = new float[problem.YLength];
        _lastStates = new float[problem.StatesLength];
        _dWx = new float[problem.WxLength];
        _dR = new float[problem.RLength];
        _dBias = new float[problem.BiasLength];
    }

    public override void Forward() =>
        Recurrence.Forward(_problem, new RecurrentInputs<float>(_wx, _r, _bias), new RecurrentOutputs<float>(_y, _lastStates), _backend);

    // The span API keeps nothing between calls: its Backward replays the forward, and a caller needs y from Forward
    // first. A training step through it pays both, so both are timed.
    public override void ForwardBackward()
    {
        Forward();
        Recurrence.Backward(_problem, new RecurrentInputs<float>(_wx, _r, _bias), new RecurrentOutputGradients<float>(_dy),
            new RecurrentInputGradients<float>(_dWx, _dR, _dBias), _backend);
    }

    public override void Dispose()
    {
    }
}
