using System.Numerics;
using FastRecurrence.Cells;

namespace FastRecurrence.Reference;

/// <summary>
/// The CPU reference of every cell: plain loops in the element type T (double is the oracle; float is a
/// genuine fp32 evaluation). Work buffers are allocated once per call, never per step.
/// Arguments are assumed validated (see <see cref="Recurrence"/>).
/// </summary>
internal static class RecurrentReference
{
    public static void Forward<T>(RecurrentProblem p, RecurrentInputs<T> inputs, RecurrentOutputs<T> outputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (p.Cell)
        {
            case CellKind.Lstm: Forward<T, LstmCell<T>>(p, inputs, outputs); break;
            case CellKind.Gru: Forward<T, GruCell<T>>(p, inputs, outputs); break;
            case CellKind.SLstm: Forward<T, SLstmCell<T>>(p, inputs, outputs); break;
            case CellKind.Elman: Forward<T, ElmanCell<T>>(p, inputs, outputs); break;
            default: throw new ArgumentOutOfRangeException(nameof(p), p.Cell, "Unknown cell kind.");
        }
    }

    public static void Backward<T>(RecurrentProblem p, RecurrentInputs<T> inputs, RecurrentOutputGradients<T> outputGradients,
        RecurrentInputGradients<T> gradients, RecurrentBackwardOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= RecurrentBackwardOptions.None;
        if (options.Accumulate)
        {
            // the gradients of this call into fresh buffers, then added to the caller's
            var dWx = new T[gradients.DWx.Length];
            var dR = new T[gradients.DR.Length];
            var dBias = new T[gradients.DBias.Length];
            var dInitial = new T[gradients.DInitialStates.Length];
            Backward(p, inputs, outputGradients, new RecurrentInputGradients<T>(dWx, dR, dBias, dInitial), options with { Accumulate = false });
            AddInto(gradients.DWx, dWx);
            AddInto(gradients.DR, dR);
            AddInto(gradients.DBias, dBias);
            AddInto(gradients.DInitialStates, dInitial);
            return;
        }
        switch (p.Cell)
        {
            case CellKind.Lstm: Backward<T, LstmCell<T>>(p, inputs, outputGradients, gradients, options); break;
            case CellKind.Gru: Backward<T, GruCell<T>>(p, inputs, outputGradients, gradients, options); break;
            case CellKind.SLstm: Backward<T, SLstmCell<T>>(p, inputs, outputGradients, gradients, options); break;
            case CellKind.Elman: Backward<T, ElmanCell<T>>(p, inputs, outputGradients, gradients, options); break;
            default: throw new ArgumentOutOfRangeException(nameof(p), p.Cell, "Unknown cell kind.");
        }
    }

