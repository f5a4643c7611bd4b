using FastRecurrence.Interop;
using FastRecurrence.Planning;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// fr_rnn_forward, fr_rnn_forward_training and fr_rnn_backward on contiguous device tensors in the layouts of <see cref="RecurrentInputs{T}"/>: wx [B, T, G, NH, D],
/// r [G, NH, D, D] (or, for the forward, packed in the plan's layout), bias [Gb, NH, D], states [S, B, NH, D], y [B, T, NH, D], all states [S, B, T, NH, D]; the legacy
/// default stream, synchronised after the launch so a kernel fault surfaces here with the call's name. lengths: optional
/// device int32 [B], each sequence's length (1..T, checked by the caller: the library does not read device values),
/// masked inside the kernels; null when every sequence is T long.
/// </summary>
internal static unsafe class RnnLaunch
{
    /// <summary>
    /// The plain forward. <paramref name="rPacked"/>: <paramref name="r"/> holds R in <paramref name="plan"/>'s fragment
    /// layout (<see cref="PackRecurrent"/>), a rank-1 tensor of its length, instead of [G, NH, D, D].
    /// </summary>
    public static void Forward(CudaDevice device, KernelPlan plan, RecurrentProblem p, FrDeviceMemoryHandle wx,
        FrDeviceMemoryHandle r, FrDeviceMemoryHandle bias, FrDeviceMemoryHandle? initial, FrDeviceMemoryHandle y,
        FrDeviceMemoryHandle? allStates, FrDeviceMemoryHandle? lastStates, FrDeviceMemoryHandle? lengths = null, bool rPacked = false) =>
        RunForward(device, plan, p, wx, r, rPacked, bias, initial, y, allStates, lastStates, reserve: null, lengths);

    /// <summary>
    /// Whether <paramref name="plan"/> reads some R tiles from global memory at every step (FR_STREAMED_ROW_TILES,
    /// decision 0023): from R in the user layout each lane gathers its fragments element by element at every step, from
    /// the packed layout with one 16-byte load, so such a plan runs with R packed (decision 0024).
    /// </summary>
    public static bool StreamsRecurrentTiles(KernelPlan plan) => plan.StreamedRowTiles > 0;

    /// <summary>fr_rnn_packed_recurrent_size: elements (of the plan's dtype) of R in the fused forward plan's layout.</summary>
    public static long PackedRecurrentElements(KernelPlan plan)
    {
        using var strings = new NativeStrings();
        var native = NativePlans.ToNative(plan, strings);
        long elements = 0;
        FastRecurrenceNativeException.ThrowIfFailed(FastRecurrenceNative.FrRnnPackedRecurrentSize(&native, &elements),
            "fr_rnn_packed_recurrent_size");
        return elements;
    }

    /// <summary>
    /// Compiles (through the cubin cache) and loads into the device's context every module a call with
    /// <paramref name="plan"/> loads (fr_plan_prepare: its own, and a backward plan's reductions), so that call only
    /// launches. <paramref name="lengths"/>: for calls that pass per-sequence lengths.
    /// </summary>
    public static void Prepare(CudaDevice device, KernelPlan plan, bool lengths)
    {
        using var strings = new NativeStrings();
        var native = NativePlans.ToNative(plan, strings);
        FastRecurrenceNativeException.ThrowIfFailed(FastRecurrenceNative.FrPlanPrepare(device.Context, &native, lengths ? 1 : 0), "fr_plan_prepare");
    }

    /// <summary>
    /// fr_rnn_pack_recurrent: R [G, NH, D, D] into <paramref name="packed"/> in the fused forward plan's layout.
    /// <paramref name="synchronize"/>: false when a launch on the same stream follows at once (its synchronisation
    /// reports a fault of either).
    /// </summary>
    public static void PackRecurrent(CudaDevice device, KernelPlan plan, RecurrentProblem p, FrDeviceMemoryHandle r,
        FrDeviceMemoryHandle packed, bool synchronize = true)
    {
        using var lease = DeviceMemoryLease.Of(r, packed);
        using var strings = new NativeStrings();
        var native = NativePlans.ToNative(plan, strings);
        var tr = ScanLaunch.Tensor(p.DataType, r.Pointer, [p.GateCount, p.Heads, p.HeadSize, p.HeadSize]);
        var tpacked = ScanLaunch.Tensor(p.DataType, packed.Pointer, [PackedLength(packed, p)]);
        FastRecurrenceNativeException.ThrowIfFailed(
            FastRecurrenceNative.FrRnnPackRecurrent(device.Context, &native, &tr, &tpacked, null), "fr_rnn_pack_recurrent");
        if (synchronize) device.Synchronize();
    }

