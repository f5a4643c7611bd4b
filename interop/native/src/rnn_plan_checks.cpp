// rnn_plan_checks.cpp: see rnn_plan_checks.h.
#include "rnn_plan_checks.h"

#include "errors.h"
#include "plan_operation.h"
#include "tensor_checks.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace fr {

fr_status PlanConstants::get(const char* name, int64_t low, int64_t high, int64_t* value) const {
    auto found = values.find(name);
    if (found == values.end()) return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected %s, got none.", name);
    if (found->second < low || found->second > high) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected %s in %lld..%lld, got %lld.", name,
                    static_cast<long long>(low), static_cast<long long>(high), static_cast<long long>(found->second));
    }
    *value = found->second;
    return FR_OK;
}

fr_status read_rnn_plan(const fr_plan* plan, CompileRequest* request, LaunchShape* launch, PlanConstants* c) {
    const fr_status status = read_plan(plan, request, launch);
    if (status != FR_OK) return status;
    for (const auto& define : request->defines) c->values[define.first] = define.second;
    return FR_OK;
}

int gates_of(int64_t cell) { return cell == 0 || cell == 2 ? 4 : cell == 1 ? 3 : 1; }
int biases_of(int64_t cell) { return cell == 3 ? 1 : 4; }
int states_of(int64_t cell) { return cell == 0 ? 2 : cell == 2 ? 4 : 1; }

int64_t fused_shared_bytes(bool backward, int64_t dtype, int64_t gates, int64_t padded_head_size, int64_t heads_per_block,
                           int64_t blocks_per_head, int64_t warps, int64_t k_split, int64_t batch_tile,
                           int64_t shared_row_tiles, int64_t regime) {
    if (k_split < 1 || blocks_per_head < 1) return 0;
    const int64_t element = dtype == FR_DTYPE_FLOAT32 ? 4 : 2;
    const int64_t k_chunk = dtype == FR_DTYPE_FLOAT32 ? 8 : 16;
    const int64_t width = backward ? gates * padded_head_size : padded_head_size;
    const int64_t rows = heads_per_block * (backward ? 1 : gates) * (padded_head_size / blocks_per_head);
    const int64_t vector_buffers = backward || regime == kGridBarrier ? 1 : 2;
    return warps * shared_row_tiles * (width / k_split / k_chunk) * 32 * 4 * 4 +
           vector_buffers * heads_per_block * batch_tile * width * element + k_split * rows * batch_tile * 4;
}

int64_t FusedPlan::packed_words() const {
    const int64_t k_chunk = shape.dtype == FR_DTYPE_FLOAT32 ? 8 : 16;
    return p * (shape.nh / hb) * warps * (rt + st + gt) * (shape.dp / ks / k_chunk) * 32 * 4;
}

std::string FusedPlan::packed_layout() const {
    // kernels/rnn_forward.cu's fr_rnn_pack_recurrent stores fragments in (block, warp = strip * Ks + slice, tile, K
    // chunk, lane) order, a block being P x Hb with P > 1 only at Hb = 1, so its rows are a contiguous run of (head,
    // row) and blocks, warps and the register / shared / streamed split do not change the order. Only where a warp
    // holds several row tiles of a K slice (Ks > 1 and Ks tiles per warp > 1) is it not (row tile, K chunk) order.
    static const char* const dtypes[] = {"fp32", "bf16", "fp16"};
    const char* const dtype = shape.dtype == FR_DTYPE_FLOAT32 ? (tf32 != 0 ? "fp32 rounded to tf32" : "fp32") : dtypes[shape.dtype];
    const int64_t tiles_per_warp = rt + st + gt;
    char text[256];
    int n = std::snprintf(text, sizeof text, "%d gates, %s, NH %lld, D %lld padded to %lld", gates_of(shape.cell), dtype,
                          static_cast<long long>(shape.nh), static_cast<long long>(shape.d), static_cast<long long>(shape.dp));
    if (ks > 1 && tiles_per_warp > 1 && n > 0 && static_cast<size_t>(n) < sizeof text) {
        std::snprintf(text + n, sizeof text - static_cast<size_t>(n), ", K split %lld x %lld row tiles per warp",
                      static_cast<long long>(ks), static_cast<long long>(tiles_per_warp));
    }
    return text;
}

