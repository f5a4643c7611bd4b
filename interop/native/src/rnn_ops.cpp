// rnn_ops.cpp: see rnn_ops.h.
#include "rnn_ops.h"

#include "compile_request.h"
#include "device_context.h"
#include "emulated_memory.h"
#include "errors.h"
#include "kernel_launch.h"
#include "packed_recurrent_registry.h"
#include "plan_operation.h"
#include "rnn_plan_checks.h"
#include "scratch_memory.h"
#include "tensor_checks.h"

#include "fr_rnn_args.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fr {

namespace {

// kernels/rnn_forward.cu: one persistent launch in the plan's regime.
fr_status run_fused(fr_context context, const fr_plan* plan, CompileRequest& request, const LaunchShape& launch,
                    const PlanConstants& c, const RnnForwardTensors& in, void* stream) {
    FusedPlan fused;
    fr_status status = read_fused_plan(plan, c, false, &fused);
    if (status != FR_OK) return status;
    RnnShape& shape = fused.shape;
    const int64_t nh = shape.nh, hb = fused.hb, p = fused.p, bt = fused.bt, regime = fused.regime;
    const int64_t packed_elements = fused.packed_words() * (shape.dtype == FR_DTYPE_FLOAT32 ? 1 : 2);
    if ((status = validate_launch_shape("plan", launch)) != FR_OK) return status;
    if ((status = check_rnn_tensors(in, packed_elements, &shape)) != FR_OK) return status;
    if ((status = check_forward_outputs_alone(in)) != FR_OK) return status;
    if (shape.r_packed && reinterpret_cast<uintptr_t>(in.r->data) % 16 != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "r.data: a packed R is read as 16-byte fragments; expected 16-byte alignment, got %p.", in.r->data);
    }
    const int64_t batch = shape.batch;
    if (plan->grid.x != p || plan->grid.y != nh / hb || plan->grid.z != (batch + bt - 1) / bt) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.grid: expected (%lld, %lld, %lld) = (FR_BLOCKS_PER_HEAD, NH / FR_HEADS_PER_BLOCK, ceil(B / "
                    "FR_BATCH_TILE)), got (%u, %u, %u); plan for this shape.",
                    static_cast<long long>(p), static_cast<long long>(nh / hb), static_cast<long long>((batch + bt - 1) / bt),
                    plan->grid.x, plan->grid.y, plan->grid.z);
    }
    fr_rnn_args args = rnn_args(in, shape);
    if (in.lengths != nullptr) use_lengths_build(&request);
    if ((status = check_emulated_call_memory(context, forward_call_memory(in))) != FR_OK) return status;
    // Whether a pack wrote r, after the context's check: a call with no live context fails on that, its last argument check.
    if (shape.r_packed) {
        const size_t bytes = static_cast<size_t>(packed_elements) * (shape.dtype == FR_DTYPE_FLOAT32 ? 4 : 2);
        if ((status = check_packed_recurrent("r", in.r->data, bytes, fused.packed_layout())) != FR_OK) return status;
    }
    // The grid barrier's state: 8 zeroed bytes of its own per launch, ordered on the launch's stream (so launches on
    // other streams, or replays of a captured graph, never share one).
    ScratchMemory barrier;
    if (regime == kGridBarrier) {
        if ((status = barrier.allocate(context, 8, stream)) != FR_OK) return status;
        if ((status = barrier.zero()) != FR_OK) return status;
        args.barrier = barrier.get();
    }
    void* params[] = {&args};
    return launch_planned(context, request, "fr_rnn_forward", launch, stream, params);
}

// kernels/rnn_alternating.cu: per step a matmul launch (the plan's grid) and a pointwise launch, on one stream.
fr_status run_alternating(fr_context context, const fr_plan* plan, CompileRequest& request, const LaunchShape& launch,
                          const PlanConstants& c, const RnnForwardTensors& in, void* stream) {
    AlternatingPlan alt;
    fr_status status = read_alternating_plan(plan, c, false, &alt);
    if (status != FR_OK) return status;
    RnnShape& shape = alt.shape;
    if ((status = validate_launch_shape("plan", launch)) != FR_OK) return status;
    if ((status = check_rnn_tensors(in, 0, &shape)) != FR_OK) return status;
    if ((status = check_forward_outputs_alone(in)) != FR_OK) return status;
    if ((status = check_alternating_grid(plan, alt)) != FR_OK) return status;
    const int64_t batch = shape.batch, dp = shape.dp, nh = shape.nh, g = gates_of(shape.cell), pointwise = alt.pointwise;
    const int64_t units = batch * nh * shape.d;
    if ((status = check_emulated_call_memory(context, forward_call_memory(in))) != FR_OK) return status;

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
    PlanConstants c;
    fr_status status = read_rnn_plan(plan, &request, &launch, &c);
    if (status != FR_OK) return status;
    if (request.source->name == "rnn_forward") return run_fused(context, plan, request, launch, c, in, stream);
    if (request.source->name == "rnn_alternating") return run_alternating(context, plan, request, launch, c, in, stream);
    return fail(FR_ERROR_INVALID_ARGUMENT,
                "plan.source_name: expected \"rnn_forward\" (fused) or \"rnn_alternating\", got \"%s\".",
                request.source->name.c_str());
}

}  // namespace fr
