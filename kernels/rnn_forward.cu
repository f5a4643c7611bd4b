/*
 * rnn_forward.cu: the fused persistent forward of LSTM, GRU, sLSTM and Elman (math.md sections 2 and 4): the heads'
 * recurrent weights stay on chip (registers and shared memory) for all T steps of a tile of FR_BATCH_TILE sequences.
 * Three regimes (FR_REGIME, the planner's FusedRegime):
 *   1 single block   one block owns FR_HEADS_PER_BLOCK whole heads; block barriers only.
 *   2 cluster        (sm_90) the P = FR_BLOCKS_PER_HEAD blocks of a thread-block cluster split one head's units; each
 *                    writes its h_t units into every block's shared h buffer (distributed shared memory), then one
 *                    cluster barrier per step.
 *   3 grid barrier   the P blocks of a head are anywhere on the GPU (cooperative launch, every block resident); h_t
 *                    goes through global memory: each block writes its units to y, a grid barrier, then every block
 *                    reads the head's whole h_t back from y (loads that bypass L1, so no stale line is read).
 *
 * Plan constants (the planner's FusedRnnModel, src/FastRecurrence/Planning/Models/FusedRnnModel.cs):
 *   FR_CELL (0 LSTM, 1 GRU, 2 sLSTM, 3 Elman), FR_GATES G, FR_STATES S, FR_DTYPE (0 fp32, 1 bf16, 2 fp16),
 *   FR_HEAD_SIZE D, FR_HEAD_SIZE_PADDED Dp (D rounded up to 16), FR_HEADS NH, FR_HEADS_PER_BLOCK Hb,
 *   FR_BLOCKS_PER_HEAD P (Up = Dp / P units of the head per block; Hb = 1 when P > 1), FR_REGIME, FR_WARPS W,
 *   FR_K_SPLIT Ks, FR_BATCH_TILE Bt (a multiple of 8), FR_REGISTER_ROW_TILES RT, FR_SHARED_ROW_TILES ST,
 *   FR_STREAMED_ROW_TILES GT (default 0).
 * Launch: grid (P, NH / Hb, ceil(B / Bt)), block W * 32 threads, dynamic shared memory fr_rnn_forward_shared_bytes.
 *
 * The block's matrix: Hb heads x G gates x Up units = Rows rows (row = (hh * Up + local unit) * G + gate: the gates of
 * a unit are adjacent, so a block owns whole units) by Dp columns (padding rows and columns are zero). Warp w is row strip w / Ks and K slice w % Ks:
 * it owns RT + ST + GT tiles of 16 rows (RT as fragments in registers, ST in shared memory, GT streamed: read at every
 * step from global memory, packed R or the user's layout, where they stay in L2; only for heads with no on-chip plan,
 * decision 0023) and the Dp / Ks columns of its slice. Each step:
 *   1. matmul: for each tile and each 8-column batch chunk, accumulate R_tile h_{t-1} over the slice's columns:
 *      bf16 / fp16 with mma.m16n8k16 (fp32 accumulate); fp32 with FR_TF32 with mma.m16n8k8.tf32; fp32 exactly, with FMAs on the fragments of mma.m16n8k8's
 *      layout and a reduction over the 4 lanes that share a row; the partial pre-activations go to shared memory,
 *      one set per K slice.                                                                   -> barrier
 *   2. pointwise: each thread owns fixed (head, unit, sequence) items, their fp32 states in registers for the whole
 *      sequence: it sums the K slices, adds Wx and the biases, applies the cell, writes y (and all states) to global
 *      memory and h_t, in the storage type, into the other h buffer (every cluster block's, in the cluster regime).
 *                                                                          -> barrier (block / cluster / grid + reload)
 * Two barriers per step; h is double-buffered in the single-block and cluster regimes, so the next matmul never reads
 * an h being written. The grid regime has one h buffer: its reload comes after barrier 1, when every warp of the block
 * has finished reading h_{t-1}, and before barrier 3 (decision 0023).
 * Shared memory, bytes: W * ST * (Dp / Ks) * 16 * s (R tiles) + buffers * Hb * Bt * Dp * s (h, the whole head's units;
 * 2 buffers, 1 in the grid regime) + Ks * Rows * Bt * 4 (pre-activations of the block's rows); the planner's model has
 * the same terms.
 * The grid regime's barrier state (args.barrier) is a zeroed fr_grid_barrier_state of its own per launch (stream-ordered).
 */
