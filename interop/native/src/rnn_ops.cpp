// rnn_ops.cpp: see rnn_ops.h.
#include "rnn_ops.h"

#include "compile_request.h"
#include "errors.h"
#include "kernel_launch.h"
#include "plan_operation.h"
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

}  // namespace

int64_t rnn_forward_shared_bytes(int64_t dtype, int64_t gates, int64_t padded_head_size, int64_t heads_per_block,
                                 int64_t warps, int64_t k_split, int64_t batch_tile, int64_t shared_row_tiles) {
    if (k_split < 1) return 0;
    const int64_t element = dtype == FR_DTYPE_FLOAT32 ? 4 : 2;
    const int64_t k_chunk = dtype == FR_DTYPE_FLOAT32 ? 8 : 16;
    const int64_t k_chunks = padded_head_size / k_split / k_chunk;
    const int64_t rows = heads_per_block * gates * padded_head_size;
    return warps * shared_row_tiles * k_chunks * 32 * 4 * 4 + 2 * heads_per_block * batch_tile * padded_head_size * element +
           k_split * rows * batch_tile * 4;
}

fr_status run_rnn_forward(fr_context context, const fr_plan* plan, const RnnForwardTensors& in, void* stream) {
    CompileRequest request;
    LaunchShape shape;
    fr_status status = read_plan(plan, &request, &shape);
    if (status != FR_OK) return status;
    if (request.source->name != "rnn_forward") {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.source_name: expected \"rnn_forward\", got \"%s\".",
                    request.source->name.c_str());
    }
    PlanConstants c;
    for (const auto& define : request.defines) c.values[define.first] = define.second;
    int64_t cell = 0, dtype = 0, backward = 0, d = 0, dp = 0, nh = 0, hb = 0, p = 0, warps = 0, ks = 0, bt = 0, rt = 0, st = 0;
    if ((status = c.get("FR_CELL", 0, 3, &cell)) != FR_OK) return status;
    if ((status = c.get("FR_DTYPE", 0, 2, &dtype)) != FR_OK) return status;
    if ((status = c.get("FR_BACKWARD", 0, 0, &backward)) != FR_OK) return status;
    if ((status = c.get("FR_HEAD_SIZE", 1, 65536, &d)) != FR_OK) return status;
    if ((status = c.get("FR_HEAD_SIZE_PADDED", d, d + 15, &dp)) != FR_OK) return status;
    if ((status = c.get("FR_HEADS", 1, 65535, &nh)) != FR_OK) return status;
    if ((status = c.get("FR_HEADS_PER_BLOCK", 1, nh, &hb)) != FR_OK) return status;
    if ((status = c.get("FR_BLOCKS_PER_HEAD", 1, 65535, &p)) != FR_OK) return status;
    if ((status = c.get("FR_WARPS", 1, 32, &warps)) != FR_OK) return status;
    if ((status = c.get("FR_K_SPLIT", 1, 16, &ks)) != FR_OK) return status;
    if ((status = c.get("FR_BATCH_TILE", 8, 4096, &bt)) != FR_OK) return status;
    if ((status = c.get("FR_REGISTER_ROW_TILES", 0, 64, &rt)) != FR_OK) return status;
    if ((status = c.get("FR_SHARED_ROW_TILES", 0, 64, &st)) != FR_OK) return status;
    if (p != 1) {
        return fail(FR_ERROR_UNSUPPORTED,
                    "plan.defines: FR_BLOCKS_PER_HEAD = %lld (a head split over blocks: the cluster or grid-barrier "
                    "regime) is not written yet; only single-block plans (FR_BLOCKS_PER_HEAD = 1) run (issue 7).",
                    static_cast<long long>(p));
    }
    if (plan->block.x != warps * 32 || plan->block.y != 1 || plan->block.z != 1) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.block: expected (%lld, 1, 1) = FR_WARPS * 32, got (%u, %u, %u).",
                    static_cast<long long>(warps * 32), plan->block.x, plan->block.y, plan->block.z);
    }
    const int64_t needed = rnn_forward_shared_bytes(dtype, gates_of(cell), dp, hb, warps, ks, bt, st);
    if (plan->shared_bytes < needed) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.shared_bytes: expected at least %lld for these constants, got %u.",
                    static_cast<long long>(needed), plan->shared_bytes);
    }
    status = validate_launch_shape("plan", shape);
    if (status != FR_OK) return status;

    // tensors: wx first (B and T come from it)
    status = check_tensor("wx", in.wx, 5);
    if (status != FR_OK) return status;
    const int64_t batch = in.wx->shape[0], steps = in.wx->shape[1];
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
    if (plan->grid.x != 1 || plan->grid.y != nh / hb || plan->grid.z != (batch + bt - 1) / bt) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.grid: expected (1, %lld, %lld) = (1, NH / FR_HEADS_PER_BLOCK, ceil(B / FR_BATCH_TILE)), got "
                    "(%u, %u, %u); plan for this shape.",
                    static_cast<long long>(nh / hb), static_cast<long long>((batch + bt - 1) / bt), plan->grid.x,
                    plan->grid.y, plan->grid.z);
    }
    fr_rnn_args args{};
    args.wx = in.wx->data;
    args.r = in.r->data;
    args.bias = in.bias->data;
    args.initial = in.initial_states != nullptr ? in.initial_states->data : nullptr;
    args.y = in.y->data;
    args.all_states = in.all_states != nullptr ? in.all_states->data : nullptr;
    args.last_states = in.last_states != nullptr ? in.last_states->data : nullptr;
    args.batch = static_cast<int>(batch);
    args.steps = static_cast<int>(steps);
    args.heads = static_cast<int>(nh);
    args.head_size = static_cast<int>(d);

    void* params[] = {&args};
    return launch_planned(context, request, "fr_rnn_forward", shape, stream, params);
}

}  // namespace fr