fr_status read_problem_constants(const PlanConstants& c, bool backward, RnnShape* shape) {
    int64_t direction = 0;
    fr_status status;
    if ((status = c.get("FR_CELL", 0, 3, &shape->cell)) != FR_OK) return status;
    if ((status = c.get("FR_DTYPE", 0, 2, &shape->dtype)) != FR_OK) return status;
    if ((status = c.get("FR_BACKWARD", 0, 1, &direction)) != FR_OK) return status;
    if ((direction == 1) != backward) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: FR_BACKWARD = %lld is a %s plan; this operation needs a %s plan (FR_BACKWARD = %d).",
                    static_cast<long long>(direction), direction == 1 ? "backward" : "forward",
                    backward ? "backward" : "forward", backward ? 1 : 0);
    }
    shape->backward = backward;
    if ((status = c.get("FR_HEAD_SIZE", 1, 65536, &shape->d)) != FR_OK) return status;
    const int64_t padded = (shape->d + 15) / 16 * 16;  // the kernels' mma tiles are 16 rows: D rounded up to 16
    if ((status = c.get("FR_HEAD_SIZE_PADDED", padded, padded, &shape->dp)) != FR_OK) return status;
    // the kernels take the cell's gate and state counts as constants of their own (static_asserts against FR_CELL)
    int64_t gates = 0, states = 0;
    if ((status = c.get("FR_GATES", gates_of(shape->cell), gates_of(shape->cell), &gates)) != FR_OK) return status;
    if ((status = c.get("FR_STATES", states_of(shape->cell), states_of(shape->cell), &states)) != FR_OK) return status;
    return c.get("FR_HEADS", 1, 65535, &shape->nh);
}

fr_status check_rnn_tensors(const RnnForwardTensors& in, int64_t packed_elements, RnnShape* shape) {
    const int64_t cell = shape->cell, dtype = shape->dtype, d = shape->d, nh = shape->nh;
    fr_status status = check_tensor("wx", in.wx, 5);
    if (status != FR_OK) return status;
    const int64_t batch = in.wx->shape[0], steps = in.wx->shape[1];
    shape->batch = batch;
    shape->steps = steps;
    const int g = gates_of(cell), gb = biases_of(cell), s = states_of(cell);
    // R as the user's [G, NH, D, D], or (fused plans) as the plan's fragment layout from fr_rnn_pack_recurrent
    shape->r_packed = packed_elements > 0 && in.r != nullptr && in.r->rank == 1;
    const std::vector<int64_t> r_shape = shape->r_packed ? std::vector<int64_t>{packed_elements} : std::vector<int64_t>{g, nh, d, d};
    struct Expected {
        const char* name;
        const fr_tensor* tensor;
        std::vector<int64_t> shape;
        bool required;
    };
    const std::vector<Expected> expected = {
        {"wx", in.wx, {batch, steps, g, nh, d}, true},
        {"r", in.r, r_shape, true},
        {"bias", in.bias, {gb, nh, d}, true},
        {"initial_states", in.initial_states, {s, batch, nh, d}, false},
        {"y", in.y, {batch, steps, nh, d}, true},
        {"all_states", in.all_states, {s, batch, steps, nh, d}, false},
        {"last_states", in.last_states, {s, batch, nh, d}, false},
    };
    for (const Expected& e : expected) {
        if ((status = check_rnn_tensor(e.name, e.tensor, e.shape, dtype, e.required)) != FR_OK) return status;
    }
    // the reserve's size says what it holds: gate products and states, or the states only (where the two sizes are
    // one, an Elman of B = T = NH = D = 1, the full kind: the forward and the backward read a reserve alike)
    shape->reserve_products = in.reserve == nullptr || in.reserve->rank != 1 ||
                              in.reserve->shape[0] != rnn_reserve_elements(*shape, false) ||
                              in.reserve->shape[0] == rnn_reserve_elements(*shape, true);
    if (in.reserve != nullptr && in.reserve->rank == 1 && in.reserve->shape[0] != rnn_reserve_elements(*shape, true) &&
        in.reserve->shape[0] != rnn_reserve_elements(*shape, false)) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "reserve: expected shape [%lld] (B * T * NH * D * (G + S): gate products and states, "
                    "fr_rnn_reserve_size) or [%lld] (B * T * NH * D * S + 1: states only, fr_rnn_states_reserve_size), got "
                    "[%lld].",
                    static_cast<long long>(rnn_reserve_elements(*shape, true)),
                    static_cast<long long>(rnn_reserve_elements(*shape, false)), static_cast<long long>(in.reserve->shape[0]));
    }
    if ((status = check_rnn_tensor("reserve", in.reserve, {rnn_reserve_elements(*shape, shape->reserve_products)},
                                   FR_DTYPE_FLOAT32, false)) != FR_OK) {
        return status;
    }
    // The values are device memory the host does not read (a copy and a synchronisation per call); the kernels only
    // compare a step with them, so no value reaches memory outside the tensors.
    if (reinterpret_cast<uintptr_t>(in.lengths) % alignof(int32_t) != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "lengths: expected NULL or 4-byte aligned device memory of B int32, got %p.",
                    static_cast<const void*>(in.lengths));
    }
    return FR_OK;
}

