// rnn_ops.cpp: see rnn_ops.h.
#include "rnn_ops.h"

#include "compile_request.h"
#include "device_context.h"
#include "errors.h"
#include "grid_barriers.h"
#include "kernel_launch.h"
#include "plan_operation.h"
#include "scratch_memory.h"
#include "tensor_checks.h"

#include "fr_rnn_args.h"

#include <map>
#include <string>
#include <vector>

namespace fr {
namespace {

// The plan's constants by name; FR_ERROR_INVALID_ARGUMENT naming a missing or out-of-range one.
struct PlanConstants {
    std::map<std::string, int64_t> values;

    fr_status get(const char* name, int64_t low, int64_t high, int64_t* value) const {
        auto found = values.find(name);
        if (found == values.end()) return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected %s, got none.", name);
        if (found->second < low || found->second > high) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected %s in %lld..%lld, got %lld.", name,
                        static_cast<long long>(low), static_cast<long long>(high), static_cast<long long>(found->second));
        }
        *value = found->second;
        return FR_OK;
    }
};

int gates_of(int64_t cell) { return cell == 0 || cell == 2 ? 4 : cell == 1 ? 3 : 1; }
int biases_of(int64_t cell) { return cell == 3 ? 1 : 4; }
int states_of(int64_t cell) { return cell == 0 ? 2 : cell == 2 ? 4 : 1; }

// FR_REGIME: the planner's FusedRegime values
constexpr int64_t kSingleBlock = 1, kCluster = 2, kGridBarrier = 3;

}  // namespace

int64_t rnn_forward_shared_bytes(int64_t dtype, int64_t gates, int64_t padded_head_size, int64_t heads_per_block,
                                 int64_t blocks_per_head, int64_t warps, int64_t k_split, int64_t batch_tile,
                                 int64_t shared_row_tiles) {
    if (k_split < 1 || blocks_per_head < 1) return 0;
    const int64_t element = dtype == FR_DTYPE_FLOAT32 ? 4 : 2;
    const int64_t k_chunk = dtype == FR_DTYPE_FLOAT32 ? 8 : 16;
    const int64_t k_chunks = padded_head_size / k_split / k_chunk;
    const int64_t rows = heads_per_block * gates * (padded_head_size / blocks_per_head);
    return warps * shared_row_tiles * k_chunks * 32 * 4 * 4 + 2 * heads_per_block * batch_tile * padded_head_size * element +
           k_split * rows * batch_tile * 4;
}

