/*
 * fr_device.cuh: the one device-helper header of kernels/. Every hardware-specific operation a kernel needs
 * (indices, barriers, warp shuffles, fences, fp16/bf16 conversions, fast math) is a small inline function here, so
 * kernels contain no inline PTX and no CUDA builtin of their own, and one other implementation of this header's
 * contract (the CPU emulation of issue 5) runs the same kernel sources.
 *
 * Self-contained: no CUDA toolkit header. NVRTC compiles it with no include path; what the toolkit headers would
 * give (cuda_bf16.h, cuda_fp16.h) is written here: a 16-bit storage type per format and its conversions.
 *
 * Two sides, one contract:
 *   GPU (default)      compiler intrinsics where NVRTC knows the operation without headers (barrier, shuffles,
 *                      fences, bit casts: the compiler then also knows they are convergent / order memory), and
 *                      inline PTX where it has no header-free intrinsic (cvt to bf16 / fp16, tanh.approx, ex2.approx).
 *                      sm_70 and newer; below sm_80 the bf16 rounding is the soft conversion (no cvt.rn.bf16.f32),
 *                      below sm_75 fr_tanh_fast is tanhf (no tanh.approx.f32).
 *   FR_EMULATION       the emulation layer names its own header in FR_EMULATION_HEADER (interop/native/emulation/
 *                      fr_emulation.h, compiled with -DFR_EMULATION_HEADER='"fr_emulation.h"'); that header must
 *                      define, with the same meaning:
 *                        FR_KERNEL(name, max_threads, (params)), FR_DEVICE_INLINE, FR_LAUNCH_BOUNDS(n),
 *                        FR_SHARED_ARRAY(type, name, count)   (block-shared array; may be a pointer the layer owns),
 *                        FR_DYNAMIC_SHARED(type, name)        (the block's dynamic shared memory as type*),
 *                        fr_thread_x/y/z, fr_block_x/y/z, fr_block_dim_x/y/z, fr_grid_dim_x/y/z, fr_lane_id,
 *                        fr_cluster_rank, fr_cluster_size,
 *                        fr_syncthreads, fr_syncwarp(mask), fr_shfl_u32 / fr_shfl_up_u32 / fr_shfl_down_u32 /
 *                        fr_shfl_xor_u32 (mask, value, lane or delta), fr_ballot / fr_any / fr_all (mask, predicate),
 *                        fr_mma_m16n8k16_bf16 / _f16 and fr_mma_m16n8k8_tf32 (d[4], a[4], b[2], c[4]),
 *                        fr_grid_barrier_state + fr_grid_sync, fr_cluster_sync, fr_cluster_map_shared(p, rank),
 *                        fr_nanosleep, fr_trap(message),
 *                        fr_fence_block / _device / _system, fr_atomic_add (unsigned, int, float), fr_atomic_cas,
 *                        fr_atomic_exch, fr_load_acquire, fr_store_release, fr_load_l2_u32 / fr_load_l2_u16 /
 *                        fr_load_l2_v4 (a global load that does not hit a possibly stale L1 line: data other blocks
 *                        wrote this launch; _v4: 16 bytes at a 16-byte aligned address into unsigned[4]),
 *                        fr_float_as_u32, fr_u32_as_float, fr_double_hi, fr_double_lo, fr_double_from_hilo,
 *                        fr_exp, fr_exp_fast, fr_tanh, fr_tanh_fast, fr_rcp_fast, fr_tf32_bits_from_float,
 *                        fr_opaque (int, long long), and the feature tests FR_HAS_MMA, FR_HAS_CLUSTERS (1 under
 *                        the emulation; the emulated device faults a kernel that uses what its arch lacks).
 *                      The fp16 / bf16 conversions are NOT part of the contract: under FR_EMULATION they are the
 *                      bit-exact soft versions at the end of this file (round to nearest even, as cvt.rn does).
 * Typed shuffles (float, int, double), storage loads / stores and the conversions are written once, below both sides.
 */
#ifndef FR_DEVICE_CUH
#define FR_DEVICE_CUH

#define FR_WARP_SIZE 32
#define FR_FULL_MASK 0xffffffffu

/* 16-bit storage formats: distinct structs, so an overload picks the right conversion from the pointer type. */
typedef struct fr_bf16 { unsigned short bits; } fr_bf16;
typedef struct fr_f16 { unsigned short bits; } fr_f16;

