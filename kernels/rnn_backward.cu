/*
 * rnn_backward.cu: the fused persistent backward (BPTT) of LSTM, GRU, sLSTM and Elman (math.md section 3). The
 * weight-gradient reductions launched after it are rnn_gradients.cu's (a module shared by every plan of the cell and
 * type, decision 0028).
 *
 * fr_rnn_backward: R^T of the block's units stays on chip (registers and shared memory) for all T steps, in the same
 * three regimes as the forward (FR_REGIME 1 single block, 2 cluster, 3 grid barrier) and with the same plan constants
 * (FR_CELL ... FR_SHARED_ROW_TILES, FR_TF32, FR_REGIME; the planner's FusedRnnModel for PlanDirection.Backward). The
 * block's matrix: Hb heads x Up = Dp / P units (rows, row = hh * Up + local unit) by Width = G * Dp columns (column =
 * unit * G + gate), element R[gate, head, unit', row's unit]. Going from t = T - 1 down to 0, each step:
 *   1. pointwise: each thread owns fixed (head, unit, sequence) items; it carries their state gradients (fp32, in
 *      registers) and the states after the step (the next step's "previous", read once from the reserve). The total
 *      gradient reaching y_t is dy_t + the recurrent part (R^T dg_{t+1}, summed over the K slices; clamped when
 *      recurrent_clip > 0; none when truncate). With the forward's gate products (reserve) it applies the cell's
 *      backward, writes dWx and the step's bias gradients (dgate, fp32), and puts dg_t (the gradients on R_g y_{t-1},
 *      in the storage type) into the shared vector buffer (every cluster block's, in the cluster regime; the grid regime
 *      reloads it from dgate after the grid barrier).                                      -> barrier (+ reload)
 *   2. matmul (fr_rnn_tiles.cuh): pre[slice][unit][sequence] = R^T dg_t over the slice's columns. -> barrier
 * One vector buffer suffices: the barrier after the matmul (a cluster barrier in the cluster regime) keeps the next
 * step's writes out of a matmul still reading. After the loop the state gradients (plus R^T dg_0 for y) are dL/d
 * initial states. No atomics: every output has one writer.
 * Launch: grid (P, NH / Hb, ceil(B / Bt)), block W * 32, dynamic shared memory fr_rnn_backward_shared_bytes:
 *   W * ST * (Width / Ks) * 16 * s (R^T tiles, as fragment words) + Hb * Bt * Width * s (dg) + Ks * Hb * Up * Bt * 4 (pre).
 */
#include "fr_rnn_args.h"
#include "fr_device.cuh"
#include "fr_rnn_cells.cuh"
#include "fr_storage.cuh"
#include "fr_rnn_tiles.cuh"
#include "fr_rnn_fused_plan.cuh"
#include "fr_rnn_gradients.cuh"

