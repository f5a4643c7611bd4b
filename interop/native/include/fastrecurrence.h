/*
 * fastrecurrence.h: the C ABI of libfastrecurrence (ABI version FR_ABI_VERSION, below).
 *
 * Flat extern "C", plain old data only: any language with a C FFI (C#, Python ctypes, C++, Rust) can call it.
 * Rules every entry point follows:
 *   - it validates its arguments first and returns a status; it never aborts or throws across the ABI;
 *   - on any status other than FR_OK, fr_last_error() returns a message for this thread naming the argument
 *     and the limit (valid until the next call on the same thread);
 *   - without a CUDA driver or GPU, every GPU entry point returns FR_ERROR_NO_DRIVER / FR_ERROR_NO_DEVICE, and the
 *     compile-only entry point (fr_compile) still works given libnvrtc;
 *   - libcuda.so.1 and libnvrtc are loaded at run time (dlopen): FR_CUDA_LIBRARY and FR_NVRTC_LIBRARY override the
 *     paths; otherwise libnvrtc.so.13, .so.12, .so.11.2 and libnvrtc.so are probed in that order;
 *   - device memory and streams belong to the caller: tensors carry device pointers, `stream` is a CUstream
 *     (NULL = the legacy default stream), which is what PyTorch (torch.cuda.current_stream().cuda_stream) and JAX give;
 *   - no operation runs in place: an output that shares a byte with an input, another output or a device array of the
 *     same call (lengths, cu_seqlens) is refused with FR_ERROR_INVALID_ARGUMENT naming both, and no output may have two
 *     of its own elements at one address; disjoint views interleaved in one buffer are fine (see fr_tensor).
 * Structs that may grow start with `struct_size` (set it to sizeof the struct you compiled against).
 */
#ifndef FASTRECURRENCE_H
#define FASTRECURRENCE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define FR_API __declspec(dllexport)
#else
#define FR_API __attribute__((visibility("default")))
#endif

#define FR_ABI_VERSION 2  /* 2: fr_rnn_forward, fr_rnn_forward_training and fr_rnn_backward take lengths */
#define FR_MAX_RANK 8
#define FR_MAX_DEFINES 64

typedef enum fr_status {
    FR_OK = 0,
    FR_ERROR_INVALID_ARGUMENT = 1, /* a null pointer, a wrong shape / stride / dtype, an unsupported size */
    FR_ERROR_NO_DRIVER = 2,        /* libcuda.so.1 could not be loaded or cuInit failed */
    FR_ERROR_NO_DEVICE = 3,        /* the driver reports no device with that ordinal */
    FR_ERROR_NO_NVRTC = 4,         /* no libnvrtc could be loaded */
    FR_ERROR_COMPILE = 5,          /* NVRTC rejected the kernel source; the log is in fr_last_error() */
    FR_ERROR_CUDA = 6,             /* a driver call failed; the CUresult name is in fr_last_error() */
    FR_ERROR_UNSUPPORTED = 7,      /* valid, but this build or device cannot do it (e.g. clusters before sm_90) */
    FR_ERROR_OUT_OF_MEMORY = 8,
    FR_ERROR_CACHE = 9,            /* the cubin cache folder cannot be created or written */
    FR_ERROR_INTERNAL = 10,
    FR_ERROR_KERNEL_FAULT = 11     /* an emulated kernel broke the execution model (a barrier some threads never
                                      reach, lanes that disagree on a warp operation, a deadlock) or trapped */
} fr_status;

/* Storage types; the same codes as the kernels' FR_DTYPE define. */
typedef enum fr_dtype {
    FR_DTYPE_FLOAT32 = 0,
    FR_DTYPE_BFLOAT16 = 1,
    FR_DTYPE_FLOAT16 = 2,
    FR_DTYPE_FLOAT64 = 3
} fr_dtype;

/* ---- library ---------------------------------------------------------------------------------------------- */

FR_API int fr_abi_version(void);                 /* FR_ABI_VERSION of the built library */
FR_API const char* fr_version_string(void);      /* e.g. "fastrecurrence 0.1.0 (abi 2)" */
FR_API const char* fr_last_error(void);          /* this thread's last error message; "" after success */
FR_API const char* fr_status_name(fr_status status);

/* The NVRTC the library loaded (loads it on first use). */
FR_API fr_status fr_nvrtc_version(int* major, int* minor);