#if defined(FR_EMULATION)
/* ---------------------------------------------------------------- CPU emulation: provided by the emulation layer */
#  if defined(FR_EMULATION_HEADER)
#    include FR_EMULATION_HEADER
#  else
#    error "fr_device.cuh: FR_EMULATION is defined but FR_EMULATION_HEADER is not. The CPU emulation (issue 5) must name its header, which defines the contract listed at the top of fr_device.cuh."
#  endif
#else
/* ---------------------------------------------------------------- GPU: intrinsics and inline PTX (NVRTC, sm_70+) */
#  if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 700
#    error "fr_device.cuh: the kernels target sm_70 or newer (shfl.sync, bar.warp.sync, independent thread scheduling)."
#  endif
/* cvt.rn.bf16.f32 is sm_80+ (below: the soft conversion), tanh.approx.f32 sm_75+ (below: tanhf) */
#  define FR_HAS_CVT_BF16 (__CUDA_ARCH__ >= 800)
#  define FR_HAS_TANH_APPROX (__CUDA_ARCH__ >= 750)
/* what kernels may test: the tensor-core mma wrappers exist from sm_80, clusters from sm_90 */
#  define FR_HAS_MMA (__CUDA_ARCH__ >= 800)
#  define FR_HAS_CLUSTERS (__CUDA_ARCH__ >= 900)

#define FR_DEVICE_INLINE __device__ __forceinline__
/* at most `threads` per block and at least one block per SM: ptxas may use as many registers as one block can hold
 * (floor8(16384 / (ceil(warps / 4) * 32)): 64 at 1024 threads, 80 at 672) and does not spill to reach an occupancy
 * the plan did not ask for (with the one-argument form it does: it chose 32 registers at 1024 threads and spilled) */
#define FR_LAUNCH_BOUNDS(threads) __launch_bounds__(threads, 1)
#define FR_SHARED_ARRAY(type, name, count) __shared__ type name[count]
/* the block's dynamic shared memory (the launch's shared_bytes), 16-byte aligned */
#define FR_DYNAMIC_SHARED(type, name)                                   \
    extern __shared__ __align__(16) unsigned char fr_dynamic_shared_[]; \
    type* const name = reinterpret_cast<type*>(fr_dynamic_shared_)
/* FR_KERNEL(name, max_threads, (parameters)) { body }: an extern "C" kernel with its launch bound; the emulation
 * also exports an entry that reads the parameters from a cuLaunchKernel-style array. A plan that sets
 * FR_MAX_REGISTERS gets no launch bound: the library passes its register budget to ptxas as --maxrregcount, which a
 * launch bound would override (the budget also keeps the block launchable: the planner checks registers x threads). */
#if defined(FR_MAX_REGISTERS)
#  define FR_KERNEL(name, max_threads, params) extern "C" __global__ void name params
#else
#  define FR_KERNEL(name, max_threads, params) extern "C" __global__ void FR_LAUNCH_BOUNDS(max_threads) name params
#endif

/* indices */
FR_DEVICE_INLINE unsigned fr_thread_x() { return threadIdx.x; }
FR_DEVICE_INLINE unsigned fr_thread_y() { return threadIdx.y; }
FR_DEVICE_INLINE unsigned fr_thread_z() { return threadIdx.z; }
FR_DEVICE_INLINE unsigned fr_block_x() { return blockIdx.x; }
FR_DEVICE_INLINE unsigned fr_block_y() { return blockIdx.y; }
FR_DEVICE_INLINE unsigned fr_block_z() { return blockIdx.z; }
FR_DEVICE_INLINE unsigned fr_block_dim_x() { return blockDim.x; }
FR_DEVICE_INLINE unsigned fr_block_dim_y() { return blockDim.y; }
FR_DEVICE_INLINE unsigned fr_block_dim_z() { return blockDim.z; }
FR_DEVICE_INLINE unsigned fr_grid_dim_x() { return gridDim.x; }
FR_DEVICE_INLINE unsigned fr_grid_dim_y() { return gridDim.y; }
FR_DEVICE_INLINE unsigned fr_grid_dim_z() { return gridDim.z; }
/* The lane of this thread in its warp (%laneid): right for any block shape. A 1-D kernel may use tid & 31. */
FR_DEVICE_INLINE unsigned fr_lane_id()
{
    unsigned lane;
    asm("mov.u32 %0, %%laneid;" : "=r"(lane));
    return lane;
}

