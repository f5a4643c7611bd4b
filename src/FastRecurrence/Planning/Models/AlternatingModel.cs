using FastRecurrence.Planning.Hardware;
using FastRecurrence.Planning.Solver;

namespace FastRecurrence.Planning.Models;

/// <summary>
/// Constraint model of the alternating fallback (kernels/rnn_alternating.cu): per step, one tiled matmul kernel (forward:
/// gate pre-activations g = R y_{t-1} for every head, M = G * Dp rows, N = B, K = Dp; backward: R^T dg_t, M = Dp rows,
/// K = G * Dp) and one pointwise kernel. R streams from L2/HBM each step, so any head size fits; it is the path for
/// heads too large for the chip.
/// </summary>
/// <remarks>
/// Resources per block (s = bytes per stored element; fp32 accumulators):
///   shared    = stages * (tileM + tileN) * tileK * s + reserved
///   registers = 8-rounded(40 + tileM * tileN / threads + (tileM + tileN) * tileK * s / (threads * 4))
/// Each warp owns at least one 16 x 8 mma tile: warps * 128 divides tileM * tileN.
/// Cost per step (cycles) = launch overhead + waves * (tile math + one pipeline stage per K tile).
/// </remarks>
internal sealed class AlternatingModel : IPlanModel
{
    private const long LaunchOverheadCycles = 6000;
    private const long StageCycles = 40;

    public AlternatingModel(GpuSpec gpu, PlanRequest request)
    {
        Gpu = gpu;
        Request = request;
        int gates = request.Cell.GateCount();
        long s = StorageType.Bytes(request.DataType);
        PaddedHeadSize = (request.HeadSize + 15) / 16 * 16;
        long dp = PaddedHeadSize;
        bool forward = request.Direction == PlanDirection.Forward;
        long rows = forward ? gates * dp : dp, depth = forward ? dp : gates * dp;
        Rows = rows;
        var m = Model = new ConstraintModel();

        TileM = m.NewVar("tile rows (gate outputs)", Domain.Set([16, 32, 64, 128, 256]), ValueOrder.Descending);
        TileN = m.NewVar("tile columns (batch)", Domain.Set([8, 16, 32, 64, 128]), ValueOrder.Descending);
        TileK = m.NewVar("tile depth", Domain.Set([16, 32, 64]), ValueOrder.Descending);
        Warps = m.NewVar("warps per block", Domain.Set([1, 2, 4, 8, 16]), ValueOrder.Descending);
        // kernels/rnn_alternating.cu stages one K tile at a time (a cp.async pipeline of several stages is not written).
        Stages = m.NewVar("pipeline stages", Domain.Range(1, 1), ValueOrder.Descending);
        PointwiseThreads = m.NewVar("pointwise threads per block", Domain.Set([128, 256, 512]), ValueOrder.Ascending, 256);
        IntVar tm = TileM, tn = TileN, tk = TileK, w = Warps, stages = Stages;

        Expr threads = w * gpu.WarpSize;
        SharedBytes = stages * (tm + tn) * tk * s + gpu.ReservedSharedMemoryPerBlock;
        Registers = Expr.CeilDiv(40 + Expr.CeilDiv(tm * tn, threads) + Expr.CeilDiv((tm + tn) * tk * s, threads * 4), 8) * 8;

        m.Require((w * 128).Divides(tm * tn), "every warp owns whole 16 x 8 mma tiles");
        m.Require(tk <= depth, $"the tile depth is no deeper than the product's {depth} columns");
        m.Require(tm <= Math.Max(16, rows), forward ? $"the tile has no more rows than a head's {rows} gate rows"
            : $"the tile has no more rows than a head's {rows} units");
        m.Require(tn <= Math.Max(8, (request.Batch + 7) / 8 * 8), "the tile has no more columns than the batch rounded up to 8");
        m.Require(Expr.CeilDiv(request.Batch, tn) <= CudaGridLimits.MaxYZ,
            $"the batch's tiles fit the grid: ceil(B / tile columns) <= {CudaGridLimits.MaxYZ} (CUDA's limit in z)");
        m.Require((Expr)request.Heads <= CudaGridLimits.MaxYZ, $"the heads fit the grid: NH <= {CudaGridLimits.MaxYZ} (CUDA's limit in y)");
        RnnPlanConstants.RequireLibraryRanges(m, request);
        m.Require(SharedBytes <= gpu.SharedMemoryPerBlockOptIn, $"shared memory per block <= {gpu.SharedMemoryPerBlockOptIn} bytes ({gpu.Name})");
        m.Require(Registers <= gpu.MaxRegistersPerThread, $"registers per thread <= {gpu.MaxRegistersPerThread}");
        m.Require(Registers * threads <= gpu.MaxRegistersPerBlock, $"registers per block <= {gpu.MaxRegistersPerBlock}");
        m.Require(threads <= gpu.MaxThreadsPerBlock, $"threads per block <= {gpu.MaxThreadsPerBlock}");

        long macRate = request.DataType == DataType.Float32 ? CostConstants.FmaPerSmCycle : CostConstants.TensorMacsPerSmCycle;
        Tiles = Expr.CeilDiv(rows, tm) * request.Heads * Expr.CeilDiv(request.Batch, tn);
        Expr waves = Expr.CeilDiv(Tiles, gpu.SmCount);
        Cost = LaunchOverheadCycles + waves * (Expr.CeilDiv(tm * tn * depth, macRate) + Expr.CeilDiv(depth, tk) * StageCycles);
        m.Minimize(Cost);
    }

