/*
 * fr_rnn_tiles.cuh: the fused kernels' on-chip matrix times a block of vectors, once per step, shared by
 * rnn_forward.cu (R: rows = the gates of the block's units, Width = Dp columns, vectors = h_{t-1}) and rnn_backward.cu
 * (R^T: rows = the block's units, Width = G * Dp columns, vectors = the step's gate gradients).
 *
 * The block's matrix has Rows rows and Width columns. Warp w is row strip w / Ks and K slice w % Ks: it owns RT + ST + GT
 * tiles of 16 rows (RT as mma A fragments in registers, ST in shared memory, GT streamed: read from global memory, where
 * they stay in L2, at every step, for heads whose R does not fit on chip; decision 0023) and the Width / Ks columns of its
 * slice.
 * Vectors: Bt per group of RowsPerVector rows (a head), in shared memory as v[group][sequence][Width], storage type.
 * Out: one set of partial products per K slice, pre[slice][row][sequence] (fp32), summed by the caller.
 * bf16 / fp16 multiply with mma.m16n8k16, fp32 with FR_TF32 with mma.m16n8k8.tf32, fp32 exactly with FMAs on the
 * fragments of mma.m16n8k8's layout and a reduction over the 4 lanes that share a row. Include after fr_storage.cuh.
 */
#ifndef FR_RNN_TILES_CUH
#define FR_RNN_TILES_CUH

#include "fr_device.cuh"

namespace fr_tiles {

struct alignas(16) Words4 { unsigned v[4]; };

template <typename S, bool Half, bool Tf32, int W, int Ks, int RT, int ST, int GT, int Rows, int Width, int RowsPerVector, int Bt>
struct TileMatmul {
    static constexpr int Threads = W * FR_WARP_SIZE;
    static constexpr int Wr = W / Ks;
    static constexpr int TilesPerWarp = RT + ST + GT;
    static constexpr int KChunk = Half ? 16 : 8; /* columns per fragment: mma.m16n8k16 / m16n8k8 */
    static constexpr int KSlice = Width / Ks;
    static constexpr int KChunks = KSlice / KChunk;
    static constexpr int NChunks = Bt / 8;
    static constexpr int RegisterTiles = RT > 0 ? RT : 1;
    static constexpr long long SharedTileBytes = (long long)W * ST * KChunks * FR_WARP_SIZE * 4 * 4;
    /* R in a plan's fragment layout: per block, per warp, per row tile, per K chunk, per lane, 4 words */
    static constexpr long long PackedFragmentsPerBlock = (long long)W * TilesPerWarp * KChunks * FR_WARP_SIZE;

    static_assert(W % Ks == 0 && KSlice % KChunk == 0 && Width % Ks == 0, "the K split divides the matrix's column chunks");
    static_assert(Wr * TilesPerWarp * 16 == Rows, "the warps cover the block's rows in 16-row tiles exactly");
    static_assert(Bt % 8 == 0, "the batch tile is a multiple of 8 (the mma N)");
    static_assert(Rows == RowsPerVector || RowsPerVector % 16 == 0, "a 16-row tile belongs to one vector group");

    FR_DEVICE_INLINE static long long packed_index(int block, int warp, int tile, int kc, int lane)
    {
        return (((long long)block * W + warp) * TilesPerWarp + tile) * KChunks * FR_WARP_SIZE + (long long)kc * FR_WARP_SIZE + lane;
    }

