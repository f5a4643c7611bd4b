/*
 * linear.cu: y = x w^T for the layer API's input projection (Wx = x W_ih^T over the B * T rows of a sequence batch),
 * the fallback where cuBLAS is not loaded. x [N, K], w [M, K], y [N, M], row-major, contiguous, in the storage type;
 * products summed in fp32 in a fixed order (deterministic), the result rounded once to the storage type.
 *
 * Constants: FR_DTYPE (0 fp32, 1 bf16, 2 fp16). Fixed tiles: a block of 16 x 16 threads computes a 64 x 64 tile of y
 * (4 x 4 outputs per thread), staging 64 x 16 slices of x and w through shared memory per K step. It is off the
 * recurrence's critical path (one call per layer forward), so it is simple rather than fast; cuBLAS is preferred.
 * Kernel fr_linear_forward. Launch: grid (ceil(M / 64), ceil(N / 64)), block (256), no dynamic shared memory.
 */
#include "fr_device.cuh"
#include "fr_storage.cuh"

#if !defined(FR_DTYPE)
#error "linear.cu needs FR_DTYPE"
#endif

namespace fr_gemm {

typedef fr_storage::S S;

constexpr int Tile = 64;
constexpr int TileK = 16;
constexpr int Threads = 256;
constexpr int PerThread = 4; /* outputs per thread along each of the tile's two axes */

FR_DEVICE_INLINE void run(const S* x, const S* w, S* y, long long n, long long m, long long k)
{
    FR_SHARED_ARRAY(float, xs, Tile * TileK); /* [row][kk] */
    FR_SHARED_ARRAY(float, ws, Tile * TileK); /* [col][kk] */
    const int tid = (int)fr_thread_x();
    const int tx = tid % 16, ty = tid / 16;
    const long long col0 = (long long)fr_block_x() * Tile, row0 = (long long)fr_block_y() * Tile;
    float acc[PerThread][PerThread];
#pragma unroll
    for (int i = 0; i < PerThread; ++i)
#pragma unroll
        for (int j = 0; j < PerThread; ++j) acc[i][j] = 0.0f;

    for (long long k0 = 0; k0 < k; k0 += TileK) {
        for (int e = tid; e < Tile * TileK; e += Threads) {
            const int r = e / TileK, kk = e % TileK;
            const long long kg = k0 + kk;
            xs[e] = row0 + r < n && kg < k ? fr_load_acc(x + (row0 + r) * k + kg) : 0.0f;
            ws[e] = col0 + r < m && kg < k ? fr_load_acc(w + (col0 + r) * k + kg) : 0.0f;
        }
        fr_syncthreads(); /* slices staged */
#pragma unroll
        for (int kk = 0; kk < TileK; ++kk) {
#pragma unroll
            for (int i = 0; i < PerThread; ++i) {
                const float a = xs[(ty + 16 * i) * TileK + kk];
#pragma unroll
                for (int j = 0; j < PerThread; ++j) acc[i][j] += a * ws[(tx + 16 * j) * TileK + kk];
            }
        }
        fr_syncthreads(); /* slices consumed */
    }
#pragma unroll
    for (int i = 0; i < PerThread; ++i) {
        const long long row = row0 + ty + 16 * i;
#pragma unroll
        for (int j = 0; j < PerThread; ++j) {
            const long long col = col0 + tx + 16 * j;
            if (row < n && col < m) fr_store_acc(y + row * m + col, acc[i][j]);
        }
    }
}

} /* namespace fr_gemm */

FR_KERNEL(fr_linear_forward, 256, (const void* x, const void* w, void* y, long long n, long long m, long long k))
{
    fr_gemm::run((const fr_gemm::S*)x, (const fr_gemm::S*)w, (fr_gemm::S*)y, n, m, k);
}
