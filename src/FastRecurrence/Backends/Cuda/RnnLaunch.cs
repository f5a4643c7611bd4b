using FastRecurrence.Interop;
using FastRecurrence.Planning;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// fr_rnn_forward on contiguous device tensors in the layouts of <see cref="RecurrentInputs{T}"/>: wx [B, T, G, NH, D],
/// r [G, NH, D, D], bias [Gb, NH, D], states [S, B, NH, D], y [B, T, NH, D], all states [S, B, T, NH, D]; the legacy
/// default stream, synchronised after the launch so a kernel fault surfaces here with the call's name.
/// </summary>
internal static unsafe class RnnLaunch
{
    public static void Forward(CudaDevice device, KernelPlan plan, RecurrentProblem p, FrDeviceMemoryHandle wx,
        FrDeviceMemoryHandle r, FrDeviceMemoryHandle bias, FrDeviceMemoryHandle? initial, FrDeviceMemoryHandle y,
        FrDeviceMemoryHandle? allStates, FrDeviceMemoryHandle? lastStates)
    {
        using var strings = new NativeStrings();
        var native = NativePlans.ToNative(plan, strings);
        long B = p.Batch, T = p.TimeSteps, G = p.GateCount, Gb = p.BiasCount, S = p.StateCount, NH = p.Heads, D = p.HeadSize;
        var twx = ScanLaunch.Tensor(p.DataType, wx.Pointer, [B, T, G, NH, D]);
        var tr = ScanLaunch.Tensor(p.DataType, r.Pointer, [G, NH, D, D]);
        var tbias = ScanLaunch.Tensor(p.DataType, bias.Pointer, [Gb, NH, D]);
        var ty = ScanLaunch.Tensor(p.DataType, y.Pointer, [B, T, NH, D]);
        var tinitial = initial is null ? default : ScanLaunch.Tensor(p.DataType, initial.Pointer, [S, B, NH, D]);
        var tall = allStates is null ? default : ScanLaunch.Tensor(p.DataType, allStates.Pointer, [S, B, T, NH, D]);
        var tlast = lastStates is null ? default : ScanLaunch.Tensor(p.DataType, lastStates.Pointer, [S, B, NH, D]);
        FastRecurrenceNativeException.ThrowIfFailed(
            FastRecurrenceNative.FrRnnForward(device.Context, &native, &twx, &tr, &tbias, initial is null ? null : &tinitial, &ty,
                allStates is null ? null : &tall, lastStates is null ? null : &tlast, null),
            "fr_rnn_forward");
        device.Synchronize();
    }
}