    /* lane's A-fragment words of rows [row0, row0 + 16) and columns [k0, k0 + KChunk) from bits(row, column), the raw
     * storage bits of one element (zero in the padding): mma.m16n8k16's layout (two 16-bit elements per word, lower
     * column in the low half) or m16n8k8's (one fp32 per word; rounded to tf32 on the tf32 path) */
    template <class Bits>
    FR_DEVICE_INLINE static void fragment(const Bits& bits, int row0, int k0, int lane, unsigned w[4])
    {
        const int g = lane >> 2, t = lane & 3;
        if (Half) {
            w[0] = bits(row0 + g, k0 + 2 * t) | (bits(row0 + g, k0 + 2 * t + 1) << 16);
            w[1] = bits(row0 + g + 8, k0 + 2 * t) | (bits(row0 + g + 8, k0 + 2 * t + 1) << 16);
            w[2] = bits(row0 + g, k0 + 2 * t + 8) | (bits(row0 + g, k0 + 2 * t + 9) << 16);
            w[3] = bits(row0 + g + 8, k0 + 2 * t + 8) | (bits(row0 + g + 8, k0 + 2 * t + 9) << 16);
        } else {
            w[0] = bits(row0 + g, k0 + t);
            w[1] = bits(row0 + g + 8, k0 + t);
            w[2] = bits(row0 + g, k0 + t + 4);
            w[3] = bits(row0 + g + 8, k0 + t + 4);
#if FR_HAS_MMA /* fr_tf32_bits_from_float exists from sm_80; the exact fp32 path also compiles for sm_70 / sm_75 */
            if (Tf32) {
#pragma unroll
                for (int i = 0; i < 4; ++i) w[i] = fr_tf32_bits_from_float(fr_u32_as_float(w[i]));
            }
#endif
        }
    }

    /* D (the 4 C-fragment values of rows g, g + 8 and columns 2t, 2t + 1) += A x v for one column chunk of 8 vectors */
    FR_DEVICE_INLINE static void multiply(const unsigned w[4], const S* v /* [8 vectors][Width] at k0 */, int lane, float acc[4],
                                          float partial[16])
    {
        const int g = lane >> 2, t = lane & 3;
        if (Half) {
#if FR_HAS_MMA
            const unsigned* hw = (const unsigned*)v;
            unsigned b[2];
            b[0] = hw[(g * Width + 2 * t) / 2];
            b[1] = hw[(g * Width + 2 * t + 8) / 2];
            float c[4] = {acc[0], acc[1], acc[2], acc[3]};
#if FR_DTYPE == 1
            fr_mma_m16n8k16_bf16(acc, w, b, c);
#else
            fr_mma_m16n8k16_f16(acc, w, b, c);
#endif
#endif
            (void)partial;
        } else if (Tf32) {
#if FR_HAS_MMA
            /* the B fragment of m16n8k8: columns t and t + 4 of vector g, rounded to tf32 (A was rounded at load) */
            const float* hf = (const float*)v;
            unsigned b[2];
            b[0] = fr_tf32_bits_from_float(hf[g * Width + t]);
            b[1] = fr_tf32_bits_from_float(hf[g * Width + t + 4]);
            float c[4] = {acc[0], acc[1], acc[2], acc[3]};
            fr_mma_m16n8k8_tf32(acc, w, b, c);
#endif
            (void)partial;
        } else {
            /* exact fp32: this lane's columns t and t + 4 of rows g and g + 8, for each of the chunk's 8 vectors */
            const float* hf = (const float*)v;
            const float a0 = fr_u32_as_float(w[0]), a1 = fr_u32_as_float(w[1]);
            const float a2 = fr_u32_as_float(w[2]), a3 = fr_u32_as_float(w[3]);
#pragma unroll
            for (int n = 0; n < 8; ++n) {
                const float h0 = hf[n * Width + t], h1 = hf[n * Width + t + 4];
                partial[n] += a0 * h0 + a2 * h1;
                partial[8 + n] += a1 * h0 + a3 * h1;
            }
            (void)acc;
        }
    }