/* The library's embedded kernel sources: names ("scan", ...) and text, so callers can hash or inspect them. */
FR_API int fr_kernel_source_count(void);
FR_API fr_status fr_kernel_source(int index, const char** name, const char** text);

/* ---- devices (need the driver) -------------------------------------------------------------------------- */

FR_API fr_status fr_device_count(int* count);
FR_API fr_status fr_device_name(int ordinal, char* buffer, size_t capacity);
/* Any CUdevice_attribute (the driver API's numbering), e.g. 16 = CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT. */
FR_API fr_status fr_device_attribute(int ordinal, int cu_device_attribute, int* value);

/* ---- compilation (needs only libnvrtc) ------------------------------------------------------------------- */

typedef struct fr_define {
    const char* name; /* e.g. "FR_SCAN_THREADS"; letters, digits and '_' only */
    int64_t value;
} fr_define;

typedef struct fr_compile_options {
    size_t struct_size;
    const char* source_name;  /* an embedded source: "scan" */
    const char* arch;         /* "sm_80", "sm_90", ...: the exact architecture of the cubin */
    const fr_define* defines; /* the plan's constants; FR_MAX_REGISTERS, when present, also caps ptxas's registers per
                                 thread (--maxrregcount): the plan's prediction, which the kernel must fit unspilled */
    int define_count;         /* 0 .. FR_MAX_DEFINES */
    const char* cache_dir;    /* NULL: $FR_CACHE_DIR, else $XDG_CACHE_HOME/fastrecurrence, else ~/.cache/fastrecurrence */
    int use_cache;            /* 0: always compile, never read or write the cache */
} fr_compile_options;

/* What ptxas reported for one kernel of the compiled source (from -Xptxas -v). */
typedef struct fr_kernel_report {
    char name[128];           /* the kernel's extern "C" name, e.g. "fr_scan_forward" */
    int registers;
    int spill_store_bytes;
    int spill_load_bytes;
    int shared_bytes;         /* static shared memory */
    int stack_bytes;
} fr_kernel_report;

typedef struct fr_compile_result {
    size_t struct_size;
    int cache_hit;            /* 1: the cubin came from the disk cache */
    double milliseconds;      /* wall time of this call */
    size_t cubin_bytes;
    int nvrtc_major, nvrtc_minor;
    int kernel_count;         /* entries filled in `kernels` */
    fr_kernel_report kernels[8];
    char cache_key[65];       /* hex SHA-256 of (source, defines, arch, NVRTC version) */
} fr_compile_result;

/* Compiles (or finds in the cache) the cubin of a source for an architecture. No driver or GPU needed. */
FR_API fr_status fr_compile(const fr_compile_options* options, fr_compile_result* result);

/* ---- contexts, memory, modules, launches (need the driver) ---------------------------------------------- */

typedef struct fr_context_s* fr_context; /* a device's primary context, retained */
typedef struct fr_module_s* fr_module;   /* a loaded cubin */

FR_API fr_status fr_context_create(int ordinal, fr_context* context);
FR_API fr_status fr_context_destroy(fr_context context);

/* For callers with no allocator of their own (PyTorch and JAX bring theirs). On an emulated context a copy or fill that
 * starts in an fr_malloc block and runs past its end is FR_ERROR_INVALID_ARGUMENT (the driver refuses it on a GPU), and
 * so is an operation's tensor or array that does (on a GPU the kernel would fault). */
FR_API fr_status fr_malloc(fr_context context, size_t bytes, void** device_pointer);
FR_API fr_status fr_free(fr_context context, void* device_pointer);
FR_API fr_status fr_memcpy_to_device(fr_context context, void* device_pointer, const void* host, size_t bytes);
FR_API fr_status fr_memcpy_to_host(fr_context context, void* host, const void* device_pointer, size_t bytes);
/* Zeroes `bytes` bytes at `device_pointer`, ordered on `stream` (gradients accumulated into fresh memory start at 0;
 * fr_malloc's memory is uninitialised). Asynchronous like the operations: fr_synchronize to wait. */
FR_API fr_status fr_memset_zero(fr_context context, void* device_pointer, size_t bytes, void* stream);
FR_API fr_status fr_synchronize(fr_context context, void* stream);

