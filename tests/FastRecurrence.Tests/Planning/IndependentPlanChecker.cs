using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Planning;

/// <summary>
/// Checks a plan against the GPU's limits from first principles, sharing no code with the planner's models:
/// launch shape, registers, shared memory, clusters, co-residency, and that the fused plan's own resources can hold
/// its share of R. Returns the failures in words.
/// </summary>
internal static class IndependentPlanChecker
{
    public static List<string> Check(GpuSpec gpu, KernelPlan plan)
    {
        var failures = new List<string>();
        void Require(bool ok, string what)
        {
            if (!ok) failures.Add(what);
        }

        var r = plan.Request;
        long threads = plan.Block.Volume;
        Require(threads >= 1 && threads <= gpu.MaxThreadsPerBlock, $"threads per block {threads} within [1, {gpu.MaxThreadsPerBlock}]");
        Require(threads % gpu.WarpSize == 0, $"threads per block {threads} a multiple of the warp size");
        Require(plan.SharedMemoryBytes <= gpu.SharedMemoryPerBlockOptIn, $"shared memory {plan.SharedMemoryBytes} <= {gpu.SharedMemoryPerBlockOptIn}");
        Require(plan.PredictedRegisters is > 0 and <= 255 && plan.PredictedRegisters <= gpu.MaxRegistersPerThread,
            $"registers per thread {plan.PredictedRegisters} within the limit {gpu.MaxRegistersPerThread}");
        Require(plan.PredictedRegisters * threads <= gpu.MaxRegistersPerBlock, $"registers per block {plan.PredictedRegisters * threads} <= {gpu.MaxRegistersPerBlock}");
        long warps = (threads + gpu.WarpSize - 1) / gpu.WarpSize;
        Require(plan.PredictedRegisters * ((warps + 3) / 4) * gpu.WarpSize * 4 <= gpu.RegistersPerSm,
            "the busiest of the SM's 4 sub-partitions holds its warps' registers");
        Require(plan.Grid.X >= 1 && plan.Grid.Y >= 1 && plan.Grid.Z >= 1, "a non-empty grid");
        Require(plan.Grid.Y <= 65535 && plan.Grid.Z <= 65535, "a grid within CUDA's limits (y, z <= 65535)");
        if (plan.Cluster.Volume > 1)
        {
            Require(gpu.SupportsClusters, $"{gpu.Name} supports clusters");
            Require(plan.Cluster.Volume <= gpu.NonPortableMaxClusterSize, $"cluster {plan.Cluster.Volume} <= {gpu.NonPortableMaxClusterSize}");
            Require(plan.Regime == FusedRegime.Cluster, "only the cluster regime launches clusters");
            Require(plan.Grid.X % plan.Cluster.X == 0, "the cluster divides the grid");
        }

        switch (r.Family)
        {
            case KernelFamily.Fused:
            {
                long gates = r.Cell.GateCount(), s = r.DataType.SizeInBytes();
                long dp = plan.Constant("FR_HEAD_SIZE_PADDED"), p = plan.Constant("FR_BLOCKS_PER_HEAD"), hb = plan.Constant("FR_HEADS_PER_BLOCK");
                long bt = plan.Constant("FR_BATCH_TILE"), w = plan.Constant("FR_WARPS"), ks = plan.Constant("FR_K_SPLIT");
                long rt = plan.Constant("FR_REGISTER_ROW_TILES"), st = plan.Constant("FR_SHARED_ROW_TILES");
                long gt = plan.StreamedRowTiles;
                Require(r.DataType != DataType.Float64, "fused kernels do not store fp64");
                Require(dp >= r.HeadSize && dp % 16 == 0 && dp - r.HeadSize < 16, $"padded head size {dp} is D rounded up to 16");
                Require(w * gpu.WarpSize == threads && w % ks == 0, "warps = row warps * K split");
                // forward: R's G * Dp rows of Dp columns; backward: R^T's Dp rows of G * Dp columns (kernels/rnn_backward.cu)
                bool backward = r.Direction == PlanDirection.Backward;
                long rowsPerHead = backward ? dp : gates * dp, width = backward ? gates * dp : dp;
                Require(w / ks * (rt + st + gt) * 16 * p == hb * rowsPerHead, "the warps' row tiles cover every recurrent row exactly once");
                Require(gt == 0 || (!backward && plan.Constants.ContainsKey("FR_STREAMED_ROW_TILES") && gt > 0),
                    "only forward plans stream R tiles, and they name FR_STREAMED_ROW_TILES only when they do");
                Require(width / 16 % ks == 0, "the K split divides the matrix's 16-column tiles");
                Require(plan.Grid.X == p && plan.Grid.Y * hb >= r.Heads && plan.Grid.Z * bt >= r.Batch, "the grid covers every head and sequence");
                Require(r.Heads % hb == 0, "heads per block divides the heads");
                Require(dp % p == 0 && (p == 1 || hb == 1), "a head split over blocks splits its units evenly and is its blocks' only head");
                Require(plan.Constant("FR_MAX_REGISTERS") == plan.PredictedRegisters, "ptxas's register cap is the plan's prediction");
                // The block's on-chip share of R must fit the registers and shared memory the plan itself reserves; the
                // streamed rest, of all blocks, must fit in the L2.
                long rBytesPerBlock = hb * gates * dp * dp * s / p * (rt + st) / (rt + st + gt);
                // (the blocks of every batch tile, grid z, read the same tiles)
                long streamedBytes = plan.Grid.X * plan.Grid.Y * (w / ks) * gt * 16 * width * s;
                Require(streamedBytes <= gpu.L2CacheBytes, $"the streamed R tiles of every head ({streamedBytes} bytes) fit in the L2 ({gpu.L2CacheBytes} bytes)");
                long onChip = plan.PredictedRegisters * threads * 4 + plan.SharedMemoryBytes;
                Require(rBytesPerBlock <= onChip, $"the block's R ({rBytesPerBlock} bytes) fits its registers and shared memory ({onChip} bytes)");
                Require(w / ks * st * 16 * width * s <= plan.SharedMemoryBytes, "shared memory reserves the R rows kept there");
                Require(plan.Regime switch
                {
                    FusedRegime.SingleBlock => p == 1,
                    FusedRegime.Cluster => p >= 2 && plan.Cluster.X == p,
                    FusedRegime.GridBarrier => p >= 2 && plan.Grid.Volume <= gpu.SmCount,
                    _ => false,
                }, $"regime {plan.Regime} is consistent with {p} blocks per head and {plan.Grid.Volume} blocks");
                break;
            }
            case KernelFamily.Alternating:
            {
                long tm = plan.Constant("FR_TILE_M"), tn = plan.Constant("FR_TILE_N");
                long dp = plan.Constant("FR_HEAD_SIZE_PADDED");
                long rows = r.Direction == PlanDirection.Backward ? dp : r.Cell.GateCount() * dp; // R^T dg backward
                Require(plan.Grid.X * tm >= rows && plan.Grid.Y == r.Heads && plan.Grid.Z * tn >= r.Batch, "the tiles cover the output");
                Require(plan.Regime == FusedRegime.None, "no fused regime");
                break;
            }
            case KernelFamily.Scan:
            {
                long lanes = plan.Constant("FR_SCAN_LANES");
                Require(plan.Grid.X * lanes >= r.HeadSize && plan.Grid.Y == r.Heads && plan.Grid.Z == Math.Min(r.Batch, 65535),
                    "the grid covers every lane, and every sequence or (past 65535) a slice of them per launch");
                Require(threads % lanes == 0, "lanes divide the threads");
                Require(plan.Constant("FR_SCAN_CHUNK") == threads / lanes * plan.Constant("FR_SCAN_ITEMS"), "chunk = segments * items");
                break;
            }
        }
        return failures;
    }
}
