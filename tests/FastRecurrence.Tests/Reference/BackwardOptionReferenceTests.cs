using FastRecurrence.Backends;
using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Reference;

/// <summary>
/// What the reference's backward options compute, each against an oracle that shares nothing with its handling of them:
/// truncated BPTT against finite differences of a forward whose recurrent products read the y_{t-1} of an unperturbed
/// run while every other path (the cell states', the GRU's u * h) stays live; recurrent clipping against BPTT written out
/// here for small GRU and LSTM cases where the clip binds; accumulation as the existing values plus the fresh gradients,
/// exactly. RecurrentBackendSuite.Backward_WithAnOption_MatchesTheReferenceWithIt holds the other backends to these; its
/// run on the reference itself compares float32 with float64 of the same code, so it cannot see a wrong rule.
/// </summary>
[TestFixture]
public sealed class BackwardOptionReferenceTests
{
    private static readonly IRecurrenceBackend Reference = RecurrenceBackends.Reference;

    [TestCase(CellKind.Lstm, false)]
    [TestCase(CellKind.Lstm, true)]
    [TestCase(CellKind.Gru, false)]
    [TestCase(CellKind.Gru, true)]
    [TestCase(CellKind.SLstm, false)]
    [TestCase(CellKind.SLstm, true)]
    [TestCase(CellKind.Elman, false)]
    [TestCase(CellKind.Elman, true)]
    public void Truncate_MatchesFiniteDifferencesWithTheRecurrentInputsHeld(CellKind cell, bool withLengths)
    {
        var p = new RecurrentProblem(cell, 2, 4, 2, 2, 1, DataType.Float64);
        var c = new RecurrentCase(p, seed: 60 + (int)cell, recurrentScale: 1.5, forFiniteDifferences: true);
        int[] lengths = withLengths ? [4, 2] : [];
        var (liveY, liveLast, held) = ForwardReadingRecurrentInputs(p, c.Wx, c.R, c.Bias, c.InitialStates, lengths, null);
        var y = new double[p.YLength];
        var last = new double[p.StatesLength];
        Recurrence.Forward(p, new RecurrentInputs<double>(c.Wx, c.R, c.Bias, c.InitialStates, lengths), new RecurrentOutputs<double>(y, last), Reference);
        Assert.Multiple(() =>
        {
            // the step-by-step construction, reading the live inputs, is the recurrence itself
            Assert.That(liveY, Is.EqualTo(y).Within(1e-14), "y, step by step");
            Assert.That(liveLast, Is.EqualTo(last).Within(1e-14), "last states, step by step");
        });

        double Loss(double[] wx, double[] r, double[] bias, double[] initial)
        {
            var (yHeld, lastHeld, _) = ForwardReadingRecurrentInputs(p, wx, r, bias, initial, lengths, held);
            return yHeld.Select((v, k) => v * c.DY[k]).Sum() + lastHeld.Select((v, k) => v * c.DLastStates[k]).Sum();
        }

        var dWx = new double[p.WxLength];
        var dR = new double[p.RLength];
        var dBias = new double[p.BiasLength];
        var dInitial = new double[p.StatesLength];
        Recurrence.Backward(p, new RecurrentInputs<double>(c.Wx, c.R, c.Bias, c.InitialStates, lengths),
            new RecurrentOutputGradients<double>(c.DY, c.DLastStates), new RecurrentInputGradients<double>(dWx, dR, dBias, dInitial), Reference,
            new RecurrentBackwardOptions { Truncate = true });

        FiniteDifference.AssertMatches("dWx", dWx, FiniteDifference.Gradient(c.Wx, v => Loss(v, c.R, c.Bias, c.InitialStates)));
        FiniteDifference.AssertMatches("dR", dR, FiniteDifference.Gradient(c.R, v => Loss(c.Wx, v, c.Bias, c.InitialStates)));
        FiniteDifference.AssertMatches("dBias", dBias, FiniteDifference.Gradient(c.Bias, v => Loss(c.Wx, c.R, v, c.InitialStates)));
        FiniteDifference.AssertMatches("dInitialStates", dInitial, FiniteDifference.Gradient(c.InitialStates, v => Loss(c.Wx, c.R, c.Bias, v)));

        // The paths truncation keeps carry gradient here, so a rule that dropped them would be seen above.
        int block = p.Batch * p.HiddenSize;
        var kept = cell switch
        {
            CellKind.Gru => dInitial[..block],            // h_{t-1} through u * h
            CellKind.Lstm => dInitial[block..],           // c_{t-1} through f * c
            CellKind.SLstm => dInitial[block..(3 * block)], // c and n through f'
            _ => null,                                     // Elman's y_{t-1} enters only through R
        };
        if (kept is not null)
            Assert.That(kept.Max(Math.Abs), Is.GreaterThan(1e-3), $"{cell}: the gradient along the paths truncation keeps");
        else
            Assert.That(dInitial, Is.All.EqualTo(0.0), "Elman: nothing reaches y0 but through R");
    }

