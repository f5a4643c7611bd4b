using FastRecurrence.Backends;
using FastRecurrence;
using FastRecurrence.Layers;
using FastRecurrence.Backends.Cuda;
using System.Runtime.CompilerServices;

namespace FastRecurrence.Tests.Documentation;

/// <summary>
/// The C# example of README.md ("Using it from C#") compiles, because <see cref="ReadmeExample"/> holds it verbatim
/// (TheReadmesCSharpExample_IsTheOneCompiledHere holds the two the same), and runs where the cuda backend is available.
/// </summary>
[TestFixture]
public sealed class ReadmeExampleTests
{
    [Test]
    public void TheReadmesCSharpExample_CompilesAndRuns()
    {
        // the example names "cuda", a GPU backend; elsewhere compiling it is the check
        var cuda = RecurrenceBackends.Get("cuda");
        if (!cuda.Availability.IsAvailable)
            Assert.Ignore($"compiled; running it needs the cuda backend: {cuda.Availability.Reason}");
        Assert.DoesNotThrow(ReadmeExample);
    }

    [Test]
    public void TheReadmesCSharpExample_IsTheOneCompiledHere() => Assert.That(ExampleHere(), Is.EqualTo(ExampleInReadme()));

    /// <summary>The README's ```csharp block: its statements and comments, trimmed (its using directives are this file's).</summary>
    private static List<string> ExampleInReadme([CallerFilePath] string here = "")
    {
        var readme = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "README.md"));
        var start = Array.FindIndex(readme, line => line.Trim() == "```csharp");
        Assert.That(start, Is.GreaterThanOrEqualTo(0), "README.md has no ```csharp block");
        var end = Array.FindIndex(readme, start + 1, line => line.Trim() == "```");
        return [.. readme[(start + 1)..end].Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith("using FastRecurrence", StringComparison.Ordinal))];
    }

    /// <summary>The lines of <see cref="ReadmeExample"/> after its "verbatim" marker, trimmed.</summary>
    private static List<string> ExampleHere([CallerFilePath] string here = "")
    {
        var lines = File.ReadAllLines(here);
        var start = Array.FindIndex(lines, line => line.Trim() == "// README.md from here, verbatim:");
        var end = Array.FindIndex(lines, start + 1, line => line == "    }");
        return [.. lines[(start + 1)..end].Select(line => line.Trim()).Where(line => line.Length > 0)];
    }

    /// <summary>The README's variables, sized for its shapes (zeros: the example shows the calls, not the values).</summary>
    private static void ReadmeExample()
    {
        const int B = 4, T = 128, H = 64, I = 64, G = 4;
        float[] wx = new float[B * T * G * H], r = new float[G * 2 * 32 * 32], b = new float[G * H], initialStates = new float[2 * B * H];
        float[] y = new float[B * T * H], lastStates = new float[2 * B * H], dy = new float[B * T * H];
        float[] dWx = new float[wx.Length], dR = new float[r.Length], dB = new float[b.Length], dInitialStates = new float[initialStates.Length];
        float[] weightIh = new float[G * H * I], weightHh = new float[G * H * H], biasIh = new float[G * H], biasHh = new float[G * H];
        float[] x = new float[B * T * I], stackedDy = new float[B * T * 2 * H];
        var namedParameters = new Dictionary<string, float[]>();
        foreach (var (level, input) in new[] { ("l0", I), ("l1", 2 * H) })
        foreach (var suffix in new[] { "", "_reverse" })
        {
            namedParameters[$"weight_ih_{level}{suffix}"] = new float[G * H * input];
            namedParameters[$"weight_hh_{level}{suffix}"] = new float[G * H * H];
            namedParameters[$"bias_ih_{level}{suffix}"] = new float[G * H];
            namedParameters[$"bias_hh_{level}{suffix}"] = new float[G * H];
        }
        int[] cuSeqlens = [0, 3, 5];
        float[] packedX = new float[5 * I];
        float[] a = new float[8 * 1024 * 4 * 64], bb = new float[a.Length], h0 = new float[8 * 4 * 64], h = new float[a.Length];

        // README.md from here, verbatim:
        // Low level: precomputed Wx, R, b (FlashRNN layouts).
        var problem = new RecurrentProblem(CellKind.Lstm, batch: 4, timeSteps: 128, heads: 2, headSize: 32, inputSize: 64);
        Recurrence.Forward(problem, new RecurrentInputs<float>(wx, r, b, initialStates), new RecurrentOutputs<float>(y, lastStates));
        Recurrence.Backward(problem, new RecurrentInputs<float>(wx, r, b, initialStates),
            new RecurrentOutputGradients<float>(dy), new RecurrentInputGradients<float>(dWx, dR, dB, dInitialStates),
            options: new RecurrentBackwardOptions { RecurrentClip = 1f, Truncate = false, Accumulate = false });

        // Training on the device (cuda, or cuda-emulated on the CPU): buffers stay on the device between calls.
        using var rnn = CudaRecurrence.Create(problem, "cuda");   // disposing frees its packing scratch
        rnn.Prepare();   // compiles and loads its kernels now (optional: else the first call does)
        var inputs = new DeviceRecurrentInputs<float>(rnn.Upload<float>(wx), rnn.Upload<float>(r), rnn.Upload<float>(b));
        using var deviceY = rnn.Allocate<float>(problem.YLength);
        using var reserve = rnn.AllocateReserve();                    // fp32, what the backward reads
        rnn.Forward(inputs, deviceY, reserve: reserve);                // the training forward
        using var deviceDy = rnn.Upload<float>(dy);
        var deviceGrads = new DeviceRecurrentGradients<float>(rnn.Allocate<float>(problem.WxLength), rnn.Allocate<float>(problem.RLength),
            rnn.Allocate<float>(problem.BiasLength));
        rnn.Backward(inputs, deviceY, reserve, deviceDy, deviceGrads);  // writes the gradients (Allocate leaves memory uninitialised)
        // Later backwards may add into them instead (micro-batches): options: new RecurrentBackwardOptions { Accumulate = true }.
        // To accumulate from the first backward on, zero fresh buffers first: deviceGrads.DWx.Clear() etc.
        // Inference with fixed weights: R packed once in the forward plan's layout (plans that stream R tiles from L2 are
        // otherwise packed on every call; decision 0024). Pack again after R changes.
        using var packedR = rnn.PackRecurrent(inputs.R);
        rnn.Forward(inputs with { PackedR = packedR }, deviceY);

        // Layer level: PyTorch nn.LSTM weights, x [B, T, I].
        var layer = new RecurrentLayer<float>(CellKind.Lstm, inputSize: 64, hiddenSize: 64,
            new RecurrentLayerWeights<float>(weightIh, weightHh, biasIh, biasHh));
        var output = layer.Forward(x, batch: 4, timeSteps: 128);     // output.Y, output.HN, output.State(1) = c_n
        var layerGrads = layer.Backward(x, 4, 128, dy);              // .DInput, DWeightIh, DWeightHh, DBiasIh, ...

        // Stacked and bidirectional layers, as nn.LSTM(num_layers=2, bidirectional=True, dropout=0.1): weights by PyTorch's
        // names (weight_ih_l0, weight_hh_l1_reverse, ...), y [B, T, 2H], states [S, layers*2, B, H] (h_n, then c_n).
        var layers = new StackedRecurrentLayers<float>(CellKind.Lstm, inputSize: 64, hiddenSize: 64,
            StackedLayersWeights.FromNamedParameters(namedParameters, numLayers: 2, bidirectional: true),
            new StackedLayersOptions { NumLayers = 2, Bidirectional = true, Dropout = 0.1, DropoutSeed = 42 });
        var stacked = layers.Forward(x, 4, 128, training: true, lengths: [128, 90, 17, 64]);  // stacked.Y, stacked.HN
        var stackedGrads = layers.Backward(stacked, stackedDy);  // dL/dy [B, T, 2H]; .DInput, .Weights["weight_ih_l1"]
        var (padded, lengths, maxSteps) = PackedSequences.Pad<float>(packedX, cuSeqlens, features: 64);  // packed rows -> [B, T, I]

        // The scan h_t = a_t h_{t-1} + b_t on [B, T, H, D] (CudaScan: the same on device buffers).
        Scan.Forward(new ScanProblem(8, 1024, 4, 64), new ScanInputs<float>(a, bb, h0), h);
    }
}
