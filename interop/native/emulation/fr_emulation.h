/*
 * fr_emulation.h: the CPU side of fr_device.cuh's contract. A kernels/ source compiled with the system C++ compiler
 * and -DFR_EMULATION -DFR_EMULATION_HEADER='"fr_emulation.h"' includes this through fr_device.cuh; every operation
 * that involves other threads (barriers, shuffles, votes, mma, shared memory, clusters) is a call into the emulator
 * (fr_emu_runtime, set by fr_emu_bind), which runs each GPU thread as a fiber. Everything a thread does alone
 * (arithmetic, global memory, its own indices) runs as plain C++.
 *
 * One translation unit per module: this header defines the module's exported symbols.
 */
#ifndef FR_EMULATION_H
#define FR_EMULATION_H

#include "fr_emulation_abi.h"

#include <cmath>
#include <cstring>
#include <cstdint>

#define FR_EMU_EXPORT extern "C" __attribute__((visibility("default")))

/* the runtime table; one per module (C++17 inline variable), set by the emulator through fr_emu_bind */
inline const fr_emu_runtime* fr_emu_rt = nullptr;
FR_EMU_EXPORT void fr_emu_bind(const fr_emu_runtime* runtime) { fr_emu_rt = runtime; }
FR_EMU_EXPORT const unsigned fr_emu_module_abi = FR_EMU_ABI_VERSION;

#define __global__
#define FR_HAS_MMA 1
#define FR_HAS_CLUSTERS 1
#define FR_DEVICE_INLINE inline
#define FR_LAUNCH_BOUNDS(threads)

namespace fr_emu {
/* Calls a kernel with its arguments read from a cuLaunchKernel-style array, whatever its parameter list. */
template <unsigned long... I>
struct indices {};
template <unsigned long N, unsigned long... I>
struct make_indices : make_indices<N - 1, N - 1, I...> {};
template <unsigned long... I>
struct make_indices<0, I...> {
    typedef indices<I...> type;
};
template <class... P, unsigned long... I>
inline void invoke_with(void (*kernel)(P...), void** params, indices<I...>)
{
    kernel(*static_cast<P*>(params[I])...);
}
template <class... P>
inline void invoke(void (*kernel)(P...), void** params)
{
    invoke_with(kernel, params, typename make_indices<sizeof...(P)>::type());
}
} /* namespace fr_emu */

/* FR_KERNEL(name, max_threads, (parameters)) { body }: an extern "C" kernel, its entry and its launch bound */
#define FR_KERNEL(name, max_threads, params)                                                              \
    extern "C" void name params;                                                                          \
    FR_EMU_EXPORT void fr_emu_entry_##name(void** fr_emu_params) { fr_emu::invoke(&name, fr_emu_params); } \
    FR_EMU_EXPORT const int fr_emu_max_threads_##name = (max_threads);                                    \
    extern "C" void name params

/* block-shared arrays: a pointer into the block's shared memory, the same for every thread of the block */
#define FR_SHARED_ARRAY(type, name, count)                                                                   \
    static const char name##_fr_emu_site = 0;                                                                \
    type* const name = static_cast<type*>(fr_emu_rt->static_shared(&name##_fr_emu_site,                      \
                                                                   sizeof(type) * (unsigned long long)(count), \
                                                                   alignof(type)))
#define FR_DYNAMIC_SHARED(type, name) type* const name = static_cast<type*>(fr_emu_rt->dynamic_shared())

/* indices */
inline unsigned fr_thread_x() { return fr_emu_rt->self()->thread[0]; }
inline unsigned fr_thread_y() { return fr_emu_rt->self()->thread[1]; }
inline unsigned fr_thread_z() { return fr_emu_rt->self()->thread[2]; }
inline unsigned fr_block_x() { return fr_emu_rt->self()->block[0]; }
inline unsigned fr_block_y() { return fr_emu_rt->self()->block[1]; }
inline unsigned fr_block_z() { return fr_emu_rt->self()->block[2]; }
inline unsigned fr_block_dim_x() { return fr_emu_rt->self()->block_dim[0]; }
inline unsigned fr_block_dim_y() { return fr_emu_rt->self()->block_dim[1]; }
inline unsigned fr_block_dim_z() { return fr_emu_rt->self()->block_dim[2]; }
inline unsigned fr_grid_dim_x() { return fr_emu_rt->self()->grid_dim[0]; }
inline unsigned fr_grid_dim_y() { return fr_emu_rt->self()->grid_dim[1]; }
inline unsigned fr_grid_dim_z() { return fr_emu_rt->self()->grid_dim[2]; }
inline unsigned fr_lane_id() { return fr_emu_rt->self()->lane; }
inline unsigned fr_cluster_rank() { return fr_emu_rt->self()->cluster_rank; }
inline unsigned fr_cluster_size() { return fr_emu_rt->self()->cluster_size; }

