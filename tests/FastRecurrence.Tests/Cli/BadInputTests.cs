using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// Every user mistake gives a non-zero exit code and exactly one "error: ..." line on stderr that names the
/// problem (the file, the option), never a stack trace.
/// </summary>
[TestFixture]
public sealed class BadInputTests
{
    private const int B = LayerCase.Batch, T = LayerCase.Steps, I = LayerCase.Input, H = LayerCase.Hidden;

    private CliWorkspace _workspace = null!;

    [SetUp]
    public void SetUp() => _workspace = new CliWorkspace();

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    private static void AssertInputError(CliResult result, params string[] fragments)
    {
        CliAssert.InputError(result, "error: ", fragments);
    }

    private static void Replace(List<string> args, string option, string value) => args[args.IndexOf(option) + 1] = value;

    [Test]
    public void MissingWeightFile_NamesIt()
    {
        var args = new LayerCase("lstm").Write(_workspace);
        File.Delete(_workspace.PathOf("weights/weight_hh_l0.npy"));

        AssertInputError(CliWorkspace.Run([.. args]), "weight_hh_l0.npy", "missing");
    }

    [Test]
    public void MissingWeightsDirectory_NamesIt()
    {
        var args = new LayerCase("lstm").Write(_workspace);
        Replace(args, "--weights", _workspace.PathOf("nowhere"));

        AssertInputError(CliWorkspace.Run([.. args]), "--weights", "nowhere");
    }

    [Test]
    public void MissingInputFile_NamesOptionAndFile()
    {
        var args = new LayerCase("gru").Write(_workspace);
        Replace(args, "--input", _workspace.PathOf("absent.npy"));

        AssertInputError(CliWorkspace.Run([.. args]), "--input", "absent.npy", "not found");
    }

    [Test]
    public void WrongWeightHhShape_NamesFileAndExpectedShape()
    {
        var c = new LayerCase("lstm");
        var args = c.Write(_workspace);
        // A GRU-sized weight_hh (3H rows) given to an LSTM.
        _workspace.Write("weights/weight_hh_l0.npy", new double[3 * H * H], 3 * H, H);

        AssertInputError(CliWorkspace.Run([.. args]), "weight_hh_l0.npy", "[16, 4]", "[12, 4]");
    }

    [Test]
    public void WrongWeightIhRows_NamesFile()
    {
        var args = new LayerCase("rnn").Write(_workspace);
        _workspace.Write("weights/weight_ih_l0.npy", new double[2 * H * I], 2 * H, I);

        AssertInputError(CliWorkspace.Run([.. args]), "weight_ih_l0.npy", "[8, 3]");
    }

    [Test]
    public void InputSizeDisagreeingWithWeightIh_NamesX()
    {
        var args = new LayerCase("lstm").Write(_workspace);
        _workspace.Write("x.npy", new double[B * T * (I + 1)], B, T, I + 1);

        AssertInputError(CliWorkspace.Run([.. args]), "x.npy", "[2, 5, 4]");
    }

    [Test]
    public void OnlyOneBiasFile_IsAnError()
    {
        var args = new LayerCase("lstm").Write(_workspace);
        File.Delete(_workspace.PathOf("weights/bias_hh_l0.npy"));

        AssertInputError(CliWorkspace.Run([.. args]), "bias_ih_l0.npy", "bias_hh_l0.npy");
    }

    [Test]
    public void IntegerDtypeFile_NamesFileAndDtype()
    {
        var args = new LayerCase("lstm").Write(_workspace);
        var path = _workspace.WriteBytes("x.npy", NpyBytes.Build(NpyBytes.Dict("<i8", $"({B}, {T}, {I})"), new byte[8 * B * T * I]));
        Replace(args, "--input", path);

        AssertInputError(CliWorkspace.Run([.. args]), "x.npy", "'<i8'");
    }

    [Test]
    public void MixedFloat32AndFloat64_IsAnError()
    {
        var c = new LayerCase("gru");
        var args = c.Write(_workspace);
        _workspace.Write("x.npy", TestData.ToSingle(c.X), B, T, I);

        AssertInputError(CliWorkspace.Run([.. args]), "mixed dtypes", "x.npy", "float32", "float64");
    }

    [Test]
    public void C0ForGru_IsAnError()
    {
        var args = new LayerCase("gru").Write(_workspace);
        args.AddRange(["--c0", _workspace.Write("c0.npy", new double[B * H], 1, B, H)]);

        AssertInputError(CliWorkspace.Run([.. args]), "--c0", "gru");
    }

    [Test]
    public void H0ForSLstm_IsAnError()
    {
        var args = new LayerCase("slstm").Write(_workspace, initialStates: false);
        args.AddRange(["--h0", _workspace.Write("h0.npy", new double[B * H], 1, B, H)]);

        AssertInputError(CliWorkspace.Run([.. args]), "--h0", "slstm");
    }

    [Test]
    public void WrongH0Shape_NamesIt()
    {
        var args = new LayerCase("lstm").Write(_workspace);
        Replace(args, "--h0", _workspace.Write("h0_bad.npy", new double[2 * B * H], 2, B, H));

        AssertInputError(CliWorkspace.Run([.. args]), "h0_bad.npy", "[1, B, H]");
    }

