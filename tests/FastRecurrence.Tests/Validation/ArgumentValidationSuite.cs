using FastRecurrence.Backends;

namespace FastRecurrence.Tests.Validation;

/// <summary>
/// Every public call rejects a wrong tensor length, a wrong element type or an unsupported storage type with an
/// exception naming the argument and the expected shape, before the backend runs. One suite for every backend.
/// </summary>
public abstract partial class ArgumentValidationSuite
{
    protected abstract IRecurrenceBackend Backend { get; }

    private static readonly RecurrentProblem Lstm = new(CellKind.Lstm, 2, 3, 2, 4, 5);

    private sealed class Buffers(RecurrentProblem p)
    {
        public float[] Wx = new float[p.WxLength], R = new float[p.RLength], Bias = new float[p.BiasLength];
        public float[] States = new float[p.StatesLength], Y = new float[p.YLength], All = new float[p.AllStatesLength];
        public float[] DWx = new float[p.WxLength], DR = new float[p.RLength], DBias = new float[p.BiasLength];
    }

    private static string[] ForwardArguments() => ["Wx", "R", "bias", "initialStates", "y", "lastStates", "allStates"];

    [TestCaseSource(nameof(ForwardArguments))]
    public void Forward_RejectsWrongLength(string argument)
    {
        var b = new Buffers(Lstm);
        float[] Short(float[] a, string name) => name == argument ? new float[a.Length + 1] : a;
        var ex = Assert.Throws<ArgumentException>(() => Recurrence.Forward(Lstm,
            new RecurrentInputs<float>(Short(b.Wx, "Wx"), Short(b.R, "R"), Short(b.Bias, "bias"), Short(b.States, "initialStates")),
            new RecurrentOutputs<float>(Short(b.Y, "y"), Short(b.States, "lastStates"), Short(b.All, "allStates")), Backend));
        Assert.That(ex!.ParamName, Is.EqualTo(argument));
        Assert.That(ex.Message, Does.StartWith($"{argument}: expected ").And.Contain("(shape ["));
    }

    private static string[] BackwardArguments() => ["dy", "dLastStates", "dWx", "dR", "dBias", "dInitialStates"];

    [TestCaseSource(nameof(BackwardArguments))]
    public void Backward_RejectsWrongLength(string argument)
    {
        var b = new Buffers(Lstm);
        float[] Short(float[] a, string name) => name == argument ? new float[a.Length - 1] : a;
        var ex = Assert.Throws<ArgumentException>(() => Recurrence.Backward(Lstm,
            new RecurrentInputs<float>(b.Wx, b.R, b.Bias, b.States),
            new RecurrentOutputGradients<float>(Short(b.Y, "dy"), Short(b.States, "dLastStates")),
            new RecurrentInputGradients<float>(Short(b.DWx, "dWx"), Short(b.DR, "dR"), Short(b.DBias, "dBias"), Short(b.States, "dInitialStates")),
            Backend));
        Assert.That(ex!.ParamName, Is.EqualTo(argument));
        Assert.That(ex.Message, Does.StartWith($"{argument}: expected "));
    }

    [Test]
    public void Forward_RejectsElementTypeThatDiffersFromTheProblem()
    {
        var p = Lstm.WithDataType(DataType.Float64);
        var b = new Buffers(p);
        var ex = Assert.Throws<ArgumentException>(() => Recurrence.Forward(p,
            new RecurrentInputs<float>(b.Wx, b.R, b.Bias), new RecurrentOutputs<float>(b.Y), Backend));
        Assert.That(ex!.Message, Does.StartWith("problem: the problem's DataType is Float64, but the tensors hold Single"));
    }

    [Test]
    public void Forward_RejectsNullProblem()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => Recurrence.Forward<float>(null!, default, default, Backend));
        Assert.That(ex!.ParamName, Is.EqualTo("problem"));
    }

    [Test]
    public void Scan_RejectsWrongLengths()
    {
        var p = new ScanProblem(2, 5, 3, 4);
        var seq = new float[p.SequenceLength];
        var state = new float[p.StateLength];
        var bad = new float[p.SequenceLength - 1];
        void Expect(string argument, TestDelegate call)
        {
            var ex = Assert.Throws<ArgumentException>(call);
            Assert.That(ex!.ParamName, Is.EqualTo(argument));
            Assert.That(ex.Message, Does.StartWith($"{argument}: expected "));
        }
        Expect("a", () => Scan.Forward(p, new ScanInputs<float>(bad, seq), seq, Backend));
        Expect("b", () => Scan.Forward(p, new ScanInputs<float>(seq, bad), seq, Backend));
        Expect("h0", () => Scan.Forward(p, new ScanInputs<float>(seq, seq, new float[3]), seq, Backend));
        Expect("h", () => Scan.Forward(p, new ScanInputs<float>(seq, seq), bad, Backend));
        Expect("dh", () => Scan.Backward(p, new ScanInputs<float>(seq, seq), bad, new ScanGradients<float>(seq, seq, state), Backend));
        Expect("da", () => Scan.Backward(p, new ScanInputs<float>(seq, seq), seq, new ScanGradients<float>(bad, seq, state), Backend));
        Expect("db", () => Scan.Backward(p, new ScanInputs<float>(seq, seq), seq, new ScanGradients<float>(seq, bad, state), Backend));
        Expect("dh0", () => Scan.Backward(p, new ScanInputs<float>(seq, seq), seq, new ScanGradients<float>(seq, seq, bad), Backend));
    }
}

[TestFixture]
public sealed class ReferenceArgumentValidationTests : ArgumentValidationSuite
{
    protected override IRecurrenceBackend Backend => RecurrenceBackends.Reference;

    [Test]
    public void Reference_RejectsSixteenBitStorageWithTheReason()
    {
        var p = new RecurrentProblem(CellKind.Elman, 1, 2, 1, 3, 1, DataType.Float16);
        var ex = Assert.Throws<NotSupportedException>(() => Recurrence.Forward(p,
            new RecurrentInputs<Half>(new Half[p.WxLength], new Half[p.RLength], new Half[p.BiasLength]),
            new RecurrentOutputs<Half>(new Half[p.YLength]), Backend));
        Assert.That(ex!.Message, Does.Contain("backend 'reference' does not run").And.Contain("Float32 or Float64, not Float16"));
    }
}