CallMemory forward_call_memory(const RnnForwardTensors& in) {
    return {{{"y", in.y}, {"all_states", in.all_states}, {"last_states", in.last_states}, {"reserve", in.reserve}},
            {{"wx", in.wx}, {"r", in.r}, {"bias", in.bias}, {"initial_states", in.initial_states}},
            {{"lengths", in.lengths, static_cast<size_t>(in.wx->shape[0]) * sizeof(int32_t)}}};
}

fr_status check_forward_outputs_alone(const RnnForwardTensors& in) { return check_outputs_alone(forward_call_memory(in)); }

fr_status check_rnn_tensor(const char* name, const fr_tensor* tensor, const std::vector<int64_t>& shape, int64_t dtype,
                           bool required) {
    if (tensor == nullptr) {
        return required ? fail(FR_ERROR_INVALID_ARGUMENT, "%s: expected a tensor, got NULL.", name) : FR_OK;
    }
    const std::string why = dtype == FR_DTYPE_FLOAT32 && std::string(name) == "reserve"
        ? std::string("the reserve is fp32 whatever the storage type")
        : "the plan's FR_DTYPE=" + std::to_string(dtype);
    // the rank-1 tensors (a reserve, a packed R) are flat buffers, indexed with 64-bit offsets only: a training
    // reserve passes 2^31 elements at sizes a GPU holds (B 256, T 2048, an LSTM of 768: 2.4 billion)
    const int64_t max_extent = shape.size() == 1 ? kMaxTensorElements : INT32_MAX;
    fr_status status = check_tensor(name, tensor, static_cast<int>(shape.size()), max_extent);
    if (status != FR_OK) return status;
    if ((status = check_same_shape(name, tensor, shape)) != FR_OK) return status;
    if ((status = check_dtype(name, tensor, static_cast<int>(dtype), why.c_str())) != FR_OK) return status;
    return check_contiguous(name, tensor);
}

int64_t rnn_reserve_elements(const RnnShape& shape, bool products) {
    int64_t elements = -1;  // never a tensor's extent: a reserve check fails with the shapes named
    if (!product_within({shape.batch, shape.steps, shape.nh, shape.d, (products ? gates_of(shape.cell) : 0) + states_of(shape.cell)},
                        INT64_MAX - 1, &elements)) {
        return -1;
    }
    // The states-only reserve has one element more, unused: the backward tells the kinds apart by size, and without it
    // a full reserve of batch B was the size of a states-only one of batch (G + S) / S * B (decision 0037). With it the
    // sizes differ for every B and T wherever NH * D > 1.
    return products ? elements : elements + 1;
}

void use_lengths_build(CompileRequest* request) {
    auto& defines = request->defines;
    const std::string name = "FR_LENGTHS";
    auto at = std::lower_bound(defines.begin(), defines.end(), name,
                               [](const std::pair<std::string, int64_t>& define, const std::string& key) { return define.first < key; });
    if (at != defines.end() && at->first == name) at->second = 1;
    else defines.insert(at, {name, 1});
}

fr_rnn_args rnn_args(const RnnForwardTensors& in, const RnnShape& shape) {
    fr_rnn_args args{};
    args.wx = in.wx->data;
    args.r = in.r->data;
    args.bias = in.bias->data;
    args.initial = in.initial_states != nullptr ? in.initial_states->data : nullptr;
    args.y = in.y->data;
    args.all_states = in.all_states != nullptr ? in.all_states->data : nullptr;
    args.last_states = in.last_states != nullptr ? in.last_states->data : nullptr;
    args.batch = static_cast<int>(shape.batch);
    args.steps = static_cast<int>(shape.steps);
    args.heads = static_cast<int>(shape.nh);
    args.head_size = static_cast<int>(shape.d);
    args.r_packed = shape.r_packed ? 1 : 0;
    args.reserve = in.reserve != nullptr ? static_cast<float*>(in.reserve->data) : nullptr;
    args.reserve_products = shape.reserve_products ? 1 : 0;
    args.lengths = in.lengths;
    return args;
}


