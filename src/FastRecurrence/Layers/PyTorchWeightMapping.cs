using System.Numerics;

namespace FastRecurrence.Layers;

/// <summary>
/// Maps PyTorch's dense layer weights to the low-level layouts and back (math.md section 4).
/// weight_hh row g*H + h*D + d, column h*D + p holds R[g, h, d, p].
/// </summary>
internal static class PyTorchWeightMapping
{
    /// <summary>Extracts R from weight_hh; with several heads, throws if weight_hh has anything outside the diagonal blocks.</summary>
    public static T[] RecurrentFromWeightHh<T>(RecurrentProblem p, ReadOnlySpan<T> weightHh)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int G = p.GateCount, NH = p.Heads, D = p.HeadSize, H = p.HiddenSize;
        var r = new T[p.RLength];
        for (var g = 0; g < G; g++)
        for (var h = 0; h < NH; h++)
        for (var d = 0; d < D; d++)
        {
            var row = weightHh.Slice((g * H + h * D + d) * H, H);
            for (var col = 0; col < H; col++)
            {
                if (col / D == h)
                    r[((g * NH + h) * D + d) * D + col % D] = row[col];
                else if (row[col] != T.Zero)
                    throw new ArgumentException(
                        $"weight_hh: with heads = {NH} the recurrent matrix must be block-diagonal per gate (blocks of {D} x {D}), " +
                        $"but row {g * H + h * D + d}, column {col} (outside head {h}'s block) is {row[col]}; a dense matrix cannot be split into heads.",
                        "weight_hh");
            }
        }
        return r;
    }

    /// <summary>The inverse of <see cref="RecurrentFromWeightHh{T}"/>: R (or dR) as a dense block-diagonal [G*H, H].</summary>
    public static T[] WeightHhFromRecurrent<T>(RecurrentProblem p, ReadOnlySpan<T> r)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int G = p.GateCount, NH = p.Heads, D = p.HeadSize, H = p.HiddenSize;
        var dense = new T[G * H * H];
        for (var g = 0; g < G; g++)
        for (var h = 0; h < NH; h++)
        for (var d = 0; d < D; d++)
            r.Slice(((g * NH + h) * D + d) * D, D).CopyTo(dense.AsSpan((g * H + h * D + d) * H + h * D, D));
        return dense;
    }

    /// <summary>
    /// The low-level bias [Gb, NH, D]: b = bias_ih + bias_hh per gate; for GRU (b_r, b_z, b_in, b_hn),
    /// keeping the two n biases apart.
    /// </summary>
    public static T[] BiasFromPyTorch<T>(RecurrentProblem p, ReadOnlySpan<T> biasIh, ReadOnlySpan<T> biasHh)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int G = p.GateCount, H = p.HiddenSize;
        var bias = new T[p.BiasLength];
        for (var k = 0; k < G * H; k++)
        {
            var ih = biasIh.IsEmpty ? T.Zero : biasIh[k];
            var hh = biasHh.IsEmpty ? T.Zero : biasHh[k];
            if (p.Cell == CellKind.Gru && k >= 2 * H)
            {
                bias[k] = ih;       // b_in
                bias[k + H] = hh;   // b_hn
            }
            else
                bias[k] = ih + hh;
        }
        return bias;
    }

    /// <summary>Splits the low-level dBias into PyTorch's d_bias_ih and d_bias_hh.</summary>
    public static (T[] DBiasIh, T[] DBiasHh) BiasGradientsToPyTorch<T>(RecurrentProblem p, ReadOnlySpan<T> dBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int G = p.GateCount, H = p.HiddenSize;
        var dIh = dBias[..(G * H)].ToArray();
        var dHh = dBias[..(G * H)].ToArray();
        if (p.Cell == CellKind.Gru)
            dBias.Slice(3 * H, H).CopyTo(dHh.AsSpan(2 * H, H));
        return (dIh, dHh);
    }
}