    public GpuSpec Gpu { get; }
    public PlanRequest Request { get; }
    public ConstraintModel Model { get; }
    public int PaddedHeadSize { get; }

    /// <summary>Rows of a head's matmul: G * Dp forward, Dp backward.</summary>
    public long Rows { get; }
    public IntVar TileM { get; }
    public IntVar TileN { get; }
    public IntVar TileK { get; }
    public IntVar Warps { get; }
    public IntVar Stages { get; }
    public IntVar PointwiseThreads { get; }
    public Expr SharedBytes { get; }
    public Expr Registers { get; }
    public Expr Tiles { get; }
    public Expr Cost { get; }

    public KernelPlan ToPlan(Solution solution, IReadOnlyList<string> rationale)
    {
        var v = solution.Values;
        int tm = (int)solution[TileM], tn = (int)solution[TileN];
        var constants = RnnPlanConstants.For(Request, PaddedHeadSize);
        constants["FR_TILE_M"] = tm;
        constants["FR_TILE_N"] = tn;
        constants["FR_TILE_K"] = solution[TileK];
        constants["FR_WARPS"] = solution[Warps];
        constants["FR_STAGES"] = solution[Stages];
        constants["FR_POINTWISE_THREADS"] = solution[PointwiseThreads];
        // in 64 bits: B near int.MaxValue plus a tile wrapped negative (the model's requirement keeps z within 65535)
        var grid = new Dim3((int)((Rows + tm - 1) / tm), Request.Heads, (int)(((long)Request.Batch + tn - 1) / tn));
        return new KernelPlan(Request, Gpu.Name, Gpu.ComputeCapability.Arch, FusedRegime.None, constants, grid,
            new Dim3((int)solution[Warps] * Gpu.WarpSize), new Dim3(1), SharedBytes.Evaluate(v), (int)Registers.Evaluate(v),
            Cost.Evaluate(v), rationale);
    }

    public long[] ValuesOf(KernelPlan plan)
    {
        var values = new long[Model.Variables.Count];
        values[TileM.Index] = plan.Constant("FR_TILE_M");
        values[TileN.Index] = plan.Constant("FR_TILE_N");
        values[TileK.Index] = plan.Constant("FR_TILE_K");
        values[Warps.Index] = plan.Constant("FR_WARPS");
        values[Stages.Index] = plan.Constant("FR_STAGES");
        values[PointwiseThreads.Index] = plan.Constant("FR_POINTWISE_THREADS");
        return values;
    }
}
