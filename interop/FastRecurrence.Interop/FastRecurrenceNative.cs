using System.Runtime.InteropServices;

namespace FastRecurrence.Interop;

/// <summary>
/// The entry points of libfastrecurrence, one declaration per function of fastrecurrence.h, in the header's order,
/// named by PascalCasing the C name (fr_scan_forward -> FrScanForward). Arguments keep their C types: pointers stay
/// pointers (so NULL can be passed, as a C caller can), const char* inputs are UTF-8 strings, handles that are
/// inputs are SafeHandles, and handles that are created come back as raw pointers that <see cref="FrContextHandle"/>,
/// <see cref="FrModuleHandle"/> and <see cref="FrDeviceMemoryHandle"/> wrap. Every call returns the native status
/// unchanged; <see cref="FastRecurrenceNativeException.ThrowIfFailed"/> turns a failure into an exception with
/// <see cref="FrLastError"/>'s text. The library is found by <see cref="FastRecurrenceLibrary"/>.
/// Internal (CA1401): src/FastRecurrence (the cuda backend) and the tests call it; everything else goes through them.
/// </summary>
internal static unsafe partial class FastRecurrenceNative
{
    /// <summary>The name every declaration imports; <see cref="FastRecurrenceLibrary"/> resolves it.</summary>
    public const string LibraryName = "fastrecurrence";

    // Runs before the first call of any entry point: the resolver must be in place before the runtime binds one.
    static FastRecurrenceNative() => FastRecurrenceLibrary.RegisterResolver();

    // ---- library ------------------------------------------------------------------------------------------

    /// <summary>int fr_abi_version(void).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_abi_version")]
    public static partial int FrAbiVersion();

    /// <summary>const char* fr_version_string(void); static storage, never freed.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_version_string")]
    public static partial byte* FrVersionString();

    /// <summary>const char* fr_last_error(void): this thread's last error; valid until the next call on this thread.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_last_error")]
    public static partial byte* FrLastError();

    /// <summary>const char* fr_status_name(fr_status status); static storage.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_status_name")]
    public static partial byte* FrStatusName(FrStatus status);

    /// <summary>fr_status fr_nvrtc_version(int* major, int* minor).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_nvrtc_version")]
    public static partial FrStatus FrNvrtcVersion(int* major, int* minor);

    /// <summary>int fr_kernel_source_count(void).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_kernel_source_count")]
    public static partial int FrKernelSourceCount();

    /// <summary>fr_status fr_kernel_source(int index, const char** name, const char** text).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_kernel_source")]
    public static partial FrStatus FrKernelSource(int index, byte** name, byte** text);

    // ---- devices ------------------------------------------------------------------------------------------

    /// <summary>fr_status fr_device_count(int* count).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_device_count")]
    public static partial FrStatus FrDeviceCount(int* count);

    /// <summary>fr_status fr_device_name(int ordinal, char* buffer, size_t capacity).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_device_name")]
    public static partial FrStatus FrDeviceName(int ordinal, byte* buffer, nuint capacity);

    /// <summary>fr_status fr_device_attribute(int ordinal, int cu_device_attribute, int* value).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_device_attribute")]
    public static partial FrStatus FrDeviceAttribute(int ordinal, int cuDeviceAttribute, int* value);

    // ---- compilation ----------------------------------------------------------------------------------------

    /// <summary>fr_status fr_compile(const fr_compile_options* options, fr_compile_result* result).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_compile")]
    public static partial FrStatus FrCompile(FrCompileOptions* options, FrCompileResult* result);

    // ---- contexts, memory, modules, launches ------------------------------------------------------------------

    /// <summary>fr_status fr_context_create(int ordinal, fr_context* context); wrap the result in <see cref="FrContextHandle"/>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_context_create")]
    public static partial FrStatus FrContextCreate(int ordinal, nint* context);

    /// <summary>fr_status fr_context_destroy(fr_context context); <see cref="FrContextHandle"/> calls it.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_context_destroy")]
    public static partial FrStatus FrContextDestroy(nint context);

    /// <summary>fr_status fr_malloc(fr_context context, size_t bytes, void** device_pointer).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_malloc")]
    public static partial FrStatus FrMalloc(FrContextHandle context, nuint bytes, void** devicePointer);

    /// <summary>fr_status fr_free(fr_context context, void* device_pointer); <see cref="FrDeviceMemoryHandle"/> calls it.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_free")]
    public static partial FrStatus FrFree(FrContextHandle context, void* devicePointer);

