// emulation_kernels.cpp: see emulation_kernels.h.
#include "emulation_kernels.h"

namespace frtest {

const char* const kEmulationSourceName = "fr_test_emulation";

const char* const kEmulationKernels = R"CUDA(
// fr_test_emulation.cu: test-only kernels for the emulator and for the GPU side of fr_device.cuh.
#include "fr_device.cuh"

// Eight results per thread: shuffles (idx, up, down, xor), votes, and a shuffle within each half warp.
FR_KERNEL(fr_test_warp_ops, 1024, (unsigned* out)) {
    const unsigned t = fr_thread_x();
    const unsigned lane = fr_lane_id();
    unsigned* o = out + t * 8;
    o[0] = fr_shfl_u32(FR_FULL_MASK, t * 3u, (int)((lane + 5u) & 31u));
    o[1] = fr_shfl_up_u32(FR_FULL_MASK, t, 3u);
    o[2] = fr_shfl_down_u32(FR_FULL_MASK, t, 7u);
    o[3] = fr_shfl_xor_u32(FR_FULL_MASK, t, 9);
    o[4] = fr_ballot(FR_FULL_MASK, lane % 3u == 0u);
    o[5] = fr_any(FR_FULL_MASK, lane == 17u) ? 1u : 0u;
    o[6] = fr_all(FR_FULL_MASK, lane < 31u) ? 1u : 0u;
    if (lane < 16u) o[7] = fr_shfl_u32(0x0000ffffu, t, (int)(15u - lane));
    else o[7] = fr_shfl_u32(0xffff0000u, t, (int)(47u - lane));
}

// One warp: fragments[lane * 10 + 0..3] = a, 4..5 = b, 6..9 = c (float bits); d_out[lane * 4 + i] = d.
// kind 0: m16n8k16 bf16, 1: m16n8k16 f16, 2: m16n8k8 tf32.
FR_KERNEL(fr_test_mma, 32, (const unsigned* fragments, float* d_out, int kind)) {
#if FR_HAS_MMA
    const unsigned lane = fr_lane_id();
    const unsigned* f = fragments + lane * 10u;
    const unsigned a[4] = {f[0], f[1], f[2], f[3]};
    const unsigned b[2] = {f[4], f[5]};
    const float c[4] = {fr_u32_as_float(f[6]), fr_u32_as_float(f[7]), fr_u32_as_float(f[8]), fr_u32_as_float(f[9])};
    float d[4];
    if (kind == 0) fr_mma_m16n8k16_bf16(d, a, b, c);
    else if (kind == 1) fr_mma_m16n8k16_f16(d, a, b, c);
    else fr_mma_m16n8k8_tf32(d, a, b, c);
    for (int i = 0; i < 4; ++i) d_out[lane * 4u + i] = d[i];
#endif
}

// tf32 conversion of n floats (cvt.rna.tf32.f32)
FR_KERNEL(fr_test_tf32, 1024, (const float* in, unsigned* out, int n)) {
#if FR_HAS_MMA
    const int i = (int)(fr_block_x() * fr_block_dim_x() + fr_thread_x());
    if (i < n) out[i] = fr_tf32_bits_from_float(in[i]);
#endif
}

// Cooperative: block b publishes a value, the grid synchronises, block b reads block b + 1's.
FR_KERNEL(fr_test_grid_sync, 1024, (unsigned* values, unsigned* out, fr_grid_barrier_state* barrier)) {
    const unsigned b = fr_block_x();
    const unsigned n = fr_grid_dim_x();
    if (fr_thread_x() == 0u) values[b] = b * 10u + 1u;
    fr_grid_sync(barrier);
    if (fr_thread_x() == 0u) out[b] = values[(b + 1u) % n];
}

// Clusters: each block writes rank * 7 + 3 into its shared memory; block b reads the next rank's through the
// cluster's distributed shared memory.
FR_KERNEL(fr_test_cluster_shared, 1024, (unsigned* out)) {
#if FR_HAS_CLUSTERS
    FR_SHARED_ARRAY(unsigned, slot, 1);
    if (fr_thread_x() == 0u) slot[0] = fr_cluster_rank() * 7u + 3u;
    fr_cluster_sync();
    const unsigned next = (fr_cluster_rank() + 1u) % fr_cluster_size();
    if (fr_thread_x() == 0u) out[fr_block_x()] = *fr_cluster_map_shared(slot, next);
    fr_cluster_sync(); /* no block leaves while another may still read its shared memory */
#endif
}

// Atomics from every thread of every block; then a spin-wait: thread 0 of each block waits for its last thread's
// flag (release / acquire, fr_nanosleep).
FR_KERNEL(fr_test_atomics, 1024, (float* float_sum, unsigned* count, unsigned* winner, unsigned* flags, unsigned* seen)) {
    fr_atomic_add(float_sum, 0.5f);
    fr_atomic_add(count, 1u);
    const unsigned t = fr_thread_x();
    const unsigned b = fr_block_x();
    if (t == 0u) fr_atomic_cas(winner, 0u, b + 1u);
    if (t == fr_block_dim_x() - 1u) fr_store_release(flags + b, 42u);
    if (t == 0u) {
        while (fr_load_acquire(flags + b) != 42u) fr_nanosleep(32u);
        fr_atomic_exch(seen + b, 1u);
    }
}

// Each thread reads the value another warp's thread wrote into shared memory; correct only with the barrier.
FR_KERNEL(fr_test_neighbour, 1024, (const float* in, float* out, int with_barrier)) {
    FR_SHARED_ARRAY(float, buffer, 1024);
    const unsigned t = fr_thread_x();
    const unsigned n = fr_block_dim_x();
    buffer[t] = in[t] * 2.0f;
    if (with_barrier) fr_syncthreads();
    out[t] = buffer[(t + 33u) % n];
}

// Kernels that break a rule; see FaultCase in emulation_kernels.h.
FR_KERNEL(fr_test_fault, 1024, (int which, unsigned* out)) {
    const unsigned t = fr_thread_x();
    const unsigned lane = fr_lane_id();
    if (which == 0) {
        if (t >= 16u) return;
        fr_syncthreads();
    } else if (which == 1) {
        if (lane < 16u) out[t] = fr_shfl_u32(FR_FULL_MASK, t, 0);
        else fr_syncwarp();
    } else if (which == 2) {
        if (lane == 0u) out[t] = fr_shfl_u32(0x3u, t, 1);
        else fr_syncthreads();
    } else if (which == 3) {
        if (lane < 2u) out[t] = fr_shfl_u32(0x2u, t, 1);
    } else if (which == 4) {
        if (t == 5u) fr_trap("thread 5 trapped");
    }
#if defined(FR_EMULATION)
    else if (which == 5) {
        FR_SHARED_ARRAY(float, big, 16384);
        big[t] = 0.0f;
        out[t] = (unsigned)big[t];
    }
#endif
}
)CUDA";

}  // namespace frtest
