using FastRecurrence.Interop;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// fr_linear (y = x w^T) on contiguous device tensors: cuBLAS where the library loads it, else kernels/linear.cu; the
/// legacy default stream, synchronised after the call.
/// </summary>
internal static unsafe class LinearLaunch
{
    /// <summary>Returns whether cuBLAS ran.</summary>
    public static bool Run(CudaDevice device, DataType type, FrDeviceMemoryHandle x, FrDeviceMemoryHandle w, FrDeviceMemoryHandle y,
        long rows, long inputSize, long outputs, bool allowCublas)
    {
        using var lease = DeviceMemoryLease.Of(x, w, y);
        var tx = ScanLaunch.Tensor(type, x.Pointer, [rows, inputSize]);
        var tw = ScanLaunch.Tensor(type, w.Pointer, [outputs, inputSize]);
        var ty = ScanLaunch.Tensor(type, y.Pointer, [rows, outputs]);
        int usedCublas = 0;
        FastRecurrenceNativeException.ThrowIfFailed(
            FastRecurrenceNative.FrLinear(device.Context, &tx, &tw, &ty, allowCublas ? 1 : 0, &usedCublas, null), "fr_linear");
        device.Synchronize();
        return usedCublas != 0;
    }
}