    // For SafeHandle release paths: the context handle may already be marked closed (its own reference keeps it
    // alive), and the marshaller's DangerousAddRef would throw there.
    [LibraryImport(LibraryName, EntryPoint = "fr_free")]
    public static partial FrStatus FrFree(nint context, void* devicePointer);

    /// <summary>fr_status fr_memcpy_to_device(fr_context context, void* device_pointer, const void* host, size_t bytes).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_memcpy_to_device")]
    public static partial FrStatus FrMemcpyToDevice(FrContextHandle context, void* devicePointer, void* host, nuint bytes);

    /// <summary>fr_status fr_memcpy_to_host(fr_context context, void* host, const void* device_pointer, size_t bytes).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_memcpy_to_host")]
    public static partial FrStatus FrMemcpyToHost(FrContextHandle context, void* host, void* devicePointer, nuint bytes);

    /// <summary>fr_status fr_memset_zero(fr_context context, void* device_pointer, size_t bytes, void* stream).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_memset_zero")]
    public static partial FrStatus FrMemsetZero(FrContextHandle context, void* devicePointer, nuint bytes, void* stream);

    /// <summary>fr_status fr_synchronize(fr_context context, void* stream).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_synchronize")]
    public static partial FrStatus FrSynchronize(FrContextHandle context, void* stream);

    /// <summary>fr_status fr_module_load(fr_context context, const fr_compile_options* options, fr_module* module).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_module_load")]
    public static partial FrStatus FrModuleLoad(FrContextHandle context, FrCompileOptions* options, nint* module);

    /// <summary>fr_status fr_module_unload(fr_module module); <see cref="FrModuleHandle"/> calls it.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_module_unload")]
    public static partial FrStatus FrModuleUnload(nint module);

    /// <summary>fr_status fr_launch(fr_module module, const char* name, const fr_launch_config* config, void** args).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_launch", StringMarshalling = StringMarshalling.Utf8)]
    public static partial FrStatus FrLaunch(FrModuleHandle module, string? name, FrLaunchConfig* config, void** args);

    // ---- cuda-emulated ------------------------------------------------------------------------------------------

    /// <summary>fr_status fr_emulation_context_create(const fr_emulation_options* options, fr_context* context).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_emulation_context_create")]
    public static partial FrStatus FrEmulationContextCreate(FrEmulationOptions* options, nint* context);

    /// <summary>fr_status fr_emulation_configure(fr_context context, fr_schedule schedule, uint64_t seed).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_emulation_configure")]
    public static partial FrStatus FrEmulationConfigure(FrContextHandle context, FrSchedule schedule, ulong seed);

    /// <summary>fr_status fr_context_is_emulated(fr_context context, int* emulated).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_context_is_emulated")]
    public static partial FrStatus FrContextIsEmulated(FrContextHandle context, int* emulated);

    /// <summary>fr_status fr_emulation_compiler(char* buffer, size_t capacity).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_emulation_compiler")]
    public static partial FrStatus FrEmulationCompiler(byte* buffer, nuint capacity);

    // ---- tensors and operations ---------------------------------------------------------------------------------

    /// <summary>fr_status fr_plan_module_count(const fr_plan* plan, int lengths, int* count).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_plan_module_count")]
    public static partial FrStatus FrPlanModuleCount(FrPlan* plan, int lengths, int* count);

    /// <summary>fr_status fr_plan_module(const fr_plan* plan, int lengths, int index, fr_plan* module).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_plan_module")]
    public static partial FrStatus FrPlanModule(FrPlan* plan, int lengths, int index, FrPlan* module);

    /// <summary>fr_status fr_plan_prepare(fr_context context, const fr_plan* plan, int lengths).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_plan_prepare")]
    public static partial FrStatus FrPlanPrepare(FrContextHandle context, FrPlan* plan, int lengths);

    /// <summary>
    /// fr_status fr_scan_forward(fr_context context, const fr_plan* plan, const fr_tensor* a, const fr_tensor* b,
    /// const fr_tensor* h0, const fr_tensor* h, const fr_tensor* h_last, const int64_t* cu_seqlens, int num_seqs,
    /// void* stream).
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_scan_forward")]
    public static partial FrStatus FrScanForward(FrContextHandle context, FrPlan* plan, FrTensor* a, FrTensor* b,
        FrTensor* h0, FrTensor* h, FrTensor* hLast, long* cuSeqlens, int numSeqs, void* stream);

