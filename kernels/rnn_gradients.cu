/*
 * rnn_gradients.cu: the reductions that finish a backward (the fused kernels/rnn_backward.cu and the alternating
 * rnn_alternating.cu), launched after its time loop on the same stream, over the per-step gate gradients
 * (fr_rnn_backward_args.dgate, fp32 [B, T, Gb, NH, D]); and, before a backward whose forward kept only the states, the
 * gate products it needs.
 *
 * fr_rnn_backward_weights: dR[g, h, d, p] = sum over (b, t) of dgate[b, t, slot(g), h, d] * y_{t-1}[b, h, p] (y_{-1} =
 *   the initial h; y as the forward's matmul read it, in the storage type), as each head's [G * D, B * T] x [B * T, D]
 *   product in 64 x 64 tiles, every output summed in a fixed order (deterministic: no atomics); on tensor cores in
 *   tf32 where the plan multiplies on them (16-bit storage, FR_TF32), else with fp32 FMAs.
 *   Grid (ceil(D / 64), ceil(G * D / 64), NH), block 256, static shared memory.
 * fr_rnn_backward_bias: db[slot, h, d] = sum over (b, t) of dgate[b, t, slot, h, d], 32 outputs per block, the rows
 *   split over its 8 warps and the 8 sums added in warp order. Grid ceil(Gb * NH * D / 32), block 256.
 * fr_rnn_gate_products: before a backward whose forward kept the states only (the recompute reserve): the gate products
 *   R_g y_{t-1} of every step at once (y is known, so no recurrence: one [B * T, D] x [D, G * D] product per head), into
 *   args.products (fp32 scratch [B, T, G, NH, D]); the same 64 x 64 tiles, on tensor cores where the forward was.
 *   Grid (ceil(G * D / 64), ceil(B * T / 64), NH), block 256.
 *
 * A module of its own, compiled with FR_CELL, FR_DTYPE and FR_TF32 (1 where the plan multiplies fp32 in tf32; absent or
 * 0 otherwise) and nothing else: D and NH are read from the arguments (args.head_size, args.heads), so every backward
 * plan of one cell and type on a device shares one compilation, instead of recompiling these kernels into each plan's
 * module (decision 0028). The tiles are fixed at 64 x 64, so nothing here gains from knowing D at compile time.
 */
#include "fr_rnn_args.h"
#include "fr_device.cuh"
#include "fr_rnn_cells.cuh"
#include "fr_storage.cuh"
#include "fr_rnn_gradients.cuh"

#if !defined(FR_CELL) || !defined(FR_DTYPE)
#error "rnn_gradients.cu needs FR_CELL and FR_DTYPE (and FR_TF32 = 1 for fp32 plans that multiply in tf32)"
#endif
#ifndef FR_TF32
#define FR_TF32 0
#endif
static_assert(FR_TF32 == 0 || FR_DTYPE == 0, "FR_TF32 applies to fp32 storage (FR_DTYPE 0) only");

