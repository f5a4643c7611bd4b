using FastRecurrence.Ilgpu.Kernels;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Ilgpu;
using ILGPU;
using ILGPU.Runtime;

namespace FastRecurrence.Ilgpu;

/// <summary>
/// Host side of the recurrent kernels: copies the caller's spans to the accelerator, launches with the planner's
/// sizes, copies the results back. The backward replays the forward on the accelerator to get every step's states,
/// runs the fused backward, then sums the batch tiles' partial dR and dbias with a small kernel.
/// </summary>
internal static class IlgpuRecurrentRuns
{
    public static void Forward(IlgpuDevice device, RecurrentProblem p, RecurrentInputs<float> inputs, RecurrentOutputs<float> outputs)
    {
        var accelerator = device.Accelerator;
        var plan = IlgpuPlanner.PlanRecurrent(device.Limits, p, PlanDirection.Forward);
        using var wx = Upload(accelerator, inputs.Wx);
        using var r = Upload(accelerator, inputs.R);
        using var bias = Upload(accelerator, inputs.Bias);
        using var initial = inputs.InitialStates.IsEmpty ? accelerator.Allocate1D<float>(1) : Upload(accelerator, inputs.InitialStates);
        using var y = accelerator.Allocate1D<float>(p.YLength);
        using var all = accelerator.Allocate1D<float>(outputs.AllStates.IsEmpty ? 1 : p.AllStatesLength);
        using var last = accelerator.Allocate1D<float>(outputs.LastStates.IsEmpty ? 1 : p.StatesLength);

        using var lengths = UploadLengths(accelerator, inputs.Lengths);
        using var rows = RowScratch(accelerator, p, plan);

        var shape = RecurrentKernelShape.For(p, plan);
        shape.HasInitialStates = inputs.InitialStates.IsEmpty ? 0 : 1;
        shape.WriteAllStates = outputs.AllStates.IsEmpty ? 0 : 1;
        shape.WriteLastStates = outputs.LastStates.IsEmpty ? 0 : 1;
        shape.HasLengths = inputs.Lengths.IsEmpty ? 0 : 1;
        device.Kernels.Forward(p.Cell, plan.RowsInShared)(Config(p, plan), shape, wx.View, r.View, bias.View, initial.View, y.View,
            all.View, last.View, lengths.View, rows.View);
        accelerator.Synchronize();

        Flat(y).CopyToCPU(outputs.Y);
        if (!outputs.AllStates.IsEmpty) Flat(all).CopyToCPU(outputs.AllStates);
        if (!outputs.LastStates.IsEmpty) Flat(last).CopyToCPU(outputs.LastStates);
    }

