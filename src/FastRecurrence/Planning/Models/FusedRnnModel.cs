using FastRecurrence.Planning.Hardware;
using FastRecurrence.Planning.Solver;

namespace FastRecurrence.Planning.Models;

/// <summary>
/// Constraint model of the fused persistent RNN kernel (forward or backward), for one regime.
/// </summary>
/// <remarks>
/// Structure (architecture.md "Fused persistent RNN"): a head's on-chip matrix has RowsPerHead rows and Width columns:
/// forward R, G * Dp rows (gates interleaved, Dp = D rounded up to 16, the mma tile edge) by Dp columns; backward R^T,
/// Dp rows by G * Dp columns (kernels/rnn_backward.cu; decision 0017). P blocks split the rows of one head (whole
/// units, all their gates); one block may hold Hb whole heads when P = 1. A block of W warps holds its rows as 16-row
/// tiles: per warp, RT tiles in registers and ST tiles in shared memory, and (forward, only when the model is built
/// with streamed tiles: heads with no on-chip plan; decision 0023) GT tiles streamed from global memory, where they stay
/// in L2, at every step. Large heads split K inside the block:
/// W = Wr * Ks warps, where Ks warps share a row strip, each holding Width / Ks of its columns, and add their partial
/// sums in shared memory; so Wr * (RT + ST + GT) * 16 * P = Hb * RowsPerHead. Each block computes a batch tile of Bt
/// sequences (mma N, multiples of 8; masked beyond B). Grid = (P, NH / Hb, ceil(B / Bt)).
/// Resources per thread and per block (s = bytes per stored element):
///   registers = the calibrated estimate below (R fragments, per pointwise item its states and temporaries, the mma
///               B fragments) with a quarter in hand; it is also ptxas's cap (FR_MAX_REGISTERS)
///   shared    = Wr * ST * 16 * Width * s                     (R rows not in registers)
///             + buffers * Hb * Width * Bt * s                (the vectors: h double-buffered forward, once in the grid
///                                                             regime; dg once backward)
///             + Ks * Hb * RowsPerHead / P * Bt * 4            (fp32 partial products, one set per K slice)
///             + reserved per block
/// Regimes: single block (P = 1, no co-residency needed, extra blocks run in waves); cluster (2 &lt;= P &lt;= cluster
/// size, sm_90+); grid barrier (P above the cluster size or no clusters; every block co-resident, one per SM).
/// Cost per step (cycles) = waves * (matmul + shared-memory reads of R and the vectors + L2 reads of the streamed tiles
/// + exchange + barrier). The streamed tiles of all blocks must fit in L2 with room to spare.
/// </remarks>
internal sealed class FusedRnnModel : IPlanModel
{
    private const int MmaEdge = 16;

