/*
 * fr_rnn_fused_plan.cuh: the fused plan's constants as the fused kernels read them (rnn_forward.cu, rnn_backward.cu; the
 * planner's FusedRnnModel writes them): FR_CELL, FR_DTYPE, FR_HEAD_SIZE D, FR_HEAD_SIZE_PADDED Dp, FR_HEADS NH,
 * FR_HEADS_PER_BLOCK Hb, FR_BLOCKS_PER_HEAD P, FR_WARPS W, FR_K_SPLIT Ks, FR_BATCH_TILE Bt, FR_REGISTER_ROW_TILES RT,
 * FR_SHARED_ROW_TILES ST, FR_REGIME (1 single block, 2 cluster, 3 grid barrier), FR_TF32, FR_STREAMED_ROW_TILES GT
 * (optional, 0 by default); with the checks that hold in both directions. Include after fr_storage.cuh and fr_rnn_cells.cuh.
 */
#ifndef FR_RNN_FUSED_PLAN_CUH
#define FR_RNN_FUSED_PLAN_CUH

#if !defined(FR_CELL) || !defined(FR_DTYPE) || !defined(FR_HEAD_SIZE) || !defined(FR_HEAD_SIZE_PADDED) ||   \
    !defined(FR_HEADS) || !defined(FR_HEADS_PER_BLOCK) || !defined(FR_BLOCKS_PER_HEAD) || !defined(FR_WARPS) || \
    !defined(FR_K_SPLIT) || !defined(FR_BATCH_TILE) || !defined(FR_REGISTER_ROW_TILES) || !defined(FR_SHARED_ROW_TILES) || \
    !defined(FR_REGIME)
#error "the fused kernels need the fused plan's constants (FR_CELL, FR_DTYPE, FR_HEAD_SIZE, ... FR_SHARED_ROW_TILES, FR_REGIME)"
#endif
#ifndef FR_TF32
#define FR_TF32 0 /* fp32 storage: 1 multiplies on tensor cores in tf32 (mma.m16n8k8), 0 exactly with FMAs */
#endif
#ifndef FR_LENGTHS
/* 1: the build that masks fr_rnn_args.lengths, for calls with lengths: the planner writes it into plans made for them
 * (their register cap includes the check; decision 0021), and the library adds it to a plan without it that is called
 * with lengths. 0: no check, so calls without lengths keep the registers of the code without it */
#define FR_LENGTHS 0
#endif
#ifndef FR_STREAMED_ROW_TILES
/* R row tiles per warp read from global memory (L2) at every step instead of kept on chip: the planner uses them only
 * for heads with no on-chip plan (decision 0023); the forward only */
#define FR_STREAMED_ROW_TILES 0
#endif
#define FR_REGIME_SINGLE_BLOCK 1
#define FR_REGIME_CLUSTER 2
#define FR_REGIME_GRID_BARRIER 3
#if FR_REGIME == FR_REGIME_SINGLE_BLOCK
#  if FR_BLOCKS_PER_HEAD != 1
#    error "the single-block regime (FR_REGIME 1) needs FR_BLOCKS_PER_HEAD = 1"
#  endif
#elif FR_REGIME == FR_REGIME_CLUSTER || FR_REGIME == FR_REGIME_GRID_BARRIER
#  if FR_BLOCKS_PER_HEAD < 2
#    error "the cluster and grid-barrier regimes (FR_REGIME 2, 3) split a head: FR_BLOCKS_PER_HEAD >= 2"
#  endif
#else
#  error "FR_REGIME must be 1 (single block), 2 (cluster) or 3 (grid barrier)"
#endif

namespace fr_fused {

typedef fr_storage::S S;
constexpr bool kHalf = fr_storage::kHalf;

/* fp32 storage on tensor cores: R and the vectors rounded to tf32, fp32 accumulation (math.md: relative error <= 5e-3) */
constexpr bool kTf32 = !kHalf && FR_TF32 != 0;
constexpr bool kLengths = FR_LENGTHS != 0;

typedef fr_cells::Traits<FR_CELL> Cell;
constexpr int G = Cell::gates;
constexpr int Gb = Cell::biases;
constexpr int NS = Cell::states;
constexpr int D = FR_HEAD_SIZE;
constexpr int Dp = FR_HEAD_SIZE_PADDED;
constexpr int NH = FR_HEADS;
constexpr int Hb = FR_HEADS_PER_BLOCK;
constexpr int P = FR_BLOCKS_PER_HEAD;
constexpr int Up = Dp / P;                        /* units of a head per block */
constexpr int W = FR_WARPS;
constexpr int Ks = FR_K_SPLIT;
constexpr int Bt = FR_BATCH_TILE;
constexpr int RT = FR_REGISTER_ROW_TILES;
constexpr int ST = FR_SHARED_ROW_TILES;
constexpr int GT = FR_STREAMED_ROW_TILES;
constexpr int Threads = W * FR_WARP_SIZE;
constexpr int TilesPerWarp = RT + ST + GT;
constexpr int Items = (Hb * Up * Bt + Threads - 1) / Threads; /* pointwise items per thread: (head, sequence, unit) */

static_assert(FR_GATES == G && FR_STATES == NS, "FR_GATES / FR_STATES must match FR_CELL");
static_assert(Dp % 16 == 0 && Dp >= D, "FR_HEAD_SIZE_PADDED: D rounded up to 16");
static_assert(NH % Hb == 0, "FR_HEADS_PER_BLOCK divides FR_HEADS");
static_assert(Dp % P == 0, "FR_BLOCKS_PER_HEAD divides the padded head size: a block owns whole units");
static_assert(P == 1 || Hb == 1, "a head split over blocks is the only head of its blocks");
static_assert(GT >= 0 && RT >= 0 && ST >= 0 && TilesPerWarp >= 1, "every warp owns at least one 16-row tile");
#if FR_REGIME == FR_REGIME_CLUSTER
static_assert(FR_HAS_CLUSTERS, "cluster plans need thread-block clusters (sm_90 or newer)");
#endif
static_assert(!kHalf || FR_HAS_MMA, "bf16 / fp16 recurrent plans need mma.m16n8k16 (sm_80 or newer)");
static_assert(!kTf32 || FR_HAS_MMA, "tf32 plans need mma.m16n8k8.tf32 (sm_80 or newer)");
static_assert(FR_TF32 == 0 || FR_DTYPE == 0, "FR_TF32 applies to fp32 storage (FR_DTYPE 0) only");

} /* namespace fr_fused */

#endif /* FR_RNN_FUSED_PLAN_CUH */