namespace {

// The tile geometry kernels/fr_rnn_tiles.cuh static_asserts (TileMatmul), so a plan that would not compile is named
// here, before any compile, and fr_rnn_packed_recurrent_size never sizes a layout with no K chunks. Forward: the
// block's rows are its units' gates, K = Dp; backward: rows are its units, K = G * Dp (kernels/rnn_backward.cu). The
// fourth assert (a head's rows are whole tiles when a block has several heads) follows from Dp % 16 = 0 and Hb = 1
// wherever P > 1, checked before.
fr_status check_fused_tiles(const FusedPlan& f, bool backward) {
    const int64_t dp = f.shape.dp, g = gates_of(f.shape.cell), up = dp / f.p;
    const int64_t width = backward ? g * dp : dp, k_chunk = f.shape.dtype == FR_DTYPE_FLOAT32 ? 8 : 16;
    const int64_t rows = f.hb * (backward ? 1 : g) * up;
    if (f.bt % 8 != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected FR_BATCH_TILE a multiple of 8 (the mma's N), got %lld.",
                    static_cast<long long>(f.bt));
    }
    if (f.warps % f.ks != 0 || width % f.ks != 0 || (width / f.ks) % k_chunk != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: expected FR_K_SPLIT dividing FR_WARPS = %lld and the K width (%s) = %lld into slices of "
                    "whole %lld-column chunks, got %lld.",
                    static_cast<long long>(f.warps), backward ? "G * FR_HEAD_SIZE_PADDED" : "FR_HEAD_SIZE_PADDED",
                    static_cast<long long>(width), static_cast<long long>(k_chunk), static_cast<long long>(f.ks));
    }
    const int64_t tiles = f.rt + f.st + f.gt;
    if (f.warps / f.ks * tiles * 16 != rows) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: expected the warps' row tiles to cover the block's %lld rows exactly (FR_WARPS / "
                    "FR_K_SPLIT * (row tiles) * 16), got %lld / %lld * %lld * 16.",
                    static_cast<long long>(rows), static_cast<long long>(f.warps), static_cast<long long>(f.ks),
                    static_cast<long long>(tiles));
    }
    return FR_OK;
}

}  // namespace