    [Test]
    public void WrongGradOutputShape_NamesIt()
    {
        var args = new LayerCase("lstm").Write(_workspace);
        args.AddRange(["--grad-output", _workspace.Write("dy_bad.npy", new double[B * T * I], B, T, I)]);

        AssertInputError(CliWorkspace.Run([.. args]), "dy_bad.npy", "[2, 5, 4]");
    }

    [Test]
    public void UnknownCell_ListsTheCells()
    {
        var args = new LayerCase("lstm").Write(_workspace);
        Replace(args, "--cell", "mamba");

        AssertInputError(CliWorkspace.Run([.. args]), "--cell", "'mamba'", "lstm, gru, rnn, slstm");
    }

    [Test]
    public void UnknownBackend_ListsTheBackends()
    {
        var args = new LayerCase("lstm").Write(_workspace);
        args.AddRange(["--backend", "tpu"]);

        AssertInputError(CliWorkspace.Run([.. args]), "--backend", "'tpu'", "reference");
    }

    [Test]
    public void DenseWeightHhWithHeads_ReportsTheLibrarysErrorWithoutWritingOutputs()
    {
        var args = new LayerCase("lstm").Write(_workspace);
        args.AddRange(["--heads", "2"]);

        AssertInputError(CliWorkspace.Run([.. args]), "weight_hh", "block-diagonal");
        Assert.That(Directory.Exists(_workspace.PathOf("out")), Is.False);
    }

    [Test]
    public void HeadsNotDividingHidden_NamesTheOptionAndH()
    {
        var args = new LayerCase("gru").Write(_workspace);
        args.AddRange(["--heads", "3"]);

        var result = CliWorkspace.Run([.. args]);

        AssertInputError(result, "--heads 3", $"H={H}", "weight_hh_l0.npy");
        Assert.That(result.Stderr, Does.Not.Contain("options.Heads"), "the option, not the library's parameter");
    }

    [TestCase("0")]
    [TestCase("-1")]
    public void NonPositiveHeads_NamesTheOption(string heads)
    {
        var args = new LayerCase("lstm").Write(_workspace);
        args.AddRange(["--heads", heads]);

        AssertInputError(CliWorkspace.Run([.. args]), "--heads", $"got {heads}");
    }

    /// <summary>An empty axis was reported by the library's parameter name ("batch: expected an integer >= 1, got 0.").</summary>
    [TestCase(0, T, "B (axis 0 of [B, T, I])")]
    [TestCase(B, 0, "T (axis 1 of [B, T, I])")]
    public void EmptyInputAxis_NamesTheFileAndTheAxis(int batch, int steps, string axis)
    {
        var args = new LayerCase("lstm").Write(_workspace, initialStates: false);
        Replace(args, "--input", _workspace.Write("x_empty.npy", new double[batch * steps * I], batch, steps, I));

        AssertInputError(CliWorkspace.Run([.. args]), "x_empty.npy", axis, "is 0");
        Assert.That(Directory.Exists(_workspace.PathOf("out")), Is.False, "a rejected run creates no --out");
    }

    [Test]
    public void EmptyWeights_NameTheFileAndTheAxis()
    {
        var args = new LayerCase("lstm").Write(_workspace, initialStates: false);
        _workspace.Write("weights/weight_hh_l0.npy", Array.Empty<double>(), 0, 0);
        AssertInputError(CliWorkspace.Run([.. args]), "weight_hh_l0.npy", "H (axis 1 of [G*H, H])", "is 0");

        args = new LayerCase("lstm").Write(_workspace, initialStates: false);
        _workspace.Write("weights/weight_ih_l0.npy", Array.Empty<double>(), 4 * H, 0);
        AssertInputError(CliWorkspace.Run([.. args]), "weight_ih_l0.npy", "I (axis 1 of [G*H, I])", "is 0");
    }

    [TestCase(0, 3, 1, 2, "B (axis 0 of [B, T, H, D])")]
    [TestCase(2, 0, 1, 2, "T (axis 1 of [B, T, H, D])")]
    [TestCase(2, 3, 0, 2, "H (axis 2 of [B, T, H, D])")]
    [TestCase(2, 3, 1, 0, "D (axis 3 of [B, T, H, D])")]
    public void ScanWithAnEmptyAxis_NamesTheFileAndTheAxis(int batch, int steps, int heads, int headSize, string axis)
    {
        var length = batch * steps * heads * headSize;
        var a = _workspace.Write("a.npy", new double[length], batch, steps, heads, headSize);
        var b = _workspace.Write("b.npy", new double[length], batch, steps, heads, headSize);

        AssertInputError(CliWorkspace.Run("scan", "--a", a, "--b", b, "--out", _workspace.PathOf("out")), "a.npy", axis, "is 0");
    }

    [Test]
    public void ScanWithMismatchedB_NamesIt()
    {
        var a = _workspace.Write("a.npy", new double[2 * 3 * 1 * 2], 2, 3, 1, 2);
        var b = _workspace.Write("b.npy", new double[2 * 4 * 1 * 2], 2, 4, 1, 2);

        AssertInputError(CliWorkspace.Run("scan", "--a", a, "--b", b, "--out", _workspace.PathOf("out")), "b.npy", "[2, 3, 1, 2]");
    }

    [Test]
    public void MissingRequiredOption_IsASyntaxError()
    {
        var result = CliWorkspace.Run("run", "--cell", "lstm");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("error: ").And.Contain("--weights"));
    }

    [Test]
    public void UnknownCommand_IsASyntaxError()
    {
        var result = CliWorkspace.Run("train");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("train"));
    }
}
