// rnn_plan_checks.h: what every recurrent operation checks before it launches: the plan's constants (the problem's,
// and a fused plan's tiling and regime against its launch), the tensors against the plan's problem, and the kernel
// argument they make. Shared by rnn_ops.cpp (forward) and rnn_pack.cpp (R's fragment layout).
#ifndef FR_RNN_PLAN_CHECKS_H
#define FR_RNN_PLAN_CHECKS_H

#include "compile_request.h"
#include "fastrecurrence.h"
#include "kernel_launch.h"
#include "rnn_ops.h"
#include "tensor_checks.h"

#include "fr_rnn_args.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fr {

// The plan's constants by name; FR_ERROR_INVALID_ARGUMENT naming a missing or out-of-range one.
struct PlanConstants {
    std::map<std::string, int64_t> values;

    fr_status get(const char* name, int64_t low, int64_t high, int64_t* value) const;
};

// read_plan (plan_operation.h) and its defines as constants: where every recurrent operation and query starts.
fr_status read_rnn_plan(const fr_plan* plan, CompileRequest* request, LaunchShape* launch, PlanConstants* c);

int gates_of(int64_t cell);
int biases_of(int64_t cell);
int states_of(int64_t cell);

// FR_REGIME: the planner's FusedRegime values
constexpr int64_t kSingleBlock = 1, kCluster = 2, kGridBarrier = 3;

struct RnnShape {
    int64_t cell = 0, dtype = 0, d = 0, dp = 0, nh = 0, batch = 0, steps = 0;
    bool backward = false;  // FR_BACKWARD = 1: a plan of kernels/rnn_backward.cu
    bool reserve_products = true;  // the reserve holds the gate products and the states (false: the states only)
    bool r_packed = false;  // r is the fused plan's fragment layout (fr_rnn_pack_recurrent), not [G, NH, D, D]
};

// A fused plan (kernels/rnn_forward.cu): the problem, the tiling, the regime.
struct FusedPlan {
    RnnShape shape;
    int64_t hb = 0, p = 0, warps = 0, ks = 0, bt = 0, rt = 0, st = 0, gt = 0, regime = 0, tf32 = 0;

    // 32-bit words of R in the plan's fragment layout: per block of a batch tile (P x NH / Hb), per warp, per row tile
    // (on chip and streamed), per K chunk, per lane, 4 words.
    int64_t packed_words() const;
    // What fixes that layout, named: "4 gates, bf16, NH 1, D 768 padded to 768[, K split 8 x 3 row tiles per warp]". Two
    // plans with the same text store the same bytes (plans with and without lengths, other batch tiles, regimes, warps
    // or register / shared / streamed splits often do), so a packed R serves both.
    std::string packed_layout() const;
};

// An alternating plan (kernels/rnn_alternating.cu): the problem and the matmul's tiles.
struct AlternatingPlan {
    RnnShape shape;
    int64_t tm = 0, tn = 0, tk = 0, warps = 0, pointwise = 0;
};

// An alternating plan's constants and their consistency with the plan's launch (kind, block, shared memory).
fr_status read_alternating_plan(const fr_plan* plan, const PlanConstants& c, bool backward, AlternatingPlan* alt);

// The alternating matmul's grid against the problem (shape.batch known): (ceil(rows / FR_TILE_M), NH, ceil(B /
// FR_TILE_N)) with rows = G * Dp forward, Dp backward; and the pointwise launch's block count.
fr_status check_alternating_grid(const fr_plan* plan, const AlternatingPlan& alt);

// The constants every RNN plan carries (what the problem is); FR_BACKWARD must be `backward`.
fr_status read_problem_constants(const PlanConstants& c, bool backward, RnnShape* shape);

// Dynamic shared memory a fused kernel needs for a plan's constants (bytes; 0 when a constant is missing): R tiles,
// the vectors (forward: h double-buffered, once in the grid-barrier regime, Dp per sequence; backward: dg once, G * Dp
// per sequence), the K slices' partial products of the block's rows (forward G * Dp / P per head, backward Dp / P).
int64_t fused_shared_bytes(bool backward, int64_t dtype, int64_t gates, int64_t padded_head_size, int64_t heads_per_block,
                           int64_t blocks_per_head, int64_t warps, int64_t k_split, int64_t batch_tile,
                           int64_t shared_row_tiles, int64_t regime);

// A fused plan's constants and their consistency with the plan's launch (kind, cluster, block, shared memory), for the
// forward (kernels/rnn_forward.cu) or the backward (kernels/rnn_backward.cu).
fr_status read_fused_plan(const fr_plan* plan, const PlanConstants& c, bool backward, FusedPlan* fused);

// fp32 elements of the training forward's reserve: B * T * NH * D * (G + S) with the gate products, B * T * NH * D * S
// + 1 with the states only (kernels/fr_rnn_args.h; the last element unused, so the sizes never coincide: decision
// 0037); -1 past INT64_MAX.
int64_t rnn_reserve_elements(const RnnShape& shape, bool products = true);

// Every tensor against the plan's problem: rank, shape, dtype, contiguity; B and T come from wx. `packed_elements` > 0
// also accepts r as a rank-1 tensor of that many elements (a fused plan's packed R). The reserve, when given, is fp32
// of either rnn_reserve_elements size (its size says which: shape->reserve_products).
fr_status check_rnn_tensors(const RnnForwardTensors& in, int64_t packed_elements, RnnShape* shape);

fr_rnn_args rnn_args(const RnnForwardTensors& in, const RnnShape& shape);

// A fused plan's build for a call with lengths: FR_LENGTHS = 1 (kernels/fr_rnn_fused_plan.cuh) in the request, a module
// of its own. Plans made for lengths carry it already (their cap sized for the check; decision 0021); a plan made
// without it gets it added at its own cap. Calls without lengths keep the plan's exact build.
void use_lengths_build(CompileRequest* request);

// The forward's tensors and lengths array, outputs (y, all_states, last_states, reserve) apart; after check_rnn_tensors.
CallMemory forward_call_memory(const RnnForwardTensors& in);

// The forward's outputs share no memory with each other or its inputs (check_outputs_alone); after check_rnn_tensors.
fr_status check_forward_outputs_alone(const RnnForwardTensors& in);

// One named tensor against an expected shape, the plan's dtype and contiguity; NULL is an error when `required`.
fr_status check_rnn_tensor(const char* name, const fr_tensor* tensor, const std::vector<int64_t>& shape, int64_t dtype,
                           bool required);

}  // namespace fr

#endif