    /// <param name="gpu">The GPU to size for.</param>
    /// <param name="request">The problem (forward or backward).</param>
    /// <param name="regime">The regime this model describes.</param>
    /// <param name="streamedTiles">Allow R row tiles streamed from L2 (forward only): the planner's second pass, for heads
    /// with no plan that keeps all of R on chip.</param>
    public FusedRnnModel(GpuSpec gpu, PlanRequest request, FusedRegime regime, bool streamedTiles = false)
    {
        Gpu = gpu;
        Request = request;
        Regime = regime;
        Model = new ConstraintModel();

        int gates = request.Cell.GateCount();
        UsesTf32 = request.DataType == DataType.Float32 && request.Precision == MatmulPrecision.Tf32;
        int states = request.Cell.StateCount() * (request.Direction == PlanDirection.Backward ? 2 : 1);
        long s = StorageType.Bytes(request.DataType);
        PaddedHeadSize = (request.HeadSize + MmaEdge - 1) / MmaEdge * MmaEdge;
        long dp = PaddedHeadSize;
        int maxP = regime switch
        {
            FusedRegime.SingleBlock => 1,
            FusedRegime.Cluster => gpu.NonPortableMaxClusterSize,
            _ => gpu.SmCount,
        };
        int minP = regime switch
        {
            FusedRegime.SingleBlock => 1,
            FusedRegime.Cluster => 2,
            _ => gpu.SupportsClusters ? gpu.NonPortableMaxClusterSize + 1 : 2,
        };

        var m = Model;
        // Variable order is the search order: decide the split first, then the tile shapes.
        BlocksPerHead = m.NewVar("blocks per head", Domain.Range(minP, Math.Max(minP, maxP)));
        HeadsPerBlock = m.NewVar("heads per block", Domain.Set(Divisors(request.Heads, 64)), ValueOrder.Descending);
        BatchTile = m.NewVar("batch tile", Domain.Set([8, 16, 32, 64]), ValueOrder.Descending);
        RowWarps = m.NewVar("row warps per block", Domain.Range(1, gpu.MaxThreadsPerBlock / gpu.WarpSize), ValueOrder.Descending);
        KSplit = m.NewVar("warps sharing a row strip (K split)", Domain.Set([1, 2, 4, 8, 16]));
        RegisterTiles = m.NewVar("R row tiles in registers per warp", Domain.Range(0, 64), ValueOrder.Descending);
        SharedTiles = m.NewVar("R row tiles in shared memory per warp", Domain.Range(0, 64));
        bool forward = request.Direction == PlanDirection.Forward;
        StreamedTilesAllowed = streamedTiles && forward;
        StreamedTiles = m.NewVar("R row tiles streamed from L2 per warp", Domain.Range(0, StreamedTilesAllowed ? 64 : 0));
        IntVar p = BlocksPerHead, hb = HeadsPerBlock, bt = BatchTile, wr = RowWarps, ks = KSplit, rt = RegisterTiles, st = SharedTiles;
        IntVar gt = StreamedTiles;

        Expr w = Warps = wr * ks;
        Expr rowTilesPerWarp = rt + st + gt;
        // The on-chip matrix of a head: forward R (rows = every unit's gates, columns = the units of h_{t-1}); backward
        // R^T (rows = units, columns = every unit's gates of dg_t: kernels/rnn_backward.cu).
        long rowsPerHead = forward ? gates * dp : dp;
        long width = forward ? dp : gates * dp;
        RowsPerHead = rowsPerHead;
        Width = width;
        {
            // Calibrated against kernels/rnn_forward.cu and rnn_backward.cu (ptxas, NVRTC 11.8; decisions 0012, 0013):
            // the R tiles in registers, then per pointwise item of the thread its states (the backward carries two sets:
            // the state gradients and the states after the step) plus the step's temporaries (Wx, the summed products
            // and biases per gate), over a base of 64 (88 on the fp32 path, whose FMA matmul keeps 16 partial sums). The
            // matmul holds one tile's 4 accumulators at a time.
            long baseRegisters = request.DataType == DataType.Float32 && !UsesTf32 ? 88 : 64;
            // sLSTM's pointwise step (log-sigmoid, three exponentials, a division) keeps 4 more values live per item.
            long perItem = states + 2L * gates + request.Cell.BiasCount() + 6 + (request.Cell == CellKind.SLstm ? 4 : 0)
                + (forward ? 0 : BackwardItemExtra);
            Expr items = Expr.CeilDiv(hb * (dp * 1L) * bt, p * w * gpu.WarpSize);
            // A head split over blocks exchanges h_t (dg_t) each step: the cluster regime writes it into every block of
            // the cluster through mapped addresses, the grid regime reloads it from global memory after the grid barrier.
            long blockExchange = regime == FusedRegime.SingleBlock ? 0 : 16;
            Expr estimate = baseRegisters + blockExchange + rt * Expr.CeilDiv(width * s / 8, ks) + items * perItem;
            if (request.DataType != DataType.Float32 || UsesTf32)
            {
                // Second calibration (the sweep-wide compile gate, under --maxrregcount = the prediction): with register
                // tiles, ptxas keeps the B fragments of the vectors (2 words per 16-column chunk of the K slice, twice:
                // the next batch chunk's are loaded while the mmas run) ahead of the mmas;
                // register and shared-memory tiles together add the shared path's fragments and addresses.
                Expr hasRegisterTiles = Expr.Min(rt, 1);
                long columnsPerFragment = UsesTf32 ? 8 : MmaEdge; // tf32: one fp32 per B word, m16n8k8
                estimate += hasRegisterTiles * Expr.CeilDiv(width / columnsPerFragment * 4, ks) + hasRegisterTiles * Expr.Min(st, 1) * 16;
                // The backward's gate (CI, sm_86): 16-bit plans with 4 or more register tiles spilled 116 bytes at the
                // bare estimate's cap (GRU D 128, P 2, 4 tiles: 224); 8 more fit (228 used of 232).
                if (!forward && request.DataType != DataType.Float32)
                    estimate += Expr.Min(Expr.Max(rt - 3, 0), 1) * 8;
            }
            // The FR_LENGTHS build (calls with per-sequence lengths) compares each item's step with its sequence's
            // length and keeps the state of an ended sequence: a predicate per item and the loaded lengths. At the cap
            // of the build without it ptxas spilled 32 bytes (sm_89 Elman 16-bit D 128 backward, 4 items, 200 registers
            // used of 200), and still 32 with 4 registers more; decision 0021.
            if (request.Lengths)
                estimate += LengthsRegisters + items;
            // Streamed tiles (kernels/fr_rnn_tiles.cuh): the fragment words and their global addresses like the shared
            // path's, and on tensor cores one accumulator set per batch chunk (4 words per 8 sequences), which lets
            // each fragment be read once per step for the whole batch tile.
            bool tensorCores = request.DataType != DataType.Float32 || UsesTf32;
            estimate += Expr.Min(gt, 1) * StreamedPathRegisters + (tensorCores ? Expr.Min(gt, 1) * Expr.CeilDiv(bt, 2) : 0);
            // ptxas's schedule under the cap is not a sum of live values: in the sweep-wide gate, plans whose cap was
            // the bare estimate spilled in about 5% of variants, short by up to 30% (decision 0013). The cap keeps a
            // quarter in hand.
            Registers = Expr.CeilDiv(Expr.CeilDiv(estimate * 5, 4), 8) * 8;
        }
        // Shared memory: R tiles, the vectors (forward: h double-buffered; backward: one dg buffer, the barrier after
        // the matmul guards it), the K slices' partial products of the block's rows.
        // The grid regime's forward reloads h_t after its first block barrier, so one buffer serves (kernels/rnn_forward.cu).
        long vectorBuffers = forward && regime != FusedRegime.GridBarrier ? 2 : 1;
        SharedBytes = wr * st * (MmaEdge * width * s) + hb * bt * (vectorBuffers * width * s)
            + Expr.CeilDiv(ks * hb * (rowsPerHead * 4) * bt, p) + gpu.ReservedSharedMemoryPerBlock;
        BatchGroups = Expr.CeilDiv(request.Batch, bt);
        HeadGroups = Expr.CeilDiv(request.Heads, hb);
        TotalBlocks = p * HeadGroups * BatchGroups;

        m.Require((wr * rowTilesPerWarp * (MmaEdge * 1L) * p).EqualTo(hb * rowsPerHead),
            forward ? $"the blocks' warps cover the head's {gates} x {dp} recurrent rows in 16-row tiles exactly"
                : $"the blocks' warps cover the head's {dp} rows of R^T in 16-row tiles exactly");
        m.Require(ks.Divides(width / MmaEdge), $"the K split divides the {width / MmaEdge} 16-column tiles of the head's matrix");
        m.Require(w <= gpu.MaxThreadsPerBlock / gpu.WarpSize, $"threads per block <= {gpu.MaxThreadsPerBlock}");
        m.Require(hb.Divides(request.Heads), "heads per block divides the number of heads");
        m.Require(((hb - 1) * (p - 1)).EqualTo(0), "several heads share a block only when one block holds a whole head");
        m.Require(p.Divides(dp), $"the blocks of a head split its {dp} padded units evenly (each owns whole units, all gates)");
        m.Require(rowTilesPerWarp >= 1, "every warp owns at least one 16-row tile");
        // Near the hardware limit ptxas spilled where the same estimate fit lower down (the compile gate's sm_80 grid
        // plans at 248): the fused kernel keeps 15 registers of the 255 in hand.
        // The backward's gate: at a cap of 240 ptxas spilled 16 bytes in one sm_80 / sm_86 variant (LSTM 16-bit D 64,
        // 4 register tiles, 4 items per thread) whose estimate fit; it keeps 23 in hand.
        long registerCeiling = Math.Min(gpu.MaxRegistersPerThread, forward ? 240 : 232);
        m.Require(Registers <= registerCeiling,
            $"registers per thread <= {registerCeiling} (the hardware limit {gpu.MaxRegistersPerThread}, less what ptxas needs in hand near it)");
        m.Require(Registers * w * gpu.WarpSize <= gpu.MaxRegistersPerBlock,
            $"registers per block <= {gpu.MaxRegistersPerBlock} ({gpu.Name})");
        m.Require(Registers * w * gpu.WarpSize <= gpu.RegistersPerSm,
            $"registers of a persistent block <= {gpu.RegistersPerSm} per SM ({gpu.Name})");
        // Warps are spread over the SM's 4 sub-partitions, each with a quarter of the register file.
        m.Require(Registers * Expr.CeilDiv(w, 4) * (gpu.WarpSize * 4L) <= gpu.RegistersPerSm,
            $"registers of the busiest of 4 sub-partitions <= {gpu.RegistersPerSm / 4} ({gpu.Name})");
        m.Require(SharedBytes <= gpu.SharedMemoryPerBlockOptIn,
            $"shared memory per block <= {gpu.SharedMemoryPerBlockOptIn} bytes (opt-in limit of {gpu.Name})");
        m.Require(bt <= Expr.Max(8, (request.Batch + 7) / 8 * 8), "the batch tile is no larger than the batch rounded up to 8");
        m.Require(BatchGroups <= CudaGridLimits.MaxYZ,
            $"the batch's tiles fit the grid: ceil(B / batch tile) <= {CudaGridLimits.MaxYZ} (CUDA's limit in z)");
        RnnPlanConstants.RequireLibraryRanges(m, request);
        m.Require(HeadGroups <= CudaGridLimits.MaxYZ,
            $"the head groups fit the grid: NH / heads per block <= {CudaGridLimits.MaxYZ} (CUDA's limit in y)");
        if (regime == FusedRegime.Cluster)
        {
            m.Require(p <= gpu.NonPortableMaxClusterSize,
                $"a cluster holds at most {gpu.NonPortableMaxClusterSize} blocks on {gpu.Name}");
        }
        if (regime == FusedRegime.GridBarrier)
        {
            m.Require(TotalBlocks <= gpu.SmCount,
                $"a grid barrier needs every block resident at once: blocks <= {gpu.SmCount} SMs of {gpu.Name}");
        }
        // Streamed tiles, bytes a block reads per step: on tensor cores each fragment once; on the exact fp32 path once
        // per batch chunk of 8 (kernels/fr_rnn_tiles.cuh). They stay in L2 only if the distinct tiles fit with room for
        // the step's other traffic (Wx_t, y_t, h_t); beyond that they would come from DRAM at every step. Distinct: the
        // blocks of every batch tile of a head read the same tiles, and the exact path's re-reads add traffic, not bytes.
        StreamedBytesPerBlock = wr * gt * (MmaEdge * width * s) * (request.DataType == DataType.Float32 && !UsesTf32 ? Expr.CeilDiv(bt, 8) : 1);
        if (StreamedTilesAllowed)
        {
            long l2Budget = gpu.L2CacheBytes * StreamedL2Share / 8;
            m.Require(p * HeadGroups * wr * gt * (MmaEdge * width * s) <= l2Budget,
                $"the streamed R tiles of every head fit in {StreamedL2Share}/8 of the {gpu.L2CacheBytes}-byte L2 of {gpu.Name} ({l2Budget} bytes)");
            // Every batch tile's blocks read their tiles again, so a large batch multiplies the traffic. A streamed plan
            // must read no more of R per step than the alternating fallback's one matmul does (all of R once): then it
            // moves no more bytes and saves the fallback's two launches per step, whatever the unmeasured L2 rate is.
            long recurrentBytes = request.Heads * rowsPerHead * width * s;
            m.Require(StreamedBytesPerBlock * TotalBlocks <= recurrentBytes,
                $"the streamed R tiles read per step by all blocks <= R of every head ({recurrentBytes} bytes, what the alternating fallback reads per step)");
        }

        // Objective: predicted cycles per step.
        long exchangeFixed = regime switch
        {
            FusedRegime.SingleBlock => CostConstants.BlockStepOverhead,
            FusedRegime.Cluster => CostConstants.ClusterStepOverhead,
            _ => CostConstants.GridStepOverhead,
        };
        long macRate = UsesTf32 ? CostConstants.TensorMacsPerSmCycle / 2
            : request.DataType == DataType.Float32 ? CostConstants.FmaPerSmCycle : CostConstants.TensorMacsPerSmCycle;
        Expr math = Expr.CeilDiv(wr * rowTilesPerWarp * (MmaEdge * width) * bt, macRate);
        // The K slices' partial sums a block reads back: Ks * (its rows) * Bt * 4 bytes. The on-chip pass still counts the
        // rows of a whole head (not / P), which overprices split heads with a K split; correcting it re-ranks about 3000
        // of the gated on-chip plans, so it waits for a GPU run to rank them (docs/PERFORMANCE.md). The streamed pass,
        // new, counts the block's rows.
        Expr partialSums = StreamedTilesAllowed ? Expr.CeilDiv(ks * hb * (rowsPerHead * 4) * bt, p) : ks * hb * bt * (rowsPerHead * 4);
        Expr sharedReads = Expr.CeilDiv(wr * st * (MmaEdge * width * s) + wr * hb * bt * (width * s) + partialSums, CostConstants.SharedBytesPerSmCycle);
        Expr exchange = regime == FusedRegime.SingleBlock ? 0 : Expr.CeilDiv(hb * bt * (width * s), CostConstants.ExchangeBytesPerSmCycle);
        Expr streamedReads = Expr.CeilDiv(StreamedBytesPerBlock, CostConstants.StreamedBytesPerSmCycle);
        long backward = request.Direction == PlanDirection.Backward ? CostConstants.BackwardPointwiseOverhead : 0;
        Waves = Expr.CeilDiv(TotalBlocks, gpu.SmCount);
        Cost = Waves * (math + sharedReads + streamedReads + exchange + (exchangeFixed + backward));
        m.Minimize(Cost);
    }