    /// <summary>
    /// fr_status fr_scan_backward(fr_context context, const fr_plan* plan, const fr_tensor* a, const fr_tensor* h,
    /// const fr_tensor* h0, const fr_tensor* dh, const fr_tensor* dh_last, const fr_tensor* da, const fr_tensor* db,
    /// const fr_tensor* dh0, const int64_t* cu_seqlens, int num_seqs, void* stream).
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_scan_backward")]
    public static partial FrStatus FrScanBackward(FrContextHandle context, FrPlan* plan, FrTensor* a, FrTensor* h,
        FrTensor* h0, FrTensor* dh, FrTensor* dhLast, FrTensor* da, FrTensor* db, FrTensor* dh0, long* cuSeqlens,
        int numSeqs, void* stream);

    /// <summary>
    /// fr_status fr_rnn_forward(fr_context context, const fr_plan* plan, const fr_tensor* wx, const fr_tensor* r,
    /// const fr_tensor* bias, const fr_tensor* initial_states, const fr_tensor* y, const fr_tensor* all_states,
    /// const fr_tensor* last_states, const int32_t* lengths, void* stream). lengths: device memory of B int32, or null.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_rnn_forward")]
    public static partial FrStatus FrRnnForward(FrContextHandle context, FrPlan* plan, FrTensor* wx, FrTensor* r, FrTensor* bias,
        FrTensor* initialStates, FrTensor* y, FrTensor* allStates, FrTensor* lastStates, int* lengths, void* stream);

    /// <summary>fr_status fr_rnn_reserve_size(const fr_plan* plan, int64_t batch, int64_t steps, int64_t* elements).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_rnn_reserve_size")]
    public static partial FrStatus FrRnnReserveSize(FrPlan* plan, long batch, long steps, long* elements);

    /// <summary>fr_status fr_rnn_states_reserve_size(const fr_plan* plan, int64_t batch, int64_t steps, int64_t* elements).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_rnn_states_reserve_size")]
    public static partial FrStatus FrRnnStatesReserveSize(FrPlan* plan, long batch, long steps, long* elements);

    /// <summary>
    /// fr_status fr_rnn_forward_training(fr_context context, const fr_plan* plan, const fr_tensor* wx, const fr_tensor* r,
    /// const fr_tensor* bias, const fr_tensor* initial_states, const fr_tensor* y, const fr_tensor* all_states,
    /// const fr_tensor* last_states, const fr_tensor* reserve, const int32_t* lengths, void* stream).
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_rnn_forward_training")]
    public static partial FrStatus FrRnnForwardTraining(FrContextHandle context, FrPlan* plan, FrTensor* wx, FrTensor* r,
        FrTensor* bias, FrTensor* initialStates, FrTensor* y, FrTensor* allStates, FrTensor* lastStates, FrTensor* reserve,
        int* lengths, void* stream);

    /// <summary>
    /// fr_status fr_rnn_backward(fr_context context, const fr_plan* plan, const fr_rnn_backward_options* options,
    /// const fr_tensor* wx, const fr_tensor* r, const fr_tensor* bias, const fr_tensor* initial_states, const fr_tensor* y,
    /// const fr_tensor* reserve, const fr_tensor* dy, const fr_tensor* d_last_states, const fr_tensor* dwx,
    /// const fr_tensor* dr, const fr_tensor* dbias, const fr_tensor* d_initial_states, const int32_t* lengths, void* stream).
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_rnn_backward")]
    public static partial FrStatus FrRnnBackward(FrContextHandle context, FrPlan* plan, FrRnnBackwardOptions* options,
        FrTensor* wx, FrTensor* r, FrTensor* bias, FrTensor* initialStates, FrTensor* y, FrTensor* reserve, FrTensor* dy,
        FrTensor* dLastStates, FrTensor* dwx, FrTensor* dr, FrTensor* dbias, FrTensor* dInitialStates, int* lengths,
        void* stream);

    /// <summary>fr_status fr_rnn_packed_recurrent_size(const fr_plan* plan, int64_t* elements).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_rnn_packed_recurrent_size")]
    public static partial FrStatus FrRnnPackedRecurrentSize(FrPlan* plan, long* elements);

    /// <summary>
    /// fr_status fr_rnn_pack_recurrent(fr_context context, const fr_plan* plan, const fr_tensor* r, const fr_tensor* packed,
    /// void* stream).
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_rnn_pack_recurrent")]
    public static partial FrStatus FrRnnPackRecurrent(FrContextHandle context, FrPlan* plan, FrTensor* r, FrTensor* packed, void* stream);

    /// <summary>
    /// fr_status fr_linear(fr_context context, const fr_tensor* x, const fr_tensor* w, const fr_tensor* y,
    /// int allow_cublas, int* used_cublas, void* stream).
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "fr_linear")]
    public static partial FrStatus FrLinear(FrContextHandle context, FrTensor* x, FrTensor* w, FrTensor* y, int allowCublas,
        int* usedCublas, void* stream);
}