    /// <summary>
    /// A clip that binds, on a case small enough to write BPTT out by hand (<see cref="WrittenOutBptt"/>). That BPTT
    /// with the clip off is first matched with the reference's full backward (checked by finite differences in
    /// <see cref="GradientCheckTests"/>), so the clip is the one thing the second comparison can catch: the GRU
    /// case fails a clip of the whole gradient reaching h_{t-1} (its u * dh path included), the LSTM case a clip that
    /// takes in dL/dy_{t-1} or the cell state's path.
    /// </summary>
    [TestCase(CellKind.Gru)]
    [TestCase(CellKind.Lstm)]
    public void RecurrentClip_ClampsOnlyTheGradientThroughR(CellKind cell)
    {
        var p = new RecurrentProblem(cell, 1, 3, 1, 2, 1, DataType.Float64);
        var c = new RecurrentCase(p, seed: 70 + (int)cell, recurrentScale: 2.0, forFiniteDifferences: true);
        const float clip = 0.0625f;  // exact in float32 and float64: the option's float is the bound itself

        var full = BackwardOnTheReference(p, c, RecurrentBackwardOptions.None);
        var fullByHand = WrittenOutBptt(cell, c, 0, out _);
        var clipped = BackwardOnTheReference(p, c, new RecurrentBackwardOptions { RecurrentClip = clip });
        var clippedByHand = WrittenOutBptt(cell, c, clip, out var clamped);

        Assert.That(clamped, Is.InRange(1, 5), "the clip binds on some of the 6 recurrent gradients, not all");
        Assert.Multiple(() =>
        {
            Assert.That(full.DWx, Is.EqualTo(fullByHand.DWx).Within(1e-13), "dWx without the clip: the written-out BPTT is right");
            Assert.That(full.DInitial, Is.EqualTo(fullByHand.DInitial).Within(1e-13), "dInitialStates without the clip");
            Assert.That(clipped.DWx, Is.EqualTo(clippedByHand.DWx).Within(1e-13), "dWx with the clip");
            Assert.That(clipped.DR, Is.EqualTo(clippedByHand.DR).Within(1e-13), "dR with the clip");
            Assert.That(clipped.DBias, Is.EqualTo(clippedByHand.DBias).Within(1e-13), "dBias with the clip");
            Assert.That(clipped.DInitial, Is.EqualTo(clippedByHand.DInitial).Within(1e-13), "dInitialStates with the clip");
        });
    }

    public static IEnumerable<TestCaseData> AccumulateCases() =>
        from cell in Enum.GetValues<CellKind>()
        from truncate in (bool[])[false, true]
        select new TestCaseData(cell, truncate).SetArgDisplayNames(cell.ToString(), truncate ? "truncated" : "full");

