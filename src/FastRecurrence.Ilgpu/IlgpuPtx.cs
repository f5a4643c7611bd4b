using System.Reflection;
using FastRecurrence.Ilgpu.Cells;
using FastRecurrence.Ilgpu.Kernels;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace FastRecurrence.Ilgpu;

/// <summary>One kernel as ILGPU's PTX backend emits it.</summary>
public sealed record IlgpuPtxKernel(string Name, string Ptx);

/// <summary>
/// Every ILGPU kernel of this backend compiled to PTX with ILGPU's PTX backend, with no GPU and no driver: what CI
/// checks so that the ilgpu-cuda path is compiled even where it cannot run. (ILGPU 1.5 writes ".target sm_80" for
/// every architecture from sm_80 on; the instruction set version is the one asked for.)
/// </summary>
public static class IlgpuPtx
{
    /// <summary>The PTX of every kernel for sm_{major}{minor} (70 .. 90), PTX ISA 7.8.</summary>
    public static IReadOnlyList<IlgpuPtxKernel> CompileAll(int major, int minor)
    {
        var architecture = new CudaArchitecture(major, minor);
        using var context = Context.Create(builder => builder.EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, CudaInstructionSet.ISA_78, null);
        var kernels = new List<IlgpuPtxKernel>();
        foreach (var (name, method, explicitlyGrouped) in Kernels())
        {
            var entry = explicitlyGrouped
                ? EntryPointDescription.FromExplicitlyGroupedKernel(method)
                : EntryPointDescription.FromImplicitlyGroupedKernel(method);
            var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
            kernels.Add(new IlgpuPtxKernel(name, compiled.PTXAssembly));
        }
        return kernels;
    }

    private static IEnumerable<(string Name, MethodInfo Method, bool Explicit)> Kernels()
    {
        var cells = new (string Name, Type Type)[]
        {
            ("lstm", typeof(LstmIlgpuCell)), ("gru", typeof(GruIlgpuCell)), ("slstm", typeof(SLstmIlgpuCell)), ("elman", typeof(ElmanIlgpuCell)),
        };
        var forward = typeof(RecurrentForwardKernel).GetMethod(nameof(RecurrentForwardKernel.Run))!;
        var backward = typeof(RecurrentBackwardKernel).GetMethod(nameof(RecurrentBackwardKernel.Run))!;
        foreach (var (name, type) in cells)
        {
            yield return ($"{name} forward", forward.MakeGenericMethod(type, typeof(SharedRows)), true);
            yield return ($"{name} backward", backward.MakeGenericMethod(type, typeof(SharedRows)), true);
            yield return ($"{name} forward, rows in global", forward.MakeGenericMethod(type, typeof(GlobalRows)), true);
            yield return ($"{name} backward, rows in global", backward.MakeGenericMethod(type, typeof(GlobalRows)), true);
        }
        yield return ("scan forward", typeof(ScanKernels).GetMethod(nameof(ScanKernels.Forward))!, true);
        yield return ("scan backward", typeof(ScanKernels).GetMethod(nameof(ScanKernels.Backward))!, true);
        yield return ("sum tiles", typeof(SumTilesKernel).GetMethod(nameof(SumTilesKernel.Run))!, false);
    }
}
