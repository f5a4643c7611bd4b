namespace FastRecurrence.Tests.Support;

/// <summary>
/// PyTorch's documented equations for nn.LSTM, nn.GRU and nn.RNN(tanh), written out step by step on the dense
/// weights with no code shared with the library: the independent check of gate order and bias placement.
/// x [B, T, I] batch-first; weight_ih [G*H, I]; weight_hh [G*H, H]; biases [G*H]; h0, c0 [B, H] or null.
/// </summary>
internal static class PyTorchEquations
{
    public sealed record Result(double[] Y, double[] HN, double[]? CN);

    public static Result Lstm(double[] x, int batch, int steps, int input, int hidden,
        double[] wIh, double[] wHh, double[] bIh, double[] bHh, double[]? h0 = null, double[]? c0 = null)
    {
        var y = new double[batch * steps * hidden];
        var hN = new double[batch * hidden];
        var cN = new double[batch * hidden];
        for (var b = 0; b < batch; b++)
        {
            var h = Initial(h0, b, hidden);
            var c = Initial(c0, b, hidden);
            for (var t = 0; t < steps; t++)
            {
                var xt = x.AsSpan((b * steps + t) * input, input).ToArray();
                var hNew = new double[hidden];
                var cNew = new double[hidden];
                for (var j = 0; j < hidden; j++)
                {
                    // Rows of weight_ih / weight_hh: W_i | W_f | W_g | W_o.
                    var i = Sigmoid(Affine(wIh, bIh, xt, 0 * hidden + j) + Affine(wHh, bHh, h, 0 * hidden + j));
                    var f = Sigmoid(Affine(wIh, bIh, xt, 1 * hidden + j) + Affine(wHh, bHh, h, 1 * hidden + j));
                    var g = Math.Tanh(Affine(wIh, bIh, xt, 2 * hidden + j) + Affine(wHh, bHh, h, 2 * hidden + j));
                    var o = Sigmoid(Affine(wIh, bIh, xt, 3 * hidden + j) + Affine(wHh, bHh, h, 3 * hidden + j));
                    cNew[j] = f * c[j] + i * g;
                    hNew[j] = o * Math.Tanh(cNew[j]);
                }
                h = hNew;
                c = cNew;
                h.CopyTo(y, (b * steps + t) * hidden);
            }
            h.CopyTo(hN, b * hidden);
            c.CopyTo(cN, b * hidden);
        }
        return new Result(y, hN, cN);
    }

    public static Result Gru(double[] x, int batch, int steps, int input, int hidden,
        double[] wIh, double[] wHh, double[] bIh, double[] bHh, double[]? h0 = null)
    {
        var y = new double[batch * steps * hidden];
        var hN = new double[batch * hidden];
        for (var b = 0; b < batch; b++)
        {
            var h = Initial(h0, b, hidden);
            for (var t = 0; t < steps; t++)
            {
                var xt = x.AsSpan((b * steps + t) * input, input).ToArray();
                var hNew = new double[hidden];
                for (var j = 0; j < hidden; j++)
                {
                    // Rows: W_r | W_z | W_n.  n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
                    var r = Sigmoid(Affine(wIh, bIh, xt, 0 * hidden + j) + Affine(wHh, bHh, h, 0 * hidden + j));
                    var z = Sigmoid(Affine(wIh, bIh, xt, 1 * hidden + j) + Affine(wHh, bHh, h, 1 * hidden + j));
                    var n = Math.Tanh(Affine(wIh, bIh, xt, 2 * hidden + j) + r * Affine(wHh, bHh, h, 2 * hidden + j));
                    hNew[j] = (1 - z) * n + z * h[j];
                }
                h = hNew;
                h.CopyTo(y, (b * steps + t) * hidden);
            }
            h.CopyTo(hN, b * hidden);
        }
        return new Result(y, hN, null);
    }

    public static Result Rnn(double[] x, int batch, int steps, int input, int hidden,
        double[] wIh, double[] wHh, double[] bIh, double[] bHh, double[]? h0 = null)
    {
        var y = new double[batch * steps * hidden];
        var hN = new double[batch * hidden];
        for (var b = 0; b < batch; b++)
        {
            var h = Initial(h0, b, hidden);
            for (var t = 0; t < steps; t++)
            {
                var xt = x.AsSpan((b * steps + t) * input, input).ToArray();
                var hNew = new double[hidden];
                for (var j = 0; j < hidden; j++)
                    hNew[j] = Math.Tanh(Affine(wIh, bIh, xt, j) + Affine(wHh, bHh, h, j));
                h = hNew;
                h.CopyTo(y, (b * steps + t) * hidden);
            }
            h.CopyTo(hN, b * hidden);
        }
        return new Result(y, hN, null);
    }

    private static double[] Initial(double[]? state, int b, int hidden) =>
        state is null ? new double[hidden] : state.AsSpan(b * hidden, hidden).ToArray();

    /// <summary>Row <paramref name="row"/> of W times v, plus bias[row].</summary>
    private static double Affine(double[] w, double[] bias, double[] v, int row)
    {
        var sum = bias[row];
        for (var k = 0; k < v.Length; k++)
            sum += w[row * v.Length + k] * v[k];
        return sum;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
