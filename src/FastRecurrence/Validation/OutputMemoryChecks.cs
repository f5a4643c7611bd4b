using System.Runtime.InteropServices;

namespace FastRecurrence.Validation;

/// <summary>
/// No output span of a call shares an element with another span of the call (the rule the C ABI holds device memory
/// to, decision 0029). The span API needs it of its own: the reference backend never reaches the C ABI and writes an
/// output while it still reads the inputs, and the CUDA span backend copies every span to a buffer of its own and
/// downloads the outputs one after another, so an output over an input, or two outputs over each other, gave wrong
/// numbers and no error (decision 0036). Inputs may share memory with each other: they are only read.
/// </summary>
internal static class OutputMemoryChecks
{
    public static void Forward<T>(RecurrentInputs<T> inputs, RecurrentOutputs<T> outputs) where T : unmanaged
    {
        ReadOnlySpan<byte> y = Bytes<T>(outputs.Y), last = Bytes<T>(outputs.LastStates), all = Bytes<T>(outputs.AllStates);
        AgainstInputs("y", y, inputs);
        AgainstInputs("lastStates", last, inputs);
        AgainstInputs("allStates", all, inputs);
        Apart("y", y, "lastStates", last);
        Apart("y", y, "allStates", all);
        Apart("lastStates", last, "allStates", all);
    }

    public static void Backward<T>(RecurrentInputs<T> inputs, RecurrentOutputGradients<T> outputGradients,
        RecurrentInputGradients<T> gradients) where T : unmanaged
    {
        ReadOnlySpan<byte> dWx = Bytes<T>(gradients.DWx), dR = Bytes<T>(gradients.DR), dBias = Bytes<T>(gradients.DBias),
            dInitial = Bytes<T>(gradients.DInitialStates);
        AgainstBackwardInputs("dWx", dWx, inputs, outputGradients);
        AgainstBackwardInputs("dR", dR, inputs, outputGradients);
        AgainstBackwardInputs("dBias", dBias, inputs, outputGradients);
        AgainstBackwardInputs("dInitialStates", dInitial, inputs, outputGradients);
        Apart("dWx", dWx, "dR", dR);
        Apart("dWx", dWx, "dBias", dBias);
        Apart("dWx", dWx, "dInitialStates", dInitial);
        Apart("dR", dR, "dBias", dBias);
        Apart("dR", dR, "dInitialStates", dInitial);
        Apart("dBias", dBias, "dInitialStates", dInitial);
    }

    public static void ScanForward<T>(ScanInputs<T> inputs, Span<T> h) where T : unmanaged =>
        AgainstScanInputs("h", Bytes<T>(h), inputs);

    public static void ScanBackward<T>(ScanInputs<T> inputs, ReadOnlySpan<T> dh, ScanGradients<T> gradients) where T : unmanaged
    {
        ReadOnlySpan<byte> da = Bytes<T>(gradients.DA), db = Bytes<T>(gradients.DB), dh0 = Bytes<T>(gradients.DH0);
        ReadOnlySpan<byte> dhBytes = Bytes(dh);
        AgainstScanInputs("da", da, inputs);
        AgainstScanInputs("db", db, inputs);
        AgainstScanInputs("dh0", dh0, inputs);
        Apart("da", da, "dh", dhBytes);
        Apart("db", db, "dh", dhBytes);
        Apart("dh0", dh0, "dh", dhBytes);
        Apart("da", da, "db", db);
        Apart("da", da, "dh0", dh0);
        Apart("db", db, "dh0", dh0);
    }

    private static void AgainstInputs<T>(string output, ReadOnlySpan<byte> bytes, RecurrentInputs<T> inputs) where T : unmanaged
    {
        Apart(output, bytes, "Wx", Bytes(inputs.Wx));
        Apart(output, bytes, "R", Bytes(inputs.R));
        Apart(output, bytes, "bias", Bytes(inputs.Bias));
        Apart(output, bytes, "initialStates", Bytes(inputs.InitialStates));
        Apart(output, bytes, "lengths", Bytes(inputs.Lengths));
    }

    private static void AgainstBackwardInputs<T>(string output, ReadOnlySpan<byte> bytes, RecurrentInputs<T> inputs,
        RecurrentOutputGradients<T> outputGradients) where T : unmanaged
    {
        AgainstInputs(output, bytes, inputs);
        Apart(output, bytes, "dy", Bytes(outputGradients.DY));
        Apart(output, bytes, "dLastStates", Bytes(outputGradients.DLastStates));
    }

    private static void AgainstScanInputs<T>(string output, ReadOnlySpan<byte> bytes, ScanInputs<T> inputs) where T : unmanaged
    {
        Apart(output, bytes, "a", Bytes(inputs.A));
        Apart(output, bytes, "b", Bytes(inputs.B));
        Apart(output, bytes, "h0", Bytes(inputs.H0));
    }

    private static ReadOnlySpan<byte> Bytes<T>(ReadOnlySpan<T> span) where T : unmanaged => MemoryMarshal.AsBytes(span);

    private static void Apart(string output, ReadOnlySpan<byte> outputBytes, string other, ReadOnlySpan<byte> otherBytes)
    {
        if (outputBytes.IsEmpty || otherBytes.IsEmpty || !outputBytes.Overlaps(otherBytes)) return;
        throw new ArgumentException(
            $"{output}: expected memory of its own (an output shares no element with another argument of the call), got a " +
            $"span that overlaps {other}; pass separate arrays (in-place calls are not supported).", output);
    }
}
