using System.Runtime.InteropServices;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// Keeps device memory allocated while a native call (and the synchronisation after it) uses it. A tensor carries a
/// handle's raw address, which does not keep the handle reachable: without a lease the garbage collector may finalize
/// (fr_free) a buffer the caller no longer references, such as an upload passed straight into the call, while its
/// kernel runs, and another thread's Dispose may free one mid-call. Leasing a disposed handle throws
/// ObjectDisposedException.
/// </summary>
internal readonly struct DeviceMemoryLease : IDisposable
{
    private readonly SafeHandle[]? _held;

    private DeviceMemoryLease(SafeHandle[] held) => _held = held;

    /// <summary>Holds every handle that is not null (a handle may appear more than once).</summary>
    public static DeviceMemoryLease Of(params ReadOnlySpan<SafeHandle?> handles)
    {
        var held = new List<SafeHandle>(handles.Length);
        try
        {
            foreach (var handle in handles)
            {
                if (handle is null) continue;
                var added = false;
                handle.DangerousAddRef(ref added);
                if (added) held.Add(handle);
            }
        }
        catch
        {
            foreach (var handle in held) handle.DangerousRelease();
            throw;
        }
        return new DeviceMemoryLease([.. held]);
    }

    public void Dispose()
    {
        foreach (var handle in _held ?? []) handle.DangerousRelease();
    }
}