    public GpuSpec Gpu { get; }
    public PlanRequest Request { get; }
    public FusedRegime Regime { get; }
    public ConstraintModel Model { get; }
    public int PaddedHeadSize { get; }

    /// <summary>Rows of a head's on-chip matrix: G * Dp forward (R), Dp backward (R^T).</summary>
    public long RowsPerHead { get; }

    /// <summary>Columns of a head's on-chip matrix (the vector length per sequence): Dp forward, G * Dp backward.</summary>
    public long Width { get; }

    /// <summary>Registers per pointwise item the backward keeps beyond the forward's formula (its cell gradients).</summary>
    private const long BackwardItemExtra = 0;

    /// <summary>Registers the FR_LENGTHS build's length check adds to the estimate besides one per item (before the quarter in hand).</summary>
    private const long LengthsRegisters = 4;

    /// <summary>Registers of the streamed tiles' loop (fragment words, global addresses) before the quarter in hand.</summary>
    private const long StreamedPathRegisters = 16;

    /// <summary>Eighths of the L2 the streamed tiles of all blocks may fill (the rest: the step's other traffic).</summary>
    private const long StreamedL2Share = 7;

    /// <summary>The model allows streamed tiles (forward, the planner's second pass).</summary>
    public bool StreamedTilesAllowed { get; }

