using System.Numerics;

namespace FastRecurrence.Layers;

/// <summary>
/// PyTorch's LSTM projection (proj_size P &lt; H) expressed over the unprojected LSTM the kernels run (decision 0020).
/// PyTorch's cell: gates_t = W_ih x_t + b + W_hh h_{t-1}, m_t = o * tanh(c_t), h_t = W_hr m_t with W_hh [4H, P] and
/// W_hr [P, H]. Since h_{t-1} is linear in m_{t-1}, W_hh h_{t-1} = (W_hh W_hr) m_{t-1}: the kernels run a plain LSTM
/// over m with the folded recurrent matrix W_hh W_hr [4H, H] from m_0 = 0, the given h_0's term W_hh h_0 is added to
/// step 0's input pre-activations, and y = m W_hr^T is one GEMM over all steps after the recurrence.
/// </summary>
/// <remarks>All products accumulate in float64 and round once to T.</remarks>
internal sealed class LstmProjection<T>(T[] weightHh, T[] weightHr, int gateRows, int hiddenSize, int projSize)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>W_hh W_hr, [4H, H]: the recurrent matrix over m.</summary>
    public T[] FoldedWeightHh() => Product(weightHh, gateRows, projSize, false, weightHr, projSize, hiddenSize, false);

    /// <summary>Adds W_hh h_0[b] to step 0's pre-activations of every sequence of wx [B, T, 4H].</summary>
    public void AddInitialTerm(Span<T> wx, ReadOnlySpan<T> h0, int batch, int timeSteps)
    {
        var term = Product(h0, batch, projSize, false, weightHh, gateRows, projSize, true);
        for (var b = 0; b < batch; b++)
        {
            var row = wx.Slice(b * timeSteps * gateRows, gateRows);
            for (var g = 0; g < gateRows; g++)
                row[g] = T.CreateTruncating(double.CreateTruncating(row[g]) + double.CreateTruncating(term[b * gateRows + g]));
        }
    }

    /// <summary>h = m W_hr^T: [rows, H] to [rows, P].</summary>
    public T[] Project(ReadOnlySpan<T> m, int rows) => Product(m, rows, hiddenSize, false, weightHr, projSize, hiddenSize, true);

    /// <summary>dL/dm = dL/dh W_hr: [rows, P] to [rows, H].</summary>
    public T[] ProjectGradient(ReadOnlySpan<T> dh, int rows) => Product(dh, rows, projSize, false, weightHr, projSize, hiddenSize, false);

    /// <summary>
    /// The PyTorch-named gradients from the folded recurrence's: dW_hh = dR' W_hr^T + sum_b dg_0[b] h_0[b]^T and
    /// dW_hr = W_hh^T dR' + sum over projected rows of dh^T m, where dR' [4H, H] is the gradient of W_hh W_hr and dg_0
    /// [B, 4H] the step-0 pre-activation gradients (which also carry the initial term). With
    /// <paramref name="truncated"/> (truncated BPTT) dW_hr has no W_hh^T dR' term: that term is the gradient reaching
    /// each h_{t-1} through W_hh, passed on to the W_hr that made it, and truncation lets none through.
    /// </summary>
    public (T[] DWeightHh, T[] DWeightHr) WeightGradients(ReadOnlySpan<T> dFolded, ReadOnlySpan<T> dGates0, ReadOnlySpan<T> h0, int batch,
        ReadOnlySpan<T> dh, ReadOnlySpan<T> m, int rows, bool truncated)
    {
        var dWeightHh = Product(dFolded, gateRows, hiddenSize, false, weightHr, projSize, hiddenSize, true);
        if (!h0.IsEmpty)
            Add(dWeightHh, Product(dGates0, batch, gateRows, true, h0, batch, projSize, false));
        var dWeightHr = Product(dh, rows, projSize, true, m, rows, hiddenSize, false);
        if (!truncated)
            Add(dWeightHr, Product(weightHh, gateRows, projSize, true, dFolded, gateRows, hiddenSize, false));
        return (dWeightHh, dWeightHr);
    }

    /// <summary>dL/dh_0 [B, P] = dg_0 W_hh: the gradient reaching h_0 through step 0's recurrent term.</summary>
    public T[] InitialGradient(ReadOnlySpan<T> dGates0, int batch) => Product(dGates0, batch, gateRows, false, weightHh, gateRows, projSize, false);

    private static void Add(Span<T> target, ReadOnlySpan<T> values)
    {
        for (var i = 0; i < target.Length; i++)
            target[i] += values[i];
    }

    /// <summary>op(A) op(B) for row-major A [aRows, aCols] and B [bRows, bCols], op = transpose when asked.</summary>
    private static T[] Product(ReadOnlySpan<T> a, int aRows, int aCols, bool transposeA, ReadOnlySpan<T> b, int bRows, int bCols, bool transposeB)
    {
        int m = transposeA ? aCols : aRows, k = transposeA ? aRows : aCols, n = transposeB ? bRows : bCols;
        var result = new T[m * n];
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
        {
            var sum = 0.0;
            for (var p = 0; p < k; p++)
            {
                var av = transposeA ? a[p * aCols + i] : a[i * aCols + p];
                var bv = transposeB ? b[j * bCols + p] : b[p * bCols + j];
                sum += double.CreateTruncating(av) * double.CreateTruncating(bv);
            }
            result[i * n + j] = T.CreateTruncating(sum);
        }
        return result;
    }
}
