using BenchmarkDotNet.Attributes;
using FastRecurrence.Backends;
using FastRecurrence.Bench.Configuration;

namespace FastRecurrence.Bench.Recurrent;

/// <summary>
/// Shapes, backend and seeded float32 tensors shared by the recurrent benchmarks. The default shapes are sized
/// for the plain-C# reference (each call takes milliseconds); pass --params or edit for GPU-sized runs.
/// Everything is allocated in <see cref="Setup"/> so the timed methods allocate nothing themselves.
/// </summary>
public abstract class RecurrentBenchmarkBase
{
    [ParamsSource(typeof(AvailableBackends), nameof(AvailableBackends.Names), Priority = -2)]
    public string Backend { get; set; } = "";

    [ParamsAllValues(Priority = -1)]
    public CellKind Cell { get; set; }

    [Params(4)]
    public int Batch { get; set; }

    /// <summary>T. Read by name by <see cref="Columns.MicrosecondsPerStepColumn"/>; keep the name.</summary>
    [Params(32)]
    public int TimeSteps { get; set; }

    [Params(1, 4)]
    public int Heads { get; set; }

    [Params(32, 64)]
    public int HeadSize { get; set; }

    protected RecurrentProblem Problem { get; private set; } = null!;
    protected IRecurrenceBackend BackendInstance { get; private set; } = null!;
    protected float[] Wx { get; private set; } = [];
    protected float[] R { get; private set; } = [];
    protected float[] Bias { get; private set; } = [];
    protected float[] Y { get; private set; } = [];
    protected float[] LastStates { get; private set; } = [];
    protected float[] DY { get; private set; } = [];
    protected float[] DWx { get; private set; } = [];
    protected float[] DR { get; private set; } = [];
    protected float[] DBias { get; private set; } = [];

    [GlobalSetup]
    public void Setup()
    {
        // The input size only matters to the layer API; the kernel takes Wx already projected.
        Problem = new RecurrentProblem(Cell, Batch, TimeSteps, Heads, HeadSize, inputSize: Heads * HeadSize, DataType.Float32);
        BackendInstance = RecurrenceBackends.Get(Backend);
        // Fail the case with the backend's own reason rather than timing an exception.
        if (BackendInstance.WhyUnsupported(Problem) is { } reason)
            throw new NotSupportedException($"{Backend}: {reason}");

        // R scaled by 1/sqrt(D) keeps the pre-activations O(1), so gates neither saturate nor blow up over T.
        Wx = SeededData.Uniform(Problem.WxLength, 1.0f, seed: 1);
        R = SeededData.Uniform(Problem.RLength, 1.0f / MathF.Sqrt(HeadSize), seed: 2);
        Bias = SeededData.Uniform(Problem.BiasLength, 0.1f, seed: 3);
        DY = SeededData.Uniform(Problem.YLength, 1.0f, seed: 4);
        Y = new float[Problem.YLength];
        LastStates = new float[Problem.StatesLength];
        DWx = new float[Problem.WxLength];
        DR = new float[Problem.RLength];
        DBias = new float[Problem.BiasLength];
    }

    /// <summary>Inference forward: y and the last states (what a layer returns), not all states.</summary>
    protected void RunForward() =>
        Recurrence.Forward(Problem, new RecurrentInputs<float>(Wx, R, Bias), new RecurrentOutputs<float>(Y, LastStates),
            BackendInstance);

    protected void RunBackward() =>
        Recurrence.Backward(Problem, new RecurrentInputs<float>(Wx, R, Bias), new RecurrentOutputGradients<float>(DY),
            new RecurrentInputGradients<float>(DWx, DR, DBias), BackendInstance);
}