    public static void Backward(IlgpuDevice device, RecurrentProblem p, RecurrentInputs<float> inputs,
        RecurrentOutputGradients<float> outputGradients, RecurrentInputGradients<float> gradients)
    {
        var accelerator = device.Accelerator;
        var forwardPlan = IlgpuPlanner.PlanRecurrent(device.Limits, p, PlanDirection.Forward);
        var plan = IlgpuPlanner.PlanRecurrent(device.Limits, p, PlanDirection.Backward);
        using var wx = Upload(accelerator, inputs.Wx);
        using var r = Upload(accelerator, inputs.R);
        using var bias = Upload(accelerator, inputs.Bias);
        using var initial = inputs.InitialStates.IsEmpty ? accelerator.Allocate1D<float>(1) : Upload(accelerator, inputs.InitialStates);
        using var dy = Upload(accelerator, outputGradients.DY);
        using var dLast = outputGradients.DLastStates.IsEmpty ? accelerator.Allocate1D<float>(1) : Upload(accelerator, outputGradients.DLastStates);
        using var y = accelerator.Allocate1D<float>(p.YLength);
        using var all = accelerator.Allocate1D<float>(p.AllStatesLength);
        using var unusedLast = accelerator.Allocate1D<float>(1);
        using var lengths = UploadLengths(accelerator, inputs.Lengths);
        using var forwardRows = RowScratch(accelerator, p, forwardPlan);
        using var rows = RowScratch(accelerator, p, plan);

        // the forward's states at every step
        var forwardShape = RecurrentKernelShape.For(p, forwardPlan);
        forwardShape.HasInitialStates = inputs.InitialStates.IsEmpty ? 0 : 1;
        forwardShape.HasLengths = inputs.Lengths.IsEmpty ? 0 : 1;
        forwardShape.WriteAllStates = 1;
        device.Kernels.Forward(p.Cell, forwardPlan.RowsInShared)(Config(p, forwardPlan), forwardShape, wx.View, r.View, bias.View,
            initial.View, y.View, all.View, unusedLast.View, lengths.View, forwardRows.View);

        using var dWx = accelerator.Allocate1D<float>(p.WxLength);
        using var dRPartial = accelerator.Allocate1D<float>((long)plan.BatchTiles * p.RLength);
        using var dBiasPartial = accelerator.Allocate1D<float>((long)plan.BatchTiles * p.BiasLength);
        using var dInitial = accelerator.Allocate1D<float>(gradients.DInitialStates.IsEmpty ? 1 : p.StatesLength);
        var shape = RecurrentKernelShape.For(p, plan);
        shape.HasInitialStates = forwardShape.HasInitialStates;
        shape.HasLastStateGradients = outputGradients.DLastStates.IsEmpty ? 0 : 1;
        shape.WriteInitialGradients = gradients.DInitialStates.IsEmpty ? 0 : 1;
        shape.HasLengths = forwardShape.HasLengths;
        device.Kernels.Backward(p.Cell, plan.RowsInShared)(Config(p, plan), shape, wx.View, r.View, bias.View, initial.View, all.View,
            dy.View, dLast.View, dWx.View, dRPartial.View, dBiasPartial.View, dInitial.View, lengths.View, rows.View);

        using var dR = accelerator.Allocate1D<float>(p.RLength);
        using var dBias = accelerator.Allocate1D<float>(p.BiasLength);
        device.Kernels.SumTiles((int)dR.Length, dRPartial.View, dR.View, plan.BatchTiles);
        device.Kernels.SumTiles((int)dBias.Length, dBiasPartial.View, dBias.View, plan.BatchTiles);
        accelerator.Synchronize();

        Flat(dWx).CopyToCPU(gradients.DWx);
        Flat(dR).CopyToCPU(gradients.DR);
        Flat(dBias).CopyToCPU(gradients.DBias);
        if (!gradients.DInitialStates.IsEmpty) Flat(dInitial).CopyToCPU(gradients.DInitialStates);
    }

    /// <summary>Grid (heads, batch tiles), the plan's group, its dynamic shared memory (at least one float: ILGPU refuses
    /// a request of none, which a plan with its weights and rows in global memory makes).</summary>
    private static KernelConfig Config(RecurrentProblem p, IlgpuRecurrentPlan plan) =>
        new(new Index3D(p.Heads, plan.BatchTiles, 1), new Index3D(plan.GroupSize, 1, 1),
            SharedMemoryConfig.RequestDynamic<float>(Math.Max(1, checked((int)plan.SharedFloats))));

    /// <summary>The per-row buffers of every group, [batch tiles, heads, RowFloats], where the plan puts them in global
    /// memory; else one unused element.</summary>
    private static MemoryBuffer1D<float, Stride1D.Dense> RowScratch(Accelerator accelerator, RecurrentProblem p, IlgpuRecurrentPlan plan) =>
        accelerator.Allocate1D<float>(plan.RowsInShared ? 1 : checked((long)plan.BatchTiles * p.Heads * plan.RowFloats));

    /// <summary>The buffer as a plain contiguous view (what the copies and kernels take).</summary>
    public static ArrayView<float> Flat(MemoryBuffer1D<float, Stride1D.Dense> buffer) => buffer.View;

    /// <summary>The lengths [B] on the accelerator, or one unused element when every sequence runs T steps.</summary>
    private static MemoryBuffer1D<int, Stride1D.Dense> UploadLengths(Accelerator accelerator, ReadOnlySpan<int> host)
    {
        var buffer = accelerator.Allocate1D<int>(Math.Max(1, host.Length));
        ArrayView<int> view = buffer.View;
        if (!host.IsEmpty) view.SubView(0, host.Length).CopyFromCPU(host);
        return buffer;
    }

    public static MemoryBuffer1D<float, Stride1D.Dense> Upload(Accelerator accelerator, ReadOnlySpan<float> host)
    {
        var buffer = accelerator.Allocate1D<float>(Math.Max(1, host.Length));
        if (!host.IsEmpty) Flat(buffer).SubView(0, host.Length).CopyFromCPU(host);
        return buffer;
    }
}
