using Microsoft.Win32.SafeHandles;

namespace FastRecurrence.Interop;

/// <summary>An fr_context (a device's retained primary context), destroyed with fr_context_destroy.</summary>
public sealed class FrContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>An invalid (NULL) handle; passing it to an entry point passes NULL.</summary>
    public FrContextHandle() : base(ownsHandle: true)
    {
    }

    /// <summary>fr_context_create(ordinal): throws <see cref="FastRecurrenceNativeException"/> on failure.</summary>
    public static unsafe FrContextHandle Create(int ordinal)
    {
        // Allocated before the call, so a created context is always owned by a handle.
        var context = new FrContextHandle();
        nint raw = 0;
        var status = FastRecurrenceNative.FrContextCreate(ordinal, &raw);
        if (raw != 0) context.SetHandle(raw);
        if (status != FrStatus.Ok)
        {
            // The message first: releasing a handle is a native call, which replaces this thread's last error.
            var error = FastRecurrenceNativeException.FromLastError(status, "fr_context_create");
            context.Dispose();
            throw error;
        }
        return context;
    }

    /// <summary>fr_emulation_context_create(options): throws <see cref="FastRecurrenceNativeException"/> on failure.</summary>
    public static unsafe FrContextHandle CreateEmulated(in FrEmulationOptions options)
    {
        var context = new FrContextHandle();
        nint raw = 0;
        FrStatus status;
        fixed (FrEmulationOptions* pointer = &options)
            status = FastRecurrenceNative.FrEmulationContextCreate(pointer, &raw);
        if (raw != 0) context.SetHandle(raw);
        if (status != FrStatus.Ok)
        {
            var error = FastRecurrenceNativeException.FromLastError(status, "fr_emulation_context_create");
            context.Dispose();
            throw error;
        }
        return context;
    }

    protected override bool ReleaseHandle() => FastRecurrenceNative.FrContextDestroy(handle) == FrStatus.Ok;
}

/// <summary>An fr_module (a loaded cubin), unloaded with fr_module_unload; keeps its context alive until then.</summary>
public sealed class FrModuleHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private FrContextHandle? _context;

    /// <summary>An invalid (NULL) handle; passing it to an entry point passes NULL.</summary>
    public FrModuleHandle() : base(ownsHandle: true)
    {
    }

    /// <summary>fr_module_load(context, options): throws <see cref="FastRecurrenceNativeException"/> on failure.</summary>
    public static unsafe FrModuleHandle Load(FrContextHandle context, in FrCompileOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        var module = new FrModuleHandle();
        var addedRef = false;
        context.DangerousAddRef(ref addedRef);
        nint raw = 0;
        FrStatus status;
        try
        {
            fixed (FrCompileOptions* pointer = &options)
                status = FastRecurrenceNative.FrModuleLoad(context, pointer, &raw);
        }
        catch
        {
            context.DangerousRelease(); // the call itself failed (e.g. a missing entry point): undo the reference
            throw;
        }
        if (raw != 0)
        {
            module._context = context;
            module.SetHandle(raw);
        }
        else
        {
            context.DangerousRelease();
        }
        if (status != FrStatus.Ok)
        {
            // The message first: releasing a handle is a native call, which replaces this thread's last error.
            var error = FastRecurrenceNativeException.FromLastError(status, "fr_module_load");
            module.Dispose();
            throw error;
        }
        return module;
    }

    protected override bool ReleaseHandle()
    {
        var released = FastRecurrenceNative.FrModuleUnload(handle) == FrStatus.Ok;
        _context?.DangerousRelease();
        return released;
    }
}

/// <summary>Device memory from fr_malloc, released with fr_free; keeps its context alive until then.</summary>
public sealed class FrDeviceMemoryHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private FrContextHandle? _context;

    /// <summary>An invalid (NULL) handle.</summary>
    public FrDeviceMemoryHandle() : base(ownsHandle: true)
    {
    }

    /// <summary>The size of the allocation in bytes.</summary>
    public nuint Bytes { get; private set; }

    /// <summary>The device pointer (for <see cref="FrTensor.Data"/> and the copy entry points).</summary>
    public unsafe void* Pointer => (void*)handle;

    /// <summary>fr_malloc(context, bytes): throws <see cref="FastRecurrenceNativeException"/> on failure.</summary>
    public static unsafe FrDeviceMemoryHandle Allocate(FrContextHandle context, nuint bytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        var memory = new FrDeviceMemoryHandle();
        var addedRef = false;
        context.DangerousAddRef(ref addedRef);
        void* raw = null;
        FrStatus status;
        try
        {
            status = FastRecurrenceNative.FrMalloc(context, bytes, &raw);
        }
        catch
        {
            context.DangerousRelease(); // the call itself failed (e.g. a missing entry point): undo the reference
            throw;
        }
        if (raw is not null)
        {
            memory._context = context;
            memory.Bytes = bytes;
            memory.SetHandle((nint)raw);
        }
        else
        {
            context.DangerousRelease();
        }
        if (status != FrStatus.Ok)
        {
            // The message first: releasing a handle is a native call, which replaces this thread's last error.
            var error = FastRecurrenceNativeException.FromLastError(status, "fr_malloc");
            memory.Dispose();
            throw error;
        }
        return memory;
    }

    protected override unsafe bool ReleaseHandle()
    {
        var freed = FastRecurrenceNative.FrFree(_context!.DangerousGetHandle(), (void*)handle) == FrStatus.Ok;
        _context?.DangerousRelease();
        return freed;
    }
}
