using FastRecurrence.Backends.Cuda;

namespace FastRecurrence.Bench.Recurrent;

/// <summary>
/// The native kernels through the device-buffer API (<see cref="CudaRecurrence"/>): every tensor stays on the GPU, so
/// the time is the kernels' (each call ends with a synchronisation, which the time includes). The forward is inference:
/// R packed once in the plan's layout where the plan is fused (as cuDNN keeps its weights in its own layout; decision
/// 0024). The training step is the training forward (it fills the reserve, and packs R itself where the plan streams
/// R tiles, as after every weight update) and the backward that reads it.
/// </summary>
internal sealed class DeviceRecurrentRunner<T> : RecurrentRunner where T : unmanaged
{
    private readonly CudaRecurrence _rnn;
    private readonly DeviceRecurrentInputs<T> _inputs;
    private readonly PackedRecurrent<T>? _packedR;
    private readonly DeviceRecurrentInputs<T> _inferenceInputs;
    private readonly DeviceRecurrentGradients<T> _gradients;
    private readonly DeviceBuffer<T> _y, _lastStates, _dy;
    private readonly DeviceBuffer<float> _reserve;

    public DeviceRecurrentRunner(RecurrentProblem problem, string backend, Func<float[], T[]> convert)
    {
        _rnn = CudaRecurrence.Create(problem, backend);
        var (wx, r, bias, dy) = SeededTensors(problem);
        _inputs = new DeviceRecurrentInputs<T>(_rnn.Upload<T>(convert(wx)), _rnn.Upload<T>(convert(r)), _rnn.Upload<T>(convert(bias)));
        _packedR = _rnn.CanPackRecurrent() ? _rnn.PackRecurrent(_inputs.R) : null;
        _inferenceInputs = _inputs with { PackedR = _packedR };
        _dy = _rnn.Upload<T>(convert(dy));
        _y = _rnn.Allocate<T>(problem.YLength);
        _lastStates = _rnn.Allocate<T>(problem.StatesLength);
        _reserve = _rnn.AllocateReserve();
        _gradients = new DeviceRecurrentGradients<T>(_rnn.Allocate<T>(problem.WxLength), _rnn.Allocate<T>(problem.RLength),
            _rnn.Allocate<T>(problem.BiasLength));
    }

    public override void Forward() => _rnn.Forward(_inferenceInputs, _y, _lastStates);

    public override void ForwardBackward()
    {
        _rnn.Forward(_inputs, _y, _lastStates, _reserve);
        _rnn.Backward(_inputs, _y, _reserve, _dy, _gradients);
    }

    public override void Dispose()
    {
        foreach (var buffer in new[] { _inputs.Wx, _inputs.R, _inputs.Bias, _y, _lastStates, _dy, _gradients.DWx, _gradients.DR, _gradients.DBias })
            buffer.Dispose();
        _reserve.Dispose();
        _packedR?.Dispose();
        _rnn.Dispose();
    }
}