namespace {

struct RnnShape {
    int64_t cell = 0, dtype = 0, d = 0, dp = 0, nh = 0, batch = 0, steps = 0;
};

// The constants every RNN plan carries (what the problem is); FR_ERROR_INVALID_ARGUMENT naming a bad one.
fr_status read_problem_constants(const PlanConstants& c, RnnShape* shape) {
    int64_t backward = 0;
    fr_status status;
    if ((status = c.get("FR_CELL", 0, 3, &shape->cell)) != FR_OK) return status;
    if ((status = c.get("FR_DTYPE", 0, 2, &shape->dtype)) != FR_OK) return status;
    if ((status = c.get("FR_BACKWARD", 0, 0, &backward)) != FR_OK) return status;
    if ((status = c.get("FR_HEAD_SIZE", 1, 65536, &shape->d)) != FR_OK) return status;
    if ((status = c.get("FR_HEAD_SIZE_PADDED", shape->d, shape->d + 15, &shape->dp)) != FR_OK) return status;
    return c.get("FR_HEADS", 1, 65535, &shape->nh);
}

// Every tensor against the plan's problem: rank, shape, dtype, contiguity; B and T come from wx.
fr_status check_rnn_tensors(const RnnForwardTensors& in, RnnShape* shape) {
    const int64_t cell = shape->cell, dtype = shape->dtype, d = shape->d, nh = shape->nh;
    fr_status status = check_tensor("wx", in.wx, 5);
    if (status != FR_OK) return status;
    const int64_t batch = in.wx->shape[0], steps = in.wx->shape[1];
    shape->batch = batch;
    shape->steps = steps;
    const int g = gates_of(cell), gb = biases_of(cell), s = states_of(cell);
    const std::string why = "the plan's FR_DTYPE=" + std::to_string(dtype);
    struct Expected {
        const char* name;
        const fr_tensor* tensor;
        std::vector<int64_t> shape;
        bool required;
    };
    const std::vector<Expected> expected = {
        {"wx", in.wx, {batch, steps, g, nh, d}, true},
        {"r", in.r, {g, nh, d, d}, true},
        {"bias", in.bias, {gb, nh, d}, true},
        {"initial_states", in.initial_states, {s, batch, nh, d}, false},
        {"y", in.y, {batch, steps, nh, d}, true},
        {"all_states", in.all_states, {s, batch, steps, nh, d}, false},
        {"last_states", in.last_states, {s, batch, nh, d}, false},
    };
    for (const Expected& e : expected) {
        if (e.tensor == nullptr) {
            if (e.required) return fail(FR_ERROR_INVALID_ARGUMENT, "%s: expected a tensor, got NULL.", e.name);
            continue;
        }
        if ((status = check_tensor(e.name, e.tensor, static_cast<int>(e.shape.size()))) != FR_OK) return status;
        if ((status = check_same_shape(e.name, e.tensor, e.shape)) != FR_OK) return status;
        if ((status = check_dtype(e.name, e.tensor, static_cast<int>(dtype), why.c_str())) != FR_OK) return status;
        if ((status = check_contiguous(e.name, e.tensor)) != FR_OK) return status;
    }
    return FR_OK;
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
    return args;
}

// kernels/rnn_forward.cu: one persistent launch in the plan's regime.
fr_status run_fused(fr_context context, const fr_plan* plan, CompileRequest& request, const LaunchShape& launch,
                    const PlanConstants& c, const RnnForwardTensors& in, void* stream) {
    RnnShape shape;
    fr_status status = read_problem_constants(c, &shape);
    if (status != FR_OK) return status;
    const int64_t cell = shape.cell, dtype = shape.dtype, dp = shape.dp, nh = shape.nh;
    int64_t hb = 0, p = 0, warps = 0, ks = 0, bt = 0, rt = 0, st = 0, regime = 0;
    if ((status = c.get("FR_HEADS_PER_BLOCK", 1, nh, &hb)) != FR_OK) return status;
    if ((status = c.get("FR_BLOCKS_PER_HEAD", 1, 65535, &p)) != FR_OK) return status;
    if ((status = c.get("FR_WARPS", 1, 32, &warps)) != FR_OK) return status;
    if ((status = c.get("FR_K_SPLIT", 1, 16, &ks)) != FR_OK) return status;
    if ((status = c.get("FR_BATCH_TILE", 8, 4096, &bt)) != FR_OK) return status;
    if ((status = c.get("FR_REGISTER_ROW_TILES", 0, 64, &rt)) != FR_OK) return status;
    if ((status = c.get("FR_SHARED_ROW_TILES", 0, 64, &st)) != FR_OK) return status;
    if ((status = c.get("FR_REGIME", kSingleBlock, kGridBarrier, &regime)) != FR_OK) return status;
    int64_t tf32 = 0;
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
    const fr_launch_kind kind = regime == kCluster ? FR_LAUNCH_CLUSTER
                                : regime == kGridBarrier ? FR_LAUNCH_COOPERATIVE : FR_LAUNCH_PLAIN;
    const char* kind_names[] = {"FR_LAUNCH_PLAIN", "FR_LAUNCH_COOPERATIVE", "FR_LAUNCH_CLUSTER"};
    if (plan->kind != kind) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.kind: expected %s for FR_REGIME = %lld, got %d.", kind_names[kind],
                    static_cast<long long>(regime), static_cast<int>(plan->kind));
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
    const int64_t needed = rnn_forward_shared_bytes(dtype, gates_of(cell), dp, hb, p, warps, ks, bt, st);
    if (plan->shared_bytes < needed) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.shared_bytes: expected at least %lld for these constants, got %u.",
                    static_cast<long long>(needed), plan->shared_bytes);
    }
    if ((status = validate_launch_shape("plan", launch)) != FR_OK) return status;
    if ((status = check_rnn_tensors(in, &shape)) != FR_OK) return status;
    const int64_t batch = shape.batch;
    if (plan->grid.x != p || plan->grid.y != nh / hb || plan->grid.z != (batch + bt - 1) / bt) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.grid: expected (%lld, %lld, %lld) = (FR_BLOCKS_PER_HEAD, NH / FR_HEADS_PER_BLOCK, ceil(B / "
                    "FR_BATCH_TILE)), got (%u, %u, %u); plan for this shape.",
                    static_cast<long long>(p), static_cast<long long>(nh / hb), static_cast<long long>((batch + bt - 1) / bt),
                    plan->grid.x, plan->grid.y, plan->grid.z);
    }
    fr_rnn_args args = rnn_args(in, shape);
    if (regime == kGridBarrier) {
        if ((status = check_live_context(context)) != FR_OK) return status;
        if ((status = grid_barrier_slot(context, &args.barrier)) != FR_OK) return status;
    }
    void* params[] = {&args};
    return launch_planned(context, request, "fr_rnn_forward", launch, stream, params);
}