fr_status read_fused_plan(const fr_plan* plan, const PlanConstants& c, bool backward, FusedPlan* fused) {
    fr_status status = read_problem_constants(c, backward, &fused->shape);
    if (status != FR_OK) return status;
    const int64_t cell = fused->shape.cell, dtype = fused->shape.dtype, dp = fused->shape.dp, nh = fused->shape.nh;
    int64_t& hb = fused->hb;
    int64_t& p = fused->p;
    int64_t& warps = fused->warps;
    int64_t& ks = fused->ks;
    int64_t& bt = fused->bt;
    int64_t& rt = fused->rt;
    int64_t& st = fused->st;
    int64_t& regime = fused->regime;
    if ((status = c.get("FR_HEADS_PER_BLOCK", 1, nh, &hb)) != FR_OK) return status;
    if (nh % hb != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected FR_HEADS_PER_BLOCK dividing FR_HEADS = %lld, got %lld.",
                    static_cast<long long>(nh), static_cast<long long>(hb));
    }
    if ((status = c.get("FR_BLOCKS_PER_HEAD", 1, 65535, &p)) != FR_OK) return status;
    if ((status = c.get("FR_WARPS", 1, 32, &warps)) != FR_OK) return status;
    if ((status = c.get("FR_K_SPLIT", 1, 16, &ks)) != FR_OK) return status;
    if ((status = c.get("FR_BATCH_TILE", 8, 4096, &bt)) != FR_OK) return status;
    if ((status = c.get("FR_REGISTER_ROW_TILES", 0, 64, &rt)) != FR_OK) return status;
    if ((status = c.get("FR_SHARED_ROW_TILES", 0, 64, &st)) != FR_OK) return status;
    if ((status = c.get("FR_REGIME", kSingleBlock, kGridBarrier, &regime)) != FR_OK) return status;
    int64_t& gt = fused->gt;
    if (c.values.count("FR_STREAMED_ROW_TILES") != 0 && (status = c.get("FR_STREAMED_ROW_TILES", 0, 64, &gt)) != FR_OK) return status;
    if (gt != 0 && backward) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: FR_STREAMED_ROW_TILES = %lld; the backward keeps all of R^T on chip (streamed row "
                    "tiles are for forward plans only), expected 0.",
                    static_cast<long long>(gt));
    }
    if (rt + st + gt < 1) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: FR_REGISTER_ROW_TILES + FR_SHARED_ROW_TILES + FR_STREAMED_ROW_TILES = 0; expected every "
                    "warp to own at least one 16-row tile.");
    }
    int64_t& tf32 = fused->tf32;
    if (c.values.count("FR_TF32") != 0 && (status = c.get("FR_TF32", 0, 1, &tf32)) != FR_OK) return status;
    if (tf32 == 1 && dtype != FR_DTYPE_FLOAT32) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: FR_TF32 = 1 (tf32 tensor cores) applies to fp32 storage only; FR_DTYPE is %lld.",
                    static_cast<long long>(dtype));
    }
    if ((regime == kSingleBlock) != (p == 1)) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: FR_BLOCKS_PER_HEAD = %lld with FR_REGIME = %lld; expected 1 block per head in the "
                    "single-block regime (1) and 2 or more in the cluster (2) and grid-barrier (3) regimes.",
                    static_cast<long long>(p), static_cast<long long>(regime));
    }
    if (p > 1 && (hb != 1 || dp % p != 0)) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: a head split over FR_BLOCKS_PER_HEAD = %lld blocks needs FR_HEADS_PER_BLOCK = 1 (got "
                    "%lld) and FR_BLOCKS_PER_HEAD dividing FR_HEAD_SIZE_PADDED = %lld.",
                    static_cast<long long>(p), static_cast<long long>(hb), static_cast<long long>(dp));
    }
    if ((status = check_fused_tiles(*fused, backward)) != FR_OK) return status;
    const fr_launch_kind kind = regime == kCluster ? FR_LAUNCH_CLUSTER
                                : regime == kGridBarrier ? FR_LAUNCH_COOPERATIVE : FR_LAUNCH_PLAIN;
    const char* kind_names[] = {"FR_LAUNCH_PLAIN", "FR_LAUNCH_COOPERATIVE", "FR_LAUNCH_CLUSTER"};
    if (enum_value(plan->kind) != kind) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.kind: expected %s for FR_REGIME = %lld, got %d.", kind_names[kind],
                    static_cast<long long>(regime), enum_value(plan->kind));
    }
    if (regime == kCluster && (plan->cluster.x != p || plan->cluster.y != 1 || plan->cluster.z != 1)) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.cluster: expected (%lld, 1, 1) = FR_BLOCKS_PER_HEAD blocks per cluster, got (%u, %u, %u).",
                    static_cast<long long>(p), plan->cluster.x, plan->cluster.y, plan->cluster.z);
    }
    if (plan->block.x != warps * 32 || plan->block.y != 1 || plan->block.z != 1) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.block: expected (%lld, 1, 1) = FR_WARPS * 32, got (%u, %u, %u).",
                    static_cast<long long>(warps * 32), plan->block.x, plan->block.y, plan->block.z);
    }
    // R in the plan's fragment layout (fr_rnn_packed_recurrent_size) must have a size: the constants are each in range
    // but their product is not bounded by them
    int64_t elements = 0;  // packed_words() in elements of the storage type
    if (!product_within({p, nh / hb, warps, rt + st + gt, dp / ks / (dtype == FR_DTYPE_FLOAT32 ? 8 : 16), 32 * 4,
                         dtype == FR_DTYPE_FLOAT32 ? 1 : 2},
                        kMaxTensorElements, &elements)) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: expected constants whose R layout has at most 2^48 elements, got FR_BLOCKS_PER_HEAD %lld "
                    "* FR_HEADS / FR_HEADS_PER_BLOCK %lld * FR_WARPS %lld * row tiles %lld * FR_HEAD_SIZE_PADDED / "
                    "FR_K_SPLIT / k %lld fragments of 32 lanes beyond it.",
                    static_cast<long long>(p), static_cast<long long>(nh / hb), static_cast<long long>(warps),
                    static_cast<long long>(rt + st + gt),
                    static_cast<long long>(dp / ks / (dtype == FR_DTYPE_FLOAT32 ? 8 : 16)));
    }
    const int64_t needed = fused_shared_bytes(backward, dtype, gates_of(cell), dp, hb, p, warps, ks, bt, st, regime);
    if (plan->shared_bytes < needed) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.shared_bytes: expected at least %lld for these constants, got %u.",
                    static_cast<long long>(needed), plan->shared_bytes);
    }
    return FR_OK;
}