namespace fr_rnn_reduce {

using fr_rnn_grad::S;
using fr_rnn_grad::store_gradient;
typedef fr_cells::Traits<FR_CELL> Cell;
constexpr int G = Cell::gates;
constexpr int Gb = Cell::biases;

/* y_{t-1}[b, head, p] as the forward's matmul read it (storage type): y of the previous step, the initial h at t = 0 */
FR_DEVICE_INLINE float y_before(const fr_rnn_backward_args& a, long long row, int head, int p)
{
    const int NH = a.heads, D = a.head_size;
    const int step = (int)(row % a.steps);
    const long long b = row / a.steps;
    if (step > 0) return fr_load_acc((const S*)a.y + ((row - 1) * NH + head) * D + p);
    return a.initial != 0 ? fr_load_acc((const S*)a.initial + (b * NH + head) * D + p) : 0.0f;
}

/* The reductions multiply on tensor cores (mma.m16n8k8 in tf32, fp32 accumulate) where the plan already does (16-bit
 * storage, or fp32 with FR_TF32: sm_80 or newer, which those plans require): bf16 and fp16 values are exact in tf32, so
 * only dgate (fp32) and an fp32 y are rounded, to 10 mantissa bits. Plans that multiply exactly (fp32 without FR_TF32,
 * and every plan on sm_70 / sm_75) keep FMAs in fp32. Either way every output is summed in a fixed order. */
constexpr bool kTensorCores = FR_HAS_MMA && (fr_storage::kHalf || FR_TF32 != 0);

/* 64 x 64 output tiles, 16 of the depth staged at a time; staged rows padded to 72 floats so the tensor-core fragment
 * loads (lanes 8t + g) and the FMA path's row reads fall in distinct banks */
constexpr int kTile = 64, kDepth = 16, kStride = kTile + 8, kReduceThreads = 256;
constexpr int kStaged = kDepth * kTile / kReduceThreads; /* elements of each operand one thread stages per depth block */
static_assert(kStaged * kReduceThreads == kDepth * kTile && kReduceThreads % kTile == 0, "staging covers the block");
constexpr int kBiasOutputs = 32, kBiasWarps = kReduceThreads / FR_WARP_SIZE; /* fr_rnn_backward_bias: see biases() */

/* Where this thread's output e (0..15) of a tile_product lies in the 64 x 64 tile.
 * FMA path: rows tm + 16 i, columns tn + 16 j (e = 4 i + j, tid = 16 tm + tn).
 * Tensor cores: warp w owns rows 32 (w / 4) .. + 32 and columns 16 (w % 4) .. + 16, as 2 x 2 mma tiles of 16 x 8;
 * e = 4 (2 mi + ni) + r, r the C fragment's register: row g + 8 (r / 2), column 2 t + r % 2 (g = lane / 4, t = lane % 4). */
FR_DEVICE_INLINE void tile_position(int e, int* row, int* column)
{
    const int tid = (int)fr_thread_x();
    if (kTensorCores) {
        const int warp = tid / FR_WARP_SIZE, lane = tid % FR_WARP_SIZE, g = lane >> 2, t = lane & 3;
        const int mi = e >> 3, ni = (e >> 2) & 1, r = e & 3;
        *row = (warp / 4) * 32 + mi * 16 + g + 8 * (r >> 1);
        *column = (warp % 4) * 16 + ni * 8 + 2 * t + (r & 1);
    } else {
        *row = tid / 16 + 16 * (e / 4);
        *column = tid % 16 + 16 * (e % 4);
    }
}

/* one staged value: rounded to tf32 once here (not at every fragment load) when the product runs on tensor cores */
FR_DEVICE_INLINE float staged_value(float x)
{
#if FR_HAS_MMA
    if (kTensorCores) return fr_u32_as_float(fr_tf32_bits_from_float(x));
#endif
    return x;
}

/* acc[e] (positions: tile_position) = sum over k < depth of lhs_at(k, row) * rhs_at(k, column), staged 16 k at a time
 * through shared memory; the next block's global loads are issued before the current block is multiplied, so their
 * latency overlaps the arithmetic. Every output is summed in the order of k (deterministic: no atomics). */
template <class Lhs, class Rhs>
FR_DEVICE_INLINE void tile_product(long long depth, const Lhs& lhs_at, const Rhs& rhs_at, float acc[16])
{
    FR_SHARED_ARRAY(float, lhs, kDepth * kStride); /* [k][row] */
    FR_SHARED_ARRAY(float, rhs, kDepth * kStride); /* [k][column] */
    const int tid = (int)fr_thread_x();
    const int column = tid % kTile, k_first = tid / kTile; /* this thread stages k_first + 4 s, s < kStaged */
#pragma unroll
    for (int e = 0; e < 16; ++e) acc[e] = 0.0f;
    float lhs_next[kStaged], rhs_next[kStaged];
    auto fetch = [&](long long k0) {
#pragma unroll
        for (int s = 0; s < kStaged; ++s) {
            const long long k = k0 + k_first + (kReduceThreads / kTile) * s;
            lhs_next[s] = k < depth ? lhs_at(k, column) : 0.0f;
            rhs_next[s] = k < depth ? rhs_at(k, column) : 0.0f;
        }
    };
    if (depth > 0) fetch(0);
    for (long long k0 = 0; k0 < depth; k0 += kDepth) {
#pragma unroll
        for (int s = 0; s < kStaged; ++s) {
            const int k = k_first + (kReduceThreads / kTile) * s;
            lhs[k * kStride + column] = staged_value(lhs_next[s]);
            rhs[k * kStride + column] = staged_value(rhs_next[s]);
        }
        fr_syncthreads(); /* block staged */
        if (k0 + kDepth < depth) fetch(k0 + kDepth);
        if (kTensorCores) {
#if FR_HAS_MMA
            const int warp = tid / FR_WARP_SIZE, lane = tid % FR_WARP_SIZE, g = lane >> 2, t = lane & 3;
            const int row0 = (warp / 4) * 32, column0 = (warp % 4) * 16;
#pragma unroll
            for (int k8 = 0; k8 < kDepth; k8 += 8) {
                /* A fragments (16 x 8, row-major: rows g, g + 8; k t, t + 4) and B fragments (8 x 8: k t, t + 4; column g) */
                unsigned a[2][4], b[2][2];
#pragma unroll
                for (int mi = 0; mi < 2; ++mi) {
                    const float* at = lhs + (k8 + t) * kStride + row0 + 16 * mi + g;
                    a[mi][0] = fr_float_as_u32(at[0]);
                    a[mi][1] = fr_float_as_u32(at[8]);
                    a[mi][2] = fr_float_as_u32(at[4 * kStride]);
                    a[mi][3] = fr_float_as_u32(at[4 * kStride + 8]);
                }
#pragma unroll
                for (int ni = 0; ni < 2; ++ni) {
                    const float* at = rhs + (k8 + t) * kStride + column0 + 8 * ni + g;
                    b[ni][0] = fr_float_as_u32(at[0]);
                    b[ni][1] = fr_float_as_u32(at[4 * kStride]);
                }
#pragma unroll
                for (int mi = 0; mi < 2; ++mi)
#pragma unroll
                    for (int ni = 0; ni < 2; ++ni) {
                        float* d = acc + 4 * (2 * mi + ni);
                        const float c[4] = {d[0], d[1], d[2], d[3]};
                        fr_mma_m16n8k8_tf32(d, a[mi], b[ni], c);
                    }
            }
#endif
        } else {
            const int tm = tid / 16, tn = tid % 16;
#pragma unroll 4
            for (int k = 0; k < kDepth; ++k) {
                float l[4], r[4];
#pragma unroll
                for (int i = 0; i < 4; ++i) {
                    l[i] = lhs[k * kStride + tm + 16 * i];
                    r[i] = rhs[k * kStride + tn + 16 * i];
                }
#pragma unroll
                for (int i = 0; i < 4; ++i)
#pragma unroll
                    for (int j = 0; j < 4; ++j) acc[4 * i + j] += l[i] * r[j];
            }
        }
        /* Needed on a GPU on both paths; the emulator shows its absence only on the FMA path (its warps meet at every mma,
         * so all have read their fragments before any restages). */
        fr_syncthreads(); /* block consumed */
    }
}

/* dR of one head, one 64 x 64 tile: rows (gate, unit) of dgate, columns p of y_{t-1}, depth the B * T (sequence, step) */
FR_DEVICE_INLINE void weights(const fr_rnn_backward_args& a)
{
    const int D = a.head_size, NH = a.heads;
    const int n0 = (int)fr_block_x() * kTile, m0 = (int)fr_block_y() * kTile, head = (int)fr_block_z();
    float acc[16];
    tile_product((long long)a.batch * a.steps,
                 [&](long long row, int c) {
                     const int m = m0 + c, gate = m / D, unit = m % D;
                     return m < G * D ? a.dgate[((row * Gb + fr_cells::recurrent_slot<FR_CELL>(gate)) * NH + head) * D + unit] : 0.0f;
                 },
                 [&](long long row, int c) { return n0 + c < D ? y_before(a, row, head, n0 + c) : 0.0f; }, acc);
#pragma unroll
    for (int e = 0; e < 16; ++e) {
        int row, column;
        tile_position(e, &row, &column);
        const int m = m0 + row, p = n0 + column;
        if (m >= G * D || p >= D) continue;
        const int gate = m / D, unit = m % D;
        store_gradient(a, (S*)a.dr + (((long long)gate * NH + head) * D + unit) * D + p, acc[e]);
    }
}

/* the gate products of one head, one 64 x 64 tile: rows (sequence, step) of y_{t-1}, columns (gate, unit) of R, depth D */
FR_DEVICE_INLINE void gate_products(const fr_rnn_backward_args& a)
{
    const int D = a.head_size, NH = a.heads;
    const int n0 = (int)fr_block_x() * kTile, head = (int)fr_block_z();
    const long long m0 = (long long)fr_block_y() * kTile, rows = (long long)a.batch * a.steps;
    float acc[16];
    tile_product(D,
                 [&](long long k, int c) { return m0 + c < rows ? y_before(a, m0 + c, head, (int)k) : 0.0f; },
                 [&](long long k, int c) {
                     const int n = n0 + c, gate = n / D, unit = n % D;
                     return n < G * D ? fr_load_acc((const S*)a.r + (((long long)gate * NH + head) * D + unit) * D + k) : 0.0f;
                 },
                 acc);
    float* products = (float*)a.products;
#pragma unroll
    for (int e = 0; e < 16; ++e) {
        int row_in_tile, column;
        tile_position(e, &row_in_tile, &column);
        const long long row = m0 + row_in_tile;
        const int n = n0 + column;
        if (row < rows && n < G * D) products[((row * G + n / D) * NH + head) * D + n % D] = acc[e];
    }
}

/* db: a block sums kBiasOutputs consecutive outputs (one per lane, so every warp's loads are 128 contiguous bytes); warp
 * w sums the rows w, w + 8, ... in order, several loads in flight (the rows are independent), then lane l of warp 0
 * adds the 8 warps' sums for output l in warp order: a fixed order, whatever the schedule. */
FR_DEVICE_INLINE void biases(const fr_rnn_backward_args& a)
{
    FR_SHARED_ARRAY(float, partial, kBiasWarps * kBiasOutputs);
    const int lane = (int)fr_lane_id(), warp = (int)fr_thread_x() / FR_WARP_SIZE;
    const long long outputs = (long long)Gb * a.heads * a.head_size, rows = (long long)a.batch * a.steps;
    const long long index = (long long)fr_block_x() * kBiasOutputs + lane;
    float sum = 0.0f;
    if (index < outputs) {
#pragma unroll 8
        for (long long row = warp; row < rows; row += kBiasWarps) sum += a.dgate[row * outputs + index];
    }
    partial[warp * kBiasOutputs + lane] = sum;
    fr_syncthreads(); /* every warp's sums written */
    if (warp != 0 || index >= outputs) return;
    float total = 0.0f;
#pragma unroll
    for (int w = 0; w < kBiasWarps; ++w) total += partial[w * kBiasOutputs + lane];
    store_gradient(a, (S*)a.dbias + index, total);
}

} /* namespace fr_rnn_reduce */

FR_KERNEL(fr_rnn_backward_weights, 256, (fr_rnn_backward_args args))
{
    fr_rnn_reduce::weights(args);
}

FR_KERNEL(fr_rnn_backward_bias, 256, (fr_rnn_backward_args args))
{
    fr_rnn_reduce::biases(args);
}

FR_KERNEL(fr_rnn_gate_products, 256, (fr_rnn_backward_args args))
{
    fr_rnn_reduce::gate_products(args);
}