/* the block's rank in its cluster and the cluster's block count (rank 0 and size 1 before sm_90: every block is
 * its own cluster) */
FR_DEVICE_INLINE unsigned fr_cluster_rank()
{
#if __CUDA_ARCH__ >= 900
    unsigned rank;
    asm("mov.u32 %0, %%cluster_ctarank;" : "=r"(rank));
    return rank;
#else
    return 0u;
#endif
}
FR_DEVICE_INLINE unsigned fr_cluster_size()
{
#if __CUDA_ARCH__ >= 900
    unsigned size;
    asm("mov.u32 %0, %%cluster_nctarank;" : "=r"(size));
    return size;
#else
    return 1u;
#endif
}

/* barriers: the whole block (bar.sync 0), the threads of `mask` in this warp (bar.warp.sync) */
FR_DEVICE_INLINE void fr_syncthreads() { __syncthreads(); }
FR_DEVICE_INLINE void fr_syncwarp(unsigned mask = FR_FULL_MASK) { __syncwarp(mask); }

/* warp shuffles of 32 bits (shfl.sync.idx / up / down / bfly); every lane of `mask` must execute the same call */
FR_DEVICE_INLINE unsigned fr_shfl_u32(unsigned mask, unsigned v, int src) { return __shfl_sync(mask, v, src); }
FR_DEVICE_INLINE unsigned fr_shfl_up_u32(unsigned mask, unsigned v, unsigned delta) { return __shfl_up_sync(mask, v, delta); }
FR_DEVICE_INLINE unsigned fr_shfl_down_u32(unsigned mask, unsigned v, unsigned delta) { return __shfl_down_sync(mask, v, delta); }
FR_DEVICE_INLINE unsigned fr_shfl_xor_u32(unsigned mask, unsigned v, int bits) { return __shfl_xor_sync(mask, v, bits); }

/* warp votes (vote.sync) */
FR_DEVICE_INLINE unsigned fr_ballot(unsigned mask, bool predicate) { return __ballot_sync(mask, predicate); }
FR_DEVICE_INLINE bool fr_any(unsigned mask, bool predicate) { return __any_sync(mask, predicate) != 0; }
FR_DEVICE_INLINE bool fr_all(unsigned mask, bool predicate) { return __all_sync(mask, predicate) != 0; }

/* Tensor-core mma, fp32 accumulate (sm_80+). Fragments per lane as the PTX ISA lays them out for .row.col:
 * a 4 registers, b 2, c and d 4 floats; each 32-bit register holds two 16-bit elements, the lower-indexed one in the
 * low half (tf32: one element per register). */
#if FR_HAS_MMA
FR_DEVICE_INLINE void fr_mma_m16n8k16_bf16(float d[4], const unsigned a[4], const unsigned b[2], const float c[4])
{
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
                 "{%8, %9}, {%10, %11, %12, %13};"
                 : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]),
                   "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
}
FR_DEVICE_INLINE void fr_mma_m16n8k16_f16(float d[4], const unsigned a[4], const unsigned b[2], const float c[4])
{
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
                 "{%8, %9}, {%10, %11, %12, %13};"
                 : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]),
                   "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
}
FR_DEVICE_INLINE void fr_mma_m16n8k8_tf32(float d[4], const unsigned a[4], const unsigned b[2], const float c[4])
{
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
                 "{%8, %9}, {%10, %11, %12, %13};"
                 : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]),
                   "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
}
/* cvt.rna.tf32.f32: nearest, ties away from zero; the result is an fp32 bit pattern with 13 low bits zero */
FR_DEVICE_INLINE unsigned fr_tf32_bits_from_float(float x)
{
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}
#endif