#include "fr_rnn_args.h"
#include "fr_device.cuh"
#include "fr_rnn_cells.cuh"
#include "fr_storage.cuh"
#include "fr_rnn_tiles.cuh"
#include "fr_rnn_fused_plan.cuh"

namespace fr_rnn {

using namespace fr_fused;
constexpr int Rows = Hb * G * Up;                /* the block's rows: its units' gates */
typedef fr_tiles::TileMatmul<S, kHalf, kTf32, W, Ks, RT, ST, GT, Rows, Dp, G * Up, Bt> Tiles;
constexpr int KChunk = Tiles::KChunk;
constexpr int KSlice = Tiles::KSlice;
constexpr int KChunks = Tiles::KChunks;

/* dynamic shared memory layout, in bytes */
constexpr long long kRTileBytes = Tiles::SharedTileBytes;
constexpr int kHBuffers = FR_REGIME == FR_REGIME_GRID_BARRIER ? 1 : 2;
constexpr long long kHBytes = (long long)kHBuffers * Hb * Bt * Dp * (long long)sizeof(S);
constexpr long long kPreBytes = (long long)Ks * Rows * Bt * 4;

/* the raw storage bits of R[gate, head, unit, k] for row `head_row` = unit * G + gate of the head (zero in the
 * padding) */
FR_DEVICE_INLINE unsigned r_bits(const fr_rnn_args& a, int head, int head_row, int k)
{
    const int unit = head_row / G, gate = head_row % G;
    if (unit >= D || k >= D) return 0u;
    const long long at = (((long long)gate * NH + head) * D + unit) * D + k;
    if (kHalf) return (unsigned)((const unsigned short*)a.r)[at];
    return fr_float_as_u32(((const float*)a.r)[at]);
}

/* lane's fragment words of the head's rows [row0, row0 + 16) and columns [k0, k0 + KChunk) */
FR_DEVICE_INLINE void load_fragment(const fr_rnn_args& a, int head, int row0, int k0, int lane, unsigned w[4])
{
    Tiles::fragment([&](int row, int k) { return r_bits(a, head, row, k); }, row0, k0, lane, w);
}

/* R in the plan's fragment layout (fr_rnn_pack_recurrent): per block of a batch tile (y * P + part), per warp, per
 * row tile, per K chunk, per lane, the 4 words load_fragment would assemble, so a warp reads 512 contiguous bytes */
FR_DEVICE_INLINE void packed_fragment(const fr_rnn_args& a, int part, int warp, int tile, int kc, int lane, unsigned w[4])
{
    const fr_tiles::Words4 q = ((const fr_tiles::Words4*)a.r)[Tiles::packed_index((int)fr_block_y() * P + part, warp, tile, kc, lane)];
#pragma unroll
    for (int i = 0; i < 4; ++i) w[i] = q.v[i];
}

/* h (Bt sequences x Dp units of head `head`, storage type) into shared memory from a [batch][..., head, unit] source
 * whose sequences are `batch_stride` elements apart: zero for padding units, sequences beyond B and a NULL source. */
FR_DEVICE_INLINE void load_h(S* dst, const S* src, long long batch_stride, int batch, int head, int b0, int tid)
{
#pragma unroll 1
    for (int i = tid; i < Bt * Dp; i += Threads) {
        const int unit = i % Dp, b = i / Dp;
        S value;
        fr_from_float(&value, 0.0f);
        if (src != 0 && unit < D && b0 + b < batch) value = src[(long long)(b0 + b) * batch_stride + (long long)head * D + unit];
        dst[i] = value;
    }
}

/* The same after the grid barrier, at every step, from y_t that other blocks wrote during this launch: loads that
 * bypass L1, several in flight per thread (all of a batch issued before the first is stored: one at a time, every
 * element would cost a whole L2 latency), 16 bytes each where D is a multiple of a vector's elements and both
 * addresses are 16-byte aligned, else one element each. */
constexpr int kReloadBatch = 4;
FR_DEVICE_INLINE void reload_h(S* dst, const S* src, long long batch_stride, int batch, int head, int b0, int tid)
{
    constexpr int V = 16 / (int)sizeof(S), RowVectors = Dp / V, Vectors = Bt * RowVectors;
    if (D % V == 0 && batch_stride % V == 0 && (((unsigned long long)src | (unsigned long long)dst) % 16) == 0) {
#pragma unroll 1
        for (int v0 = tid; v0 < Vectors; v0 += Threads * kReloadBatch) {
            fr_tiles::Words4 q[kReloadBatch];
#pragma unroll
            for (int j = 0; j < kReloadBatch; ++j) {
                const int v = v0 + j * Threads, b = v / RowVectors, unit = v % RowVectors * V;
                q[j].v[0] = q[j].v[1] = q[j].v[2] = q[j].v[3] = 0u; /* +0 in every storage type */
                if (v < Vectors && unit < D && b0 + b < batch)
                    fr_load_l2_v4((const unsigned*)(src + (long long)(b0 + b) * batch_stride + (long long)head * D + unit), q[j].v);
            }
#pragma unroll
            for (int j = 0; j < kReloadBatch; ++j)
                if (v0 + j * Threads < Vectors) ((fr_tiles::Words4*)dst)[v0 + j * Threads] = q[j];
        }
        return;
    }
#pragma unroll 1
    for (int i0 = tid; i0 < Bt * Dp; i0 += Threads * kReloadBatch) {
        S values[kReloadBatch];
#pragma unroll
        for (int j = 0; j < kReloadBatch; ++j) {
            const int i = i0 + j * Threads, unit = i % Dp, b = i / Dp;
            fr_from_float(&values[j], 0.0f);
            if (i < Bt * Dp && unit < D && b0 + b < batch)
                values[j] = fr_load_l2(src + (long long)(b0 + b) * batch_stride + (long long)head * D + unit);
        }
#pragma unroll
        for (int j = 0; j < kReloadBatch; ++j)
            if (i0 + j * Threads < Bt * Dp) dst[i0 + j * Threads] = values[j];
    }
}

/* items of the pointwise step whose Wx_t is loaded together: at most 4 (4 * G values live beside the items' states) */
constexpr int kWxBatch = Items < 4 ? Items : 4;

FR_DEVICE_INLINE void run(const fr_rnn_args& a)
{
    FR_DYNAMIC_SHARED(unsigned char, shared);
    unsigned* r_shared = (unsigned*)shared;
    S* h_buffers = (S*)(shared + kRTileBytes);
    float* pre = (float*)(shared + kRTileBytes + kHBytes);

    const int tid = (int)fr_thread_x();
    const int lane = tid % FR_WARP_SIZE, warp = tid / FR_WARP_SIZE;
    const int strip = warp / Ks, slice = warp % Ks;
    const int part = P > 1 ? (int)fr_block_x() : 0; /* which Up units of the head (the cluster rank, when clustered) */
    const int unit0 = part * Up;
    const int head0 = (int)fr_block_y() * Hb;
    const int b0 = (int)fr_block_z() * Bt;

    /* R: this warp's tiles, registers first, then shared memory, for its K slice; the streamed tiles are read with the
     * same function at every step */
    auto fragment_of = [&](int tile, int kc, unsigned w[4]) {
        const int row0 = (strip * TilesPerWarp + tile) * 16;
        if (a.r_packed) packed_fragment(a, part, warp, tile, kc, lane, w);
        else load_fragment(a, head0 + row0 / (G * Up), row0 % (G * Up) + unit0 * G, slice * KSlice + kc * KChunk, lane, w);
    };
    unsigned r_reg[Tiles::RegisterTiles][KChunks][4];
    Tiles::load(fragment_of, r_reg, r_shared, warp, lane);

    /* states: item j of this thread is (hh, sequence, local unit), unit fastest */
    float state[Items][NS];
#pragma unroll
    for (int j = 0; j < Items; ++j) {
        const int item = tid + j * Threads;
        const int unit = unit0 + item % Up, b = item / Up % Bt, hh = item / (Up * Bt);
        const bool real = item < Hb * Up * Bt && unit < D && b0 + b < a.batch;
#pragma unroll
        for (int s = 0; s < NS; ++s) {
            state[j][s] = real && a.initial != 0
                ? fr_load_acc((const S*)a.initial + (((long long)s * a.batch + b0 + b) * NH + head0 + hh) * D + unit)
                : 0.0f;
        }
        if (P == 1 && item < Hb * Up * Bt) fr_from_float(h_buffers + ((long long)hh * Bt + b) * Dp + unit, real ? state[j][0] : 0.0f);
    }
    if (P > 1) load_h(h_buffers, (const S*)a.initial, (long long)NH * D, a.batch, head0, b0, tid); /* every unit */
#if FR_REGIME == FR_REGIME_CLUSTER
    fr_cluster_sync(); /* h_0 loaded, and every block of the cluster running before any writes into its shared memory */
#else
    fr_syncthreads();
#endif

    for (int step = 0; step < a.steps; ++step) {
        const S* h_cur = h_buffers + (long long)(kHBuffers == 2 ? step & 1 : 0) * Hb * Bt * Dp;
        S* h_next = h_buffers + (long long)(kHBuffers == 2 ? (step + 1) & 1 : 0) * Hb * Bt * Dp;

        /* ---- 1. matmul: partial pre-activations of this warp's tiles over its K slice */
        Tiles::step(r_reg, r_shared, fragment_of, h_cur, pre, warp, lane);
        fr_syncthreads(); /* barrier 1: pre-activations complete */

        /* ---- 2. pointwise, kWxBatch items at a time: their Wx_t loaded before any of them is computed. The stores of an
         * item (y, states) may alias the next item's loads for the compiler, so loads inside the item loop would each
         * wait a whole memory latency; loaded first, their latencies overlap (decision 0027). */
#pragma unroll
        for (int j0 = 0; j0 < Items; j0 += kWxBatch) {
            float wx_items[kWxBatch][G];
#pragma unroll
            for (int jj = 0; jj < kWxBatch; ++jj) {
                const int item = tid + (j0 + jj) * Threads;
                const int local = item % Up, b = item / Up % Bt, hh = item / (Up * Bt);
                const int unit = unit0 + local, head = head0 + hh, batch = b0 + b;
                const bool real = j0 + jj < Items && item < Hb * Up * Bt && unit < D && batch < a.batch;
#pragma unroll
                for (int gate = 0; gate < G; ++gate) {
                    const long long at = ((((long long)batch * a.steps + step) * G + gate) * NH + head) * D + unit;
                    wx_items[jj][gate] = real ? fr_load_acc((const S*)a.wx + at) : 0.0f;
                }
            }
#pragma unroll
            for (int jj = 0; jj < kWxBatch; ++jj) {
                const int j = j0 + jj;
                const int item = tid + j * Threads;
                if (j >= Items || item >= Hb * Up * Bt) continue;
                const int local = item % Up, b = item / Up % Bt, hh = item / (Up * Bt);
                const int unit = unit0 + local, head = head0 + hh, batch = b0 + b;
                const bool real = unit < D && batch < a.batch;
                const float* const wx = wx_items[jj];
                float rh[G], bias[Gb];
#pragma unroll
                for (int gate = 0; gate < G; ++gate) {
                    float sum = 0.0f;
#pragma unroll
                    for (int k = 0; k < Ks; ++k) sum += pre[((long long)k * Rows + (hh * Up + local) * G + gate) * Bt + b];
                    rh[gate] = sum;
                }
#pragma unroll
                for (int k = 0; k < Gb; ++k) bias[k] = unit < D ? fr_load_acc((const S*)a.bias + ((long long)k * NH + head) * D + unit) : 0.0f;
                /* A predicate, not a shorter loop: every thread of the block still reaches every barrier. Only in the
                 * FR_LENGTHS build (the plans for calls with lengths; decision 0021). Past its length the sequence's h
                 * stays the held state, so the products of its (ignored) later steps stay finite; in the grid regime h
                 * comes back from y = 0 instead, which only those ignored steps read. */
                const bool ended = kLengths && real && a.lengths != 0 && step >= a.lengths[batch];
                if (!ended) fr_cells::forward<FR_CELL>(wx, rh, bias, state[j]);
                if (real && a.reserve != 0)
                    fr_cells::save_reserve<G, NS>(a.reserve, a.reserve_products != 0, a.batch, a.steps, NH, D, batch, step, head, unit, rh, state[j]);
                if (real) {
                    fr_store_acc((S*)a.y + (((long long)batch * a.steps + step) * NH + head) * D + unit, ended ? 0.0f : state[j][0]);
                    if (a.all_states != 0) {
#pragma unroll
                        for (int s = 0; s < NS; ++s)
                            fr_store_acc((S*)a.all_states + ((((long long)s * a.batch + batch) * a.steps + step) * NH + head) * D + unit, state[j][s]);
                    }
                }
#if FR_REGIME == FR_REGIME_CLUSTER
                /* h_t into the h buffer of every block of the cluster (this one included) */
                S* h_at = h_next + ((long long)hh * Bt + b) * Dp + unit;
#pragma unroll 1
                for (int rank = 0; rank < P; ++rank) fr_from_float(fr_cluster_map_shared(h_at, (unsigned)rank), real ? state[j][0] : 0.0f);
#elif FR_REGIME == FR_REGIME_SINGLE_BLOCK
                fr_from_float(h_next + ((long long)hh * Bt + b) * Dp + unit, real ? state[j][0] : 0.0f);
#endif
            }
        }
#if FR_REGIME == FR_REGIME_CLUSTER
        fr_cluster_sync(); /* barrier 2: h_t complete in every block of the cluster, pre-activations consumed */
#elif FR_REGIME == FR_REGIME_GRID_BARRIER
        fr_grid_sync((fr_grid_barrier_state*)a.barrier); /* barrier 2: every block's y_t written */
        reload_h(h_next, (const S*)a.y + (long long)step * NH * D, (long long)a.steps * NH * D, a.batch, head0, b0, tid);
        fr_syncthreads(); /* barrier 3: h_t reloaded */
#else
        fr_syncthreads(); /* barrier 2: h_t complete, pre-activations consumed */
#endif
    }

    if (a.last_states != 0) {
#pragma unroll
        for (int j = 0; j < Items; ++j) {
            const int item = tid + j * Threads;
            const int unit = unit0 + item % Up, b = item / Up % Bt, hh = item / (Up * Bt);
            if (item >= Hb * Up * Bt || unit >= D || b0 + b >= a.batch) continue;
#pragma unroll
            for (int s = 0; s < NS; ++s)
                fr_store_acc((S*)a.last_states + (((long long)s * a.batch + b0 + b) * NH + head0 + hh) * D + unit, state[j][s]);
        }
    }
}

} /* namespace fr_rnn */

