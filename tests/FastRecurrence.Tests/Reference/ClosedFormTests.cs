using FastRecurrence.Tests.Support;

namespace FastRecurrence.Tests.Reference;

/// <summary>
/// The reference against formulas written out by hand: zero recurrent weights reduce every cell to a per-step,
/// per-unit formula; heads are independent; the stabilised sLSTM equals the unstabilised one for moderate inputs.
/// </summary>
[TestFixture]
public sealed class ClosedFormTests
{
    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    [TestCase(CellKind.Lstm)]
    [TestCase(CellKind.Gru)]
    [TestCase(CellKind.Elman)]
    [TestCase(CellKind.SLstm)]
    public void ZeroRecurrentWeights_ReduceToPerStepFormula(CellKind cell)
    {
        var p = new RecurrentProblem(cell, 2, 6, 2, 3, 1, DataType.Float64);
        var c = new RecurrentCase(p, seed: 42);
        var zeroR = new double[p.RLength];
        var (y, _, _) = c.Forward(r: zeroR);

        int G = p.GateCount, H = p.HiddenSize, B = p.Batch, T = p.TimeSteps;
        double Gate(int b, int t, int g, int j) => c.Wx[((b * T + t) * G + g) * H + j];
        double State(int s, int b, int j) => c.InitialStates[(s * B + b) * H + j];

        for (var b = 0; b < B; b++)
        for (var j = 0; j < H; j++)
        {
            double h = State(0, b, j), cs = p.StateCount > 1 ? State(1, b, j) : 0;
            double n = cell == CellKind.SLstm ? State(2, b, j) : 0, m = cell == CellKind.SLstm ? State(3, b, j) : 0;
            for (var t = 0; t < T; t++)
            {
                switch (cell)
                {
                    case CellKind.Elman:
                        h = Math.Tanh(Gate(b, t, 0, j) + c.Bias[j]);
                        break;
                    case CellKind.Lstm:
                        cs = Sigmoid(Gate(b, t, 1, j) + c.Bias[H + j]) * cs
                           + Sigmoid(Gate(b, t, 0, j) + c.Bias[j]) * Math.Tanh(Gate(b, t, 2, j) + c.Bias[2 * H + j]);
                        h = Sigmoid(Gate(b, t, 3, j) + c.Bias[3 * H + j]) * Math.Tanh(cs);
                        break;
                    case CellKind.Gru:
                        var r = Sigmoid(Gate(b, t, 0, j) + c.Bias[j]);
                        var u = Sigmoid(Gate(b, t, 1, j) + c.Bias[H + j]);
                        var nn = Math.Tanh(Gate(b, t, 2, j) + c.Bias[2 * H + j] + r * c.Bias[3 * H + j]);
                        h = (1 - u) * nn + u * h;
                        break;
                    case CellKind.SLstm:
                        var gi = Gate(b, t, 0, j) + c.Bias[j];
                        var logF = Math.Log(Sigmoid(Gate(b, t, 1, j) + c.Bias[H + j])) + m;
                        var mNew = Math.Max(gi, logF);
                        cs = Math.Exp(logF - mNew) * cs + Math.Exp(gi - mNew) * Math.Tanh(Gate(b, t, 2, j) + c.Bias[2 * H + j]);
                        n = Math.Exp(logF - mNew) * n + Math.Exp(gi - mNew);
                        m = mNew;
                        h = Sigmoid(Gate(b, t, 3, j) + c.Bias[3 * H + j]) * cs / n;
                        break;
                }
                Assert.That(y[(b * T + t) * H + j], Is.EqualTo(h).Within(1e-12), $"y[b={b}, t={t}, unit={j}]");
            }
        }
    }

    [TestCase(CellKind.Lstm)]
    [TestCase(CellKind.Gru)]
    [TestCase(CellKind.Elman)]
    [TestCase(CellKind.SLstm)]
    public void Heads_AreIndependentRecurrences(CellKind cell)
    {
        // NH = 2 must equal two NH = 1 problems, one per head, on the matching slices of every tensor.
        var p = new RecurrentProblem(cell, 2, 5, 2, 3, 1, DataType.Float64);
        var c = new RecurrentCase(p, seed: 7);
        var (y, last, _) = c.Forward();

        var single = new RecurrentProblem(cell, 2, 5, 1, 3, 1, DataType.Float64);
        int D = p.HeadSize;
        for (var head = 0; head < 2; head++)
        {
            var wx = SliceHead(c.Wx, p.WxLength / (2 * D), head, D);
            var r = SliceHead(c.R, p.RLength / (2 * D * D), head, D * D);
            var bias = SliceHead(c.Bias, p.BiasCount, head, D);
            var init = SliceHead(c.InitialStates, p.StateCount * p.Batch, head, D);
            var ySingle = new double[single.YLength];
            var lastSingle = new double[single.StatesLength];
            Recurrence.Forward(single, new RecurrentInputs<double>(wx, r, bias, init), new RecurrentOutputs<double>(ySingle, lastSingle));
            Assert.That(ySingle, Is.EqualTo(SliceHead(y, p.YLength / (2 * D), head, D)), $"y of head {head}");
            Assert.That(lastSingle, Is.EqualTo(SliceHead(last, p.StatesLength / (2 * D), head, D)), $"last states of head {head}");
        }
    }

    /// <summary>From a tensor whose last two axes are [NH = 2, block], keeps head <paramref name="head"/>.</summary>
    private static double[] SliceHead(double[] tensor, int outer, int head, int block)
    {
        var result = new double[outer * block];
        for (var k = 0; k < outer; k++)
            Array.Copy(tensor, (k * 2 + head) * block, result, k * block, block);
        return result;
    }

    [Test]
    public void SLstm_StabilisedEqualsUnstabilisedForModerateInputs()
    {
        var p = new RecurrentProblem(CellKind.SLstm, 2, 40, 2, 4, 1, DataType.Float64);
        var c = new RecurrentCase(p, seed: 11, withInitialStates: false);
        var (y, _, _) = c.Forward();

        int G = 4, H = p.HiddenSize, B = p.Batch, T = p.TimeSteps, NH = p.Heads, D = p.HeadSize;
        var yPrev = new double[B * H];
        var cs = new double[B * H];
        var n = new double[B * H];
        var maxError = 0.0;
        for (var t = 0; t < T; t++)
        {
            var yNew = new double[B * H];
            for (var b = 0; b < B; b++)
            for (var h = 0; h < NH; h++)
            for (var d = 0; d < D; d++)
            {
                int j = h * D + d;
                var g = new double[G];
                for (var k = 0; k < G; k++)
                {
                    g[k] = c.Wx[((b * T + t) * G + k) * H + j] + c.Bias[k * H + j];
                    for (var q = 0; q < D; q++)
                        g[k] += c.R[((k * NH + h) * D + d) * D + q] * yPrev[b * H + h * D + q];
                }
                // Unstabilised: i = exp(g_i), f = σ(g_f).
                var unit = b * H + j;
                cs[unit] = Sigmoid(g[1]) * cs[unit] + Math.Exp(g[0]) * Math.Tanh(g[2]);
                n[unit] = Sigmoid(g[1]) * n[unit] + Math.Exp(g[0]);
                yNew[unit] = Sigmoid(g[3]) * cs[unit] / n[unit];
                maxError = Math.Max(maxError, Math.Abs(yNew[unit] - y[(b * T + t) * H + j]));
            }
            yPrev = yNew;
        }
        Assert.That(maxError, Error.Below(1e-12));
    }
}
