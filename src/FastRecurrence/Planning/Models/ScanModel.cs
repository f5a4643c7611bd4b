using FastRecurrence.Planning.Hardware;
using FastRecurrence.Planning.Solver;

namespace FastRecurrence.Planning.Models;

/// <summary>
/// Constraint model of the chunked scan h_t = a_t h_{t-1} + b_t on [B, T, H, D] (math.md section 5).
/// </summary>
/// <remarks>
/// A block owns Dt adjacent d-lanes of one (b, h) (adjacent in memory, so a warp reads whole sectors) and walks T in
/// chunks of L = (threads / Dt) * items steps: each thread scans `items` consecutive steps of one lane serially, the
/// (threads / Dt) segments of a lane are combined by warp shuffles and a block scan of warp totals, and the chunk's
/// total carries to the next chunk inside the block. Grid = (ceil(D / Dt), H, min(B, 65535)): past 65535 sequences the
/// launcher runs the grid once per slice of them.
/// Resources: shared = (threads / 32) * Dt * P + Dt * P bytes, P = 8 (an fp32 (a, b) pair; 16 for fp64 storage, which
/// accumulates in fp64), for the warp totals and the carry; registers = 8-rounded(56 + items * k) with k = 4 forward
/// and 5 backward (fp32 / bf16 / fp16), 5 and 7 for fp64: calibrated on 2026-11-28 against ptxas (NVRTC 11.8, sm_80 and
/// sm_90, every dtype, threads 64..1024, lanes 1..64, items 1..16: the formula is at or above every unspilled count).
/// The kernel compiles with __launch_bounds__(threads), so registers * threads must fit a block or ptxas spills.
/// Cost (cycles, relative) = waves * chunks * (items * 20 + 150): serial work plus three barriers per chunk.
/// </remarks>
internal sealed class ScanModel : IPlanModel
{
    public ScanModel(GpuSpec gpu, PlanRequest request)
    {
        Gpu = gpu;
        Request = request;
        long s = StorageType.Bytes(request.DataType);
        long lanesPow2 = 1;
        while (lanesPow2 < request.HeadSize) lanesPow2 <<= 1;
        bool wide = request.DataType == DataType.Float64;
        long registersPerItem = (request.Direction == PlanDirection.Backward, wide) switch
        {
            (false, false) => 4,
            (true, false) => 5,
            (false, true) => 5,
            (true, true) => 7,
        };
        long pairBytes = wide ? 16 : 8;
        var m = Model = new ConstraintModel();

        Lanes = m.NewVar("lanes per block", Domain.PowerOfTwo(1, 64), ValueOrder.Descending);
        Threads = m.NewVar("threads per block", Domain.MultipleOf(gpu.WarpSize, gpu.WarpSize, gpu.MaxThreadsPerBlock), ValueOrder.Descending, 256, 512);
        Items = m.NewVar("steps per thread", Domain.Range(1, 16), ValueOrder.Descending);
        IntVar lanes = Lanes, threads = Threads, items = Items;

        Expr segments = Expr.CeilDiv(threads, lanes);
        ChunkLength = segments * items;
        SharedBytes = Expr.CeilDiv(threads, gpu.WarpSize) * lanes * pairBytes + lanes * pairBytes;
        Registers = Expr.CeilDiv(56 + items * registersPerItem, 8) * 8;

        m.Require(lanes.Divides(threads), "the lanes split the block's threads evenly");
        m.Require(lanes <= lanesPow2, $"no more lanes than the head size {request.HeadSize} rounded up to a power of two");
        // 64 bytes per row and step, not 32: on an H200 the same plan (16 lanes, 384 threads, 16 items) ran fp32 (64-byte
        // rows) at 70% of copy bandwidth and bf16 / fp16 (32-byte rows) at 13% (docs/PERFORMANCE.md; decision 0022).
        m.Require(lanes >= Math.Min(Math.Max(1, 64 / s), lanesPow2), "a block reads whole 64-byte bursts (two 32-byte sectors) along d");
        m.Require((Expr)request.Heads <= CudaGridLimits.MaxYZ, $"the heads fit the grid: H <= {CudaGridLimits.MaxYZ} (CUDA's limit in y)");
        m.Require(ChunkLength <= Math.Max(gpu.WarpSize, request.TimeSteps), "a chunk is no longer than the sequence (or one warp)");
        m.Require(SharedBytes <= gpu.SharedMemoryPerBlockOptIn, $"shared memory per block <= {gpu.SharedMemoryPerBlockOptIn} bytes");
        m.Require(Registers <= gpu.MaxRegistersPerThread, $"registers per thread <= {gpu.MaxRegistersPerThread}");
        m.Require(Registers * threads <= gpu.MaxRegistersPerBlock, $"registers per block <= {gpu.MaxRegistersPerBlock}");
        // Warps are spread over the SM's 4 sub-partitions, each with a quarter of the register file: the busiest one
        // holds ceil(warps / 4) warps (ptxas's launch-bounds limit matches this exactly, e.g. 80 registers at 672 threads).
        m.Require(Registers * Expr.CeilDiv(threads, gpu.WarpSize * 4L) * (gpu.WarpSize * 4L) <= gpu.RegistersPerSm,
            $"registers of the busiest of 4 sub-partitions <= {gpu.RegistersPerSm / 4}");

        Blocks = Expr.CeilDiv(request.HeadSize, lanes) * ((long)request.Heads * request.Batch);
        // Known flaw, kept until a GPU run calibrates it (decision 0022): residency counts threads only (rounded up), not
        // registers; the measured H200 plan (384 threads at 120 registers) is one block per SM, not six.
        Expr resident = Expr.CeilDiv(gpu.MaxThreadsPerSm, threads) * gpu.SmCount;
        Expr waves = Expr.CeilDiv(Blocks, resident);
        Expr chunks = Expr.CeilDiv(request.TimeSteps, ChunkLength);
        Cost = waves * chunks * (items * 20 + 150);
        m.Minimize(Cost);
    }