    private static void AddInto<T>(Span<T> target, ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < target.Length; i++)
            target[i] += values[i];
    }

    private static void Forward<T, TCell>(RecurrentProblem p, RecurrentInputs<T> inputs, RecurrentOutputs<T> outputs)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TCell : ICellRule<T>
    {
        int stateLength = p.StatesLength;
        var prev = new T[stateLength];
        var next = new T[stateLength];
        var rh = new T[p.Batch * p.GateCount * p.HiddenSize];
        inputs.InitialStates.CopyTo(prev);

        for (var t = 0; t < p.TimeSteps; t++)
        {
            RecurrentProduct(p, inputs.R, prev, rh);
            Pointwise<T, TCell>(p, t, inputs.Wx, rh, inputs.Bias, prev, next);
            HoldEndedSequences(p, t, inputs.Lengths, prev, next);
            StoreStep(p, t, next, inputs.Lengths, outputs);
            (prev, next) = (next, prev);
        }
        if (!outputs.LastStates.IsEmpty)
            prev.CopyTo(outputs.LastStates);
    }

    private static void Backward<T, TCell>(RecurrentProblem p, RecurrentInputs<T> inputs,
        RecurrentOutputGradients<T> outputGradients, RecurrentInputGradients<T> gradients, RecurrentBackwardOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TCell : ICellRule<T>
    {
        int B = p.Batch, G = p.GateCount, Gb = p.BiasCount, S = p.StateCount, NH = p.Heads, D = p.HeadSize, H = p.HiddenSize;
        int stateLength = p.StatesLength;

        // Replay the forward, keeping every state: states[t] holds the states before step t.
        var states = new T[(p.TimeSteps + 1) * stateLength];
        inputs.InitialStates.CopyTo(states);
        var rh = new T[B * G * H];
        for (var t = 0; t < p.TimeSteps; t++)
        {
            var before = states.AsSpan(t * stateLength, stateLength);
            RecurrentProduct(p, inputs.R, before, rh);
            Pointwise<T, TCell>(p, t, inputs.Wx, rh, inputs.Bias, before, states.AsSpan((t + 1) * stateLength, stateLength));
            HoldEndedSequences(p, t, inputs.Lengths, before, states.AsSpan((t + 1) * stateLength, stateLength));
        }

        gradients.DR.Clear();
        gradients.DBias.Clear();
        var dState = new T[stateLength];
        outputGradients.DLastStates.CopyTo(dState);
        var dPrevState = new T[stateLength];
        var dRh = new T[B * G * H];
        var recurrent = new T[B * H];
        var clip = T.CreateChecked(options.RecurrentClip);

        Span<T> wxUnit = stackalloc T[4], rhUnit = stackalloc T[4], biasUnit = stackalloc T[4];
        Span<T> prevUnit = stackalloc T[4], nextUnit = stackalloc T[4], dNextUnit = stackalloc T[4];
        Span<T> dWxUnit = stackalloc T[4], dRhUnit = stackalloc T[4], dBiasUnit = stackalloc T[4], dPrevUnit = stackalloc T[4];

        for (var t = p.TimeSteps - 1; t >= 0; t--)
        {
            var before = states.AsSpan(t * stateLength, stateLength);
            var after = states.AsSpan((t + 1) * stateLength, stateLength);
            RecurrentProduct(p, inputs.R, before, rh);

            for (var b = 0; b < B; b++)
            for (var j = 0; j < H; j++)
            {
                int unit = b * H + j;
                if (Ended(inputs.Lengths, b, t))
                {
                    // The step did not run for this sequence: no gate gradient, y was a constant zero, and the
                    // state gradients pass through to the step before unchanged.
                    for (var g = 0; g < G; g++)
                    {
                        gradients.DWx[((b * p.TimeSteps + t) * G + g) * H + j] = T.Zero;
                        dRh[(b * G + g) * H + j] = T.Zero;
                    }
                    for (var s = 0; s < S; s++)
                        dPrevState[s * B * H + unit] = dState[s * B * H + unit];
                    continue;
                }
                dState[unit] += outputGradients.DY[(b * p.TimeSteps + t) * H + j];
                GatherUnit(p, t, b, j, inputs.Wx, rh, inputs.Bias, before, wxUnit, rhUnit, biasUnit, prevUnit);
                for (var s = 0; s < S; s++)
                {
                    nextUnit[s] = after[s * B * H + unit];
                    dNextUnit[s] = dState[s * B * H + unit];
                }
                TCell.Backward(wxUnit[..G], rhUnit[..G], biasUnit[..Gb], prevUnit[..S], nextUnit[..S], dNextUnit[..S],
                    dWxUnit[..G], dRhUnit[..G], dBiasUnit[..Gb], dPrevUnit[..S]);
                for (var g = 0; g < G; g++)
                {
                    gradients.DWx[((b * p.TimeSteps + t) * G + g) * H + j] = dWxUnit[g];
                    dRh[(b * G + g) * H + j] = dRhUnit[g];
                }
                for (var g = 0; g < Gb; g++)
                    gradients.DBias[g * H + j] += dBiasUnit[g];
                for (var s = 0; s < S; s++)
                    dPrevState[s * B * H + unit] = dPrevUnit[s];
            }

            // dR[g,h,d,p] += dRh[b,g,h,d] * y_{t-1}[b,h,p];  dy_{t-1}[b,h,p] += sum_{g,d} R[g,h,d,p] * dRh[b,g,h,d]
            // (the recurrent part: summed whole, then clipped, or dropped when truncating).
            recurrent.AsSpan().Clear();
            for (var b = 0; b < B; b++)
            for (var g = 0; g < G; g++)
            for (var h = 0; h < NH; h++)
            for (var d = 0; d < D; d++)
            {
                var grad = dRh[(b * G + g) * H + h * D + d];
                int rRow = ((g * NH + h) * D + d) * D;
                int yBase = b * H + h * D;
                for (var q = 0; q < D; q++)
                {
                    gradients.DR[rRow + q] += grad * before[yBase + q];
                    recurrent[yBase + q] += inputs.R[rRow + q] * grad;
                }
            }
            if (!options.Truncate)
            {
                for (var i = 0; i < recurrent.Length; i++)
                    dPrevState[i] += Clip(recurrent[i], clip);
            }
            (dState, dPrevState) = (dPrevState, dState);
        }
        if (!gradients.DInitialStates.IsEmpty)
            dState.CopyTo(gradients.DInitialStates);
    }

    /// <summary>x clamped to [-clip, clip]; unchanged when clip is 0 (off).</summary>
    private static T Clip<T>(T x, T clip) where T : unmanaged, IFloatingPointIeee754<T> =>
        clip > T.Zero ? T.Clamp(x, -clip, clip) : x;

    /// <summary>rh[b, g, h, d] = sum_p R[g, h, d, p] * y[b, h, p], with y = state 0.</summary>
    private static void RecurrentProduct<T>(RecurrentProblem p, ReadOnlySpan<T> r, ReadOnlySpan<T> states, Span<T> rh)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int G = p.GateCount, NH = p.Heads, D = p.HeadSize, H = p.HiddenSize;
        for (var b = 0; b < p.Batch; b++)
        for (var g = 0; g < G; g++)
        for (var h = 0; h < NH; h++)
        {
            var y = states.Slice(b * H + h * D, D);
            for (var d = 0; d < D; d++)
            {
                var row = r.Slice(((g * NH + h) * D + d) * D, D);
                var sum = T.Zero;
                for (var q = 0; q < D; q++)
                    sum += row[q] * y[q];
                rh[(b * G + g) * H + h * D + d] = sum;
            }
        }
    }

    private static void Pointwise<T, TCell>(RecurrentProblem p, int t, ReadOnlySpan<T> wx, ReadOnlySpan<T> rh,
        ReadOnlySpan<T> bias, ReadOnlySpan<T> prev, Span<T> next)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TCell : ICellRule<T>
    {
        int G = p.GateCount, Gb = p.BiasCount, S = p.StateCount, B = p.Batch, H = p.HiddenSize;
        Span<T> wxUnit = stackalloc T[4], rhUnit = stackalloc T[4], biasUnit = stackalloc T[4];
        Span<T> prevUnit = stackalloc T[4], nextUnit = stackalloc T[4];
        for (var b = 0; b < B; b++)
        for (var j = 0; j < H; j++)
        {
            GatherUnit(p, t, b, j, wx, rh, bias, prev, wxUnit, rhUnit, biasUnit, prevUnit);
            TCell.Forward(wxUnit[..G], rhUnit[..G], biasUnit[..Gb], prevUnit[..S], nextUnit[..S]);
            for (var s = 0; s < S; s++)
                next[s * B * H + b * H + j] = nextUnit[s];
        }
    }

    private static void GatherUnit<T>(RecurrentProblem p, int t, int b, int j, ReadOnlySpan<T> wx, ReadOnlySpan<T> rh,
        ReadOnlySpan<T> bias, ReadOnlySpan<T> states, Span<T> wxUnit, Span<T> rhUnit, Span<T> biasUnit, Span<T> stateUnit)
    {
        int G = p.GateCount, H = p.HiddenSize, B = p.Batch;
        for (var g = 0; g < G; g++)
        {
            wxUnit[g] = wx[((b * p.TimeSteps + t) * G + g) * H + j];
            rhUnit[g] = rh[(b * G + g) * H + j];
        }
        for (var g = 0; g < p.BiasCount; g++)
            biasUnit[g] = bias[g * H + j];
        for (var s = 0; s < p.StateCount; s++)
            stateUnit[s] = states[s * B * H + b * H + j];
    }

    /// <summary>True when step <paramref name="t"/> is at or past sequence <paramref name="b"/>'s length.</summary>
    private static bool Ended(ReadOnlySpan<int> lengths, int b, int t) => !lengths.IsEmpty && t >= lengths[b];

    /// <summary>Sequences that ended before step <paramref name="t"/> keep their states: next = prev for them.</summary>
    private static void HoldEndedSequences<T>(RecurrentProblem p, int t, ReadOnlySpan<int> lengths, ReadOnlySpan<T> prev, Span<T> next)
    {
        int B = p.Batch, H = p.HiddenSize;
        for (var b = 0; b < B; b++)
        {
            if (!Ended(lengths, b, t)) continue;
            for (var s = 0; s < p.StateCount; s++)
                prev.Slice((s * B + b) * H, H).CopyTo(next.Slice((s * B + b) * H, H));
        }
    }

    private static void StoreStep<T>(RecurrentProblem p, int t, ReadOnlySpan<T> states, ReadOnlySpan<int> lengths, RecurrentOutputs<T> outputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int B = p.Batch, H = p.HiddenSize, T_ = p.TimeSteps;
        for (var b = 0; b < B; b++)
        {
            if (Ended(lengths, b, t))
                outputs.Y.Slice((b * T_ + t) * H, H).Clear();
            else
                states.Slice(b * H, H).CopyTo(outputs.Y.Slice((b * T_ + t) * H, H));
        }
        if (outputs.AllStates.IsEmpty)
            return;
        for (var s = 0; s < p.StateCount; s++)
        for (var b = 0; b < B; b++)
            states.Slice((s * B + b) * H, H).CopyTo(outputs.AllStates.Slice(((s * B + b) * T_ + t) * H, H));
    }
}
