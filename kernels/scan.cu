/*
 * scan.cu: the chunked associative scan h_t = a_t * h_{t-1} + b_t (math.md section 5), forward and backward.
 *
 * Data layout (fr_scan_args.h): a, b, h, dh, da, db are [B, T, H, D], stride 1 over D and strides in elements over
 * (B, T, H) from args (each tensor its own); h0, h_last, dh_last, dh0 are contiguous [B, H, D], or [num_seqs, H, D]
 * with cu_seqlens, where B = 1 and sequence z covers t in [cu_seqlens[z], cu_seqlens[z + 1]) with its own state row z.
 * T fits an int (args.steps); element offsets are 64-bit.
 *
 * Plan constants (the planner's ScanModel, src/FastRecurrence/Planning/Models/ScanModel.cs):
 *   FR_SCAN_LANES   Dt: adjacent d per block, a power of two in 1..64 that divides FR_SCAN_THREADS
 *   FR_SCAN_THREADS threads per block, a multiple of 32 in 32..1024 (any multiple: 96, 672, ... work)
 *   FR_SCAN_ITEMS   consecutive steps each thread scans serially
 *   FR_SCAN_CHUNK   (threads / lanes) * items, the steps a block advances per chunk (checked here, not chosen)
 *   FR_DTYPE        storage 0 fp32, 1 bf16, 2 fp16 (all accumulate in fp32), 3 fp64 (accumulates in fp64)
 *   FR_BACKWARD     which register model the plan used; this file always defines both kernels.
 * Launch: grid = (ceil(D / lanes), H, B), or (ceil(D / lanes), H, num_seqs) with cu_seqlens (blocks with
 * z >= B / num_seqs return at once); block = (threads, 1, 1); no dynamic shared memory. Past 65535 sequences the host
 * launches once per slice of them, each launch's pointers (and cu_seqlens) starting at its slice.
 *
 * What each block / warp / thread owns. A block owns `lanes` adjacent d of one (b, h) (or one sequence) for the whole
 * sequence and walks it in chunks of L = segments * items steps. Thread tid is (segment s = tid / lanes, lane
 * l = tid % lanes): lane fastest, so a warp's loads of one step are adjacent in d (whole 64-byte bursts, two 32-byte
 * sectors, once lanes * sizeof(storage) >= 64, which the planner requires where D allows; decision 0022). In a chunk,
 * segment s owns the `items` consecutive steps s * items .. s * items + items - 1 of the chunk in scan order
 * (increasing t forward, decreasing t backward) of its lane, and folds them serially in registers.
 * Segments are combined in groups. When lanes < 32 a group is one warp, holding 32 / lanes segments that shuffles up
 * by lanes, 2 lanes, ... combine; when lanes >= 32 a group is one segment (a warp then holds 32 lanes of one
 * segment, and nothing combines inside a warp). groups = threads / max(lanes, 32), 1..32; the block's shared slots
 * hold one pair per (group, lane).
 * Scanners: slot s = tid (+ threads in a second round, needed only when lanes >= 32 and groups is not a power of two)
 * is (lane s / G2, group s % G2) with G2 = groups rounded up to a power of two, so the groups of one lane are G2
 * adjacent lanes of one warp. A scanner combines its lane's group totals across groups with shuffles, and keeps that
 * lane's carry (the state entering the chunk) in a register from chunk to chunk.
 *
 * Pair operator: (a1, b1) then (a2, b2) = (a2 a1, a2 b1 + b2), identity (1, 0); a state x goes to A x + B. No log
 * space, so any sign of a works. Masked steps (t outside the sequence, d >= D) are the identity and are not stored.
 * Forward step: x' = a_t x + b_t, stored to h_t; the carry after the last step is h_last.
 * Backward: the state scanned in decreasing t is e_{t+1} = dL/dh_t through the recurrence (the gradient arriving from
 * step t + 1), e_{t1} = dh_last (or 0). Per step: delta_t = dh_t + e_{t+1}, db_t = delta_t, da_t = delta_t h_{t-1},
 * e_t = a_t delta_t; that is the pair (a_t, a_t dh_t). The final carry is dh0 = e_{t0} = a_{t0} delta_{t0} (math.md's
 * a_1 delta_1). h_{t-1} is the forward's h (args.h), or h0 (zeros when absent) at a sequence's first step.
 *
 * One chunk, and its barriers:
 *   1. every thread loads its items (a, b) [backward: a, dh, h_{t-1}] into registers and folds them into one pair;
 *      lanes < 32: shuffle-scan of the warp's segments. The last segment of each group writes the group total to
 *      its slot.                                                                           -> barrier 1 (block)
 *   2. scanners: read their slot, shuffle-scan a lane's groups, write the state entering each group over the slot's
 *      .b, advance the carry by the chunk total.                                             -> barrier 2 (block)
 *   3. every thread reads its group's entering state, then fr_syncwarp (lanes < 32: the next chunk's step 1 rewrites
 *      that slot from the same warp; lanes >= 32: each thread rewrites only its own slot), applies its exclusive
 *      in-warp prefix, runs its items again and stores h [backward: db, da].
 * Two block barriers per chunk. No atomics, and every combination happens in a fixed order, so a plan's results are
 * bitwise reproducible from run to run (different plans associate differently: last-bit differences).
 *
 * Resources. ScanModel: shared = (threads / 32) * lanes * 8 + lanes * 8 bytes of fp32 pairs; registers =
 * 8-rounded(32 + items * k), k = 4 forward (a, b, fp32 pair), 6 backward (a, delta, h).
 * This kernel: static shared = groups * lanes * sizeof(pair) = (threads / max(lanes, 32)) * lanes * 8 bytes for fp32,
 * bf16 and fp16, within the model (the carry lives in scanner registers, not in shared memory); for fp64 the pairs
 * are 16 bytes, twice that, which exceeds the model's figure unless lanes = 64 (the model assumes fp32 accumulators).
 * Registers: per item 2 accumulators live across the barriers forward (a, b) and 3 backward (a, dh, h_{t-1}), twice
 * that for fp64. Addresses are recomputed in every chunk from the kernel parameters (fr_opaque keeps the compiler from
 * hoisting them into registers held across the loop). __launch_bounds__(threads, 1): never more than 64K / threads
 * registers, so every plan launches; ptxas is free to use registers up to that bound.
 * Slot layout: slot(g, l) = g * lanes + ((l + g * rot) mod lanes); the rotation spreads the scanners' accesses (one
 * lane, consecutive groups) over the banks, and phases 1 and 3 still touch consecutive slots.
 */