/* barriers */
inline void fr_syncthreads() { fr_emu_rt->block_barrier(); }

inline unsigned fr_emu_warp(int kind, unsigned mask, int arg, unsigned value)
{
    fr_emu_warp_op op;
    std::memset(&op, 0, sizeof op);
    op.kind = kind;
    op.mask = mask;
    op.arg = arg;
    op.in[0] = value;
    fr_emu_rt->warp_op(&op);
    return op.out[0];
}
inline void fr_syncwarp(unsigned mask = 0xffffffffu) { fr_emu_warp(FR_EMU_SYNCWARP, mask, 0, 0u); }

/* shuffles and votes */
inline unsigned fr_shfl_u32(unsigned mask, unsigned v, int src) { return fr_emu_warp(FR_EMU_SHFL_IDX, mask, src, v); }
inline unsigned fr_shfl_up_u32(unsigned mask, unsigned v, unsigned delta) { return fr_emu_warp(FR_EMU_SHFL_UP, mask, (int)delta, v); }
inline unsigned fr_shfl_down_u32(unsigned mask, unsigned v, unsigned delta) { return fr_emu_warp(FR_EMU_SHFL_DOWN, mask, (int)delta, v); }
inline unsigned fr_shfl_xor_u32(unsigned mask, unsigned v, int bits) { return fr_emu_warp(FR_EMU_SHFL_XOR, mask, bits, v); }
inline unsigned fr_ballot(unsigned mask, bool predicate) { return fr_emu_warp(FR_EMU_BALLOT, mask, predicate ? 1 : 0, 0u); }
inline bool fr_any(unsigned mask, bool predicate) { return fr_emu_warp(FR_EMU_ANY, mask, predicate ? 1 : 0, 0u) != 0u; }
inline bool fr_all(unsigned mask, bool predicate) { return fr_emu_warp(FR_EMU_ALL, mask, predicate ? 1 : 0, 0u) != 0u; }

/* tensor-core mma: the warp's fragments meet in the emulator, which forms the matrices by the PTX ISA's layouts */
inline void fr_emu_mma(int kind, float d[4], const unsigned a[4], const unsigned b[2], const float c[4])
{
    fr_emu_warp_op op;
    std::memset(&op, 0, sizeof op);
    op.kind = kind;
    op.mask = 0xffffffffu;
    for (int i = 0; i < 4; ++i) op.in[i] = a[i];
    op.in[4] = b[0];
    op.in[5] = b[1];
    for (int i = 0; i < 4; ++i) op.c[i] = c[i];
    fr_emu_rt->warp_op(&op);
    for (int i = 0; i < 4; ++i) d[i] = op.d[i];
}
inline void fr_mma_m16n8k16_bf16(float d[4], const unsigned a[4], const unsigned b[2], const float c[4]) { fr_emu_mma(FR_EMU_MMA_BF16, d, a, b, c); }
inline void fr_mma_m16n8k16_f16(float d[4], const unsigned a[4], const unsigned b[2], const float c[4]) { fr_emu_mma(FR_EMU_MMA_F16, d, a, b, c); }
inline void fr_mma_m16n8k8_tf32(float d[4], const unsigned a[4], const unsigned b[2], const float c[4]) { fr_emu_mma(FR_EMU_MMA_TF32, d, a, b, c); }

