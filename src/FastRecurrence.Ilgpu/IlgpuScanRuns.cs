using FastRecurrence.Ilgpu.Kernels;
using FastRecurrence.Planning.Ilgpu;
using ILGPU;
using ILGPU.Runtime;

namespace FastRecurrence.Ilgpu;

/// <summary>Host side of the scan kernels: one warp per (batch, lane) sequence, groups of the plan's warps.</summary>
internal static class IlgpuScanRuns
{
    public static void Forward(IlgpuDevice device, ScanProblem p, ScanInputs<float> inputs, Span<float> h)
    {
        var accelerator = device.Accelerator;
        var plan = IlgpuPlanner.PlanScan(device.Limits, p);
        using var a = IlgpuRecurrentRuns.Upload(accelerator, inputs.A);
        using var b = IlgpuRecurrentRuns.Upload(accelerator, inputs.B);
        using var h0 = IlgpuRecurrentRuns.Upload(accelerator, inputs.H0);
        using var hDevice = accelerator.Allocate1D<float>(p.SequenceLength);
        var shape = Shape(p, !inputs.H0.IsEmpty, writeInitialGradient: false);
        device.Kernels.ScanForward(Config(plan), shape, a.View, b.View, h0.View, hDevice.View);
        accelerator.Synchronize();
        IlgpuRecurrentRuns.Flat(hDevice).CopyToCPU(h);
    }

    public static void Backward(IlgpuDevice device, ScanProblem p, ScanInputs<float> inputs, ReadOnlySpan<float> dh,
        ScanGradients<float> gradients)
    {
        var accelerator = device.Accelerator;
        var plan = IlgpuPlanner.PlanScan(device.Limits, p);
        using var a = IlgpuRecurrentRuns.Upload(accelerator, inputs.A);
        using var b = IlgpuRecurrentRuns.Upload(accelerator, inputs.B);
        using var h0 = IlgpuRecurrentRuns.Upload(accelerator, inputs.H0);
        using var h = accelerator.Allocate1D<float>(p.SequenceLength);
        using var dhDevice = IlgpuRecurrentRuns.Upload(accelerator, dh);
        using var da = accelerator.Allocate1D<float>(p.SequenceLength);
        using var db = accelerator.Allocate1D<float>(p.SequenceLength);
        using var dh0 = accelerator.Allocate1D<float>(Math.Max(1, gradients.DH0.Length));
        var shape = Shape(p, !inputs.H0.IsEmpty, !gradients.DH0.IsEmpty);
        // h_{t-1} for da = delta h_{t-1}: the forward again, on the accelerator
        device.Kernels.ScanForward(Config(plan), shape, a.View, b.View, h0.View, h.View);
        device.Kernels.ScanBackward(Config(plan), shape, a.View, h.View, h0.View, dhDevice.View, da.View, db.View, dh0.View);
        accelerator.Synchronize();
        IlgpuRecurrentRuns.Flat(da).CopyToCPU(gradients.DA);
        IlgpuRecurrentRuns.Flat(db).CopyToCPU(gradients.DB);
        if (!gradients.DH0.IsEmpty) IlgpuRecurrentRuns.Flat(dh0).SubView(0, gradients.DH0.Length).CopyToCPU(gradients.DH0);
    }

    private static ScanKernelShape Shape(ScanProblem p, bool hasInitial, bool writeInitialGradient) => new()
    {
        Batch = p.Batch,
        Steps = p.TimeSteps,
        Lanes = p.Heads * p.HeadSize,
        HasInitial = hasInitial ? 1 : 0,
        WriteInitialGradient = writeInitialGradient ? 1 : 0,
    };

    private static KernelConfig Config(IlgpuScanPlan plan) =>
        new(new Index3D(plan.Groups, 1, 1), new Index3D(plan.GroupSize, 1, 1), SharedMemoryConfig.Empty);
}