FR_API fr_status fr_module_load(fr_context context, const fr_compile_options* options, fr_module* module);
FR_API fr_status fr_module_unload(fr_module module);

typedef struct fr_dim3 { uint32_t x, y, z; } fr_dim3;

typedef enum fr_launch_kind {
    FR_LAUNCH_PLAIN = 0,
    FR_LAUNCH_COOPERATIVE = 1, /* every block co-resident; grid barriers allowed */
    FR_LAUNCH_CLUSTER = 2      /* thread-block clusters of `cluster` blocks (sm_90+), through cuLaunchKernelEx */
} fr_launch_kind;

typedef struct fr_launch_config {
    size_t struct_size;
    fr_dim3 grid, block, cluster;
    uint32_t shared_bytes;     /* dynamic shared memory; above 48 KB the library opts in */
    fr_launch_kind kind;
    void* stream;              /* CUstream or NULL */
} fr_launch_config;

/* Launches kernel `name` of `module`; `args` as for cuLaunchKernel (an array of pointers to each argument), required
 * (every kernel of the library takes arguments). Checked: block of at most 1024 threads (z <= 64), shared_bytes at most
 * 2^31 - 1, grid x <= 2^31 - 1 and y, z <= 65535 (FR_ERROR_UNSUPPORTED), the cluster dividing the grid. */
FR_API fr_status fr_launch(fr_module module, const char* name, const fr_launch_config* config, void** args);

/* ---- cuda-emulated: the same kernels, compiled by the system C++ compiler, run on the CPU ----------------- */

/*
 * An emulated context runs the CUDA C kernels on a CPU emulator (every GPU thread a fiber; barriers, shuffles, mma
 * and clusters with the GPU's semantics) through the same plans, operations and launches as a GPU context. Its
 * "device" memory is host memory: fr_malloc and the copies work as usual, and tensors may point at any host memory
 * (one that starts in an fr_malloc block must end in it; other host memory is the caller's to size). fr_launch's raw
 * kernel arguments are not checked.
 * Launches are synchronous; streams are accepted and ignored. It needs a C++17 compiler at run time (not a GPU, not
 * a driver, not NVRTC). Kernels that break the execution model end with FR_ERROR_KERNEL_FAULT and a message.
 */
typedef enum fr_schedule {
    FR_SCHEDULE_IN_ORDER = 0, /* the runnable thread with the lowest index runs first: reproducible */
    FR_SCHEDULE_RANDOM = 1    /* a seeded random thread order between synchronisation points: exposes missing barriers */
} fr_schedule;

typedef struct fr_emulation_options {
    size_t struct_size;
    const char* arch;         /* the emulated device: "sm_70" .. "sm_90" (limits; clusters from sm_90); NULL: "sm_90" */
    fr_schedule schedule;
    uint64_t seed;            /* FR_SCHEDULE_RANDOM's seed */
    int workers;              /* OS threads running independent blocks at once: 0..16 (0: 1) */
    const char* compiler;     /* NULL: $FR_EMULATION_CXX, else c++, g++ or clang++ on PATH */
    const char* cache_dir;    /* compiled modules; NULL: as fr_compile_options.cache_dir */
} fr_emulation_options;

FR_API fr_status fr_emulation_context_create(const fr_emulation_options* options, fr_context* context);
/* Changes the schedule of later launches on an emulated context (every module loaded from it follows). */
FR_API fr_status fr_emulation_configure(fr_context context, fr_schedule schedule, uint64_t seed);
/* 1 for an emulated context, 0 for a GPU one. */
FR_API fr_status fr_context_is_emulated(fr_context context, int* emulated);
/* The compiler an emulated context would use (path), or FR_ERROR_UNSUPPORTED naming what was looked for. */
FR_API fr_status fr_emulation_compiler(char* buffer, size_t capacity);

/* ---- tensors and operations ------------------------------------------------------------------------------ */

/* A strided view of caller-owned device memory. Strides are in elements. Every operation checks: data non-NULL and
 * aligned to the dtype's size, each extent in 1..2^31-1, at most 2^48 elements, and the furthest offset the strides
 * reach (sum of |stride| * (extent - 1)) below 2^48. No operation runs in place: an output that shares a byte with
 * another tensor of the call (input or output) is refused with FR_ERROR_INVALID_ARGUMENT naming both. Strided views
 * are compared by their elements, not their spans, so two views that interleave without sharing an element are fine
 * (a bounded search, exact unless it runs out: three or more long dimensions whose strides do not nest, as slices and
 * transposes of one tensor do; such a pair is let through). */