    /* this warp's on-chip tiles: registers first, then shared memory (the streamed tiles after them are read by step);
     * fragment(tile, kc, words) gives the 4 words of one */
    template <class Fragment>
    FR_DEVICE_INLINE static void load(const Fragment& fragment_of, unsigned (&r_reg)[RegisterTiles][KChunks][4],
                                      unsigned* r_shared, int warp, int lane)
    {
#pragma unroll
        for (int tile = 0; tile < RT + ST; ++tile) {
            if (tile < RT) {
#pragma unroll
                for (int kc = 0; kc < KChunks; ++kc) fragment_of(tile, kc, r_reg[tile < RT ? tile : 0][kc]);
            } else {
                /* rolled: unrolled, the compiler issues every chunk's global loads at once and spills them */
#pragma unroll 1
                for (int kc = 0; kc < KChunks; ++kc) {
                    unsigned w[4];
                    fragment_of(tile, kc, w);
                    unsigned* dst = r_shared + ((((long long)warp * (ST > 0 ? ST : 1) + (tile - RT)) * KChunks + kc) * FR_WARP_SIZE + lane) * 4;
#pragma unroll
                    for (int i = 0; i < 4; ++i) dst[i] = w[i];
                }
            }
        }
    }

    /* exact fp32: the 4 lanes of a row hold disjoint columns of the 16 partial sums; sum them, then keep this lane's two
     * vectors in the C-fragment layout */
    FR_DEVICE_INLINE static void reduce_exact(float partial[16], float acc[4], int t4)
    {
#pragma unroll
        for (int i = 0; i < 16; ++i) {
            partial[i] += fr_shfl_xor(partial[i], 1);
            partial[i] += fr_shfl_xor(partial[i], 2);
        }
#pragma unroll
        for (int n = 0; n < 8; ++n) {
            if ((n >> 1) == t4) {
                acc[n & 1] = partial[n];
                acc[2 + (n & 1)] = partial[8 + n];
            }
        }
    }

    /* one 16 x 8 product (C-fragment layout) into pre[slice][row0 + ...][nc * 8 + ...] */
    FR_DEVICE_INLINE static void store(float* pre, int slice, int row0, int nc, int lane, const float acc[4])
    {
        const int g = lane >> 2, t4 = lane & 3;
        float* out = pre + ((long long)slice * Rows + row0) * Bt + nc * 8 + 2 * t4;
        out[g * Bt] = acc[0];
        out[g * Bt + 1] = acc[1];
        out[(g + 8) * Bt] = acc[2];
        out[(g + 8) * Bt + 1] = acc[3];
    }