    /// <summary>
    /// For a plan that streams R tiles (<see cref="StreamsRecurrentTiles"/>): R packed into new device memory, which the
    /// caller disposes after the launch (the span API, which allocates every buffer per call; CudaRecurrence reuses a
    /// scratch of its own); null for every other plan, which reads R as given (its prologue reads R once per call:
    /// packing it per call would add a pass over R, not remove one).
    /// </summary>
    public static FrDeviceMemoryHandle? PackIfStreamed(CudaDevice device, KernelPlan plan, RecurrentProblem p, FrDeviceMemoryHandle r)
    {
        if (!StreamsRecurrentTiles(plan)) return null;
        var packed = FrDeviceMemoryHandle.Allocate(device.Context, checked((nuint)PackedRecurrentElements(plan) * (nuint)p.DataType.SizeInBytes()));
        try
        {
            PackRecurrent(device, plan, p, r, packed, synchronize: false);
            return packed;
        }
        catch
        {
            packed.Dispose();
            throw;
        }
    }

    private static long PackedLength(FrDeviceMemoryHandle packed, RecurrentProblem p) => (long)packed.Bytes / p.DataType.SizeInBytes();

    /// <summary>
    /// fp32 elements of the training forward's reserve: B * T * NH * D * (G + S) with the gate products
    /// (fr_rnn_reserve_size), B * T * NH * D * S + 1 with the states only (fr_rnn_states_reserve_size: the backward
    /// recomputes the products; the unused last element keeps the two sizes apart, decision 0037). The library tells
    /// them apart by the reserve's length.
    /// </summary>
    public static long ReserveElements(RecurrentProblem p, bool gateProducts = true) =>
        (long)p.Batch * p.TimeSteps * p.Heads * p.HeadSize * ((gateProducts ? p.GateCount : 0) + p.StateCount) + (gateProducts ? 0 : 1);

    /// <summary>The forward that also writes the reserve the backward reads (any forward plan).</summary>
    public static void ForwardTraining(CudaDevice device, KernelPlan plan, RecurrentProblem p, FrDeviceMemoryHandle wx,
        FrDeviceMemoryHandle r, FrDeviceMemoryHandle bias, FrDeviceMemoryHandle? initial, FrDeviceMemoryHandle y,
        FrDeviceMemoryHandle? lastStates, FrDeviceMemoryHandle reserve, FrDeviceMemoryHandle? lengths = null, bool rPacked = false) =>
        RunForward(device, plan, p, wx, r, rPacked, bias, initial, y, null, lastStates, reserve, lengths);

    /// <summary>fr_rnn_forward, or with a reserve fr_rnn_forward_training (its length says which kind it is).</summary>
    private static void RunForward(CudaDevice device, KernelPlan plan, RecurrentProblem p, FrDeviceMemoryHandle wx,
        FrDeviceMemoryHandle r, bool rPacked, FrDeviceMemoryHandle bias, FrDeviceMemoryHandle? initial, FrDeviceMemoryHandle y,
        FrDeviceMemoryHandle? allStates, FrDeviceMemoryHandle? lastStates, FrDeviceMemoryHandle? reserve,
        FrDeviceMemoryHandle? lengths)
    {
        using var lease = DeviceMemoryLease.Of(wx, r, bias, initial, y, allStates, lastStates, reserve, lengths);
        using var strings = new NativeStrings();
        var native = NativePlans.ToNative(plan, strings);
        long B = p.Batch, T = p.TimeSteps, G = p.GateCount, Gb = p.BiasCount, S = p.StateCount, NH = p.Heads, D = p.HeadSize;
        var twx = ScanLaunch.Tensor(p.DataType, wx.Pointer, [B, T, G, NH, D]);
        var tr = rPacked ? ScanLaunch.Tensor(p.DataType, r.Pointer, [PackedLength(r, p)]) : ScanLaunch.Tensor(p.DataType, r.Pointer, [G, NH, D, D]);
        var tbias = ScanLaunch.Tensor(p.DataType, bias.Pointer, [Gb, NH, D]);
        var ty = ScanLaunch.Tensor(p.DataType, y.Pointer, [B, T, NH, D]);
        var tinitial = initial is null ? default : ScanLaunch.Tensor(p.DataType, initial.Pointer, [S, B, NH, D]);
        var tall = allStates is null ? default : ScanLaunch.Tensor(p.DataType, allStates.Pointer, [S, B, T, NH, D]);
        var tlast = lastStates is null ? default : ScanLaunch.Tensor(p.DataType, lastStates.Pointer, [S, B, NH, D]);
        var treserve = reserve is null ? default : ScanLaunch.Tensor(DataType.Float32, reserve.Pointer, [(long)(reserve.Bytes / sizeof(float))]);
        var tlengths = LengthsPointer(lengths, p);
        var status = reserve is null
            ? FastRecurrenceNative.FrRnnForward(device.Context, &native, &twx, &tr, &tbias, initial is null ? null : &tinitial, &ty,
                allStates is null ? null : &tall, lastStates is null ? null : &tlast, tlengths, null)
            : FastRecurrenceNative.FrRnnForwardTraining(device.Context, &native, &twx, &tr, &tbias, initial is null ? null : &tinitial,
                &ty, allStates is null ? null : &tall, lastStates is null ? null : &tlast, &treserve, tlengths, null);
        FastRecurrenceNativeException.ThrowIfFailed(status, reserve is null ? "fr_rnn_forward" : "fr_rnn_forward_training");
        device.Synchronize();
    }