    /// <summary>R row tiles per warp read from global memory (L2) at every step (FR_STREAMED_ROW_TILES).</summary>
    public IntVar StreamedTiles { get; }

    /// <summary>Bytes of R a block reads from L2 per step for its streamed tiles.</summary>
    public Expr StreamedBytesPerBlock { get; }

    /// <summary>Float32 storage multiplied on tensor cores in tf32 (FR_TF32 = 1).</summary>
    public bool UsesTf32 { get; }
    public IntVar BlocksPerHead { get; }
    public IntVar HeadsPerBlock { get; }
    public IntVar BatchTile { get; }
    public IntVar RowWarps { get; }
    public IntVar KSplit { get; }
    public Expr Warps { get; }
    public IntVar RegisterTiles { get; }
    public IntVar SharedTiles { get; }
    public Expr Registers { get; }
    public Expr SharedBytes { get; }
    public Expr BatchGroups { get; }
    public Expr HeadGroups { get; }
    public Expr TotalBlocks { get; }
    public Expr Waves { get; }
    public Expr Cost { get; }

    public KernelPlan ToPlan(Solution solution, IReadOnlyList<string> rationale)
    {
        var v = solution.Values;
        int p = (int)solution[BlocksPerHead], hb = (int)solution[HeadsPerBlock], bt = (int)solution[BatchTile], w = (int)Warps.Evaluate(v);
        var constants = RnnPlanConstants.For(Request, PaddedHeadSize);
        constants["FR_HEADS_PER_BLOCK"] = hb;
        constants["FR_BLOCKS_PER_HEAD"] = p;
        constants["FR_WARPS"] = w;
        constants["FR_K_SPLIT"] = solution[KSplit];
        constants["FR_BATCH_TILE"] = bt;
        constants["FR_REGISTER_ROW_TILES"] = solution[RegisterTiles];
        constants["FR_SHARED_ROW_TILES"] = solution[SharedTiles];
        constants["FR_REGIME"] = (int)Regime;
        constants["FR_TF32"] = UsesTf32 ? 1 : 0;
        // Only plans of the streaming model carry it (the kernels default it to 0), so every on-chip plan keeps its
        // constants; the planner's streamed pass only finds plans that stream (one with none would have come first).
        if (StreamedTilesAllowed)
            constants["FR_STREAMED_ROW_TILES"] = solution[StreamedTiles];
        if (Request.Lengths)
            constants["FR_LENGTHS"] = 1;
        // The prediction is also ptxas's cap (--maxrregcount; decision 0013): the register file and occupancy were
        // sized by it. (With the whole budget of the block instead, ptxas hoists more and spilled in more plans.)
        constants["FR_MAX_REGISTERS"] = Registers.Evaluate(v);
        var grid = new Dim3(p, (int)HeadGroups.Evaluate(v), (int)BatchGroups.Evaluate(v));
        var cluster = Regime == FusedRegime.Cluster ? new Dim3(p) : new Dim3(1);
        return new KernelPlan(Request, Gpu.Name, Gpu.ComputeCapability.Arch, Regime, constants, grid, new Dim3(w * Gpu.WarpSize),
            cluster, SharedBytes.Evaluate(v), (int)Registers.Evaluate(v), Cost.Evaluate(v), rationale);
    }

