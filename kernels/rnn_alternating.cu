/*
 * rnn_alternating.cu: the alternating fallback of the recurrent forward and backward (math.md sections 2 to 4), for
 * heads too large for the fused kernels' on-chip R: per step, one tiled matmul kernel (forward: the gate
 * pre-activations R h_{t-1} of every head and sequence; backward: R^T dg_t; R streamed from L2 / HBM) and one pointwise
 * kernel (the cell or its backward). Any head size works; the host launches the pair T times on one stream, so each
 * launch sees the previous one's writes.
 *
 * Plan constants (the planner's AlternatingModel, src/FastRecurrence/Planning/Models/AlternatingModel.cs):
 *   FR_CELL, FR_GATES, FR_STATES, FR_DTYPE (0 fp32, 1 bf16, 2 fp16), FR_HEAD_SIZE D, FR_HEAD_SIZE_PADDED Dp, FR_HEADS NH,
 *   FR_TILE_M (gate rows per block), FR_TILE_N (sequences per block), FR_TILE_K (columns per shared-memory stage),
 *   FR_WARPS W, FR_POINTWISE_THREADS.
 *
 * fr_rnn_alternating_matmul(args, work, step): grid (ceil(G * Dp / TM), NH, ceil(B / TN)), block W * 32 threads,
 *   dynamic shared memory (TM + TN) * TK * s. Rows of a head are gate-major (row = gate * Dp + unit). h_{t-1} is
 *   y[:, t - 1] (the initial h, or zeros, at t = 0), in the storage type. Per K stage the block stages an R tile
 *   [TM][TK] and an h tile [TN][TK] in shared memory; bf16 / fp16: each warp owns TM * TN / (128 W) tiles of 16 x 8
 *   and accumulates them with mma.m16n8k16 (fp32); fp32: each thread owns TM * TN / (32 W) outputs and accumulates
 *   them with exact FMAs. Writes pre [B, NH, G, Dp] (fp32).
 * fr_rnn_alternating_pointwise(args, work, step): grid ceil(B * NH * D / FR_POINTWISE_THREADS), one (sequence, head,
 *   unit) per thread: sums pre, Wx and the biases, applies the cell to its fp32 states (work.states [S, B, NH, D], the
 *   initial states at t = 0), writes y, all states, and the last states at t = T - 1; with a reserve (the training
 *   forward), the step's gate products and states in fp32.
 * Backward (FR_BACKWARD = 1 plans; fr_rnn_backward_args; work.pre [B, NH, Dp], work.states [S, B, NH, D], fp32), from
 *   t = T - 1 down to 0: fr_rnn_alternating_backward_pointwise(args, work, step) (grid as the forward's pointwise): the
 *   cell's backward from the reserve, the carried state gradients and dy_t + R^T dg_{t+1} (clipped, or none when
 *   truncating); writes dWx and dgate. fr_rnn_alternating_backward_matmul(args, work, step): grid (ceil(Dp / TM), NH,
 *   ceil(B / TN)); rows = the head's units, K = G * Dp (k = gate * Dp + unit), dg_t from dgate in the storage type;
 *   writes pre = R^T dg_t. Then fr_rnn_alternating_backward_finish (dL/d initial states) and the reductions of
 *   rnn_gradients.cu (dR, db: a module of its own, decision 0028).
 */
#include "fr_rnn_args.h"
#include "fr_device.cuh"
#include "fr_rnn_cells.cuh"
#include "fr_storage.cuh"
#include "fr_rnn_gradients.cuh"

#if !defined(FR_CELL) || !defined(FR_DTYPE) || !defined(FR_HEAD_SIZE) || !defined(FR_HEAD_SIZE_PADDED) ||   \
    !defined(FR_HEADS) || !defined(FR_TILE_M) || !defined(FR_TILE_N) || !defined(FR_TILE_K) || !defined(FR_WARPS) || \
    !defined(FR_POINTWISE_THREADS)