/* grid and cluster */
struct fr_grid_barrier_state { unsigned count, generation; };
inline void fr_grid_sync(fr_grid_barrier_state*) { fr_emu_rt->grid_barrier(); }
inline void fr_cluster_sync() { fr_emu_rt->cluster_barrier(); }
template <class T>
inline T* fr_cluster_map_shared(T* address, unsigned rank) { return static_cast<T*>(fr_emu_rt->map_shared(address, rank)); }

/* spin-wait step and trap */
inline void fr_nanosleep(unsigned) { fr_emu_rt->yield(); }
inline void fr_trap(const char* message) { fr_emu_rt->fault(message); }

/* An optimization barrier that emits no instruction (the GPU side's empty asm); plain identity here. */
inline long long fr_opaque(long long x) { asm volatile("" : "+r"(x)); return x; }
inline int fr_opaque(int x) { asm volatile("" : "+r"(x)); return x; }

/* fences and atomics: real atomics (independent blocks may run on different OS threads) */
inline void fr_fence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void fr_fence_device() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void fr_fence_system() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline unsigned fr_atomic_add(unsigned* p, unsigned v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
inline int fr_atomic_add(int* p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
inline float fr_atomic_add(float* p, float v)
{
    unsigned* word = reinterpret_cast<unsigned*>(p);
    unsigned old = __atomic_load_n(word, __ATOMIC_RELAXED);
    for (;;) {
        float f;
        std::memcpy(&f, &old, 4);
        f += v;
        unsigned desired;
        std::memcpy(&desired, &f, 4);
        if (__atomic_compare_exchange_n(word, &old, desired, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
            std::memcpy(&f, &old, 4);
            return f;
        }
    }
}
inline unsigned fr_atomic_cas(unsigned* p, unsigned expected, unsigned desired)
{
    __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return expected;
}
inline unsigned fr_atomic_exch(unsigned* p, unsigned v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
inline unsigned fr_load_acquire(const unsigned* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline void fr_store_release(unsigned* p, unsigned v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
/* no L1 to bypass: memory is the host's, and fibers see each other's writes at every switch */
inline unsigned fr_load_l2_u32(const unsigned* p) { return *p; }
inline unsigned short fr_load_l2_u16(const unsigned short* p) { return *p; }
/* a GPU faults on a misaligned vector load; x86 would not, so the emulator does */
inline void fr_load_l2_v4(const unsigned* p, unsigned v[4])
{
    if (reinterpret_cast<uintptr_t>(p) % 16 != 0) fr_emu_rt->fault("fr_load_l2_v4: address not 16-byte aligned");
    std::memcpy(v, p, 16);
}

/* bit casts */
inline unsigned fr_float_as_u32(float x) { unsigned u; std::memcpy(&u, &x, 4); return u; }
inline float fr_u32_as_float(unsigned u) { float x; std::memcpy(&x, &u, 4); return x; }
inline unsigned fr_double_hi(double x) { unsigned long long u; std::memcpy(&u, &x, 8); return (unsigned)(u >> 32); }
inline unsigned fr_double_lo(double x) { unsigned long long u; std::memcpy(&u, &x, 8); return (unsigned)u; }
inline double fr_double_from_hilo(unsigned hi, unsigned lo)
{
    unsigned long long u = ((unsigned long long)hi << 32) | lo;
    double x;
    std::memcpy(&x, &u, 8);
    return x;
}

/* math: the correctly rounded libm functions stand in for both the exact and the SFU forms (the hardware's
 * approximation error is one of the things only a GPU shows) */
inline float fr_exp(float x) { return std::exp(x); }
inline double fr_exp(double x) { return std::exp(x); }
inline float fr_tanh(float x) { return std::tanh(x); }
inline double fr_tanh(double x) { return std::tanh(x); }
inline float fr_exp_fast(float x) { return std::exp(x); }
inline float fr_tanh_fast(float x) { return std::tanh(x); }
inline float fr_rcp_fast(float x) { return 1.0f / x; }

/* tf32: cvt.rna.tf32.f32, round to nearest with ties away from zero to 10 mantissa bits (NaN and inf kept) */
inline unsigned fr_tf32_bits_from_float(float x)
{
    unsigned u = fr_float_as_u32(x);
    if ((u & 0x7f800000u) == 0x7f800000u) return u;
    return (u + 0x1000u) & 0xffffe000u;
}

#endif /* FR_EMULATION_H */
