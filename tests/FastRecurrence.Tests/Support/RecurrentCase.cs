using FastRecurrence.Backends;

namespace FastRecurrence.Tests.Support;

/// <summary>
/// One seeded random recurrent problem with its inputs in float64 (the oracle's type), and the calls that
/// evaluate it on the reference. Scales keep every cell in its working range over long sequences.
/// </summary>
internal sealed class RecurrentCase
{
    /// <param name="problem">The shape, cell and storage type.</param>
    /// <param name="seed">The inputs' random seed.</param>
    /// <param name="withInitialStates">Random initial states, or none (all zero).</param>
    /// <param name="recurrentScale">R's scale times 1/sqrt(D).</param>
    /// <param name="forFiniteDifferences">
    /// The sLSTM's loss then reaches its last states through y alone: finite differences see m move with c and n, which
    /// the backward holds fixed (math.md section 2), so a gradient given on the last c or n is only exact against the
    /// backward's own rule. Comparisons of a backend with the reference keep it (false), so that rule is tested too.
    /// </param>
    public RecurrentCase(RecurrentProblem problem, int seed, bool withInitialStates = true, double recurrentScale = 1.0,
        bool forFiniteDifferences = false)
    {
        Problem = problem;
        var random = new Random(seed);
        Wx = TestData.Uniform(random, problem.WxLength, 1.0);
        R = TestData.Uniform(random, problem.RLength, recurrentScale / Math.Sqrt(problem.HeadSize));
        Bias = TestData.Uniform(random, problem.BiasLength, 0.5);
        InitialStates = withInitialStates ? RandomStates(problem, random) : [];
        DY = TestData.Uniform(random, problem.YLength, 1.0);
        DLastStates = TestData.Uniform(random, problem.StatesLength, 1.0);
        if (problem.Cell == CellKind.SLstm)
        {
            // m takes no gradient (math.md section 2); c and n only where the loss is not checked by finite differences
            int slice = problem.Batch * problem.HiddenSize;
            DLastStates.AsSpan(forFiniteDifferences ? slice : 3 * slice).Clear();
        }
    }

    public RecurrentProblem Problem { get; }
    public double[] Wx { get; }
    public double[] R { get; }
    public double[] Bias { get; }
    public double[] InitialStates { get; }
    public double[] DY { get; }
    public double[] DLastStates { get; }

    /// <summary>Random initial states; the sLSTM normaliser n is kept positive as the cell produces it.</summary>
    public static double[] RandomStates(RecurrentProblem p, Random random)
    {
        var states = TestData.Uniform(random, p.StatesLength, 0.5);
        if (p.Cell == CellKind.SLstm)
        {
            int slice = p.Batch * p.HiddenSize;
            TestData.Uniform(random, slice, 0.5, 1.5).CopyTo(states, 2 * slice);
        }
        return states;
    }

    public (double[] Y, double[] Last, double[] All) Forward(double[]? wx = null, double[]? r = null, double[]? bias = null, double[]? initial = null)
    {
        var p = Problem.WithDataType(DataType.Float64);
        var y = TestData.Poisoned<double>(p.YLength);
        var last = TestData.Poisoned<double>(p.StatesLength);
        var all = TestData.Poisoned<double>(p.AllStatesLength);
        Recurrence.Forward(p, new RecurrentInputs<double>(wx ?? Wx, r ?? R, bias ?? Bias, initial ?? InitialStates),
            new RecurrentOutputs<double>(y, last, all), RecurrenceBackends.Reference);
        return (y, last, all);
    }

    /// <summary>
    /// The case's float32 forward on <paramref name="backend"/> through the public API, outputs poisoned with NaN first:
    /// y, last states, all states.
    /// </summary>
    public (float[] Y, float[] Last, float[] All) ForwardFloat32(IRecurrenceBackend backend)
    {
        var y = TestData.Poisoned<float>(Problem.YLength);
        var last = TestData.Poisoned<float>(Problem.StatesLength);
        var all = TestData.Poisoned<float>(Problem.AllStatesLength);
        Recurrence.Forward(Problem,
            new RecurrentInputs<float>(TestData.ToSingle(Wx), TestData.ToSingle(R), TestData.ToSingle(Bias), TestData.ToSingle(InitialStates)),
            new RecurrentOutputs<float>(y, last, all), backend);
        return (y, last, all);
    }

    /// <summary>The scalar loss whose gradient the backward computes: sum(dy * y) + sum(dLast * last).</summary>
    public double Loss(double[]? wx = null, double[]? r = null, double[]? bias = null, double[]? initial = null)
    {
        var (y, last, _) = Forward(wx, r, bias, initial);
        double loss = 0;
        for (var k = 0; k < y.Length; k++) loss += DY[k] * y[k];
        for (var k = 0; k < last.Length; k++) loss += DLastStates[k] * last[k];
        return loss;
    }

    /// <summary>The reference's float64 gradients; with accumulation they start from <see cref="Accumulated"/>'s values.</summary>
    public (double[] DWx, double[] DR, double[] DBias, double[] DInitial) Backward(RecurrentBackwardOptions? options = null)
    {
        var p = Problem.WithDataType(DataType.Float64);
        var accumulate = options?.Accumulate == true;
        var dWx = accumulate ? Accumulated(p.WxLength, 1) : TestData.Poisoned<double>(p.WxLength);
        var dR = accumulate ? Accumulated(p.RLength, 2) : TestData.Poisoned<double>(p.RLength);
        var dBias = accumulate ? Accumulated(p.BiasLength, 3) : TestData.Poisoned<double>(p.BiasLength);
        var dInitial = accumulate ? Accumulated(p.StatesLength, 4) : TestData.Poisoned<double>(p.StatesLength);
        Recurrence.Backward(p, new RecurrentInputs<double>(Wx, R, Bias, InitialStates),
            new RecurrentOutputGradients<double>(DY, DLastStates), new RecurrentInputGradients<double>(dWx, dR, dBias, dInitial),
            RecurrenceBackends.Reference, options);
        return (dWx, dR, dBias, dInitial);
    }

    /// <summary>
    /// The case's float32 backward on <paramref name="backend"/> through the public API: outputs poisoned with NaN first,
    /// or (accumulating) holding <see cref="Accumulated"/>'s values.
    /// </summary>
    public (float[] DWx, float[] DR, float[] DBias, float[] DInitial) BackwardFloat32(IRecurrenceBackend backend,
        RecurrentBackwardOptions? options = null)
    {
        var p = Problem;
        var accumulate = options?.Accumulate == true;
        float[] Start(int length, int salt) => accumulate ? TestData.ToSingle(Accumulated(length, salt)) : TestData.Poisoned<float>(length);
        var dWx = Start(p.WxLength, 1);
        var dR = Start(p.RLength, 2);
        var dBias = Start(p.BiasLength, 3);
        var dInitial = Start(p.StatesLength, 4);
        Recurrence.Backward(p,
            new RecurrentInputs<float>(TestData.ToSingle(Wx), TestData.ToSingle(R), TestData.ToSingle(Bias), TestData.ToSingle(InitialStates)),
            new RecurrentOutputGradients<float>(TestData.ToSingle(DY), TestData.ToSingle(DLastStates)),
            new RecurrentInputGradients<float>(dWx, dR, dBias, dInitial), backend, options);
        return (dWx, dR, dBias, dInitial);
    }

    /// <summary>The values an accumulating backward starts from (exact in float32), one fixed set per salt.</summary>
    public static double[] Accumulated(int length, int salt) =>
        TestData.ToDouble(TestData.ToSingle(TestData.Uniform(new Random(900 + salt), length, 0.25)));
}
