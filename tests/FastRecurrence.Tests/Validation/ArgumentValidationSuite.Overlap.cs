using System.Runtime.InteropServices;

namespace FastRecurrence.Tests.Validation;

/// <summary>
/// No output span shares memory with another argument of its call (decision 0036): an in-place or overlapping call is
/// refused, naming the output and what it overlaps, on every backend (the reference writes outputs while it reads its
/// inputs; the CUDA span backend copies each span apart and downloads the outputs one after another). Inputs may share.
/// </summary>
public abstract partial class ArgumentValidationSuite
{
    private static void ExpectOverlap(string output, string other, TestDelegate call)
    {
        var ex = Assert.Throws<ArgumentException>(call);
        Assert.That(ex!.ParamName, Is.EqualTo(output));
        Assert.That(ex.Message, Does.StartWith($"{output}: expected memory of its own").And.Contain($"overlaps {other};"));
    }

    [Test]
    public void Forward_RejectsOutputsThatOverlapAnotherArgument()
    {
        var b = new Buffers(Lstm);
        int y = Lstm.YLength, states = Lstm.StatesLength, wx = Lstm.WxLength;
        var yAndLast = new float[y + states];
        ExpectOverlap("y", "lastStates", () => Recurrence.Forward(Lstm, new RecurrentInputs<float>(b.Wx, b.R, b.Bias),
            new RecurrentOutputs<float>(yAndLast.AsSpan(0, y), yAndLast.AsSpan(y - 1, states)), Backend));
        var wxAndY = new float[wx + y];
        ExpectOverlap("y", "Wx", () => Recurrence.Forward(Lstm, new RecurrentInputs<float>(wxAndY.AsSpan(0, wx), b.R, b.Bias),
            new RecurrentOutputs<float>(wxAndY.AsSpan(wx - 1, y)), Backend));
        ExpectOverlap("lastStates", "initialStates", () => Recurrence.Forward(Lstm,
            new RecurrentInputs<float>(b.Wx, b.R, b.Bias, b.States), new RecurrentOutputs<float>(b.Y, b.States), Backend));
        ExpectOverlap("y", "allStates", () => Recurrence.Forward(Lstm, new RecurrentInputs<float>(b.Wx, b.R, b.Bias),
            new RecurrentOutputs<float>(b.All.AsSpan(0, y), default, b.All), Backend));
        // lengths (ints) are compared by their bytes
        var lengthsAndY = new int[Lstm.Batch + y];
        lengthsAndY[0] = lengthsAndY[1] = Lstm.TimeSteps;
        ExpectOverlap("y", "lengths", () => Recurrence.Forward(Lstm,
            new RecurrentInputs<float>(b.Wx, b.R, b.Bias, default, lengthsAndY.AsSpan(0, Lstm.Batch)),
            new RecurrentOutputs<float>(MemoryMarshal.Cast<int, float>(lengthsAndY.AsSpan(Lstm.Batch - 1, y))), Backend));
        // disjoint slices of one array are fine
        Assert.DoesNotThrow(() => Recurrence.Forward(Lstm, new RecurrentInputs<float>(b.Wx, b.R, b.Bias),
            new RecurrentOutputs<float>(yAndLast.AsSpan(0, y), yAndLast.AsSpan(y)), Backend));
    }

    [Test]
    public void Backward_RejectsGradientsThatOverlapAnotherArgument()
    {
        var b = new Buffers(Lstm);
        var dy = new float[Lstm.YLength];
        int wx = Lstm.WxLength, r = Lstm.RLength;
        ExpectOverlap("dR", "R", () => Recurrence.Backward(Lstm, new RecurrentInputs<float>(b.Wx, b.R, b.Bias),
            new RecurrentOutputGradients<float>(dy), new RecurrentInputGradients<float>(b.DWx, b.R, b.DBias), Backend));
        ExpectOverlap("dWx", "Wx", () => Recurrence.Backward(Lstm, new RecurrentInputs<float>(b.Wx, b.R, b.Bias),
            new RecurrentOutputGradients<float>(dy), new RecurrentInputGradients<float>(b.Wx, b.DR, b.DBias), Backend));
        var dWxAndDy = new float[wx + Lstm.YLength];
        ExpectOverlap("dWx", "dy", () => Recurrence.Backward(Lstm, new RecurrentInputs<float>(b.Wx, b.R, b.Bias),
            new RecurrentOutputGradients<float>(dWxAndDy.AsSpan(wx - 1, Lstm.YLength)),
            new RecurrentInputGradients<float>(dWxAndDy.AsSpan(0, wx), b.DR, b.DBias), Backend));
        ExpectOverlap("dInitialStates", "dLastStates", () => Recurrence.Backward(Lstm, new RecurrentInputs<float>(b.Wx, b.R, b.Bias),
            new RecurrentOutputGradients<float>(dy, b.States), new RecurrentInputGradients<float>(b.DWx, b.DR, b.DBias, b.States), Backend));
        ExpectOverlap("dBias", "bias", () => Recurrence.Backward(Lstm, new RecurrentInputs<float>(b.Wx, b.R, b.Bias),
            new RecurrentOutputGradients<float>(dy), new RecurrentInputGradients<float>(b.DWx, b.DR, b.Bias), Backend));
        var dRAndDBias = new float[r + Lstm.BiasLength];
        ExpectOverlap("dR", "dBias", () => Recurrence.Backward(Lstm, new RecurrentInputs<float>(b.Wx, b.R, b.Bias),
            new RecurrentOutputGradients<float>(dy),
            new RecurrentInputGradients<float>(b.DWx, dRAndDBias.AsSpan(0, r), dRAndDBias.AsSpan(r - 1, Lstm.BiasLength)), Backend));
    }

    [Test]
    public void Scan_RejectsOutputsThatOverlapAnotherArgument()
    {
        var p = new ScanProblem(2, 5, 3, 4);
        float[] Sequence() => new float[p.SequenceLength];
        float[] a = Sequence(), b = Sequence(), h = Sequence(), dh = Sequence(), da = Sequence(), db = Sequence();
        ExpectOverlap("h", "b", () => Scan.Forward(p, new ScanInputs<float>(a, b), b, Backend));
        ExpectOverlap("h", "h0", () => Scan.Forward(p, new ScanInputs<float>(a, b, h.AsSpan(0, p.StateLength)), h, Backend));
        ExpectOverlap("da", "a", () => Scan.Backward(p, new ScanInputs<float>(a, b), dh, new ScanGradients<float>(a, db), Backend));
        ExpectOverlap("db", "dh", () => Scan.Backward(p, new ScanInputs<float>(a, b), dh, new ScanGradients<float>(da, dh), Backend));
        ExpectOverlap("da", "db", () => Scan.Backward(p, new ScanInputs<float>(a, b), dh, new ScanGradients<float>(da, da), Backend));
        ExpectOverlap("da", "dh0", () => Scan.Backward(p, new ScanInputs<float>(a, b), dh,
            new ScanGradients<float>(da, db, da.AsSpan(p.SequenceLength - p.StateLength)), Backend));
        ExpectOverlap("dh0", "h0", () => Scan.Backward(p, new ScanInputs<float>(a, b, h.AsSpan(0, p.StateLength)), dh,
            new ScanGradients<float>(da, db, h.AsSpan(p.StateLength - 1, p.StateLength)), Backend));
        // inputs may share memory
        Assert.DoesNotThrow(() => Scan.Forward(p, new ScanInputs<float>(a, a), h, Backend));
    }
}
