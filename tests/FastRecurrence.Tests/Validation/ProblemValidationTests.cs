namespace FastRecurrence.Tests.Validation;

/// <summary>Problem descriptions reject bad sizes on construction, naming the field and the limit.</summary>
[TestFixture]
public sealed class ProblemValidationTests
{
    [TestCase(0, 1, 1, 1, 1, "batch")]
    [TestCase(-3, 1, 1, 1, 1, "batch")]
    [TestCase(1, 0, 1, 1, 1, "timeSteps")]
    [TestCase(1, 1, -1, 1, 1, "heads")]
    [TestCase(1, 1, 1, 0, 1, "headSize")]
    [TestCase(1, 1, 1, 1, 0, "inputSize")]
    public void RecurrentProblem_RejectsNonPositiveSizes(int batch, int steps, int heads, int headSize, int input, string field)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RecurrentProblem(CellKind.Lstm, batch, steps, heads, headSize, input));
        Assert.That(ex!.ParamName, Is.EqualTo(field));
        Assert.That(ex.Message, Does.StartWith($"{field}: expected an integer >= 1"));
    }

    [Test]
    public void RecurrentProblem_RejectsUndefinedCellAndDataType()
    {
        var cell = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RecurrentProblem((CellKind)17, 1, 1, 1, 1, 1));
        Assert.That(cell!.Message, Does.Contain("cell: expected one of Lstm, Gru, SLstm, Elman"));
        var type = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RecurrentProblem(CellKind.Gru, 1, 1, 1, 1, 1, (DataType)9));
        Assert.That(type!.Message, Does.Contain("dataType: expected one of"));
    }

    [Test]
    public void RecurrentProblem_Tf32_IsForFloat32Only_AndPartOfTheProblemsIdentity()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new RecurrentProblem(CellKind.Lstm, 1, 1, 1, 8, 1, DataType.BFloat16, MatmulPrecision.Tf32));
        Assert.That(ex!.ParamName, Is.EqualTo("precision"));
        Assert.That(ex.Message, Does.StartWith("precision: Tf32 applies to Float32 storage only, got BFloat16"));
        var exact = new RecurrentProblem(CellKind.Lstm, 1, 1, 1, 8, 1);
        var tf32 = new RecurrentProblem(CellKind.Lstm, 1, 1, 1, 8, 1, DataType.Float32, MatmulPrecision.Tf32);
        Assert.Multiple(() =>
        {
            Assert.That(exact.Precision, Is.EqualTo(MatmulPrecision.Exact));
            Assert.That(tf32, Is.Not.EqualTo(exact), "a tf32 problem plans differently, so it is a different problem");
            Assert.That(tf32.ToString(), Does.EndWith("Float32 tf32"));
            Assert.That(tf32.WithDataType(DataType.Float16).Precision, Is.EqualTo(MatmulPrecision.Exact));
        });
    }

    [Test]
    public void RecurrentProblem_RejectsTensorsLargerThanASpan()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RecurrentProblem(CellKind.Lstm, 4096, 4096, 1, 1024, 1));
        Assert.That(ex!.Message, Does.Contain("Wx: the tensor [B, T, G, NH, D] would hold more than").And.Contain(Array.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void RecurrentProblem_RejectsABiasLargerThanASpan()
    {
        // GRU: 4 biases x 600,000,000 units overflows int where R [3, NH, 1, 1] and Wx [1, 1, 3, NH, 1] still fit
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RecurrentProblem(CellKind.Gru, 1, 1, 600_000_000, 1, 1));
        Assert.That(ex!.ParamName, Is.EqualTo("bias"));
        Assert.That(ex.Message, Does.Contain("bias: the tensor [Gb, NH, D] would hold more than"));
    }

    [Test]
    public void RecurrentProblem_AcceptsManyHeads_WhoseDenseWeightHhWouldNotFitASpan()
    {
        // R [G, NH, D, D] is 4 * 4096 * 16 * 16 elements; a dense weight_hh [G*H, H] would be 4 * 65536^2, but the
        // low-level problem has none (the layer API checks its own dense tensors)
        var p = new RecurrentProblem(CellKind.Lstm, 2, 3, 4096, 16, 1 << 20);
        Assert.Multiple(() =>
        {
            Assert.That(p.HiddenSize, Is.EqualTo(65536));
            Assert.That(p.RLength, Is.EqualTo(4 * 4096 * 16 * 16));
        });
    }

    [Test]
    public void RecurrentProblem_DerivesLayoutSizes()
    {
        var p = new RecurrentProblem(CellKind.Gru, 2, 3, 4, 5, 6);
        Assert.Multiple(() =>
        {
            Assert.That(p.HiddenSize, Is.EqualTo(20));
            Assert.That(p.WxLength, Is.EqualTo(2 * 3 * 3 * 20));
            Assert.That(p.RLength, Is.EqualTo(3 * 4 * 5 * 5));
            Assert.That(p.BiasLength, Is.EqualTo(4 * 20), "GRU keeps b_in and b_hn apart: 4 bias vectors");
            Assert.That(p.StatesLength, Is.EqualTo(1 * 2 * 20));
            Assert.That(new RecurrentProblem(CellKind.SLstm, 1, 1, 1, 1, 1).StateCount, Is.EqualTo(4));
        });
    }

    [TestCase(0, 1, 1, 1, "batch")]
    [TestCase(1, 0, 1, 1, "timeSteps")]
    [TestCase(1, 1, 0, 1, "heads")]
    [TestCase(1, 1, 1, -2, "headSize")]
    public void ScanProblem_RejectsNonPositiveSizes(int batch, int steps, int heads, int headSize, string field)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ScanProblem(batch, steps, heads, headSize));
        Assert.That(ex!.ParamName, Is.EqualTo(field));
        Assert.That(ex.Message, Does.StartWith($"{field}: expected an integer >= 1"));
    }
}