namespace fr_rnn_bwd {

using namespace fr_fused;
constexpr int Rows = Hb * Up;                     /* the block's rows: its units */
constexpr int Width = G * Dp;                     /* columns: every unit's gates */
static_assert(GT == 0, "FR_STREAMED_ROW_TILES: the backward keeps all of R^T on chip (streamed tiles are forward only; decision 0023)");
typedef fr_tiles::TileMatmul<S, kHalf, kTf32, W, Ks, RT, ST, 0, Rows, Width, Up, Bt> Tiles;

constexpr long long kRTileBytes = Tiles::SharedTileBytes;
constexpr long long kGradBytes = (long long)Hb * Bt * Width * (long long)sizeof(S);
constexpr long long kPreBytes = (long long)Ks * Rows * Bt * 4;

/* the raw storage bits of R^T[unit p, column k = unit' * G + gate] = R[gate, head, unit', p] (zero in the padding) */
FR_DEVICE_INLINE unsigned rt_bits(const fr_rnn_backward_args& a, int head, int p, int k)
{
    const int unit = k / G, gate = k % G;
    if (p >= D || unit >= D) return 0u;
    const long long at = (((long long)gate * NH + head) * D + unit) * D + p;
    if (kHalf) return (unsigned)((const unsigned short*)a.r)[at];
    return fr_float_as_u32(((const float*)a.r)[at]);
}

/* the whole head's dg_t (Bt sequences x Width, storage type; column unit * G + gate) from dgate, after the grid
 * barrier: loads that bypass L1, several in flight per thread (all of a batch issued before the first is stored),
 * 16 bytes (4 units of one gate) each where D is a multiple of 4 and dgate is 16-byte aligned, else one value each.
 * Consecutive lanes take the gates of one quad of units, so their shared stores (column unit * G + gate) are G apart
 * within a quad instead of 4 G apart (a 16-way bank conflict for an fp32 LSTM; now 4-way); each lane's global loads stay
 * 16 contiguous bytes. */
constexpr int kReloadBatch = 4;
FR_DEVICE_INLINE const float* grad_row(const fr_rnn_backward_args& a, int step, int head, int b, int gate)
{
    return a.dgate + ((((long long)b * a.steps + step) * Gb + fr_cells::recurrent_slot<FR_CELL>(gate)) * NH + head) * D;
}
FR_DEVICE_INLINE void load_grad(const fr_rnn_backward_args& a, S* dst, int step, int head, int b0, int tid)
{
    constexpr int Quads = Dp / 4, Vectors = Bt * G * Quads;
    if (D % 4 == 0 && ((unsigned long long)a.dgate % 16) == 0) {
#pragma unroll 1
        for (int v0 = tid; v0 < Vectors; v0 += Threads * kReloadBatch) {
            unsigned q[kReloadBatch][4];
#pragma unroll
            for (int j = 0; j < kReloadBatch; ++j) {
                const int v = v0 + j * Threads, b = v / (G * Quads), gate = v % G, unit = v / G % Quads * 4;
                q[j][0] = q[j][1] = q[j][2] = q[j][3] = 0u; /* +0.0f */
                if (v < Vectors && unit < D && b0 + b < a.batch)
                    fr_load_l2_v4((const unsigned*)(grad_row(a, step, head, b0 + b, gate) + unit), q[j]);
            }
#pragma unroll
            for (int j = 0; j < kReloadBatch; ++j) {
                const int v = v0 + j * Threads, b = v / (G * Quads), gate = v % G, unit = v / G % Quads * 4;
                if (v >= Vectors) continue;
#pragma unroll
                for (int i = 0; i < 4; ++i) fr_from_float(dst + b * Width + (unit + i) * G + gate, fr_u32_as_float(q[j][i]));
            }
        }
        return;
    }
#pragma unroll 1
    for (int i0 = tid; i0 < Bt * Width; i0 += Threads * kReloadBatch) {
        float values[kReloadBatch];
#pragma unroll
        for (int j = 0; j < kReloadBatch; ++j) {
            const int i = i0 + j * Threads, column = i % Width, b = i / Width;
            const int unit = column / G, gate = column % G;
            values[j] = 0.0f;
            if (i < Bt * Width && unit < D && b0 + b < a.batch)
                values[j] = fr_load_l2(grad_row(a, step, head, b0 + b, gate) + unit);
        }
#pragma unroll
        for (int j = 0; j < kReloadBatch; ++j)
            if (i0 + j * Threads < Bt * Width) fr_from_float(dst + i0 + j * Threads, values[j]);
    }
}

FR_DEVICE_INLINE void run(const fr_rnn_backward_args& a)
{
    FR_DYNAMIC_SHARED(unsigned char, shared);
    unsigned* r_shared = (unsigned*)shared;
    S* grad = (S*)(shared + kRTileBytes);                       /* [Hb][Bt][Width]: dg_t, column = unit * G + gate */
    float* pre = (float*)(shared + kRTileBytes + kGradBytes);   /* [Ks][Rows][Bt]: R^T dg_t, per K slice */

    const int tid = (int)fr_thread_x();
    const int lane = tid % FR_WARP_SIZE, warp = tid / FR_WARP_SIZE;
    const int strip = warp / Ks, slice = warp % Ks;
    const int part = P > 1 ? (int)fr_block_x() : 0;
    const int unit0 = part * Up;
    const int head0 = (int)fr_block_y() * Hb;
    const int b0 = (int)fr_block_z() * Bt;
    const long long per_step = (long long)a.batch * a.steps * NH * D; /* elements of one [B, T, NH, D] */
    const float* saved_states = a.states;

    unsigned r_reg[Tiles::RegisterTiles][Tiles::KChunks][4];
    Tiles::load([&](int tile, int kc, unsigned w[4]) {
        const int row0 = (strip * TilesPerWarp + tile) * 16;
        const int head = head0 + row0 / Up;
        Tiles::fragment([&](int row, int k) { return rt_bits(a, head, row, k); }, row0 % Up + unit0,
                        slice * Tiles::KSlice + kc * Tiles::KChunk, lane, w);
    }, r_reg, r_shared, warp, lane);

    /* item j of this thread is (hh, sequence, local unit), unit fastest: its state gradients and its states after the
     * step being differentiated */
    float d_state[Items][NS], next[Items][NS];
#pragma unroll
    for (int j = 0; j < Items; ++j) {
        const int item = tid + j * Threads;
        const int unit = unit0 + item % Up, b = item / Up % Bt, hh = item / (Up * Bt);
        const bool real = item < Hb * Up * Bt && unit < D && b0 + b < a.batch;
        const long long at = (((long long)(b0 + b) * a.steps + a.steps - 1) * NH + head0 + hh) * D + unit;
#pragma unroll
        for (int s = 0; s < NS; ++s) {
            d_state[j][s] = real && a.d_last != 0
                ? fr_load_acc((const S*)a.d_last + (((long long)s * a.batch + b0 + b) * NH + head0 + hh) * D + unit)
                : 0.0f;
            next[j][s] = real && a.steps > 0 ? saved_states[s * per_step + at] : 0.0f;
        }
    }
#if FR_REGIME == FR_REGIME_CLUSTER
    fr_cluster_sync(); /* every block of the cluster running before any writes into its shared memory */
#endif

    for (int step = a.steps - 1; step >= 0; --step) {
        const bool recurrent = step < a.steps - 1 && !a.truncate; /* pre holds R^T dg_{t+1} */
        /* ---- 1. pointwise backward */
#pragma unroll
        for (int j = 0; j < Items; ++j) {
            const int item = tid + j * Threads;
            if (item >= Hb * Up * Bt) continue;
            const int local = item % Up, b = item / Up % Bt, hh = item / (Up * Bt);
            const int unit = unit0 + local, head = head0 + hh, batch = b0 + b;
            const bool real = unit < D && batch < a.batch;
            float dwx[G], dslot[Gb], dprev[NS], prev[NS];
            if (real) {
                /* past the sequence's length the step did not run: no gradient (dgate = 0 also makes the next
                 * step's R^T dg zero), y was a constant zero (dy ignored), the state gradients pass through, and the
                 * held states are the states after the step before. Only in the FR_LENGTHS build (the plans for calls
                 * with lengths, whose cap includes the check's registers; decision 0021). */
                if (kLengths && a.lengths != 0 && step >= a.lengths[batch]) {
#pragma unroll
                    for (int gate = 0; gate < G; ++gate) dwx[gate] = 0.0f;
#pragma unroll
                    for (int k = 0; k < Gb; ++k) dslot[k] = 0.0f;
#pragma unroll
                    for (int s = 0; s < NS; ++s) {
                        dprev[s] = d_state[j][s];
                        prev[s] = next[j][s];
                    }
                } else {
                    float d_next[NS], wx[G], rh[G], bias[Gb];
#pragma unroll
                    for (int s = 0; s < NS; ++s) d_next[s] = d_state[j][s];
                    d_next[0] += fr_load_acc((const S*)a.dy + (((long long)batch * a.steps + step) * NH + head) * D + unit);
                    if (recurrent) {
                        float sum = 0.0f;
#pragma unroll
                        for (int k = 0; k < Ks; ++k) sum += pre[((long long)k * Rows + hh * Up + local) * Bt + b];
                        d_next[0] += fr_rnn_grad::clip_recurrent(a, sum);
                    }
                    const long long at = (((long long)batch * a.steps + step) * NH + head) * D + unit;
#pragma unroll
                    for (int s = 0; s < NS; ++s) {
                        prev[s] = step > 0 ? saved_states[s * per_step + at - (long long)NH * D]
                            : a.initial != 0 ? fr_load_acc((const S*)a.initial + (((long long)s * a.batch + batch) * NH + head) * D + unit)
                            : 0.0f;
                    }
#pragma unroll
                    for (int gate = 0; gate < G; ++gate) {
                        const long long gate_at = ((((long long)batch * a.steps + step) * G + gate) * NH + head) * D + unit;
                        wx[gate] = fr_load_acc((const S*)a.wx + gate_at);
                        rh[gate] = a.products[gate_at];
                    }
#pragma unroll
                    for (int k = 0; k < Gb; ++k) bias[k] = fr_load_acc((const S*)a.bias + ((long long)k * NH + head) * D + unit);
                    fr_cells::backward<FR_CELL>(wx, rh, bias, prev, next[j], d_next, dwx, dslot, dprev);
                }
#pragma unroll
                for (int gate = 0; gate < G; ++gate)
                    fr_rnn_grad::store_gradient(a, (S*)a.dwx + ((((long long)batch * a.steps + step) * G + gate) * NH + head) * D + unit, dwx[gate]);
#pragma unroll
                for (int k = 0; k < Gb; ++k) a.dgate[((((long long)batch * a.steps + step) * Gb + k) * NH + head) * D + unit] = dslot[k];
            } else {
                /* padding units and sequences: zero gradients (their states may be zero, where sLSTM divides by n) */
#pragma unroll
                for (int k = 0; k < Gb; ++k) dslot[k] = 0.0f;
#pragma unroll
                for (int s = 0; s < NS; ++s) dprev[s] = prev[s] = 0.0f;
            }
#if FR_REGIME != FR_REGIME_GRID_BARRIER
#pragma unroll
            for (int gate = 0; gate < G; ++gate) {
                S* at = grad + ((long long)hh * Bt + b) * Width + unit * G + gate;
                const float value = dslot[fr_cells::recurrent_slot<FR_CELL>(gate)];
#if FR_REGIME == FR_REGIME_CLUSTER
#pragma unroll 1
                for (int rank = 0; rank < P; ++rank) fr_from_float(fr_cluster_map_shared(at, (unsigned)rank), value);
#else
                fr_from_float(at, value);
#endif
            }
#endif
#pragma unroll
            for (int s = 0; s < NS; ++s) {
                d_state[j][s] = dprev[s];
                next[j][s] = prev[s];
            }
        }
#if FR_REGIME == FR_REGIME_CLUSTER
        fr_cluster_sync(); /* barrier 1: dg_t complete in every block of the cluster, pre consumed */
#elif FR_REGIME == FR_REGIME_GRID_BARRIER
        fr_grid_sync((fr_grid_barrier_state*)a.barrier); /* barrier 1: every block's dgate_t written */
        load_grad(a, grad, step, head0, b0, tid);
        fr_syncthreads(); /* barrier 2: dg_t reloaded, pre consumed */
#else
        fr_syncthreads(); /* barrier 1: dg_t complete, pre consumed */
#endif
        /* ---- 2. matmul: R^T dg_t, the recurrent gradient reaching y_{t-1} */
        if (!a.truncate) Tiles::step(r_reg, r_shared, [](int, int, unsigned*) {}, grad, pre, warp, lane);
#if FR_REGIME == FR_REGIME_CLUSTER
        fr_cluster_sync(); /* barrier 3: pre complete, and no block still reads dg_t when the next step writes */
#else
        fr_syncthreads(); /* barrier 3: pre complete, dg_t consumed */
#endif
    }

    if (a.d_initial != 0) {
#pragma unroll
        for (int j = 0; j < Items; ++j) {
            const int item = tid + j * Threads;
            const int local = item % Up, b = item / Up % Bt, hh = item / (Up * Bt);
            const int unit = unit0 + local;
            if (item >= Hb * Up * Bt || unit >= D || b0 + b >= a.batch) continue;
            if (a.steps > 0 && !a.truncate) {
                float sum = 0.0f;
#pragma unroll
                for (int k = 0; k < Ks; ++k) sum += pre[((long long)k * Rows + hh * Up + local) * Bt + b];
                d_state[j][0] += fr_rnn_grad::clip_recurrent(a, sum);
            }
#pragma unroll
            for (int s = 0; s < NS; ++s)
                fr_rnn_grad::store_gradient(a, (S*)a.d_initial + (((long long)s * a.batch + b0 + b) * NH + head0 + hh) * D + unit, d_state[j][s]);
        }
    }
}

} /* namespace fr_rnn_bwd */

FR_KERNEL(fr_rnn_backward, FR_WARPS * 32, (fr_rnn_backward_args args))
{
    fr_rnn_bwd::run(args);
}
