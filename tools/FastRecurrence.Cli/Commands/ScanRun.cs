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
        var output = OutputDirectory.Check(request.OutputDirectory, stdout);
        var a = TensorFile.Read(request.APath, "--a");
        var b = TensorFile.Read(request.BPath, "--b");
        var h0 = TensorFile.ReadOptional(request.H0Path, "--h0");
        var dh = TensorFile.ReadOptional(request.GradOutputPath, "--grad-output");
        var dataType = InputPrecision.Common([a, b, h0, dh]);

        a.RequireRank(4, "[B, T, H, D]");
        a.RequireAxesNotEmpty("[B, T, H, D]", "B", "T", "H", "D");
        int batch = a.Shape[0], steps = a.Shape[1], heads = a.Shape[2], headSize = a.Shape[3];
        b.RequireShape("[B, T, H, D]", "(the shape of a)", batch, steps, heads, headSize);
        h0?.RequireShape("[B, H, D]", batch, heads, headSize);
        dh?.RequireShape("[B, T, H, D]", "(the shape of h)", batch, steps, heads, headSize);

        var problem = new ScanProblem(batch, steps, heads, headSize,
            dataType == NpyDataType.Float32 ? DataType.Float32 : DataType.Float64);
        BackendSupport.Require(backend, problem);
        var files = new ScanFiles(problem, a, b, h0, dh, backend, request.Repeat);
        if (dataType == NpyDataType.Float32)
            Compute<float>(files, output, stdout);
        else
            Compute<double>(files, output, stdout);
    }

    private sealed record ScanFiles(ScanProblem Problem, TensorFile A, TensorFile B, TensorFile? H0, TensorFile? DH,
        IRecurrenceBackend Backend, int Repeat);

    /// <summary>
    /// Computes h (and the gradients with --grad-output), then writes every file, then times the --repeat calls: a run
    /// the library rejects writes nothing, and the timing lines follow the files, as the help says.
    /// </summary>
    private static void Compute<T>(ScanFiles run, OutputDirectory output, TextWriter stdout)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = run.Problem;
        int[] sequenceShape = [p.Batch, p.TimeSteps, p.Heads, p.HeadSize];
        int[] stateShape = [p.Batch, p.Heads, p.HeadSize];
        var a = run.A.Values<T>();
        var b = run.B.Values<T>();
        var h0 = run.H0?.Values<T>();
        var dh = run.DH?.Values<T>();

        var h = new T[p.SequenceLength];
        Scan.Forward(p, new ScanInputs<T>(a, b, h0), h, run.Backend);
        var da = new T[dh is null ? 0 : p.SequenceLength];
        var db = new T[da.Length];
        var dh0 = new T[dh is null ? 0 : p.StateLength];
        if (dh is not null)
            Scan.Backward(p, new ScanInputs<T>(a, b, h0), dh, new ScanGradients<T>(da, db, dh0), run.Backend);

        output.Write("h.npy", h, sequenceShape);
        if (dh is not null)
        {
            output.Write("da.npy", da, sequenceShape);
            output.Write("db.npy", db, sequenceShape);
            output.Write("dh0.npy", dh0, stateShape);
        }

        Timing.Report(stdout, $"scan forward {p}", run.Backend.Name, run.Repeat,
            () => Scan.Forward(p, new ScanInputs<T>(a, b, h0), h, run.Backend));
        if (dh is not null)
            Timing.Report(stdout, $"scan backward {p}", run.Backend.Name, run.Repeat,
                () => Scan.Backward(p, new ScanInputs<T>(a, b, h0), dh, new ScanGradients<T>(da, db, dh0), run.Backend));
    }
}