/* atomics (generic addresses: global or shared) and acquire / release at device scope */
FR_DEVICE_INLINE unsigned fr_atomic_add(unsigned* p, unsigned v) { return atomicAdd(p, v); }
FR_DEVICE_INLINE int fr_atomic_add(int* p, int v) { return atomicAdd(p, v); }
FR_DEVICE_INLINE float fr_atomic_add(float* p, float v) { return atomicAdd(p, v); }
FR_DEVICE_INLINE unsigned fr_atomic_cas(unsigned* p, unsigned expected, unsigned desired) { return atomicCAS(p, expected, desired); }
FR_DEVICE_INLINE unsigned fr_atomic_exch(unsigned* p, unsigned v) { return atomicExch(p, v); }
FR_DEVICE_INLINE unsigned fr_load_acquire(const unsigned* p)
{
    unsigned v;
    asm volatile("ld.acquire.gpu.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
    return v;
}
FR_DEVICE_INLINE void fr_store_release(unsigned* p, unsigned v)
{
    asm volatile("st.release.gpu.u32 [%0], %1;" : : "l"(p), "r"(v) : "memory");
}
/* ld.global.cg: cached in L2 only. L1 is not coherent across SMs, so a line this SM cached earlier could hold
 * values another block has since overwritten; after a grid barrier, reads of its writes go through L2. */
FR_DEVICE_INLINE unsigned fr_load_l2_u32(const unsigned* p)
{
    unsigned v;
    asm volatile("ld.global.cg.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
    return v;
}
FR_DEVICE_INLINE unsigned short fr_load_l2_u16(const unsigned short* p)
{
    unsigned short v;
    asm volatile("ld.global.cg.u16 %0, [%1];" : "=h"(v) : "l"(p) : "memory");
    return v;
}
/* the same for 16 bytes at a 16-byte aligned address (ld.global.cg.v4.u32) */
FR_DEVICE_INLINE void fr_load_l2_v4(const unsigned* p, unsigned v[4])
{
    asm volatile("ld.global.cg.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(v[0]), "=r"(v[1]), "=r"(v[2]), "=r"(v[3]) : "l"(p) : "memory");
}
FR_DEVICE_INLINE void fr_nanosleep(unsigned ns) { __nanosleep(ns); }
/* ends the kernel with an error (the launch fails with an illegal-instruction status); the message is for the
 * emulator, which reports it */
FR_DEVICE_INLINE void fr_trap(const char*) { asm volatile("trap;"); }

/* Grid-wide barrier of a cooperative launch (every block co-resident): the block's barrier, one arrival per block on
 * a counter in global memory (zeroed before the launch), the last arrival opens the next generation. */
struct fr_grid_barrier_state { unsigned count, generation; };
FR_DEVICE_INLINE void fr_grid_sync(fr_grid_barrier_state* state)
{
    __syncthreads();
    if (threadIdx.x == 0 && threadIdx.y == 0 && threadIdx.z == 0) {
        const unsigned blocks = gridDim.x * gridDim.y * gridDim.z;
        const unsigned generation = fr_load_acquire(&state->generation);
        __threadfence();
        const bool last = atomicAdd(&state->count, 1u) + 1u == blocks;
        __threadfence(); /* the last arriver sees every block's writes before it opens the next generation */
        if (last) {
            state->count = 0u;
            fr_store_release(&state->generation, generation + 1u);
        } else {
            while (fr_load_acquire(&state->generation) == generation) __nanosleep(32);
        }
    }
    __syncthreads();
}

/* Cluster barrier (every thread of every block of the cluster) and distributed shared memory (sm_90+). */
#if FR_HAS_CLUSTERS
FR_DEVICE_INLINE void fr_cluster_sync()
{
    /* release / acquire are the defaults; NVRTC 11.8 emits PTX 7.8, which rejects the explicit qualifiers. The .aligned
     * forms need the warp converged: callers reach this after divergent per-item loops, so reconverge first. */
    __syncwarp();
    asm volatile("barrier.cluster.arrive.aligned;\n\tbarrier.cluster.wait.aligned;" : : : "memory");
}
/* the generic address of the same shared-memory location in block `rank` of this cluster */
template <class T>
FR_DEVICE_INLINE T* fr_cluster_map_shared(T* address, unsigned rank)
{
    unsigned long long mapped;
    asm volatile("mapa.u64 %0, %1, %2;" : "=l"(mapped) : "l"(address), "r"(rank));
    return reinterpret_cast<T*>(mapped);
}
#endif

/* An optimization barrier: returns x, but the compiler no longer knows the value, so it cannot hoist expressions of x
 * out of the loop it is called in (a kernel uses it to keep per-chunk address arithmetic from being precomputed for
 * every item and held in registers across the loop). Emits no instruction. */
FR_DEVICE_INLINE long long fr_opaque(long long x)
{
    asm volatile("" : "+l"(x));
    return x;
}
FR_DEVICE_INLINE int fr_opaque(int x)
{
    asm volatile("" : "+r"(x));
    return x;
}

/* memory fences: membar.cta, membar.gl (fence.sc.gpu), membar.sys */
FR_DEVICE_INLINE void fr_fence_block() { __threadfence_block(); }
FR_DEVICE_INLINE void fr_fence_device() { __threadfence(); }
FR_DEVICE_INLINE void fr_fence_system() { __threadfence_system(); }

/* bit casts */
FR_DEVICE_INLINE unsigned fr_float_as_u32(float x) { return __float_as_uint(x); }
FR_DEVICE_INLINE float fr_u32_as_float(unsigned u) { return __uint_as_float(u); }
FR_DEVICE_INLINE unsigned fr_double_hi(double x) { return (unsigned)__double2hiint(x); }
FR_DEVICE_INLINE unsigned fr_double_lo(double x) { return (unsigned)__double2loint(x); }
FR_DEVICE_INLINE double fr_double_from_hilo(unsigned hi, unsigned lo) { return __hiloint2double((int)hi, (int)lo); }

/* math: exact (libdevice, correctly rounded within its documented ulps) and fast (SFU approximations, ftz) */
FR_DEVICE_INLINE float fr_exp(float x) { return expf(x); }
FR_DEVICE_INLINE double fr_exp(double x) { return exp(x); }
FR_DEVICE_INLINE float fr_tanh(float x) { return tanhf(x); }
FR_DEVICE_INLINE double fr_tanh(double x) { return tanh(x); }
FR_DEVICE_INLINE float fr_exp_fast(float x)
{
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x * 1.4426950408889634f));
    return y;
}
FR_DEVICE_INLINE float fr_tanh_fast(float x)
{
#if FR_HAS_TANH_APPROX
    float y;
    asm("tanh.approx.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
#else
    return tanhf(x);
#endif
}
FR_DEVICE_INLINE float fr_rcp_fast(float x)
{
    float y;
    asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

/* fp16 / bf16 <-> fp32: cvt.rn (round to nearest even; NaN stays NaN) and the exact widening */
#if FR_HAS_CVT_BF16
FR_DEVICE_INLINE fr_bf16 fr_bf16_from_float(float x)
{
    fr_bf16 r;
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r.bits) : "f"(x));
    return r;
}
#endif
FR_DEVICE_INLINE float fr_float_from_bf16(fr_bf16 x) { return __uint_as_float((unsigned)x.bits << 16); }
FR_DEVICE_INLINE fr_f16 fr_f16_from_float(float x)
{
    fr_f16 r;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(r.bits) : "f"(x));
    return r;
}
FR_DEVICE_INLINE float fr_float_from_f16(fr_f16 x)
{
    float y;
    asm("cvt.f32.f16 %0, %1;" : "=f"(y) : "h"(x.bits));
    return y;
}
#endif /* FR_EMULATION */