fr_status read_alternating_plan(const fr_plan* plan, const PlanConstants& c, bool backward, AlternatingPlan* alt) {
    fr_status status = read_problem_constants(c, backward, &alt->shape);
    if (status != FR_OK) return status;
    int64_t &tm = alt->tm, &tn = alt->tn, &tk = alt->tk, &warps = alt->warps, &pointwise = alt->pointwise;
    if ((status = c.get("FR_TILE_M", 16, 1024, &tm)) != FR_OK) return status;
    if ((status = c.get("FR_TILE_N", 8, 1024, &tn)) != FR_OK) return status;
    if ((status = c.get("FR_TILE_K", 16, 1024, &tk)) != FR_OK) return status;
    if ((status = c.get("FR_WARPS", 1, 32, &warps)) != FR_OK) return status;
    if ((status = c.get("FR_POINTWISE_THREADS", 32, 1024, &pointwise)) != FR_OK) return status;
    // the alternating kernels multiply fp32 exactly, and their backward loads the exact (FMA) reductions' module
    // (kernels/rnn_gradients.cu without FR_TF32): a plan that sets FR_TF32 is refused rather than silently ignored
    if (c.values.count("FR_TF32") != 0 && c.values.at("FR_TF32") != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: FR_TF32 applies to the fused kernels (rnn_forward, rnn_backward); an alternating plan "
                    "multiplies fp32 exactly, got FR_TF32 = %lld.",
                    static_cast<long long>(c.values.at("FR_TF32")));
    }
    if (tm % 16 != 0 || tn % 8 != 0 || tk % 16 != 0 || (tm * tn) % (128 * warps) != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: expected FR_TILE_M a multiple of 16, FR_TILE_N of 8, FR_TILE_K of 16 and "
                    "FR_TILE_M * FR_TILE_N a multiple of 128 * FR_WARPS, got %lld, %lld, %lld, %lld.",
                    static_cast<long long>(tm), static_cast<long long>(tn), static_cast<long long>(tk),
                    static_cast<long long>(warps));
    }
    if (enum_value(plan->kind) != FR_LAUNCH_PLAIN) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.kind: expected FR_LAUNCH_PLAIN for an alternating plan, got %d.",
                    enum_value(plan->kind));
    }
    if (plan->block.x != warps * 32 || plan->block.y != 1 || plan->block.z != 1) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.block: expected (%lld, 1, 1) = FR_WARPS * 32, got (%u, %u, %u).",
                    static_cast<long long>(warps * 32), plan->block.x, plan->block.y, plan->block.z);
    }
    const int64_t element = alt->shape.dtype == FR_DTYPE_FLOAT32 ? 4 : 2;
    const int64_t needed = (tm + tn) * tk * element;
    if (plan->shared_bytes < needed) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.shared_bytes: expected at least %lld ((FR_TILE_M + FR_TILE_N) * FR_TILE_K elements), got %u.",
                    static_cast<long long>(needed), plan->shared_bytes);
    }
    return FR_OK;
}

fr_status check_alternating_grid(const fr_plan* plan, const AlternatingPlan& alt) {
    const RnnShape& shape = alt.shape;
    const int64_t rows = shape.backward ? shape.dp : gates_of(shape.cell) * shape.dp;
    const int64_t batch = shape.batch, nh = shape.nh, tm = alt.tm, tn = alt.tn;
    if (plan->grid.x != (rows + tm - 1) / tm || plan->grid.y != nh || plan->grid.z != (batch + tn - 1) / tn) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.grid: expected (%lld, %lld, %lld) = (ceil(%s / FR_TILE_M), NH, ceil(B / FR_TILE_N)), got "
                    "(%u, %u, %u); plan for this shape.",
                    static_cast<long long>((rows + tm - 1) / tm), static_cast<long long>(nh),
                    static_cast<long long>((batch + tn - 1) / tn), shape.backward ? "Dp" : "G * Dp", plan->grid.x,
                    plan->grid.y, plan->grid.z);
    }
    const int64_t units = batch * nh * shape.d;
    if ((units + alt.pointwise - 1) / alt.pointwise > 0x7fffffffLL) {
        return fail(FR_ERROR_UNSUPPORTED, "wx: B * NH * D = %lld units need more than 2^31 - 1 pointwise blocks.",
                    static_cast<long long>(units));
    }
    return FR_OK;
}

}  // namespace fr
