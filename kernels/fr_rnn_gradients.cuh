/*
 * fr_rnn_gradients.cuh: what the backward kernels share (kernels/rnn_backward.cu, the fused backward; rnn_alternating.cu,
 * the alternating backward): the options' arithmetic (recurrent clipping, accumulation) and the weight-gradient
 * reductions that run after the time loop, over the per-step gate gradients (fr_rnn_backward_args.dgate, fp32):
 *
 * fr_rnn_backward_weights: dR[g, h, d, p] = sum over (b, t) of dgate[b, t, slot(g), h, d] * y_{t-1}[b, h, p] (y_{-1} =
 *   the initial h; y as the forward's matmul read it, in the storage type), as each head's [G * D, B * T] x [B * T, D]
 *   product in 64 x 64 tiles, every output summed by one thread in a fixed order (deterministic: no atomics).
 *   Grid (ceil(D / 64), ceil(G * D / 64), NH), block 256, static shared memory.
 * fr_rnn_backward_bias: db[slot, h, d] = sum over (b, t) of dgate[b, t, slot, h, d], one thread per output in a fixed
 *   order. Grid ceil(Gb * NH * D / 256), block 256.
 * fr_rnn_gate_products: before a backward whose forward kept the states only (the recompute reserve): the gate products
 *   R_g y_{t-1} of every step at once (y is known, so no recurrence: one [B * T, D] x [D, G * D] product per head), into
 *   args.products (fp32 scratch [B, T, G, NH, D]); the same 64 x 64 tiles. Grid (ceil(G * D / 64), ceil(B * T / 64),
 *   NH), block 256.
 * Needs FR_CELL, FR_DTYPE, FR_HEAD_SIZE, FR_HEADS; include after fr_storage.cuh and fr_rnn_cells.cuh.
 */
#ifndef FR_RNN_GRADIENTS_CUH
#define FR_RNN_GRADIENTS_CUH

#include "fr_device.cuh"
#include "fr_rnn_args.h"

namespace fr_rnn_grad {

typedef fr_storage::S S;
typedef fr_cells::Traits<FR_CELL> Cell;
constexpr int G = Cell::gates;
constexpr int Gb = Cell::biases;
constexpr int D = FR_HEAD_SIZE;
constexpr int NH = FR_HEADS;

/* the recurrent gradient R^T dg_t reaching y_{t-1}, clamped to [-clip, clip] when clipping is on */
FR_DEVICE_INLINE float clip_recurrent(const fr_rnn_backward_args& a, float x)
{
    return a.recurrent_clip > 0.0f ? fminf(fmaxf(x, -a.recurrent_clip), a.recurrent_clip) : x;
}

/* one gradient element: written, or added to the output's value when accumulating */
FR_DEVICE_INLINE void store_gradient(const fr_rnn_backward_args& a, S* at, float value)
{
    fr_store_acc(at, a.accumulate ? fr_load_acc(at) + value : value);
}

/* y_{t-1}[b, head, p] as the forward's matmul read it (storage type): y of the previous step, the initial h at t = 0 */
FR_DEVICE_INLINE float y_before(const fr_rnn_backward_args& a, long long row, int head, int p)
{
    const int step = (int)(row % a.steps);
    const long long b = row / a.steps;
    if (step > 0) return fr_load_acc((const S*)a.y + ((row - 1) * NH + head) * D + p);
    return a.initial != 0 ? fr_load_acc((const S*)a.initial + (b * NH + head) * D + p) : 0.0f;
}

constexpr int kTile = 64, kDepth = 16, kReduceThreads = 256;

/* acc[i][j] (this thread's 4 x 4 outputs of a 64 x 64 tile: rows tm + 16 i, columns tn + 16 j, tid = 16 tm + tn) =
 * sum over k < depth of lhs_at(k, row) * rhs_at(k, column), staged 16 k at a time; every output summed in the order of
 * k (deterministic) */
template <class Lhs, class Rhs>
FR_DEVICE_INLINE void tile_product(long long depth, const Lhs& lhs_at, const Rhs& rhs_at, float acc[4][4])
{
    FR_SHARED_ARRAY(float, lhs, kDepth * kTile); /* [k][row] */
    FR_SHARED_ARRAY(float, rhs, kDepth * kTile); /* [k][column] */
    const int tid = (int)fr_thread_x();
    const int tm = tid / 16, tn = tid % 16;
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = 0.0f;
    for (long long k0 = 0; k0 < depth; k0 += kDepth) {
#pragma unroll 1
        for (int i = tid; i < kDepth * kTile; i += kReduceThreads) {
            const long long k = k0 + i / kTile;
            const int c = i % kTile;
            lhs[i] = k < depth ? lhs_at(k, c) : 0.0f;
            rhs[i] = k < depth ? rhs_at(k, c) : 0.0f;
        }
        fr_syncthreads(); /* tiles staged */
#pragma unroll 4
        for (int k = 0; k < kDepth; ++k) {
            float l[4], r[4];
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                l[i] = lhs[k * kTile + tm + 16 * i];
                r[i] = rhs[k * kTile + tn + 16 * i];
            }
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) acc[i][j] += l[i] * r[j];
        }
        fr_syncthreads(); /* tiles consumed */
    }
}