/* ---------------------------------------------------------------- both sides: written once on the contract */

/* Soft conversions: round to nearest even like cvt.rn.{bf16,f16}.f32 (overflow to inf, fp16 subnormals kept), and the
 * exact widening. The emulation's conversions, and the specification the GPU side matches for every non-NaN input.
 * A NaN becomes the canonical NaN 0x7fff, as the CUDA toolkit's own host fallbacks do; no kernel relies on a NaN's
 * payload or sign (the hardware's may differ). Pure integer arithmetic on the bit pattern. */
FR_DEVICE_INLINE unsigned short fr_soft_bf16_bits_from_float(float x)
{
    unsigned u = fr_float_as_u32(x);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)0x7fffu;                 /* NaN: canonical NaN */
    u += 0x7fffu + ((u >> 16) & 1u);                                                    /* round to nearest even */
    return (unsigned short)(u >> 16);
}
FR_DEVICE_INLINE float fr_soft_float_from_bf16_bits(unsigned short b) { return fr_u32_as_float((unsigned)b << 16); }

FR_DEVICE_INLINE unsigned short fr_soft_f16_bits_from_float(float x)
{
    unsigned u = fr_float_as_u32(x);
    unsigned sign = (u >> 16) & 0x8000u;
    unsigned a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return (unsigned short)0x7fffu;                                /* NaN: canonical NaN */
    if (a >= 0x477ff000u) return (unsigned short)(sign | 0x7c00u);                      /* >= 65520: rounds to inf */
    if (a >= 0x38800000u) {                                                             /* normal half: |x| >= 2^-14 */
        unsigned r = a - 0x38000000u;                                                  /* rebias exponent 127 -> 15 */
        r += 0xfffu + ((r >> 13) & 1u);
        return (unsigned short)(sign | (r >> 13));
    }
    if (a < 0x33000000u) return (unsigned short)sign;                                   /* < 2^-25: rounds to zero */
    /* subnormal half: value = m * 2^-24, m = round(|x| * 2^24) with ties to even */
    unsigned e = a >> 23;                                                               /* 102 .. 112 */
    unsigned mant = (a & 0x7fffffu) | 0x800000u;                                        /* |x| = mant * 2^(e - 150) */
    unsigned shift = 126u - e;                                                          /* |x| * 2^24 = mant >> shift */
    unsigned m = mant >> shift;
    unsigned rest = mant & ((1u << shift) - 1u);
    unsigned half = 1u << (shift - 1u);
    if (rest > half || (rest == half && (m & 1u))) ++m;
    return (unsigned short)(sign | m);
}
FR_DEVICE_INLINE float fr_soft_float_from_f16_bits(unsigned short h)
{
    unsigned sign = ((unsigned)h & 0x8000u) << 16;
    unsigned e = ((unsigned)h >> 10) & 0x1fu;
    unsigned m = (unsigned)h & 0x3ffu;
    if (e == 0x1fu) return fr_u32_as_float(sign | 0x7f800000u | (m << 13));              /* inf / NaN */
    if (e != 0u) return fr_u32_as_float(sign | ((e + 112u) << 23) | (m << 13));         /* normal */
    if (m == 0u) return fr_u32_as_float(sign);                                           /* zero */
    e = 113u;                                                                            /* subnormal: normalize */
    while ((m & 0x400u) == 0u) { m <<= 1; --e; }
    return fr_u32_as_float(sign | (e << 23) | ((m & 0x3ffu) << 13));
}

