using FastRecurrence.Interop;
using FastRecurrence.Planning;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// fr_scan_forward / fr_scan_backward on contiguous device tensors: a, b, h, dh, da, db [B, T, H, D], h0 and dh0
/// [B, H, D]; fixed-length batches (no cu_seqlens), the legacy default stream, synchronised after the launch so a
/// kernel fault surfaces here with the call's name.
/// </summary>
internal static unsafe class ScanLaunch
{
    public static void Forward(CudaDevice device, KernelPlan plan, ScanProblem problem, FrDeviceMemoryHandle a,
        FrDeviceMemoryHandle b, FrDeviceMemoryHandle? h0, FrDeviceMemoryHandle h)
    {
        using var lease = DeviceMemoryLease.Of(a, b, h0, h);
        using var strings = new NativeStrings();
        var native = NativePlans.ToNative(plan, strings);
        var ta = Sequence(problem, a);
        var tb = Sequence(problem, b);
        var th = Sequence(problem, h);
        var th0 = h0 is null ? default : State(problem, h0);
        FastRecurrenceNativeException.ThrowIfFailed(
            FastRecurrenceNative.FrScanForward(device.Context, &native, &ta, &tb, h0 is null ? null : &th0, &th, null, null, 0, null),
            "fr_scan_forward");
        device.Synchronize();
    }

    public static void Backward(CudaDevice device, KernelPlan plan, ScanProblem problem, FrDeviceMemoryHandle a,
        FrDeviceMemoryHandle h, FrDeviceMemoryHandle? h0, FrDeviceMemoryHandle dh, FrDeviceMemoryHandle da,
        FrDeviceMemoryHandle db, FrDeviceMemoryHandle? dh0)
    {
        using var lease = DeviceMemoryLease.Of(a, h, h0, dh, da, db, dh0);
        using var strings = new NativeStrings();
        var native = NativePlans.ToNative(plan, strings);
        var ta = Sequence(problem, a);
        var th = Sequence(problem, h);
        var tdh = Sequence(problem, dh);
        var tda = Sequence(problem, da);
        var tdb = Sequence(problem, db);
        var th0 = h0 is null ? default : State(problem, h0);
        var tdh0 = dh0 is null ? default : State(problem, dh0);
        FastRecurrenceNativeException.ThrowIfFailed(
            FastRecurrenceNative.FrScanBackward(device.Context, &native, &ta, &th, h0 is null ? null : &th0, &tdh, null,
                &tda, &tdb, dh0 is null ? null : &tdh0, null, 0, null),
            "fr_scan_backward");
        device.Synchronize();
    }

    /// <summary>[B, T, H, D], contiguous.</summary>
    internal static FrTensor Sequence(ScanProblem p, FrDeviceMemoryHandle memory) =>
        Tensor(p.DataType, memory.Pointer, [p.Batch, p.TimeSteps, p.Heads, p.HeadSize]);

    /// <summary>[B, H, D], contiguous.</summary>
    internal static FrTensor State(ScanProblem p, FrDeviceMemoryHandle memory) =>
        Tensor(p.DataType, memory.Pointer, [p.Batch, p.Heads, p.HeadSize]);

    /// <summary>A dense row-major tensor: strides in elements, the last one 1.</summary>
    internal static FrTensor Tensor(DataType type, void* data, ReadOnlySpan<long> shape)
    {
        var tensor = new FrTensor { Data = data, Dtype = NativePlans.Dtype(type), Rank = shape.Length };
        long stride = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            tensor.Shape[i] = shape[i];
            tensor.Strides[i] = stride;
            stride *= shape[i];
        }
        return tensor;
    }
}
