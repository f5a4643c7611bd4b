using FastRecurrence.Cli.Npy;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Cli;

/// <summary>`scan` through files: h against a hand loop h_t = a_t h_{t-1} + b_t, gradients against <see cref="Scan.Backward{T}"/>.</summary>
[TestFixture]
public sealed class ScanCommandTests
{
    private const int B = 2, T = 6, H = 3, D = 2;

    private CliWorkspace _workspace = null!;
    private double[] _a = null!, _b = null!, _h0 = null!, _dh = null!;

    [SetUp]
    public void SetUp()
    {
        _workspace = new CliWorkspace();
        var random = new Random(41);
        // a may be negative (math.md section 5).
        _a = TestData.Uniform(random, B * T * H * D, 1.1);
        _b = TestData.Uniform(random, B * T * H * D);
        _h0 = TestData.Uniform(random, B * H * D);
        _dh = TestData.Uniform(random, B * T * H * D);
    }

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    private List<string> Arguments(bool withH0, bool withGradient)
    {
        List<string> args =
        [
            "scan",
            "--a", _workspace.Write("a.npy", _a, B, T, H, D),
            "--b", _workspace.Write("b.npy", _b, B, T, H, D),
            "--out", _workspace.PathOf("out"),
        ];
        if (withH0)
            args.AddRange(["--h0", _workspace.Write("h0.npy", _h0, B, H, D)]);
        if (withGradient)
            args.AddRange(["--grad-output", _workspace.Write("dh.npy", _dh, B, T, H, D)]);
        return args;
    }

    /// <summary>h_t = a_t * h_{t-1} + b_t, written out on the [B, T, H, D] layout.</summary>
    private static double[] HandLoop(double[] a, double[] b, double[]? h0)
    {
        var h = new double[B * T * H * D];
        for (var batch = 0; batch < B; batch++)
        for (var unit = 0; unit < H * D; unit++)
        {
            var state = h0 is null ? 0 : h0[batch * H * D + unit];
            for (var t = 0; t < T; t++)
            {
                var k = (batch * T + t) * H * D + unit;
                state = a[k] * state + b[k];
                h[k] = state;
            }
        }
        return h;
    }

    /// <summary>da, db, dh0 of <see cref="Scan.Backward{T}"/> on the reference backend, float64.</summary>
    private (double[] DA, double[] DB, double[] DH0) ReferenceGradients(bool withH0)
    {
        var problem = new ScanProblem(B, T, H, D, DataType.Float64);
        var (da, db, dh0) = (new double[problem.SequenceLength], new double[problem.SequenceLength], new double[problem.StateLength]);
        Scan.Backward(problem, new ScanInputs<double>(_a, _b, withH0 ? _h0 : default), _dh, new ScanGradients<double>(da, db, dh0));
        return (da, db, dh0);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Scan_MatchesHandLoop(bool withH0)
    {
        var result = CliWorkspace.Run([.. Arguments(withH0, withGradient: false)]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var h = _workspace.ReadDoubles("out/h.npy", B, T, H, D);
        Assert.That(TestData.MaxAbsDifference(h, HandLoop(_a, _b, withH0 ? _h0 : null)), Error.AtMost(1e-14));
        Assert.That(File.Exists(_workspace.PathOf("out/da.npy")), Is.False, "no gradients without --grad-output");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Scan_GradOutput_WritesGradientsEqualToScanBackward(bool withH0)
    {
        var result = CliWorkspace.Run([.. Arguments(withH0, withGradient: true)]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var (da, db, dh0) = ReferenceGradients(withH0);
        Assert.Multiple(() =>
        {
            Assert.That(_workspace.ReadDoubles("out/h.npy", B, T, H, D), Has.Length.EqualTo(B * T * H * D));
            Assert.That(_workspace.ReadDoubles("out/da.npy", B, T, H, D), Is.EqualTo(da));
            Assert.That(_workspace.ReadDoubles("out/db.npy", B, T, H, D), Is.EqualTo(db));
            Assert.That(_workspace.ReadDoubles("out/dh0.npy", B, H, D), Is.EqualTo(dh0));
        });
    }

    [Test]
    public void Scan_Float32_WritesFloat32()
    {
        List<string> args =
        [
            "scan",
            "--a", _workspace.Write("a.npy", TestData.ToSingle(_a), B, T, H, D),
            "--b", _workspace.Write("b.npy", TestData.ToSingle(_b), B, T, H, D),
            "--out", _workspace.PathOf("out"),
        ];

        var result = CliWorkspace.Run([.. args]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var h = _workspace.Read("out/h.npy");
        Assert.That(h.DataType, Is.EqualTo(NpyDataType.Float32));
        var expected = HandLoop(TestData.ToDouble(TestData.ToSingle(_a)), TestData.ToDouble(TestData.ToSingle(_b)), null);
        Assert.That(TestData.RelativeL2(TestData.ToDouble(h.Values<float>()), expected), Error.AtMost(1e-5));
    }

    /// <summary>`--backend cuda-emulated`: the CUDA C scan kernels themselves, on the CPU emulator, forward and backward.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Scan_OnCudaEmulated_ReproducesTheReference(bool withH0)
    {
        List<string> args = [.. Arguments(withH0, withGradient: true), "--backend", "cuda-emulated"];

        var result = CliWorkspace.Run([.. args]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var (da, db, dh0) = ReferenceGradients(withH0);
        Assert.Multiple(() =>
        {
            Assert.That(TestData.MaxAbsDifference(_workspace.ReadDoubles("out/h.npy", B, T, H, D), HandLoop(_a, _b, withH0 ? _h0 : null)),
                Error.AtMost(1e-13));
            Assert.That(TestData.MaxAbsDifference(_workspace.ReadDoubles("out/da.npy", B, T, H, D), da), Error.AtMost(1e-13));
            Assert.That(TestData.MaxAbsDifference(_workspace.ReadDoubles("out/db.npy", B, T, H, D), db), Error.AtMost(1e-13));
            Assert.That(TestData.MaxAbsDifference(_workspace.ReadDoubles("out/dh0.npy", B, H, D), dh0), Error.AtMost(1e-13));
        });
    }

    [Test]
    public void Repeat_PrintsMedianTimings_ForwardAndBackward()
    {
        var result = CliWorkspace.Run([.. Arguments(withH0: true, withGradient: true), "--repeat", "3"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Does.Contain("timing: scan forward").And.Contain("timing: scan backward").And.Contain("over 3 calls"));
    }

    [Test]
    public void Repeat_Negative_IsRefusedByName()
    {
        var result = CliWorkspace.Run([.. Arguments(withH0: false, withGradient: false), "--repeat", "-1"]);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stderr, Does.Contain("--repeat"));
    }
}