typedef struct fr_tensor {
    void* data;
    fr_dtype dtype;
    int rank;
    int64_t shape[FR_MAX_RANK];
    int64_t strides[FR_MAX_RANK];
} fr_tensor;

/* A kernel plan as the managed planner produces it (KernelPlan): its constants and its launch. */
typedef struct fr_plan {
    size_t struct_size;
    const char* source_name;  /* "scan" */
    fr_define defines[FR_MAX_DEFINES];
    int define_count;
    fr_dim3 grid, block, cluster;
    uint32_t shared_bytes;
    fr_launch_kind kind;
} fr_plan;

/*
 * The kernel modules a call with `plan` loads, in load order, so they can be compiled ahead (fr_compile each for the
 * device's arch, in a build step or at start-up, and the calls find them in the cubin cache instead of compiling on
 * first use; CI's compile checks compile exactly these): the plan's own source and defines, as calls that pass
 * per-sequence lengths build it where `lengths` = 1 (the fused kernels add FR_LENGTHS = 1), then its companions (a
 * backward plan's dR / db reductions, "rnn_gradients", shared by every backward plan of one cell and storage type).
 * No driver, GPU or NVRTC needed; the plan's constants are checked as the operation checks them. fr_plan_module fills
 * `module`'s source_name and defines (the names point at the plan's own strings or the library's static ones: valid
 * while the plan's are); its launch fields are zero.
 */
FR_API fr_status fr_plan_module_count(const fr_plan* plan, int lengths, int* count);
FR_API fr_status fr_plan_module(const fr_plan* plan, int lengths, int index, fr_plan* module);
/* Compiles (through the cubin cache) and loads into `context` every module of fr_plan_module_count, where the calls
 * with that plan find them: the first call then only launches (calls do this themselves on first use otherwise).
 * Needs the context (GPU or emulated); compile errors come back here, as the call would return them. */
FR_API fr_status fr_plan_prepare(fr_context context, const fr_plan* plan, int lengths);

/*
 * The diagonal linear recurrence h_t = a_t * h_{t-1} + b_t (math.md section 5), fp32 accumulation.
 * a, b, h: [B, T, H, D], any strides over B, T, H with stride 1 over D; all three of the same dtype.
 * h0, h_last: [B, H, D] contiguous, or NULL (zeros / not written).
 * Variable lengths: cu_seqlens (device, int64, num_seqs + 1 offsets into T, FLA convention) with B = 1; then h0 and
 * h_last are [num_seqs, H, D]. Pass NULL and 0 for fixed-length batches. Checked: NULL or 8-byte aligned. The offsets
 * are not read by the host; the kernels clamp each sequence to [0, T] (an end before its start: an empty sequence,
 * whose h_last is its h0), so wrong offsets are memory-safe but not a meaningful result.
 * The plan's grid is (ceil(D / FR_SCAN_LANES), H, S) for S sequences (B, or num_seqs); past 65535 sequences (the grid's
 * limit in z) its z is 65535 and the call launches it over consecutive slices of the sequences on the stream.
 */
FR_API fr_status fr_scan_forward(fr_context context, const fr_plan* plan,
                                 const fr_tensor* a, const fr_tensor* b, const fr_tensor* h0,
                                 const fr_tensor* h, const fr_tensor* h_last,
                                 const int64_t* cu_seqlens, int num_seqs, void* stream);

/*
 * Backward of the scan: given a, the forward's h, h0 (or NULL) and dh = dL/dh, writes da, db (same shapes as a) and
 * dh0 ([B, H, D] or NULL). dh_last (dL/d h_last, [B, H, D]) may be NULL. Deterministic: no atomics.
 */
FR_API fr_status fr_scan_backward(fr_context context, const fr_plan* plan,
                                  const fr_tensor* a, const fr_tensor* h, const fr_tensor* h0,
                                  const fr_tensor* dh, const fr_tensor* dh_last,
                                  const fr_tensor* da, const fr_tensor* db, const fr_tensor* dh0,
                                  const int64_t* cu_seqlens, int num_seqs, void* stream);