#include "fr_scan_args.h"
#include "fr_device.cuh"

#if !defined(FR_DTYPE) || !defined(FR_SCAN_LANES) || !defined(FR_SCAN_THREADS) || !defined(FR_SCAN_ITEMS)
#error "scan.cu needs the plan's constants: FR_DTYPE, FR_SCAN_LANES, FR_SCAN_THREADS, FR_SCAN_ITEMS (and FR_SCAN_CHUNK)"
#endif

#if FR_DTYPE == 0
typedef float fr_scan_store;
typedef float fr_scan_acc;
#elif FR_DTYPE == 1
typedef fr_bf16 fr_scan_store;
typedef float fr_scan_acc;
#elif FR_DTYPE == 2
typedef fr_f16 fr_scan_store;
typedef float fr_scan_acc;
#elif FR_DTYPE == 3
typedef double fr_scan_store;
typedef double fr_scan_acc;
#else
#error "FR_DTYPE must be 0 (fp32), 1 (bf16), 2 (fp16) or 3 (fp64)"
#endif

namespace fr_scan {

typedef fr_scan_store S;
typedef fr_scan_acc A;

constexpr int kLanes = FR_SCAN_LANES;
constexpr int kThreads = FR_SCAN_THREADS;
constexpr int kItems = FR_SCAN_ITEMS;
constexpr int kSegments = kThreads / kLanes;
constexpr int kChunk = kSegments * kItems;
constexpr int kGroupThreads = kLanes < FR_WARP_SIZE ? FR_WARP_SIZE : kLanes; /* threads of one group */
constexpr int kGroups = kThreads / kGroupThreads;                               /* 1 .. 32 */
constexpr int kGroupsPow2 = kGroups <= 1 ? 1 : kGroups <= 2 ? 2 : kGroups <= 4 ? 4 : kGroups <= 8 ? 8
                            : kGroups <= 16 ? 16 : 32;                         /* scanner slots per lane */
constexpr int kScanSlots = kLanes * kGroupsPow2;
constexpr int kScanRounds = (kScanSlots + kThreads - 1) / kThreads;            /* 1 or 2 */
constexpr int kBankSlots = 128 / (2 * (int)sizeof(A));                          /* pairs per 128 bytes of banks */
constexpr int kRotate = kGroupsPow2 == 1 ? 0
                        : kLanes >= kBankSlots ? (kBankSlots / kGroupsPow2 > 1 ? kBankSlots / kGroupsPow2 : 1) : 1;

static_assert(kLanes >= 1 && kLanes <= 64 && (kLanes & (kLanes - 1)) == 0, "FR_SCAN_LANES: a power of two in 1..64");
static_assert(kThreads >= FR_WARP_SIZE && kThreads <= 1024 && kThreads % FR_WARP_SIZE == 0,
              "FR_SCAN_THREADS: a multiple of 32 in 32..1024");
static_assert(kThreads % kLanes == 0, "FR_SCAN_LANES must divide FR_SCAN_THREADS");
static_assert(kItems >= 1 && kItems <= 64, "FR_SCAN_ITEMS: 1..64");
static_assert(kGroups >= 1 && kGroupsPow2 <= FR_WARP_SIZE, "a lane's groups fit one warp");
static_assert(kScanRounds <= 2, "scanner rounds");
#if defined(FR_SCAN_CHUNK)
static_assert(FR_SCAN_CHUNK == kChunk, "FR_SCAN_CHUNK must equal (FR_SCAN_THREADS / FR_SCAN_LANES) * FR_SCAN_ITEMS");
#endif

/* aligned to its size, so a pair moves as one 8-byte (fp64: 16-byte) shared access */
struct alignas(2 * sizeof(A)) Pair {
    A a, b;
};

FR_DEVICE_INLINE int slot(int group, int lane)
{
    return group * kLanes + ((lane + group * kRotate) & (kLanes - 1));
}

/* x y, except that an exact zero times an infinity is zero: a product of a over many steps (|a| > 1) can exceed the
 * accumulator's range before a zero a ends it, where the sequential recurrence and the float64 reference stay finite;
 * inf * 0 would make everything after it NaN. A NaN x or y still gives NaN.
 * (docs/decisions/0045-scan-products-absorb-overflow-at-zero.md) */
FR_DEVICE_INLINE A times(A x, A y)
{
    const A p = x * y;
    return p != p && x == x && y == y ? (A)0 : p; /* NaN from non-NaN factors: inf * 0 */
}

/* earlier (pa, pb) then later (a, b): a <- a * pa, b <- a * pb + b */
FR_DEVICE_INLINE void combine_after(A pa, A pb, A& a, A& b)
{
    b = times(a, pb) + b;
    a = times(a, pa);
}

/* The sequence of a block: steps [t0, t1), batch index into [B, T, H, D], row of the [*, H, D] state tensors. */
struct Sequence {
    int t0, t1;
    int batch;
    int row;
    bool valid;
};

FR_DEVICE_INLINE Sequence sequence_of_block(const fr_scan_args& args)
{
    Sequence q;
    const int z = (int)fr_block_z();
    if (args.cu_seqlens != 0) {
        q.valid = z < args.num_seqs;
        /* the offsets are device values the host never reads: clamped to [0, T] and an end before its start to an
           empty sequence, so wrong offsets give a wrong result but never touch memory outside the tensors */
        const fr_i64 start = q.valid ? args.cu_seqlens[z] : 0;
        const fr_i64 end = q.valid ? args.cu_seqlens[z + 1] : 0;
        const fr_i64 t0 = start < 0 ? 0 : (start > args.steps ? args.steps : start);
        q.t0 = (int)t0;
        q.t1 = (int)(end < t0 ? t0 : (end > args.steps ? args.steps : end));
        q.batch = 0;
    } else {
        q.valid = z < args.batch;
        q.t0 = 0;
        q.t1 = args.steps;
        q.batch = z;
    }
    q.row = z;
    return q;
}

/* element offset of (batch, t, head, d) in a tensor with strides st over (B, T, H) and 1 over D */
FR_DEVICE_INLINE fr_i64 element(const fr_i64* st, int batch, int t, int head, fr_i64 d)
{
    return (fr_i64)batch * st[0] + (fr_i64)t * st[1] + (fr_i64)head * st[2] + d;
}

/* element offset of (row, head, d = 0) in the [*, H, D] state tensors */
FR_DEVICE_INLINE fr_i64 state_origin(const fr_scan_args& args, int row, int head)
{
    return ((fr_i64)row * args.heads + head) * (fr_i64)args.dim;
}

/*
 * The chunk loop, both directions. Backward = false: pairs (a, b) in increasing t; writes h and h_last.
 * Backward = true: pairs (a, a dh) in decreasing t; writes db, da and dh0.
 */
template <bool Backward>
FR_DEVICE_INLINE void run(const fr_scan_args& args)
{
    FR_SHARED_ARRAY(Pair, slots, kGroups * kLanes);

    const Sequence seq = sequence_of_block(args);
    if (!seq.valid) return; /* uniform over the block: no barrier is left waiting for part of it */

    const int tid = (int)fr_thread_x();
    const int lane = tid % kLanes;
    const int segment = tid / kLanes;
    const int warp_lane = tid % FR_WARP_SIZE;
    const int my_slot = slot(tid / kGroupThreads, lane);
    const int head = (int)fr_block_y();
    const fr_i64 dim = args.dim;
    const fr_i64 d0 = (fr_i64)fr_block_x() * kLanes;
    const fr_i64 d = d0 + lane;
    const bool d_ok = d < dim;

    /* the scanners' carries: h0 forward, dh_last backward (zeros when absent) */
    A carry[kScanRounds];
    {
        const fr_i64 row = state_origin(args, seq.row, head);
        const S* init = (const S*)(Backward ? args.dh_last : args.h0);
#pragma unroll
        for (int r = 0; r < kScanRounds; ++r) {
            const int s = tid + r * kThreads;
            const fr_i64 sd = d0 + s / kGroupsPow2;
            carry[r] = (s < kScanSlots && sd < dim && init != 0) ? fr_load_acc(init + row + sd) : (A)0;
        }
    }
    A h_initial = (A)0; /* backward: h_{t0 - 1} = h0, or zeros */
    if (Backward && d_ok && args.h0 != 0) h_initial = fr_load_acc((const S*)args.h0 + state_origin(args, seq.row, head) + d);

    /* left: steps of the sequence from this thread's first item of the chunk on (<= 0: all its items are masked) */
    for (int left = seq.t1 - seq.t0 - segment * kItems, remaining = seq.t1 - seq.t0; remaining > 0;
         left -= kChunk, remaining -= kChunk) {
        const int valid = d_ok ? left : 0; /* item j is real when j < valid */
        /* Addresses of this thread's first item in the chunk; item j lies j steps further in scan order (later
         * forward, earlier backward). Recomputed in every chunk from the kernel parameters, from indices the compiler
         * cannot see through: otherwise it hoists a 64-bit pointer per tensor, and j * stride per item and tensor, out
         * of the loop and holds them all in registers. */
        /* a thread whose items are all masked (left <= 0) would start past the sequence, where t * stride may pass
           2^63 (a stride of an extent-1 dimension is unbounded): held at the sequence's last real step instead */
        const int t_unclamped = Backward ? seq.t0 + left - 1 : seq.t1 - left;
        const int t_first = fr_opaque(t_unclamped < seq.t0 ? seq.t0 : (t_unclamped >= seq.t1 ? seq.t1 - 1 : t_unclamped));
        const int bz = fr_opaque(seq.batch), hy = fr_opaque(head);
        const fr_i64 dd = fr_opaque(d);
        const fr_i64 sign = Backward ? -1 : 1;
        const S* a_p = (const S*)args.a + element(args.a_stride, bz, t_first, hy, dd);
        const fr_i64 a_s = sign * args.a_stride[1];
        const S* x_p = Backward ? (const S*)args.dh + element(args.dh_stride, bz, t_first, hy, dd)
                                : (const S*)args.b + element(args.b_stride, bz, t_first, hy, dd);
        const fr_i64 x_s = sign * (Backward ? args.dh_stride[1] : args.b_stride[1]);
        /* backward: h_{t-1} of the first item; at the sequence's first step it is h0 and this pointer is not read (held
           at the step itself: one step before t = 0 could wrap the address for a stride near the tensor limit) */
        S* h_p = (S*)args.h + element(args.h_stride, bz, Backward && t_first > seq.t0 ? t_first - 1 : t_first, hy, dd);
        const fr_i64 h_s = sign * args.h_stride[1];

        /* ---- 1. load this thread's items and fold them into one pair */
        A ra[kItems], rx[kItems], rh[kItems]; /* a; b forward, dh backward; h_{t-1} backward */
#pragma unroll
        for (int j = 0; j < kItems; ++j) {
            const bool ok = j < valid;
            ra[j] = ok ? fr_load_acc(a_p + j * a_s) : (A)1;
            rx[j] = ok ? fr_load_acc(x_p + j * x_s) : (A)0;
            if (Backward) rh[j] = ok ? (j + 1 < left ? fr_load_acc(h_p + j * h_s) : h_initial) : (A)0;
        }
        A pa = (A)1, pb = (A)0;
#pragma unroll
        for (int j = 0; j < kItems; ++j) {
            pb = Backward ? times(ra[j], pb + rx[j]) : times(ra[j], pb) + rx[j];
            pa = times(ra[j], pa);
        }
        /* lanes < 32: inclusive scan of the warp's segments, and this segment's exclusive prefix (ea, eb) */
        A ea = (A)1, eb = (A)0;
        if (kLanes < FR_WARP_SIZE) {
#pragma unroll
            for (int delta = kLanes; delta < FR_WARP_SIZE; delta *= 2) {
                const A qa = fr_shfl_up(pa, (unsigned)delta), qb = fr_shfl_up(pb, (unsigned)delta);
                if (warp_lane >= delta) combine_after(qa, qb, pa, pb);
            }
            ea = fr_shfl_up(pa, (unsigned)kLanes);
            eb = fr_shfl_up(pb, (unsigned)kLanes);
            if (warp_lane < kLanes) {
                ea = (A)1;
                eb = (A)0;
            }
        }
        if (kLanes >= FR_WARP_SIZE || warp_lane >= FR_WARP_SIZE - kLanes) { /* the group's last segment */
            Pair total;
            total.a = pa;
            total.b = pb;
            slots[my_slot] = total;
        }
        fr_syncthreads(); /* barrier 1: group totals written */

        /* ---- 2. scanners: combine each lane's groups, write the states entering them, advance the carry */
#pragma unroll
        for (int r = 0; r < kScanRounds; ++r) {
            const int s = tid + r * kThreads;
            if (s - warp_lane < kScanSlots) { /* whole warps, so every lane of them runs the shuffles */
                const int scan_lane = s / kGroupsPow2, scan_group = s % kGroupsPow2;
                const bool mine = s < kScanSlots && scan_group < kGroups;
                A ga = (A)1, gb = (A)0;
                if (mine) {
                    const Pair total = slots[slot(scan_group, scan_lane)];
                    ga = total.a;
                    gb = total.b;
                }
#pragma unroll
                for (int delta = 1; delta < kGroupsPow2; delta *= 2) {
                    const A qa = fr_shfl_up(ga, (unsigned)delta), qb = fr_shfl_up(gb, (unsigned)delta);
                    if (scan_group >= delta) combine_after(qa, qb, ga, gb);
                }
                /* the state entering group g: its exclusive prefix applied to the carry */
                A xa = fr_shfl_up(ga, 1u), xb = fr_shfl_up(gb, 1u);
                if (scan_group == 0) {
                    xa = (A)1;
                    xb = (A)0;
                }
                /* the chunk's total for this lane: the inclusive pair of its last slot (padding slots are identity) */
                const int last = warp_lane | (kGroupsPow2 - 1);
                const A ta = fr_shfl(ga, last), tb = fr_shfl(gb, last);
                if (mine) slots[slot(scan_group, scan_lane)].b = times(xa, carry[r]) + xb;
                carry[r] = times(ta, carry[r]) + tb;
            }
        }
        fr_syncthreads(); /* barrier 2: entering states written */

        /* ---- 3. the state entering this segment; the items again, storing the outputs */
        const A entering = slots[my_slot].b;
        if (kLanes < FR_WARP_SIZE) fr_syncwarp(); /* this slot's next writer is in this warp: read before it writes */
        A x = times(ea, entering) + eb;
        S* da_p = Backward ? (S*)args.da + element(args.da_stride, bz, t_first, hy, dd) : h_p;
        S* db_p = Backward ? (S*)args.db + element(args.db_stride, bz, t_first, hy, dd) : h_p;
        const fr_i64 da_s = -args.da_stride[1], db_s = -args.db_stride[1];
#pragma unroll
        for (int j = 0; j < kItems; ++j) {
            const bool ok = j < valid;
            if (Backward) {
                const A delta = rx[j] + x;
                if (ok) {
                    fr_store_acc(db_p + j * db_s, delta);
                    fr_store_acc(da_p + j * da_s, times(delta, rh[j]));
                }
                x = times(ra[j], delta);
            } else {
                x = times(ra[j], x) + rx[j];
                if (ok) fr_store_acc(h_p + j * h_s, x);
            }
        }
    }

    /* the final carry of each scanner's lane: h_last forward, dh0 backward (the row recomputed, not held in registers
     * through the loop) */
    S* final_ptr = (S*)(Backward ? args.dh0 : args.h_last);
    const fr_i64 row = state_origin(args, fr_opaque(seq.row), fr_opaque(head));
#pragma unroll
    for (int r = 0; r < kScanRounds; ++r) {
        const int s = tid + r * kThreads;
        const fr_i64 sd = d0 + s / kGroupsPow2;
        if (s < kScanSlots && s % kGroupsPow2 == 0 && sd < dim && final_ptr != 0)
            fr_store_acc(final_ptr + row + sd, carry[r]);
    }
}

} /* namespace fr_scan */

FR_KERNEL(fr_scan_forward, FR_SCAN_THREADS, (fr_scan_args args))
{
    fr_scan::run<false>(args);
}

FR_KERNEL(fr_scan_backward, FR_SCAN_THREADS, (fr_scan_args args))
{
    fr_scan::run<true>(args);
}