#if defined(FR_EMULATION) || !FR_HAS_CVT_BF16
FR_DEVICE_INLINE fr_bf16 fr_bf16_from_float(float x) { fr_bf16 r; r.bits = fr_soft_bf16_bits_from_float(x); return r; }
#endif
#if defined(FR_EMULATION)
FR_DEVICE_INLINE float fr_float_from_bf16(fr_bf16 x) { return fr_soft_float_from_bf16_bits(x.bits); }
FR_DEVICE_INLINE fr_f16 fr_f16_from_float(float x) { fr_f16 r; r.bits = fr_soft_f16_bits_from_float(x); return r; }
FR_DEVICE_INLINE float fr_float_from_f16(fr_f16 x) { return fr_soft_float_from_f16_bits(x.bits); }
#endif

/* typed warp shuffles: full-warp (FR_FULL_MASK) forms, the ones the kernels use */
FR_DEVICE_INLINE unsigned fr_shfl(unsigned v, int src) { return fr_shfl_u32(FR_FULL_MASK, v, src); }
FR_DEVICE_INLINE int fr_shfl(int v, int src) { return (int)fr_shfl_u32(FR_FULL_MASK, (unsigned)v, src); }
FR_DEVICE_INLINE float fr_shfl(float v, int src) { return fr_u32_as_float(fr_shfl_u32(FR_FULL_MASK, fr_float_as_u32(v), src)); }
FR_DEVICE_INLINE double fr_shfl(double v, int src)
{
    unsigned hi = fr_shfl_u32(FR_FULL_MASK, fr_double_hi(v), src), lo = fr_shfl_u32(FR_FULL_MASK, fr_double_lo(v), src);
    return fr_double_from_hilo(hi, lo);
}
/* up: lane i gets lane i - delta's value, and its own where i < delta; down: lane i + delta's, own where >= 32 */
FR_DEVICE_INLINE unsigned fr_shfl_up(unsigned v, unsigned delta) { return fr_shfl_up_u32(FR_FULL_MASK, v, delta); }
FR_DEVICE_INLINE int fr_shfl_up(int v, unsigned delta) { return (int)fr_shfl_up_u32(FR_FULL_MASK, (unsigned)v, delta); }
FR_DEVICE_INLINE float fr_shfl_up(float v, unsigned delta) { return fr_u32_as_float(fr_shfl_up_u32(FR_FULL_MASK, fr_float_as_u32(v), delta)); }
FR_DEVICE_INLINE double fr_shfl_up(double v, unsigned delta)
{
    unsigned hi = fr_shfl_up_u32(FR_FULL_MASK, fr_double_hi(v), delta), lo = fr_shfl_up_u32(FR_FULL_MASK, fr_double_lo(v), delta);
    return fr_double_from_hilo(hi, lo);
}
FR_DEVICE_INLINE unsigned fr_shfl_down(unsigned v, unsigned delta) { return fr_shfl_down_u32(FR_FULL_MASK, v, delta); }
FR_DEVICE_INLINE int fr_shfl_down(int v, unsigned delta) { return (int)fr_shfl_down_u32(FR_FULL_MASK, (unsigned)v, delta); }
FR_DEVICE_INLINE float fr_shfl_down(float v, unsigned delta) { return fr_u32_as_float(fr_shfl_down_u32(FR_FULL_MASK, fr_float_as_u32(v), delta)); }
FR_DEVICE_INLINE double fr_shfl_down(double v, unsigned delta)
{
    unsigned hi = fr_shfl_down_u32(FR_FULL_MASK, fr_double_hi(v), delta), lo = fr_shfl_down_u32(FR_FULL_MASK, fr_double_lo(v), delta);
    return fr_double_from_hilo(hi, lo);
}
FR_DEVICE_INLINE float fr_shfl_xor(float v, int bits) { return fr_u32_as_float(fr_shfl_xor_u32(FR_FULL_MASK, fr_float_as_u32(v), bits)); }
FR_DEVICE_INLINE double fr_shfl_xor(double v, int bits)
{
    unsigned hi = fr_shfl_xor_u32(FR_FULL_MASK, fr_double_hi(v), bits), lo = fr_shfl_xor_u32(FR_FULL_MASK, fr_double_lo(v), bits);
    return fr_double_from_hilo(hi, lo);
}