// kernels/rnn_alternating.cu: per step a matmul launch (the plan's grid) and a pointwise launch, on one stream.
fr_status run_alternating(fr_context context, const fr_plan* plan, CompileRequest& request, const LaunchShape& launch,
                          const PlanConstants& c, const RnnForwardTensors& in, void* stream) {
    RnnShape shape;
    fr_status status = read_problem_constants(c, &shape);
    if (status != FR_OK) return status;
    const int64_t dtype = shape.dtype, dp = shape.dp, nh = shape.nh, g = gates_of(shape.cell);
    int64_t tm = 0, tn = 0, tk = 0, warps = 0, pointwise = 0;
    if ((status = c.get("FR_TILE_M", 16, 1024, &tm)) != FR_OK) return status;
    if ((status = c.get("FR_TILE_N", 8, 1024, &tn)) != FR_OK) return status;
    if ((status = c.get("FR_TILE_K", 16, 1024, &tk)) != FR_OK) return status;
    if ((status = c.get("FR_WARPS", 1, 32, &warps)) != FR_OK) return status;
    if ((status = c.get("FR_POINTWISE_THREADS", 32, 1024, &pointwise)) != FR_OK) return status;
    if (tm % 16 != 0 || tn % 8 != 0 || tk % 16 != 0 || (tm * tn) % (128 * warps) != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: expected FR_TILE_M a multiple of 16, FR_TILE_N of 8, FR_TILE_K of 16 and "
                    "FR_TILE_M * FR_TILE_N a multiple of 128 * FR_WARPS, got %lld, %lld, %lld, %lld.",
                    static_cast<long long>(tm), static_cast<long long>(tn), static_cast<long long>(tk),
                    static_cast<long long>(warps));
    }
    if (plan->kind != FR_LAUNCH_PLAIN) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.kind: expected FR_LAUNCH_PLAIN for an alternating plan, got %d.",
                    static_cast<int>(plan->kind));
    }
    if (plan->block.x != warps * 32 || plan->block.y != 1 || plan->block.z != 1) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.block: expected (%lld, 1, 1) = FR_WARPS * 32, got (%u, %u, %u).",
                    static_cast<long long>(warps * 32), plan->block.x, plan->block.y, plan->block.z);
    }
    const int64_t element = dtype == FR_DTYPE_FLOAT32 ? 4 : 2;
    const int64_t needed = (tm + tn) * tk * element;
    if (plan->shared_bytes < needed) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.shared_bytes: expected at least %lld ((FR_TILE_M + FR_TILE_N) * FR_TILE_K elements), got %u.",
                    static_cast<long long>(needed), plan->shared_bytes);
    }
    if ((status = validate_launch_shape("plan", launch)) != FR_OK) return status;
    if ((status = check_rnn_tensors(in, &shape)) != FR_OK) return status;
    const int64_t batch = shape.batch;
    if (plan->grid.x != (g * dp + tm - 1) / tm || plan->grid.y != nh || plan->grid.z != (batch + tn - 1) / tn) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.grid: expected (%lld, %lld, %lld) = (ceil(G * Dp / FR_TILE_M), NH, ceil(B / FR_TILE_N)), got "
                    "(%u, %u, %u); plan for this shape.",
                    static_cast<long long>((g * dp + tm - 1) / tm), static_cast<long long>(nh),
                    static_cast<long long>((batch + tn - 1) / tn), plan->grid.x, plan->grid.y, plan->grid.z);
    }
    const int64_t units = batch * nh * shape.d;
    if ((units + pointwise - 1) / pointwise > 0x7fffffffLL) {
        return fail(FR_ERROR_UNSUPPORTED, "wx: B * NH * D = %lld units need more than 2^31 - 1 pointwise blocks.",
                    static_cast<long long>(units));
    }
    if ((status = check_live_context(context)) != FR_OK) return status;

    // scratch: pre [B, NH, G, Dp] and states [S, B, NH, D], fp32
    const size_t pre_bytes = static_cast<size_t>(batch * nh * g * dp) * 4;
    const size_t state_bytes = static_cast<size_t>(states_of(shape.cell) * units) * 4;
    ScratchMemory scratch;
    if ((status = scratch.allocate(context, pre_bytes + state_bytes, stream)) != FR_OK) return status;
    fr_rnn_work work{};
    work.pre = static_cast<float*>(scratch.get());
    work.states = reinterpret_cast<float*>(static_cast<unsigned char*>(scratch.get()) + pre_bytes);

    fr_rnn_args args = rnn_args(in, shape);
    LoadedModule* module = nullptr;
    if ((status = load_planned(context, request, &module)) != FR_OK) return status;
    LaunchShape step_shape;
    step_shape.grid = {static_cast<unsigned>((units + pointwise - 1) / pointwise), 1, 1};
    step_shape.block = {static_cast<unsigned>(pointwise), 1, 1};
    step_shape.cluster = {1, 1, 1};
    for (int step = 0; step < args.steps; ++step) {
        void* params[] = {&args, &work, &step};
        if ((status = launch_kernel(*module, "fr_rnn_alternating_matmul", launch, stream, params)) != FR_OK) return status;
        if ((status = launch_kernel(*module, "fr_rnn_alternating_pointwise", step_shape, stream, params)) != FR_OK) return status;
    }
    return FR_OK;
}

}  // namespace

fr_status run_rnn_forward(fr_context context, const fr_plan* plan, const RnnForwardTensors& in, void* stream) {
    CompileRequest request;
    LaunchShape launch;
    fr_status status = read_plan(plan, &request, &launch);
    if (status != FR_OK) return status;
    PlanConstants c;
    for (const auto& define : request.defines) c.values[define.first] = define.second;
    if (request.source->name == "rnn_forward") return run_fused(context, plan, request, launch, c, in, stream);
    if (request.source->name == "rnn_alternating") return run_alternating(context, plan, request, launch, c, in, stream);
    return fail(FR_ERROR_INVALID_ARGUMENT,
                "plan.source_name: expected \"rnn_forward\" (fused) or \"rnn_alternating\", got \"%s\".",
                request.source->name.c_str());
}

}  // namespace fr