/* dR of one head, one 64 x 64 tile: rows (gate, unit) of dgate, columns p of y_{t-1}, depth the B * T (sequence, step) */
FR_DEVICE_INLINE void weights(const fr_rnn_backward_args& a)
{
    const int tid = (int)fr_thread_x();
    const int tm = tid / 16, tn = tid % 16;
    const int n0 = (int)fr_block_x() * kTile, m0 = (int)fr_block_y() * kTile, head = (int)fr_block_z();
    float acc[4][4];
    tile_product((long long)a.batch * a.steps,
                 [&](long long row, int c) {
                     const int m = m0 + c, gate = m / D, unit = m % D;
                     return m < G * D ? a.dgate[((row * Gb + fr_cells::recurrent_slot<FR_CELL>(gate)) * NH + head) * D + unit] : 0.0f;
                 },
                 [&](long long row, int c) { return n0 + c < D ? y_before(a, row, head, n0 + c) : 0.0f; }, acc);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const int m = m0 + tm + 16 * i;
        if (m >= G * D) continue;
        const int gate = m / D, unit = m % D;
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int p = n0 + tn + 16 * j;
            if (p < D) store_gradient(a, (S*)a.dr + (((long long)gate * NH + head) * D + unit) * D + p, acc[i][j]);
        }
    }
}

/* the gate products of one head, one 64 x 64 tile: rows (sequence, step) of y_{t-1}, columns (gate, unit) of R, depth D */
FR_DEVICE_INLINE void gate_products(const fr_rnn_backward_args& a)
{
    const int tid = (int)fr_thread_x();
    const int tm = tid / 16, tn = tid % 16;
    const int n0 = (int)fr_block_x() * kTile, head = (int)fr_block_z();
    const long long m0 = (long long)fr_block_y() * kTile, rows = (long long)a.batch * a.steps;
    float acc[4][4];
    tile_product(D,
                 [&](long long k, int c) { return m0 + c < rows ? y_before(a, m0 + c, head, (int)k) : 0.0f; },
                 [&](long long k, int c) {
                     const int n = n0 + c, gate = n / D, unit = n % D;
                     return n < G * D ? fr_load_acc((const S*)a.r + (((long long)gate * NH + head) * D + unit) * D + k) : 0.0f;
                 },
                 acc);
    float* products = (float*)a.products;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const long long row = m0 + tm + 16 * i;
        if (row >= rows) continue;
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int n = n0 + tn + 16 * j;
            if (n < G * D) products[((row * G + n / D) * NH + head) * D + n % D] = acc[i][j];
        }
    }
}

FR_DEVICE_INLINE void biases(const fr_rnn_backward_args& a)
{
    const long long index = (long long)fr_block_x() * kReduceThreads + fr_thread_x();
    if (index >= (long long)Gb * NH * D) return;
    const long long rows = (long long)a.batch * a.steps;
    float sum = 0.0f;
#pragma unroll 1
    for (long long row = 0; row < rows; ++row) sum += a.dgate[row * Gb * NH * D + index];
    store_gradient(a, (S*)a.dbias + index, sum);
}

} /* namespace fr_rnn_grad */

FR_KERNEL(fr_rnn_backward_weights, 256, (fr_rnn_backward_args args))
{
    fr_rnn_grad::weights(args);
}

FR_KERNEL(fr_rnn_backward_bias, 256, (fr_rnn_backward_args args))
{
    fr_rnn_grad::biases(args);
}

FR_KERNEL(fr_rnn_gate_products, 256, (fr_rnn_backward_args args))
{
    fr_rnn_grad::gate_products(args);
}

#endif /* FR_RNN_GRADIENTS_CUH */