    /* pre[slice][row][sequence] = this warp's rows times the vectors over its K slice; streamed(tile, kc, words) gives
     * the 4 words of a streamed tile's fragment (tile >= RT + ST) from global memory */
    template <class Streamed>
    FR_DEVICE_INLINE static void step(const unsigned (&r_reg)[RegisterTiles][KChunks][4], const unsigned* r_shared,
                                      const Streamed& streamed, const S* v, float* pre, int warp, int lane)
    {
        const int strip = warp / Ks, slice = warp % Ks;
        const int g = lane >> 2, t4 = lane & 3;
        /* on-chip tiles: unrolled, so the register tiles' fragment array is indexed by constants */
#pragma unroll
        for (int tile = 0; tile < RT + ST; ++tile) {
            const int row0 = (strip * TilesPerWarp + tile) * 16;
            const int group = row0 / RowsPerVector;
            for (int nc = 0; nc < NChunks; ++nc) {
                float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                float partial[16];
#pragma unroll
                for (int i = 0; i < 16; ++i) partial[i] = 0.0f;
                const S* v_chunks = v + ((long long)group * Bt + nc * 8) * Width + slice * KSlice;
                if (tile < RT) {
                    /* register tiles: fully unrolled, so the fragment array is indexed by constants */
#pragma unroll
                    for (int kc = 0; kc < KChunks; ++kc) multiply(r_reg[tile < RT ? tile : 0][kc], v_chunks + kc * KChunk, lane, acc, partial);
                } else {
                    /* shared-memory tiles: a rolled loop, so ptxas does not hoist every chunk's loads and addresses
                     * into registers at once (which spilled for long K slices) */
                    const unsigned* src = r_shared + (((long long)warp * (ST > 0 ? ST : 1) + (tile - RT)) * KChunks * FR_WARP_SIZE + lane) * 4;
#pragma unroll 2
                    for (int kc = 0; kc < KChunks; ++kc) {
                        unsigned w[4];
#pragma unroll
                        for (int i = 0; i < 4; ++i) w[i] = src[(long long)kc * FR_WARP_SIZE * 4 + i];
                        multiply(w, v_chunks + kc * KChunk, lane, acc, partial);
                    }
                }
                if (!Half && !Tf32) {
                    /* the 4 lanes of a row hold disjoint columns: sum them, then keep this lane's two vectors (the same
                     * as reduce_exact; written out here so the on-chip plans compile exactly as gated before streamed
                     * tiles existed) */
#pragma unroll
                    for (int i = 0; i < 16; ++i) {
                        partial[i] += fr_shfl_xor(partial[i], 1);
                        partial[i] += fr_shfl_xor(partial[i], 2);
                    }
#pragma unroll
                    for (int n = 0; n < 8; ++n) {
                        if ((n >> 1) == t4) {
                            acc[n & 1] = partial[n];
                            acc[2 + (n & 1)] = partial[8 + n];
                        }
                    }
                }
                float* out = pre + ((long long)slice * Rows + row0) * Bt + nc * 8 + 2 * t4;
                out[g * Bt] = acc[0];
                out[g * Bt + 1] = acc[1];
                out[(g + 8) * Bt] = acc[2];
                out[(g + 8) * Bt + 1] = acc[3];
            }
        }
        /* streamed tiles: a rolled loop over the tiles too (unrolled, ptxas hoisted the addresses of many streamed
         * tiles and spilled: sm_89 tf32, 16 streamed tiles), and over K like the shared tiles */
#pragma unroll 1
        for (int tile = RT + ST; tile < TilesPerWarp; ++tile) {
            const int row0 = (strip * TilesPerWarp + tile) * 16;
            const int group = row0 / RowsPerVector;
            if (Half || Tf32) {
                /* on tensor cores each fragment is read from global memory once per step and multiplies every batch
                 * chunk (accumulators for all of them), so the bytes streamed do not grow with the batch tile */
                float acc[NChunks][4];
#pragma unroll
                for (int nc = 0; nc < NChunks; ++nc) acc[nc][0] = acc[nc][1] = acc[nc][2] = acc[nc][3] = 0.0f;
                float unused[16]; /* the exact path's partial sums; multiply does not touch them on tensor cores */
                const S* v_slice = v + (long long)group * Bt * Width + slice * KSlice;
#pragma unroll 2
                for (int kc = 0; kc < KChunks; ++kc) {
                    unsigned w[4];
                    streamed(tile, kc, w);
#pragma unroll
                    for (int nc = 0; nc < NChunks; ++nc) multiply(w, v_slice + (long long)nc * 8 * Width + kc * KChunk, lane, acc[nc], unused);
                }
#pragma unroll
                for (int nc = 0; nc < NChunks; ++nc) store(pre, slice, row0, nc, lane, acc[nc]);
            } else {
                /* exact fp32: each batch chunk reads the fragments again, since its 16 partial sums per chunk would
                 * not fit in registers for all chunks at once; the planner counts the bytes once per batch chunk */
                for (int nc = 0; nc < NChunks; ++nc) {
                    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
                    float partial[16];
#pragma unroll
                    for (int i = 0; i < 16; ++i) partial[i] = 0.0f;
                    const S* v_chunks = v + ((long long)group * Bt + nc * 8) * Width + slice * KSlice;
#pragma unroll 2
                    for (int kc = 0; kc < KChunks; ++kc) {
                        unsigned w[4];
                        streamed(tile, kc, w);
                        multiply(w, v_chunks + kc * KChunk, lane, acc, partial);
                    }
                    reduce_exact(partial, acc, t4);
                    store(pre, slice, row0, nc, lane, acc);
                }
            }
        }
    }
};

} /* namespace fr_tiles */

#endif /* FR_RNN_TILES_CUH */
