/*
 * fr_emulation_abi.h: the interface between an emulated kernel module (a kernels/ source compiled by the system C++
 * compiler against fr_emulation.h into a shared object) and the emulator inside libfastrecurrence that runs it.
 * Plain C, no includes; included by both sides, so they cannot disagree on a layout.
 *
 * A module exports, per kernel `name` declared with FR_KERNEL:
 *   void fr_emu_entry_<name>(void** params)     runs the kernel body for the calling emulated thread; params as
 *                                               for cuLaunchKernel (an array of pointers to each argument)
 *   const int fr_emu_max_threads_<name>         the kernel's launch bound (threads per block)
 * and once:
 *   void fr_emu_bind(const fr_emu_runtime*)     the emulator's function table, set before any entry runs
 *   const unsigned fr_emu_module_abi            FR_EMU_ABI_VERSION as the module was compiled
 */
#ifndef FR_EMULATION_ABI_H
#define FR_EMULATION_ABI_H

#define FR_EMU_ABI_VERSION 1u

/* Everything an emulated thread can ask about itself; the emulator owns it, stable while the thread lives. */
typedef struct fr_emu_thread_info {
    unsigned thread[3], block[3], block_dim[3], grid_dim[3];
    unsigned cluster_dim[3];   /* (1, 1, 1) outside cluster launches */
    unsigned cluster_rank;     /* this block's rank in its cluster (%cluster_ctarank) */
    unsigned cluster_size;     /* blocks per cluster (%cluster_nctarank) */
    unsigned lane;             /* %laneid: linear thread index in the block mod 32 */
    unsigned warp;             /* linear thread index in the block / 32 */
} fr_emu_thread_info;

/* Warp-wide operations: every lane of `mask` calls with the same op and mask; the last to arrive completes it. */
typedef enum fr_emu_warp_kind {
    FR_EMU_SHFL_IDX = 1,   /* out[0] = in[0] of lane `arg` */
    FR_EMU_SHFL_UP = 2,    /* out[0] = in[0] of lane - arg, own value where lane < arg */
    FR_EMU_SHFL_DOWN = 3,  /* out[0] = in[0] of lane + arg, own value where lane + arg > 31 */
    FR_EMU_SHFL_XOR = 4,   /* out[0] = in[0] of lane ^ arg */
    FR_EMU_SYNCWARP = 5,
    FR_EMU_BALLOT = 6,     /* out[0] = bit l set where lane l of mask had arg != 0 */
    FR_EMU_ANY = 7,        /* out[0] = 1 when any lane of mask had arg != 0 */
    FR_EMU_ALL = 8,        /* out[0] = 1 when every lane of mask had arg != 0 */
    FR_EMU_MMA_BF16 = 9,   /* m16n8k16 row.col f32 += bf16 * bf16: in[0..3] a, in[4..5] b, c, d */
    FR_EMU_MMA_F16 = 10,   /* m16n8k16 row.col f32 += f16 * f16 */
    FR_EMU_MMA_TF32 = 11   /* m16n8k8 row.col f32 += tf32 * tf32: in[0..3] a, in[4..5] b */
} fr_emu_warp_kind;

typedef struct fr_emu_warp_op {
    int kind;           /* fr_emu_warp_kind */
    unsigned mask;      /* the participating lanes; must include the caller */
    int arg;            /* source lane, delta, xor bits or predicate */
    unsigned in[6];     /* shuffles: in[0]; mma: the A and B fragment registers */
    float c[4];         /* mma: the C fragment */
    unsigned out[1];    /* shuffles, votes */
    float d[4];         /* mma: the D fragment */
} fr_emu_warp_op;

typedef struct fr_emu_runtime {
    unsigned abi_version;                                   /* FR_EMU_ABI_VERSION */
    const fr_emu_thread_info* (*self)(void);
    void (*block_barrier)(void);                            /* bar.sync 0: every thread of the block */
    void (*warp_op)(fr_emu_warp_op* op);
    void (*grid_barrier)(void);                             /* every thread of a cooperative launch */
    void (*cluster_barrier)(void);                          /* every thread of the cluster */
    /* the block's copy of a static shared array declared at `site`; same offset in every block of the launch */
    void* (*static_shared)(const void* site, unsigned long long bytes, unsigned long long alignment);
    void* (*dynamic_shared)(void);                          /* the block's dynamic shared memory */
    void* (*map_shared)(const void* address, unsigned rank); /* same shared location in block `rank` of the cluster */
    void (*yield)(void);                                    /* a spin-wait step: lets other threads run */
    void (*fault)(const char* message);                     /* the kernel trapped: ends the launch with the message */
} fr_emu_runtime;

#endif /* FR_EMULATION_ABI_H */