/*
 * The forward of a recurrent layer's recurrence (math.md sections 2 and 4) with a plan of source "rnn_forward" (the
 * planner's FusedRnnModel: single block, cluster or grid-barrier regime, FR_TF32 for fp32 on tensor cores) or
 * "rnn_alternating" (the AlternatingModel: one matmul and one pointwise launch per step, for heads too large for the
 * chip; its fp32 scratch is stream-ordered memory for the call). Storage type = the plan's FR_DTYPE
 * (fp32, bf16, fp16), fp32 accumulation and fp32 cell states. All tensors contiguous, H = NH * D:
 * wx [B, T, G, NH, D] (the input projection, without biases), r [G, NH, D, D], bias [Gb, NH, D] (GRU: r, z,
 * n_input, n_hidden), initial_states [S, B, NH, D] or NULL (zeros), y [B, T, NH, D], all_states [S, B, T, NH, D] or
 * NULL, last_states [S, B, NH, D] or NULL. G, Gb, S per cell: LSTM 4, 4, 2; GRU 3, 4, 1; sLSTM 4, 4, 4; Elman 1, 1, 1.
 * Variable lengths: lengths, device memory of B int32 (each sequence's length, 1..T, any order), or NULL (every
 * sequence runs all T steps). Masked inside the recurrence (every plan, same launches): a step t >= lengths[b] keeps
 * sequence b's states and writes y = 0 (all_states and the reserve: the held states); last_states are the states at
 * its own length. Checked: NULL or 4-byte aligned. The values are not read by the host; a value outside 1..T is
 * memory-safe (<= 0: no step runs, > T: all T) but not a meaningful sequence.
 */
FR_API fr_status fr_rnn_forward(fr_context context, const fr_plan* plan, const fr_tensor* wx, const fr_tensor* r,
                                const fr_tensor* bias, const fr_tensor* initial_states, const fr_tensor* y,
                                const fr_tensor* all_states, const fr_tensor* last_states, const int32_t* lengths,
                                void* stream);

/*
 * Training. fr_rnn_forward_training is fr_rnn_forward that also writes `reserve`, what the backward reads: fp32, rank 1,
 * fr_rnn_reserve_size elements = B * T * NH * D * (G + S) (4 * (G + S) bytes per sequence, step and unit: the gate
 * products R_g y_{t-1} [B, T, G, NH, D], then the states after every step [S, B, T, NH, D]; fp32 whatever the storage
 * type, so the backward sees the forward's exact gates and cell states). Any forward plan (fused or alternating).
 * A reserve's (and a packed R's) one extent may pass 2^31 - 1, up to 2^48 elements: both are indexed with 64-bit offsets.
 */
FR_API fr_status fr_rnn_reserve_size(const fr_plan* plan, int64_t batch, int64_t steps, int64_t* elements);
/* The recompute reserve: B * T * NH * D * S + 1 elements, the states only (4 * S bytes per element; LSTM 8 instead of
 * 24), then one unused element that keeps its size apart from every full reserve's (decision 0037).
 * fr_rnn_backward then recomputes the gate products from y in one parallel product per head into scratch of
 * B * T * G * NH * D fp32 for the call (B * T <= 4,194,240). Both calls tell the kinds apart by the reserve's size. */
FR_API fr_status fr_rnn_states_reserve_size(const fr_plan* plan, int64_t batch, int64_t steps, int64_t* elements);
FR_API fr_status fr_rnn_forward_training(fr_context context, const fr_plan* plan, const fr_tensor* wx, const fr_tensor* r,
                                         const fr_tensor* bias, const fr_tensor* initial_states, const fr_tensor* y,
                                         const fr_tensor* all_states, const fr_tensor* last_states,
                                         const fr_tensor* reserve, const int32_t* lengths, void* stream);

/* fr_rnn_backward's options; NULL means all off. */
typedef struct fr_rnn_backward_options {
    size_t struct_size;
    float recurrent_clip;  /* > 0: the recurrent gradient R^T dg_t reaching y_{t-1} is clamped to [-clip, clip]; 0: off */
    int truncate;          /* 1: no gradient through R into y_{t-1} (truncated BPTT: dR and db still computed); 0: off */
    int accumulate;        /* 1: every gradient output is added to (dwx, dr, dbias, d_initial_states); 0: overwritten */
} fr_rnn_backward_options;