    /// <summary>The backward with a backward plan, after <see cref="ForwardTraining"/> wrote y and the reserve.</summary>
    public static void Backward(CudaDevice device, KernelPlan plan, RecurrentProblem p, RecurrentBackwardOptions options,
        FrDeviceMemoryHandle wx, FrDeviceMemoryHandle r, FrDeviceMemoryHandle bias, FrDeviceMemoryHandle? initial,
        FrDeviceMemoryHandle y, FrDeviceMemoryHandle reserve, FrDeviceMemoryHandle dy, FrDeviceMemoryHandle? dLastStates,
        FrDeviceMemoryHandle dwx, FrDeviceMemoryHandle dr, FrDeviceMemoryHandle dbias, FrDeviceMemoryHandle? dInitialStates,
        FrDeviceMemoryHandle? lengths = null)
    {
        using var lease = DeviceMemoryLease.Of(wx, r, bias, initial, y, reserve, dy, dLastStates, dwx, dr, dbias, dInitialStates, lengths);
        using var strings = new NativeStrings();
        var native = NativePlans.ToNative(plan, strings);
        long B = p.Batch, T = p.TimeSteps, G = p.GateCount, Gb = p.BiasCount, S = p.StateCount, NH = p.Heads, D = p.HeadSize;
        var type = p.DataType;
        var twx = ScanLaunch.Tensor(type, wx.Pointer, [B, T, G, NH, D]);
        var tr = ScanLaunch.Tensor(type, r.Pointer, [G, NH, D, D]);
        var tbias = ScanLaunch.Tensor(type, bias.Pointer, [Gb, NH, D]);
        var tinitial = initial is null ? default : ScanLaunch.Tensor(type, initial.Pointer, [S, B, NH, D]);
        var ty = ScanLaunch.Tensor(type, y.Pointer, [B, T, NH, D]);
        var treserve = ScanLaunch.Tensor(DataType.Float32, reserve.Pointer, [(long)(reserve.Bytes / sizeof(float))]);
        var tdy = ScanLaunch.Tensor(type, dy.Pointer, [B, T, NH, D]);
        var tdLast = dLastStates is null ? default : ScanLaunch.Tensor(type, dLastStates.Pointer, [S, B, NH, D]);
        var tdwx = ScanLaunch.Tensor(type, dwx.Pointer, [B, T, G, NH, D]);
        var tdr = ScanLaunch.Tensor(type, dr.Pointer, [G, NH, D, D]);
        var tdbias = ScanLaunch.Tensor(type, dbias.Pointer, [Gb, NH, D]);
        var tdInitial = dInitialStates is null ? default : ScanLaunch.Tensor(type, dInitialStates.Pointer, [S, B, NH, D]);
        var nativeOptions = new FrRnnBackwardOptions
        {
            StructSize = (nuint)sizeof(FrRnnBackwardOptions),
            RecurrentClip = options.RecurrentClip,
            Truncate = options.Truncate ? 1 : 0,
            Accumulate = options.Accumulate ? 1 : 0,
        };
        FastRecurrenceNativeException.ThrowIfFailed(
            FastRecurrenceNative.FrRnnBackward(device.Context, &native, &nativeOptions, &twx, &tr, &tbias,
                initial is null ? null : &tinitial, &ty, &treserve, &tdy, dLastStates is null ? null : &tdLast, &tdwx, &tdr, &tdbias,
                dInitialStates is null ? null : &tdInitial, LengthsPointer(lengths, p), null),
            "fr_rnn_backward");
        device.Synchronize();
    }

    /// <summary>The lengths' device pointer, or null; a buffer of another size than B int32 is a caller's bug.</summary>
    private static int* LengthsPointer(FrDeviceMemoryHandle? lengths, RecurrentProblem p)
    {
        if (lengths is null) return null;
        if (lengths.Bytes != (nuint)p.Batch * sizeof(int))
            throw new ArgumentException($"lengths: expected {p.Batch} int32 ({p.Batch * sizeof(int)} bytes) for {p}, got {lengths.Bytes} bytes.", nameof(lengths));
        return (int*)lengths.Pointer;
    }
}