/* fr_load_l2: one storage element, bypassing L1 (see fr_load_l2_u32) */
FR_DEVICE_INLINE float fr_load_l2(const float* p) { return fr_u32_as_float(fr_load_l2_u32((const unsigned*)p)); }
FR_DEVICE_INLINE fr_bf16 fr_load_l2(const fr_bf16* p) { fr_bf16 r; r.bits = fr_load_l2_u16(&p->bits); return r; }
FR_DEVICE_INLINE fr_f16 fr_load_l2(const fr_f16* p) { fr_f16 r; r.bits = fr_load_l2_u16(&p->bits); return r; }

/* storage <-> accumulator: fp32 / bf16 / fp16 storage accumulate in float, fp64 in double */
FR_DEVICE_INLINE float fr_to_float(float x) { return x; }
FR_DEVICE_INLINE float fr_to_float(fr_bf16 x) { return fr_float_from_bf16(x); }
FR_DEVICE_INLINE float fr_to_float(fr_f16 x) { return fr_float_from_f16(x); }
FR_DEVICE_INLINE void fr_from_float(float* dst, float x) { *dst = x; }
FR_DEVICE_INLINE void fr_from_float(fr_bf16* dst, float x) { *dst = fr_bf16_from_float(x); }
FR_DEVICE_INLINE void fr_from_float(fr_f16* dst, float x) { *dst = fr_f16_from_float(x); }

/* fr_load_acc / fr_store_acc: one element of storage type S as accumulator type (float or double) */
FR_DEVICE_INLINE float fr_load_acc(const float* p) { return *p; }
FR_DEVICE_INLINE float fr_load_acc(const fr_bf16* p) { return fr_float_from_bf16(*p); }
FR_DEVICE_INLINE float fr_load_acc(const fr_f16* p) { return fr_float_from_f16(*p); }
FR_DEVICE_INLINE double fr_load_acc(const double* p) { return *p; }
FR_DEVICE_INLINE void fr_store_acc(float* p, float x) { *p = x; }
FR_DEVICE_INLINE void fr_store_acc(fr_bf16* p, float x) { *p = fr_bf16_from_float(x); }
FR_DEVICE_INLINE void fr_store_acc(fr_f16* p, float x) { *p = fr_f16_from_float(x); }
FR_DEVICE_INLINE void fr_store_acc(double* p, double x) { *p = x; }

#endif /* FR_DEVICE_CUH */