    public GpuSpec Gpu { get; }
    public PlanRequest Request { get; }
    public ConstraintModel Model { get; }
    public IntVar Lanes { get; }
    public IntVar Threads { get; }
    public IntVar Items { get; }
    public Expr ChunkLength { get; }
    public Expr SharedBytes { get; }
    public Expr Registers { get; }
    public Expr Blocks { get; }
    public Expr Cost { get; }

    public KernelPlan ToPlan(Solution solution, IReadOnlyList<string> rationale)
    {
        var v = solution.Values;
        int lanes = (int)solution[Lanes];
        var constants = new Dictionary<string, long>
        {
            ["FR_DTYPE"] = StorageType.Code(Request.DataType),
            ["FR_BACKWARD"] = Request.Direction == PlanDirection.Backward ? 1 : 0,
            ["FR_SCAN_LANES"] = lanes,
            ["FR_SCAN_THREADS"] = solution[Threads],
            ["FR_SCAN_ITEMS"] = solution[Items],
            ["FR_SCAN_CHUNK"] = ChunkLength.Evaluate(v),
        };
        // more sequences than a grid holds in z run as consecutive launches of this grid (CudaGridLimits)
        var grid = new Dim3((int)(((long)Request.HeadSize + lanes - 1) / lanes), Request.Heads, Math.Min(Request.Batch, CudaGridLimits.MaxYZ));
        return new KernelPlan(Request, Gpu.Name, Gpu.ComputeCapability.Arch, FusedRegime.None, constants, grid,
            new Dim3((int)solution[Threads]), new Dim3(1), SharedBytes.Evaluate(v), (int)Registers.Evaluate(v), Cost.Evaluate(v), rationale);
    }

    public long[] ValuesOf(KernelPlan plan)
    {
        var values = new long[Model.Variables.Count];
        values[Lanes.Index] = plan.Constant("FR_SCAN_LANES");
        values[Threads.Index] = plan.Constant("FR_SCAN_THREADS");
        values[Items.Index] = plan.Constant("FR_SCAN_ITEMS");
        return values;
    }
}