/*
 * The backward (BPTT, math.md section 3) with a plan of source "rnn_backward" (the planner's FusedRnnModel for the
 * backward direction: single block, cluster or grid-barrier regime, R^T on chip for all T steps) or "rnn_alternating"
 * with FR_BACKWARD = 1 (the AlternatingModel's backward, for heads too large for the chip). Inputs: the forward's
 * wx, r ([G, NH, D, D]; not packed), bias, initial_states (or NULL), y, its reserve (fr_rnn_forward_training), dy
 * [B, T, NH, D] = dL/dy and d_last_states [S, B, NH, D] = dL/d last states or NULL (zeros; sLSTM's m takes none).
 * Outputs: dwx [B, T, G, NH, D] (dL/dWx), dr [G, NH, D, D], dbias [Gb, NH, D] (GRU: r, z, n_input, n_hidden),
 * d_initial_states [S, B, NH, D] or NULL; storage type = the plan's FR_DTYPE, fp32 accumulation. dR and db are reduced
 * after the loop by kernels of ours in a fixed order: the results are the same bits on every run. Its fp32 scratch
 * (B * T * Gb * NH * D elements) is stream-ordered memory of the call. lengths: the forward's (fr_rnn_forward), or
 * NULL; a step t >= lengths[b] takes no gradient (dwx = 0 there, nothing into dR / db; dy there is ignored, y was a
 * constant zero) and passes sequence b's state gradients through unchanged.
 */
FR_API fr_status fr_rnn_backward(fr_context context, const fr_plan* plan, const fr_rnn_backward_options* options,
                                 const fr_tensor* wx, const fr_tensor* r, const fr_tensor* bias,
                                 const fr_tensor* initial_states, const fr_tensor* y, const fr_tensor* reserve,
                                 const fr_tensor* dy, const fr_tensor* d_last_states, const fr_tensor* dwx,
                                 const fr_tensor* dr, const fr_tensor* dbias, const fr_tensor* d_initial_states,
                                 const int32_t* lengths, void* stream);

/* R of a fused plan (source "rnn_forward") in the plan's fragment layout: made once per weight update with
 * fr_rnn_pack_recurrent (a kernel of ours), then passed to fr_rnn_forward as `r` (a rank-1 tensor of the plan's dtype)
 * on every call with the same plan, instead of [G, NH, D, D]. fr_rnn_packed_recurrent_size gives its element count;
 * packed must be 16-byte aligned. The layout belongs to the plan's tiling: fr_rnn_forward takes a rank-1 r only where
 * fr_rnn_pack_recurrent last wrote exactly that memory with a plan of the same layout (plans that differ only in batch
 * tile, regime, warps or where their tiles live, e.g. with and without lengths, often share one); else
 * FR_ERROR_INVALID_ARGUMENT naming both layouts, or that nothing was packed there. Packed memory passed as an operation's
 * output, or to fr_malloc, fr_free, fr_memcpy_to_device, fr_memcpy_to_host (its host side) or fr_memset_zero, is
 * unmarked (fr_launch's arguments are opaque: they unmark nothing); writes the library does not see (a framework's own
 * copies, memory freed and reused by another allocator) it cannot, so pack again after those.
 * A pack or copy captured in a CUDA graph marks or unmarks when it is called, not when the graph replays. */
FR_API fr_status fr_rnn_packed_recurrent_size(const fr_plan* plan, int64_t* elements);
FR_API fr_status fr_rnn_pack_recurrent(fr_context context, const fr_plan* plan, const fr_tensor* r, const fr_tensor* packed,
                                       void* stream);

/* y = x w^T: the layer API's input projection (Wx = x W_ih^T over the B * T rows). x [N, K], w [M, K], y [N, M], all
 * contiguous, one dtype (fp32, bf16, fp16), fp32 accumulation. allow_cublas = 1: through libcublas (loaded at run time,
 * $FR_CUBLAS_LIBRARY or libcublas.so.13 / .12 / .11 / libcublas.so; "none" turns it off) where it loads, else, and
 * with 0, our kernel (kernels/linear.cu: deterministic). used_cublas (may be NULL) says which ran. Emulated contexts
 * use our kernel. */
FR_API fr_status fr_linear(fr_context context, const fr_tensor* x, const fr_tensor* w, const fr_tensor* y,
                           int allow_cublas, int* used_cublas, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* FASTRECURRENCE_H */
