using System.Numerics;
using FastRecurrence.Backends;
using FastRecurrence.Cli.Npy;
using FastRecurrence.Cli.Tensors;

namespace FastRecurrence.Cli.Commands;

/// <summary>Executes `scan`: checks the files, runs <see cref="Scan"/> in the inputs' precision, writes h (and the gradients).</summary>
internal static class ScanRun
{
    public static void Execute(ScanRequest request, TextWriter stdout)
    {
        Timing.Check(request.Repeat);
        var backend = BackendChoice.Resolve(request.Backend);
        var a = TensorFile.Read(request.APath, "--a");
        var b = TensorFile.Read(request.BPath, "--b");
        var h0 = TensorFile.ReadOptional(request.H0Path, "--h0");
        var dh = TensorFile.ReadOptional(request.GradOutputPath, "--grad-output");
        var dataType = InputPrecision.Common([a, b, h0, dh]);

        a.RequireRank(4, "[B, T, H, D]");
        int batch = a.Shape[0], steps = a.Shape[1], heads = a.Shape[2], headSize = a.Shape[3];
        b.RequireShape("[B, T, H, D]", "(the shape of a)", batch, steps, heads, headSize);
        h0?.RequireShape("[B, H, D]", batch, heads, headSize);
        dh?.RequireShape("[B, T, H, D]", "(the shape of h)", batch, steps, heads, headSize);

        var problem = new ScanProblem(batch, steps, heads, headSize,
            dataType == NpyDataType.Float32 ? DataType.Float32 : DataType.Float64);
        var files = new ScanFiles(problem, a, b, h0, dh, backend, request.Repeat);
        if (dataType == NpyDataType.Float32)
            Compute<float>(files, request.OutputDirectory, stdout);
        else
            Compute<double>(files, request.OutputDirectory, stdout);
    }

    private sealed record ScanFiles(ScanProblem Problem, TensorFile A, TensorFile B, TensorFile? H0, TensorFile? DH,
        IRecurrenceBackend Backend, int Repeat);

    private static void Compute<T>(ScanFiles run, string outputDirectory, TextWriter stdout)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = run.Problem;
        int[] sequenceShape = [p.Batch, p.TimeSteps, p.Heads, p.HeadSize];
        int[] stateShape = [p.Batch, p.Heads, p.HeadSize];
        var inputs = new ScanInputs<T>(run.A.Values<T>(), run.B.Values<T>(), run.H0 is null ? default : run.H0.Values<T>());

        var h = new T[p.SequenceLength];
        Scan.Forward(p, inputs, h, run.Backend);
        var output = new OutputDirectory(outputDirectory, stdout);
        output.Write("h.npy", h, sequenceShape);
        var a = run.A.Values<T>();
        var b = run.B.Values<T>();
        var h0 = run.H0 is null ? null : run.H0.Values<T>();
        Timing.Report(stdout, $"scan forward {p}", run.Backend.Name, run.Repeat,
            () => Scan.Forward(p, new ScanInputs<T>(a, b, h0), h, run.Backend));

        if (run.DH is null)
            return;
        var da = new T[p.SequenceLength];
        var db = new T[p.SequenceLength];
        var dh0 = new T[p.StateLength];
        Scan.Backward(p, inputs, run.DH.Values<T>(), new ScanGradients<T>(da, db, dh0), run.Backend);
        output.Write("da.npy", da, sequenceShape);
        output.Write("db.npy", db, sequenceShape);
        output.Write("dh0.npy", dh0, stateShape);
        var dhValues = run.DH.Values<T>();
        Timing.Report(stdout, $"scan backward {p}", run.Backend.Name, run.Repeat,
            () => Scan.Backward(p, new ScanInputs<T>(a, b, h0), dhValues, new ScanGradients<T>(da, db, dh0), run.Backend));
    }
}
