using FastRecurrence.Bench.Configuration;

namespace FastRecurrence.Bench.Recurrent;

/// <summary>
/// One recurrent problem with its seeded tensors, ready to time on one backend variant. Everything is allocated
/// up front, so a timed call allocates nothing of its own.
/// </summary>
internal abstract class RecurrentRunner : IDisposable
{
    /// <summary>Inference forward: y and the last states (what a layer returns), not all states.</summary>
    public abstract void Forward();

    /// <summary>
    /// One training step of the recurrence: the forward that keeps what the backward needs, then the backward through
    /// time. Timed together because that is what a training step pays.
    /// </summary>
    public abstract void ForwardBackward();

    /// <summary>Frees device memory; host arrays need nothing.</summary>
    public abstract void Dispose();

    public static RecurrentRunner Create(BackendVariant variant, RecurrentProblem problem)
    {
        if (!variant.DeviceResident)
            return new HostArrayRecurrentRunner(problem, variant.Backend);
        return problem.DataType == DataType.BFloat16
            ? new DeviceRecurrentRunner<ushort>(problem, variant.Backend, SeededData.ToBFloat16Bits)
            : new DeviceRecurrentRunner<float>(problem, variant.Backend, values => values);
    }

    /// <summary>
    /// The seeded float32 tensors of <paramref name="problem"/>: R scaled by 1/sqrt(D) keeps the pre-activations O(1),
    /// so gates neither saturate nor blow up over T.
    /// </summary>
    protected static (float[] Wx, float[] R, float[] Bias, float[] DY) SeededTensors(RecurrentProblem problem) =>
        (SeededData.Uniform(problem.WxLength, 1.0f, seed: 1),
         SeededData.Uniform(problem.RLength, 1.0f / MathF.Sqrt(problem.HeadSize), seed: 2),
         SeededData.Uniform(problem.BiasLength, 0.1f, seed: 3),
         SeededData.Uniform(problem.YLength, 1.0f, seed: 4));
}