    public long[] ValuesOf(KernelPlan plan)
    {
        var values = new long[Model.Variables.Count];
        values[BlocksPerHead.Index] = plan.Constant("FR_BLOCKS_PER_HEAD");
        values[HeadsPerBlock.Index] = plan.Constant("FR_HEADS_PER_BLOCK");
        values[BatchTile.Index] = plan.Constant("FR_BATCH_TILE");
        long kSplit = plan.Constant("FR_K_SPLIT");
        if (kSplit < 1) throw new ArgumentException($"FR_K_SPLIT must be at least 1, got {kSplit}.", nameof(plan));
        values[KSplit.Index] = kSplit;
        values[RowWarps.Index] = plan.Constant("FR_WARPS") / kSplit;
        values[RegisterTiles.Index] = plan.Constant("FR_REGISTER_ROW_TILES");
        values[SharedTiles.Index] = plan.Constant("FR_SHARED_ROW_TILES");
        values[StreamedTiles.Index] = plan.StreamedRowTiles;
        return values;
    }

    /// <summary>The divisors of n up to <paramref name="max"/> (NH may be up to 2^31 - 1: never enumerate all of 1..n).</summary>
    private static IEnumerable<long> Divisors(int n, int max) =>
        Enumerable.Range(1, Math.Min(n, max)).Where(d => n % d == 0).Select(d => (long)d);
}