#error "rnn_alternating.cu needs the alternating plan's constants (FR_CELL, FR_DTYPE, ... FR_TILE_M, FR_TILE_N, FR_TILE_K, FR_WARPS, FR_POINTWISE_THREADS)"
#endif

namespace fr_alt {

typedef fr_storage::S S;
constexpr bool kHalf = fr_storage::kHalf;

typedef fr_cells::Traits<FR_CELL> Cell;
constexpr int G = Cell::gates;
constexpr int Gb = Cell::biases;
constexpr int NS = Cell::states;
constexpr int D = FR_HEAD_SIZE;
constexpr int Dp = FR_HEAD_SIZE_PADDED;
constexpr int NH = FR_HEADS;
constexpr int TM = FR_TILE_M;
constexpr int TN = FR_TILE_N;
constexpr int TK = FR_TILE_K;
constexpr int Threads = FR_WARPS * FR_WARP_SIZE;
constexpr int Outputs = TM * TN / Threads;          /* accumulators per thread */
constexpr int WarpTiles = TM * TN / (128 * FR_WARPS); /* 16 x 8 mma tiles per warp (bf16 / fp16) */

static_assert(FR_GATES == G && FR_STATES == NS, "FR_GATES / FR_STATES must match FR_CELL");
static_assert(Dp % 16 == 0 && Dp >= D, "FR_HEAD_SIZE_PADDED: D rounded up to 16");
static_assert(TM % 16 == 0 && TN % 8 == 0 && TK % 16 == 0, "tiles of whole 16 x 8 x 16 mma shapes");
static_assert((TM * TN) % (128 * FR_WARPS) == 0, "every warp owns whole 16 x 8 tiles");
static_assert(!kHalf || FR_HAS_MMA, "bf16 / fp16 plans need mma.m16n8k16 (sm_80 or newer)");

/* element bits of R for head-row `row` (gate-major) and column k; zero in the padding */
FR_DEVICE_INLINE S r_at(const fr_rnn_args& a, int head, int row, int k)
{
    S value;
    fr_from_float(&value, 0.0f);
    const int gate = row / Dp, unit = row % Dp;
    if (gate < G && unit < D && k < D) value = ((const S*)a.r)[(((long long)gate * NH + head) * D + unit) * D + k];
    return value;
}

/* h_{t-1}[b, head, k] in the storage type: y of the previous step, the initial h at step 0, zero in the padding */
FR_DEVICE_INLINE S h_at(const fr_rnn_args& a, int step, int b, int head, int k)
{
    S value;
    fr_from_float(&value, 0.0f);
    if (b >= a.batch || k >= D) return value;
    if (step > 0) return ((const S*)a.y)[(((long long)b * a.steps + step - 1) * NH + head) * D + k];
    if (a.initial != 0) return ((const S*)a.initial)[((long long)b * NH + head) * D + k];
    return value;
}

FR_DEVICE_INLINE unsigned bits_of(S x)
{
#if FR_DTYPE == 0
    return fr_float_as_u32(x);
#else
    return x.bits;
#endif
}

/* acc (this thread's Outputs of the block's TM x TN tile) = A[row0 .., k] x V[b0 .., k] over k < Depth, staged through
 * shared memory TK columns at a time; a_at(row, k) and v_at(n, k) give the tile's elements in the storage type (zero
 * in the padding). bf16 / fp16: mma.m16n8k16 per warp tile; fp32: exact FMAs per output. */
template <int Depth, class ATile, class VTile>
FR_DEVICE_INLINE void tiled_product(const ATile& a_at, const VTile& v_at, float acc[Outputs])
{
    FR_DYNAMIC_SHARED(unsigned char, shared);
    S* r_tile = (S*)shared;              /* [TM][TK] */
    S* h_tile = r_tile + TM * TK;        /* [TN][TK] */
    const int tid = (int)fr_thread_x();
    const int lane = tid % FR_WARP_SIZE, warp = tid / FR_WARP_SIZE;
    const int g = lane >> 2, t4 = lane & 3;

#pragma unroll
    for (int i = 0; i < Outputs; ++i) acc[i] = 0.0f;

    for (int k0 = 0; k0 < Depth; k0 += TK) {
        for (int i = tid; i < TM * TK; i += Threads) r_tile[i] = a_at(i / TK, k0 + i % TK);
        for (int i = tid; i < TN * TK; i += Threads) h_tile[i] = v_at(i / TK, k0 + i % TK);
        fr_syncthreads(); /* tiles staged */
        if (kHalf) {
#if FR_HAS_MMA
#pragma unroll
            for (int j = 0; j < WarpTiles; ++j) {
                const int tile = warp * WarpTiles + j;
                const int m0 = tile / (TN / 8) * 16, n0 = tile % (TN / 8) * 8;
#pragma unroll
                for (int kk = 0; kk < TK; kk += 16) {
                    const S* ra = r_tile + (m0 + g) * TK + kk + 2 * t4;
                    const S* rb = r_tile + (m0 + g + 8) * TK + kk + 2 * t4;
                    const S* hb = h_tile + (n0 + g) * TK + kk + 2 * t4;
                    unsigned w[4], h[2];
                    w[0] = bits_of(ra[0]) | (bits_of(ra[1]) << 16);
                    w[1] = bits_of(rb[0]) | (bits_of(rb[1]) << 16);
                    w[2] = bits_of(ra[8]) | (bits_of(ra[9]) << 16);
                    w[3] = bits_of(rb[8]) | (bits_of(rb[9]) << 16);
                    h[0] = bits_of(hb[0]) | (bits_of(hb[1]) << 16);
                    h[1] = bits_of(hb[8]) | (bits_of(hb[9]) << 16);
                    float c[4] = {acc[4 * j], acc[4 * j + 1], acc[4 * j + 2], acc[4 * j + 3]};
#if FR_DTYPE == 1
                    fr_mma_m16n8k16_bf16(&acc[4 * j], w, h, c);
#else
                    fr_mma_m16n8k16_f16(&acc[4 * j], w, h, c);
#endif
                }
            }
#endif
        } else {
            /* exact fp32: output o of this thread is (row, sequence) = (e / TN, e % TN), e = tid + o * Threads */
#pragma unroll
            for (int o = 0; o < Outputs; ++o) {
                const int e = tid + o * Threads;
                const float* rr = (const float*)r_tile + (e / TN) * TK;
                const float* hh = (const float*)h_tile + (e % TN) * TK;
                float sum = acc[o];
                for (int kk = 0; kk < TK; ++kk) sum += rr[kk] * hh[kk];
                acc[o] = sum;
            }
        }
        fr_syncthreads(); /* tiles consumed */
    }
}

/* the (row, sequence) within the block's tile of this thread's output o (the layout tiled_product accumulates in) */
FR_DEVICE_INLINE void output_at(int o, int* row, int* n)
{
    const int tid = (int)fr_thread_x();
    const int lane = tid % FR_WARP_SIZE, warp = tid / FR_WARP_SIZE;
    if (kHalf) {
        const int j = o / 4, i = o % 4, tile = warp * WarpTiles + j;
        *row = tile / (TN / 8) * 16 + (lane >> 2) + (i >= 2 ? 8 : 0);
        *n = tile % (TN / 8) * 8 + 2 * (lane & 3) + (i & 1);
    } else {
        const int e = tid + o * Threads;
        *row = e / TN;
        *n = e % TN;
    }
}

FR_DEVICE_INLINE void matmul(const fr_rnn_args& a, const fr_rnn_work& work, int step)
{
    const int row0 = (int)fr_block_x() * TM, head = (int)fr_block_y(), b0 = (int)fr_block_z() * TN;
    float acc[Outputs];
    tiled_product<Dp>([&](int row, int k) { return r_at(a, head, row0 + row, k); },
                      [&](int n, int k) { return h_at(a, step, b0 + n, head, k); }, acc);
    /* pre [B, NH, G, Dp] */
#pragma unroll
    for (int o = 0; o < Outputs; ++o) {
        int row, n;
        output_at(o, &row, &n);
        if (row0 + row < G * Dp && b0 + n < a.batch)
            work.pre[(((long long)(b0 + n) * NH + head) * G) * Dp + row0 + row] = acc[o];
    }
}

FR_DEVICE_INLINE void pointwise(const fr_rnn_args& a, const fr_rnn_work& work, int step)
{
    const long long item = (long long)fr_block_x() * FR_POINTWISE_THREADS + fr_thread_x();
    if (item >= (long long)a.batch * NH * D) return;
    const int unit = (int)(item % D), head = (int)(item / D % NH), b = (int)(item / ((long long)D * NH));
    const long long at = ((long long)b * NH + head) * D + unit;           /* [B, NH, D] */
    const long long states_stride = (long long)a.batch * NH * D;          /* [S, B, NH, D] */
    float state[NS], wx[G], rh[G], bias[Gb];
#pragma unroll
    for (int s = 0; s < NS; ++s) {
        if (step > 0) state[s] = work.states[s * states_stride + at];
        else state[s] = a.initial != 0 ? fr_load_acc((const S*)a.initial + s * states_stride + at) : 0.0f;
    }
#pragma unroll
    for (int gate = 0; gate < G; ++gate) {
        rh[gate] = work.pre[(((long long)b * NH + head) * G + gate) * Dp + unit];
        wx[gate] = fr_load_acc((const S*)a.wx + ((((long long)b * a.steps + step) * G + gate) * NH + head) * D + unit);
    }
#pragma unroll
    for (int k = 0; k < Gb; ++k) bias[k] = fr_load_acc((const S*)a.bias + ((long long)k * NH + head) * D + unit);
    /* past the sequence's length: the states held, y = 0 (the next matmul reads it as h only for steps also past
     * the length, whose products nothing uses) */
    const bool ended = a.lengths != 0 && step >= a.lengths[b];
    if (!ended) fr_cells::forward<FR_CELL>(wx, rh, bias, state);
    if (a.reserve != 0) fr_cells::save_reserve<G, NS>(a.reserve, a.reserve_products != 0, a.batch, a.steps, NH, D, b, step, head, unit, rh, state);
    fr_store_acc((S*)a.y + (((long long)b * a.steps + step) * NH + head) * D + unit, ended ? 0.0f : state[0]);
#pragma unroll
    for (int s = 0; s < NS; ++s) {
        work.states[s * states_stride + at] = state[s];
        if (a.all_states != 0)
            fr_store_acc((S*)a.all_states + (((long long)s * a.batch + b) * a.steps + step) * NH * D + (long long)head * D + unit, state[s]);
        if (a.last_states != 0 && step == a.steps - 1) fr_store_acc((S*)a.last_states + s * states_stride + at, state[s]);
    }
}

/* ---- the alternating backward (plans with FR_BACKWARD = 1): fr_rnn_backward_args; work.pre [B, NH, Dp] = R^T dg_t
 * (the recurrent gradient reaching y_{t-1}), work.states [S, B, NH, D] = the state gradients carried between steps */

/* R^T[p, k], k = gate * Dp + unit: R[gate, head, unit, p]; zero in the padding */
FR_DEVICE_INLINE S rt_at(const fr_rnn_backward_args& a, int head, int p, int k)
{
    S value;
    fr_from_float(&value, 0.0f);
    const int gate = k / Dp, unit = k % Dp;
    if (gate < G && unit < D && p < D) value = ((const S*)a.r)[(((long long)gate * NH + head) * D + unit) * D + p];
    return value;
}

/* dg_t[b, head, k] in the storage type (as the fused backward multiplies it): the gradient on R_gate y_{t-1} */
FR_DEVICE_INLINE S dg_at(const fr_rnn_backward_args& a, int step, int b, int head, int k)
{
    S value;
    fr_from_float(&value, 0.0f);
    const int gate = k / Dp, unit = k % Dp;
    if (b < a.batch && gate < G && unit < D)
        fr_from_float(&value, a.dgate[((((long long)b * a.steps + step) * Gb + fr_cells::recurrent_slot<FR_CELL>(gate)) * NH + head) * D + unit]);
    return value;
}

FR_DEVICE_INLINE void backward_matmul(const fr_rnn_backward_args& a, const fr_rnn_work& work, int step)
{
    const int row0 = (int)fr_block_x() * TM, head = (int)fr_block_y(), b0 = (int)fr_block_z() * TN;
    float acc[Outputs];
    tiled_product<G * Dp>([&](int row, int k) { return rt_at(a, head, row0 + row, k); },
                          [&](int n, int k) { return dg_at(a, step, b0 + n, head, k); }, acc);
#pragma unroll
    for (int o = 0; o < Outputs; ++o) {
        int row, n;
        output_at(o, &row, &n);
        if (row0 + row < Dp && b0 + n < a.batch) work.pre[((long long)(b0 + n) * NH + head) * Dp + row0 + row] = acc[o];
    }
}

FR_DEVICE_INLINE void backward_pointwise(const fr_rnn_backward_args& a, const fr_rnn_work& work, int step)
{
    const long long item = (long long)fr_block_x() * FR_POINTWISE_THREADS + fr_thread_x();
    if (item >= (long long)a.batch * NH * D) return;
    const int unit = (int)(item % D), head = (int)(item / D % NH), b = (int)(item / ((long long)D * NH));
    const long long at = ((long long)b * NH + head) * D + unit;           /* [B, NH, D] */
    const long long states_stride = (long long)a.batch * NH * D;          /* [S, B, NH, D] */
    const long long per_state = (long long)a.batch * a.steps * NH * D;    /* [B, T, NH, D] */
    const long long step_at = (((long long)b * a.steps + step) * NH + head) * D + unit;
    const float* saved_states = a.states;
    float d_next[NS], prev[NS], next[NS], wx[G], rh[G], bias[Gb], dwx[G], dslot[Gb], dprev[NS];
#pragma unroll
    for (int s = 0; s < NS; ++s) {
        if (step < a.steps - 1) d_next[s] = work.states[s * states_stride + at];
        else d_next[s] = a.d_last != 0 ? fr_load_acc((const S*)a.d_last + s * states_stride + at) : 0.0f;
    }
    if (a.lengths != 0 && step >= a.lengths[b]) {
        /* the step did not run for this sequence: no gradient (dgate = 0 makes the next R^T dg zero for it), dy
         * ignored (y was a constant zero), the state gradients pass through */
#pragma unroll
        for (int gate = 0; gate < G; ++gate)
            fr_rnn_grad::store_gradient(a, (S*)a.dwx + ((((long long)b * a.steps + step) * G + gate) * NH + head) * D + unit, 0.0f);
#pragma unroll
        for (int k = 0; k < Gb; ++k) a.dgate[((((long long)b * a.steps + step) * Gb + k) * NH + head) * D + unit] = 0.0f;
#pragma unroll
        for (int s = 0; s < NS; ++s) work.states[s * states_stride + at] = d_next[s];
        return;
    }
#pragma unroll
    for (int s = 0; s < NS; ++s) {
        next[s] = saved_states[s * per_state + step_at];
        prev[s] = step > 0 ? saved_states[s * per_state + step_at - (long long)NH * D]
            : a.initial != 0 ? fr_load_acc((const S*)a.initial + s * states_stride + at) : 0.0f;
    }
    d_next[0] += fr_load_acc((const S*)a.dy + step_at);
    if (step < a.steps - 1 && !a.truncate) d_next[0] += fr_rnn_grad::clip_recurrent(a, work.pre[((long long)b * NH + head) * Dp + unit]);
#pragma unroll
    for (int gate = 0; gate < G; ++gate) {
        const long long gate_at = ((((long long)b * a.steps + step) * G + gate) * NH + head) * D + unit;
        wx[gate] = fr_load_acc((const S*)a.wx + gate_at);
        rh[gate] = a.products[gate_at];
    }
#pragma unroll
    for (int k = 0; k < Gb; ++k) bias[k] = fr_load_acc((const S*)a.bias + ((long long)k * NH + head) * D + unit);
    fr_cells::backward<FR_CELL>(wx, rh, bias, prev, next, d_next, dwx, dslot, dprev);
#pragma unroll
    for (int gate = 0; gate < G; ++gate)
        fr_rnn_grad::store_gradient(a, (S*)a.dwx + ((((long long)b * a.steps + step) * G + gate) * NH + head) * D + unit, dwx[gate]);
#pragma unroll
    for (int k = 0; k < Gb; ++k) a.dgate[((((long long)b * a.steps + step) * Gb + k) * NH + head) * D + unit] = dslot[k];
#pragma unroll
    for (int s = 0; s < NS; ++s) work.states[s * states_stride + at] = dprev[s];
}

/* after the loop: dL/d initial states = the carried state gradients (+ R^T dg_0 for y); with T = 0, dL/d last states */
FR_DEVICE_INLINE void backward_finish(const fr_rnn_backward_args& a, const fr_rnn_work& work)
{
    const long long item = (long long)fr_block_x() * FR_POINTWISE_THREADS + fr_thread_x();
    if (a.d_initial == 0 || item >= (long long)a.batch * NH * D) return;
    const int unit = (int)(item % D), head = (int)(item / D % NH), b = (int)(item / ((long long)D * NH));
    const long long at = ((long long)b * NH + head) * D + unit;
    const long long states_stride = (long long)a.batch * NH * D;
#pragma unroll
    for (int s = 0; s < NS; ++s) {
        float value = a.steps > 0 ? work.states[s * states_stride + at]
            : a.d_last != 0 ? fr_load_acc((const S*)a.d_last + s * states_stride + at) : 0.0f;
        if (s == 0 && a.steps > 0 && !a.truncate) value += fr_rnn_grad::clip_recurrent(a, work.pre[((long long)b * NH + head) * Dp + unit]);
        fr_rnn_grad::store_gradient(a, (S*)a.d_initial + s * states_stride + at, value);
    }
}

} /* namespace fr_alt */

FR_KERNEL(fr_rnn_alternating_matmul, FR_WARPS * 32, (fr_rnn_args args, fr_rnn_work work, int step))
{
    fr_alt::matmul(args, work, step);
}

FR_KERNEL(fr_rnn_alternating_pointwise, FR_POINTWISE_THREADS, (fr_rnn_args args, fr_rnn_work work, int step))
{
    fr_alt::pointwise(args, work, step);
}

FR_KERNEL(fr_rnn_alternating_backward_matmul, FR_WARPS * 32, (fr_rnn_backward_args args, fr_rnn_work work, int step))
{
    fr_alt::backward_matmul(args, work, step);
}

FR_KERNEL(fr_rnn_alternating_backward_pointwise, FR_POINTWISE_THREADS, (fr_rnn_backward_args args, fr_rnn_work work, int step))
{
    fr_alt::backward_pointwise(args, work, step);
}

FR_KERNEL(fr_rnn_alternating_backward_finish, FR_POINTWISE_THREADS, (fr_rnn_backward_args args, fr_rnn_work work))
{
    fr_alt::backward_finish(args, work);
}