    [TestCaseSource(nameof(AccumulateCases))]
    public void Accumulate_AddsTheFreshGradientsToTheExistingOnes_Exactly(CellKind cell, bool truncate)
    {
        var p = new RecurrentProblem(cell, 2, 3, 2, 2, 1, DataType.Float64);
        var c = new RecurrentCase(p, seed: 80 + (int)cell, forFiniteDifferences: true);
        var fresh = BackwardOnTheReference(p, c, new RecurrentBackwardOptions { Truncate = truncate });
        var random = new Random(81);
        var existing = (DWx: TestData.Uniform(random, p.WxLength, 1.0), DR: TestData.Uniform(random, p.RLength, 1.0),
            DBias: TestData.Uniform(random, p.BiasLength, 1.0), DInitial: TestData.Uniform(random, p.StatesLength, 1.0));
        var (dWx, dR, dBias, dInitial) = ((double[])existing.DWx.Clone(), (double[])existing.DR.Clone(),
            (double[])existing.DBias.Clone(), (double[])existing.DInitial.Clone());

        Recurrence.Backward(p, new RecurrentInputs<double>(c.Wx, c.R, c.Bias, c.InitialStates),
            new RecurrentOutputGradients<double>(c.DY, c.DLastStates), new RecurrentInputGradients<double>(dWx, dR, dBias, dInitial), Reference,
            new RecurrentBackwardOptions { Accumulate = true, Truncate = truncate });

        static double[] Sum(double[] a, double[] b) => a.Select((v, k) => v + b[k]).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(dWx, Is.EqualTo(Sum(existing.DWx, fresh.DWx)), "dWx");
            Assert.That(dR, Is.EqualTo(Sum(existing.DR, fresh.DR)), "dR");
            Assert.That(dBias, Is.EqualTo(Sum(existing.DBias, fresh.DBias)), "dBias");
            Assert.That(dInitial, Is.EqualTo(Sum(existing.DInitial, fresh.DInitial)), "dInitialStates");
        });
    }

    private static (double[] DWx, double[] DR, double[] DBias, double[] DInitial) BackwardOnTheReference(RecurrentProblem p, RecurrentCase c,
        RecurrentBackwardOptions options)
    {
        var dWx = new double[p.WxLength];
        var dR = new double[p.RLength];
        var dBias = new double[p.BiasLength];
        var dInitial = new double[p.StatesLength];
        Recurrence.Backward(p, new RecurrentInputs<double>(c.Wx, c.R, c.Bias, c.InitialStates),
            new RecurrentOutputGradients<double>(c.DY, c.DLastStates), new RecurrentInputGradients<double>(dWx, dR, dBias, dInitial), Reference, options);
        return (dWx, dR, dBias, dInitial);
    }

    /// <summary>
    /// y [B, T, H] and the last states [S, B, H] with step t's recurrent product R y_{t-1} reading
    /// <paramref name="held"/>[b, t] instead of the live y_{t-1} (the live one when <paramref name="held"/> is null), and
    /// the inputs it read, [B, T, H]. Each step of each sequence is a one-step problem of its own with R = 0 and the product
    /// added where the cell adds R y: to the input pre-activation, except the GRU's n gate, whose R_n y sits inside the
    /// reset product with b_hn, so it goes to b_hn. Steps past a sequence's length hold its states and give y = 0.
    /// </summary>
    private static (double[] Y, double[] Last, double[] Read) ForwardReadingRecurrentInputs(RecurrentProblem p, double[] wx, double[] r,
        double[] bias, double[] initial, int[] lengths, double[]? held)
    {
        int B = p.Batch, T = p.TimeSteps, G = p.GateCount, S = p.StateCount, NH = p.Heads, D = p.HeadSize, H = p.HiddenSize;
        var step = new RecurrentProblem(p.Cell, 1, 1, NH, D, 1, DataType.Float64);
        var noR = new double[p.RLength];
        var y = new double[p.YLength];
        var last = new double[p.StatesLength];
        var read = new double[p.YLength];
        for (var b = 0; b < B; b++)
        {
            var states = new double[S * H];
            for (var s = 0; s < S; s++)
                Array.Copy(initial, (s * B + b) * H, states, s * H, H);
            for (var t = 0; t < (lengths.Length > 0 ? lengths[b] : T); t++)
            {
                var input = held?.AsSpan((b * T + t) * H, H).ToArray() ?? states[..H];
                input.CopyTo(read, (b * T + t) * H);
                var stepWx = wx.AsSpan((b * T + t) * G * H, G * H).ToArray();
                var stepBias = (double[])bias.Clone();
                for (var g = 0; g < G; g++)
                for (var h = 0; h < NH; h++)
                for (var d = 0; d < D; d++)
                {
                    var product = 0.0;
                    for (var q = 0; q < D; q++)
                        product += r[((g * NH + h) * D + d) * D + q] * input[h * D + q];
                    if (p.Cell == CellKind.Gru && g == 2)
                        stepBias[3 * H + h * D + d] += product;
                    else
                        stepWx[g * H + h * D + d] += product;
                }
                var stepY = new double[H];
                var next = new double[S * H];
                Recurrence.Forward(step, new RecurrentInputs<double>(stepWx, noR, stepBias, states), new RecurrentOutputs<double>(stepY, next), Reference);
                stepY.CopyTo(y, (b * T + t) * H);
                states = next;
            }
            for (var s = 0; s < S; s++)
                Array.Copy(states, s * H, last, (s * B + b) * H, H);
        }
        return (y, last, read);
    }

    /// <summary>
    /// BPTT of one sequence and one head, written out from math.md section 3 (the LSTM's as given there, the GRU's
    /// derived the same way), with the clip where RecurrentBackwardOptions.RecurrentClip puts it: on the recurrent
    /// gradient sum_k R_k^T dg_k reaching y_{t-1}, before dL/dy_{t-1} and the other paths into y_{t-1} (the GRU's
    /// u * dh) join it; the LSTM's cell state path dc f is not clipped. 0: no clip. <paramref name="clamped"/>: how many
    /// recurrent gradient elements the clip changed.
    /// </summary>
    private static (double[] DWx, double[] DR, double[] DBias, double[] DInitial) WrittenOutBptt(CellKind cell, RecurrentCase c, double clip,
        out int clamped)
    {
        var p = c.Problem;
        int T = p.TimeSteps, H = p.HiddenSize, G = p.GateCount;
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        double Rh(int g, int j, double[] h)
        {
            var sum = 0.0;
            for (var q = 0; q < H; q++)
                sum += c.R[(g * H + j) * H + q] * h[q];
            return sum;
        }
        double Pre(int t, int g, int j, double[] h) => c.Wx[(t * G + g) * H + j] + Rh(g, j, h) + c.Bias[g * H + j];

        // Forward, keeping every step's h (and c) before it.
        var hs = new double[T + 1][];
        var cs = new double[T + 1][];
        hs[0] = c.InitialStates[..H];
        cs[0] = cell == CellKind.Lstm ? c.InitialStates[H..(2 * H)] : new double[H];
        for (var t = 0; t < T; t++)
        {
            hs[t + 1] = new double[H];
            cs[t + 1] = new double[H];
            for (var j = 0; j < H; j++)
            {
                if (cell == CellKind.Lstm)
                {
                    double i = Sigmoid(Pre(t, 0, j, hs[t])), f = Sigmoid(Pre(t, 1, j, hs[t]));
                    double z = Math.Tanh(Pre(t, 2, j, hs[t])), o = Sigmoid(Pre(t, 3, j, hs[t]));
                    cs[t + 1][j] = f * cs[t][j] + i * z;
                    hs[t + 1][j] = o * Math.Tanh(cs[t + 1][j]);
                }
                else
                {
                    // Gate n: b_in (bias slot 2) outside the reset product, R_n h + b_hn (slot 3) inside it.
                    double r = Sigmoid(Pre(t, 0, j, hs[t])), u = Sigmoid(Pre(t, 1, j, hs[t]));
                    var n = Math.Tanh(c.Wx[(t * G + 2) * H + j] + c.Bias[2 * H + j] + r * (Rh(2, j, hs[t]) + c.Bias[3 * H + j]));
                    hs[t + 1][j] = (1 - u) * n + u * hs[t][j];
                }
            }
        }

        var dWx = new double[p.WxLength];
        var dR = new double[p.RLength];
        var dBias = new double[p.BiasLength];
        var dh = c.DLastStates[..H];
        var dc = cell == CellKind.Lstm ? c.DLastStates[H..(2 * H)] : new double[H];
        clamped = 0;
        for (var t = T - 1; t >= 0; t--)
        {
            var h = hs[t];
            var dRh = new double[G * H];           // the gradient on R_k y_{t-1}, per gate and unit
            var dhPrev = new double[H];            // the paths into y_{t-1} other than R
            var dcPrev = new double[H];
            for (var j = 0; j < H; j++)
            {
                var dhTotal = dh[j] + c.DY[t * H + j];
                if (cell == CellKind.Lstm)
                {
                    double i = Sigmoid(Pre(t, 0, j, h)), f = Sigmoid(Pre(t, 1, j, h));
                    double z = Math.Tanh(Pre(t, 2, j, h)), o = Sigmoid(Pre(t, 3, j, h));
                    var tanhC = Math.Tanh(cs[t + 1][j]);
                    var dcTotal = dc[j] + dhTotal * o * (1 - tanhC * tanhC);
                    double[] dg = [dcTotal * z * i * (1 - i), dcTotal * cs[t][j] * f * (1 - f), dcTotal * i * (1 - z * z), dhTotal * tanhC * o * (1 - o)];
                    for (var g = 0; g < 4; g++)
                    {
                        dWx[(t * G + g) * H + j] = dg[g];
                        dBias[g * H + j] += dg[g];
                        dRh[g * H + j] = dg[g];
                    }
                    dcPrev[j] = dcTotal * f;
                }
                else
                {
                    double r = Sigmoid(Pre(t, 0, j, h)), u = Sigmoid(Pre(t, 1, j, h));
                    var hiddenN = Rh(2, j, h) + c.Bias[3 * H + j];
                    var n = Math.Tanh(c.Wx[(t * G + 2) * H + j] + c.Bias[2 * H + j] + r * hiddenN);
                    var dPreN = dhTotal * (1 - u) * (1 - n * n);
                    var dPreU = dhTotal * (h[j] - n) * u * (1 - u);
                    var dPreR = dPreN * hiddenN * r * (1 - r);
                    dWx[t * G * H + j] = dPreR;
                    dWx[(t * G + 1) * H + j] = dPreU;
                    dWx[(t * G + 2) * H + j] = dPreN;
                    dBias[j] += dPreR;
                    dBias[H + j] += dPreU;
                    dBias[2 * H + j] += dPreN;
                    dBias[3 * H + j] += dPreN * r;
                    dRh[j] = dPreR;
                    dRh[H + j] = dPreU;
                    dRh[2 * H + j] = dPreN * r;
                    dhPrev[j] = dhTotal * u;
                }
            }
            for (var g = 0; g < G; g++)
            for (var j = 0; j < H; j++)
            for (var q = 0; q < H; q++)
                dR[(g * H + j) * H + q] += dRh[g * H + j] * h[q];
            for (var q = 0; q < H; q++)
            {
                var recurrent = 0.0;
                for (var g = 0; g < G; g++)
                for (var j = 0; j < H; j++)
                    recurrent += c.R[(g * H + j) * H + q] * dRh[g * H + j];
                var bounded = clip > 0 ? Math.Clamp(recurrent, -clip, clip) : recurrent;
                if (bounded != recurrent)
                    clamped++;
                dhPrev[q] += bounded;
            }
            dh = dhPrev;
            dc = dcPrev;
        }
        var dInitial = cell == CellKind.Lstm ? [.. dh, .. dc] : dh;
        return (dWx, dR, dBias, dInitial);
    }
}