FR_KERNEL(fr_rnn_forward, FR_WARPS * 32, (fr_rnn_args args))
{
    fr_rnn::run(args);
}

/* R ([G, NH, D, D] at args.r) into the plan's fragment layout at `packed`, once per weight update instead of on every
 * call: one thread per (block, warp, row tile, K chunk, lane) fragment. Launch: ceil(fragments / 256) blocks of 256. */
FR_KERNEL(fr_rnn_pack_recurrent, 256, (fr_rnn_args args, void* packed))
{
    using namespace fr_rnn;
    const long long fragments = Tiles::PackedFragmentsPerBlock * P * (NH / Hb);
    const long long index = (long long)fr_block_x() * 256 + fr_thread_x();
    if (index >= fragments) return;
    const int lane = (int)(index % FR_WARP_SIZE);
    const int kc = (int)(index / FR_WARP_SIZE % KChunks);
    const int tile = (int)(index / ((long long)FR_WARP_SIZE * KChunks) % TilesPerWarp);
    const int warp = (int)(index / ((long long)FR_WARP_SIZE * KChunks * TilesPerWarp) % W);
    const int block = (int)(index / Tiles::PackedFragmentsPerBlock);
    const int part = block % P, head0 = block / P * Hb;
    const int strip = warp / Ks, slice = warp % Ks;
    const int row0 = (strip * TilesPerWarp + tile) * 16;
    unsigned w[4];
    load_fragment(args, head0 + row0 / (G * Up), row0 % (G * Up) + part * Up * G, slice * KSlice + kc * KChunk, lane, w);
    fr_tiles::Words4 q;
#pragma unroll
    for (int i = 0; i < 4; ++i) q.v[i] = w[i];
    ((fr_tiles::Words4*)packed)[Tiles::packed_index(block, warp, tile, kc, lane)] = q;
}
