// rnn_backward_ops.cpp: fr_rnn_reserve_size and fr_rnn_backward: validate a fused backward plan (kernels/rnn_backward.cu,
// any regime), the options and every tensor against it, then launch the persistent backward and, after it on the same
// stream, the deterministic reductions of dR and db over the per-step gate gradients (fp32 scratch of the call; the
// reductions are kernels/rnn_gradients.cu, a module shared by every plan of the cell and type).
#include "rnn_ops.h"

#include "compile_request.h"
#include "device_context.h"
#include "emulated_memory.h"
#include "errors.h"
#include "kernel_launch.h"
#include "plan_modules.h"
#include "plan_operation.h"
#include "rnn_plan_checks.h"
#include "scratch_memory.h"
#include "tensor_checks.h"

#include "fr_rnn_args.h"

#include <cmath>
#include <cstdint>
#include <string>

namespace fr {

namespace {

constexpr int kReduceThreads = 256, kWeightTile = 64, kBiasOutputs = 32;  // kernels/rnn_gradients.cu

fr_status read_options(const fr_rnn_backward_options* options, fr_rnn_backward_args* args) {
    if (options == nullptr) return FR_OK;  // defaults: no clipping, full BPTT, gradients written
    if (options->struct_size < sizeof(fr_rnn_backward_options)) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "options.struct_size: expected at least %zu (sizeof(fr_rnn_backward_options)), got %zu.",
                    sizeof(fr_rnn_backward_options), options->struct_size);
    }
    if (!std::isfinite(options->recurrent_clip) || options->recurrent_clip < 0.0f) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "options.recurrent_clip: expected 0 (off) or a finite positive bound, got %g.",
                    static_cast<double>(options->recurrent_clip));
    }
    if (options->truncate != 0 && options->truncate != 1) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "options.truncate: expected 0 or 1, got %d.", options->truncate);
    }
    if (options->accumulate != 0 && options->accumulate != 1) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "options.accumulate: expected 0 or 1, got %d.", options->accumulate);
    }
    args->recurrent_clip = options->recurrent_clip;
    args->truncate = options->truncate;
    args->accumulate = options->accumulate;
    return FR_OK;
}

}  // namespace

fr_status rnn_reserve_size(const fr_plan* plan, int64_t batch, int64_t steps, bool products, int64_t* elements) {
    if (elements == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "elements: expected a pointer, got NULL.");
    *elements = 0;
    CompileRequest request;
    LaunchShape launch;
    PlanConstants c;
    fr_status status = read_rnn_plan(plan, &request, &launch, &c);
    if (status != FR_OK) return status;
    RnnShape shape;
    const bool backward = c.values.count("FR_BACKWARD") != 0 && c.values.at("FR_BACKWARD") == 1;
    if ((status = read_problem_constants(c, backward, &shape)) != FR_OK) return status;
    if (batch < 1 || steps < 1 || batch > INT32_MAX || steps > INT32_MAX) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "batch, steps: expected 1..%d each (wx's B and T), got %lld, %lld.", INT32_MAX,
                    static_cast<long long>(batch), static_cast<long long>(steps));
    }
    shape.batch = batch;
    shape.steps = steps;
    const int64_t reserve = rnn_reserve_elements(shape, products);
    if (reserve < 0 || reserve > kMaxTensorElements) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "batch, steps: expected a reserve (B * T * NH * D * %s) of at most 2^48 elements, the most a tensor may "
                    "have, got B = %lld, T = %lld.",
                    products ? "(G + S)" : "S + 1", static_cast<long long>(batch), static_cast<long long>(steps));
    }
    *elements = reserve;
    return FR_OK;
}

namespace {

// The backward's tensors (its own and the forward's it reads) and the lengths array; after their shapes are checked.
CallMemory backward_call_memory(const RnnBackwardTensors& in) {
    const RnnForwardTensors& f = in.forward;
    return {{{"dwx", in.dwx}, {"dr", in.dr}, {"dbias", in.dbias}, {"d_initial_states", in.d_initial_states}},
            {{"wx", f.wx}, {"r", f.r}, {"bias", f.bias}, {"initial_states", f.initial_states}, {"y", f.y},
             {"reserve", f.reserve}, {"dy", in.dy}, {"d_last_states", in.d_last_states}},
            {{"lengths", f.lengths, static_cast<size_t>(f.wx->shape[0]) * sizeof(int32_t)}}};
}

// The tensors against the problem (B and T from wx), the options, and fr_rnn_backward_args without the scratch.
fr_status backward_args(const fr_rnn_backward_options* options, const RnnBackwardTensors& in, RnnShape* shape,
                        fr_rnn_backward_args* args) {
    fr_status status = read_options(options, args);
    if (status != FR_OK) return status;
    if (in.forward.reserve == nullptr) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "reserve: expected the training forward's reserve (fr_rnn_forward_training), got NULL.");
    }
    if ((status = check_rnn_tensors(in.forward, 0, shape)) != FR_OK) return status;
    const int64_t batch = shape->batch, steps = shape->steps, nh = shape->nh, d = shape->d, dtype = shape->dtype;
    const int64_t g = gates_of(shape->cell), gb = biases_of(shape->cell), s = states_of(shape->cell);
    struct Expected {
        const char* name;
        const fr_tensor* tensor;
        std::vector<int64_t> shape;
        bool required;
    };
    const Expected gradients[] = {
        {"dy", in.dy, {batch, steps, nh, d}, true},
        {"d_last_states", in.d_last_states, {s, batch, nh, d}, false},
        {"dwx", in.dwx, {batch, steps, g, nh, d}, true},
        {"dr", in.dr, {g, nh, d, d}, true},
        {"dbias", in.dbias, {gb, nh, d}, true},
        {"d_initial_states", in.d_initial_states, {s, batch, nh, d}, false},
    };
    for (const Expected& e : gradients) {
        if ((status = check_rnn_tensor(e.name, e.tensor, e.shape, dtype, e.required)) != FR_OK) return status;
    }
    const RnnForwardTensors& f = in.forward;
    status = check_outputs_alone(backward_call_memory(in));
    if (status != FR_OK) return status;
    args->wx = f.wx->data;
    args->r = f.r->data;
    args->bias = f.bias->data;
    args->initial = f.initial_states != nullptr ? f.initial_states->data : nullptr;
    args->y = f.y->data;
    // the gate products come from the reserve, or (a states-only reserve) are recomputed into scratch before the loop
    const float* reserve = static_cast<const float*>(f.reserve->data);
    args->products = shape->reserve_products ? reserve : nullptr;
    args->states = reserve + (shape->reserve_products ? batch * steps * nh * d * g : 0);
    args->dy = in.dy->data;
    args->d_last = in.d_last_states != nullptr ? in.d_last_states->data : nullptr;
    args->dwx = in.dwx->data;
    args->dr = in.dr->data;
    args->dbias = in.dbias->data;
    args->d_initial = in.d_initial_states != nullptr ? in.d_initial_states->data : nullptr;
    args->batch = static_cast<int>(batch);
    args->steps = static_cast<int>(steps);
    args->heads = static_cast<int>(nh);
    args->head_size = static_cast<int>(d);
    args->lengths = f.lengths;
    return FR_OK;
}

// The reductions' module (kernels/rnn_gradients.cu), as plan_modules names it (gradients_request).
fr_status load_gradients_module(fr_context context, const RnnShape& shape, bool tf32, LoadedModule** module) {
    CompileRequest request;
    fr_status status = gradients_request(shape.cell, shape.dtype, tf32, &request);
    if (status != FR_OK) return status;
    return load_planned(context, request, module);
}

// A states-only reserve: the gate products R_g y_{t-1} of every step recomputed from y into scratch (one parallel
// product per head, rnn_gradients.cu), on the stream before the backward's loop.
fr_status recompute_products(fr_context context, LoadedModule& module, const RnnShape& shape, ScratchMemory* products,
                             fr_rnn_backward_args* args, void* stream) {
    if (shape.reserve_products) return FR_OK;
    const int64_t rows = shape.batch * shape.steps, g = gates_of(shape.cell);
    if (rows == 0) return FR_OK;
    if ((rows + kWeightTile - 1) / kWeightTile > 65535) {
        return fail(FR_ERROR_UNSUPPORTED,
                    "reserve: recomputing the gate products takes B * T <= %d rows (65535 tiles of %d); got %lld; use a "
                    "reserve with the gate products (fr_rnn_reserve_size).",
                    65535 * kWeightTile, kWeightTile, static_cast<long long>(rows));
    }
    fr_status status = products->allocate(context, static_cast<size_t>(rows * g * shape.nh * shape.d) * 4, stream);
    if (status != FR_OK) return status;
    args->products = static_cast<const float*>(products->get());
    LaunchShape launch;
    launch.grid = {static_cast<unsigned>((g * shape.d + kWeightTile - 1) / kWeightTile),
                   static_cast<unsigned>((rows + kWeightTile - 1) / kWeightTile), static_cast<unsigned>(shape.nh)};
    launch.block = {kReduceThreads, 1, 1};
    launch.cluster = {1, 1, 1};
    void* params[] = {args};
    return launch_kernel(module, "fr_rnn_gate_products", launch, stream, params);
}

// After the time loop, on the same stream: dR and db from dgate (rnn_gradients.cu's module).
fr_status launch_reductions(LoadedModule& module, const RnnShape& shape, void* stream, void** params) {
    const int64_t g = gates_of(shape.cell), gb = biases_of(shape.cell), d = shape.d, nh = shape.nh;
    LaunchShape weights;
    weights.grid = {static_cast<unsigned>((d + kWeightTile - 1) / kWeightTile),
                    static_cast<unsigned>((g * d + kWeightTile - 1) / kWeightTile), static_cast<unsigned>(nh)};
    weights.block = {kReduceThreads, 1, 1};
    weights.cluster = {1, 1, 1};
    fr_status status = launch_kernel(module, "fr_rnn_backward_weights", weights, stream, params);
    if (status != FR_OK) return status;
    LaunchShape biases = weights;
    biases.grid = {static_cast<unsigned>((gb * nh * d + kBiasOutputs - 1) / kBiasOutputs), 1, 1};
    return launch_kernel(module, "fr_rnn_backward_bias", biases, stream, params);
}

// kernels/rnn_backward.cu: one persistent launch in the plan's regime, then the reductions.
fr_status run_fused_backward(fr_context context, const fr_plan* plan, CompileRequest& request, const LaunchShape& launch,
                             const PlanConstants& c, const fr_rnn_backward_options* options, const RnnBackwardTensors& in,
                             void* stream) {
    FusedPlan fused;
    fr_status status = read_fused_plan(plan, c, true, &fused);
    if (status != FR_OK) return status;
    if ((status = validate_launch_shape("plan", launch)) != FR_OK) return status;
    fr_rnn_backward_args args{};
    RnnShape& shape = fused.shape;
    if ((status = backward_args(options, in, &shape, &args)) != FR_OK) return status;
    const int64_t batch = shape.batch, nh = shape.nh, hb = fused.hb, p = fused.p, bt = fused.bt;
    if (plan->grid.x != p || plan->grid.y != nh / hb || plan->grid.z != (batch + bt - 1) / bt) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.grid: expected (%lld, %lld, %lld) = (FR_BLOCKS_PER_HEAD, NH / FR_HEADS_PER_BLOCK, ceil(B / "
                    "FR_BATCH_TILE)), got (%u, %u, %u); plan for this shape.",
                    static_cast<long long>(p), static_cast<long long>(nh / hb), static_cast<long long>((batch + bt - 1) / bt),
                    plan->grid.x, plan->grid.y, plan->grid.z);
    }
    if ((status = check_emulated_call_memory(context, backward_call_memory(in))) != FR_OK) return status;
    if (args.lengths != nullptr) use_lengths_build(&request);
    // dgate [B, T, Gb, NH, D] fp32: the per-step bias gradients the reductions read after the loop
    ScratchMemory dgate, barrier;
    const size_t dgate_bytes = static_cast<size_t>(batch * shape.steps * biases_of(shape.cell) * nh * shape.d) * 4;
    if ((status = dgate.allocate(context, dgate_bytes > 0 ? dgate_bytes : 4, stream)) != FR_OK) return status;
    if (fused.regime == kGridBarrier) {
        if ((status = barrier.allocate(context, 8, stream)) != FR_OK) return status;
        if ((status = barrier.zero()) != FR_OK) return status;
        args.barrier = barrier.get();
    }
    args.dgate = static_cast<float*>(dgate.get());
    LoadedModule *module = nullptr, *gradients = nullptr;
    if ((status = load_planned(context, request, &module)) != FR_OK) return status;
    if ((status = load_gradients_module(context, shape, fused.tf32 != 0, &gradients)) != FR_OK) return status;
    ScratchMemory products;
    if ((status = recompute_products(context, *gradients, shape, &products, &args, stream)) != FR_OK) return status;
    void* params[] = {&args};
    if ((status = launch_kernel(*module, "fr_rnn_backward", launch, stream, params)) != FR_OK) return status;
    return launch_reductions(*gradients, shape, stream, params);
}

// kernels/rnn_alternating.cu: per step (T - 1 down to 0) a pointwise launch and a matmul launch (none when truncating),
// then the initial states' gradients and the reductions.
fr_status run_alternating_backward(fr_context context, const fr_plan* plan, CompileRequest& request,
                                   const LaunchShape& launch, const PlanConstants& c,
                                   const fr_rnn_backward_options* options, const RnnBackwardTensors& in, void* stream) {
    AlternatingPlan alt;
    fr_status status = read_alternating_plan(plan, c, true, &alt);
    if (status != FR_OK) return status;
    if ((status = validate_launch_shape("plan", launch)) != FR_OK) return status;
    fr_rnn_backward_args args{};
    RnnShape& shape = alt.shape;
    if ((status = backward_args(options, in, &shape, &args)) != FR_OK) return status;
    if ((status = check_alternating_grid(plan, alt)) != FR_OK) return status;
    if ((status = check_emulated_call_memory(context, backward_call_memory(in))) != FR_OK) return status;
    const int64_t batch = shape.batch, nh = shape.nh, units = batch * nh * shape.d;
    // scratch, fp32: dgate [B, T, Gb, NH, D], pre [B, NH, Dp] (R^T dg_t), states [S, B, NH, D] (carried gradients)
    const size_t dgate_bytes = static_cast<size_t>(batch * shape.steps * biases_of(shape.cell) * nh * shape.d) * 4;
    const size_t pre_bytes = static_cast<size_t>(batch * nh * shape.dp) * 4;
    const size_t state_bytes = static_cast<size_t>(states_of(shape.cell) * units) * 4;
    ScratchMemory scratch;
    if ((status = scratch.allocate(context, dgate_bytes + pre_bytes + state_bytes + 4, stream)) != FR_OK) return status;
    unsigned char* base = static_cast<unsigned char*>(scratch.get());
    args.dgate = reinterpret_cast<float*>(base);
    fr_rnn_work work{};
    work.pre = reinterpret_cast<float*>(base + dgate_bytes);
    work.states = reinterpret_cast<float*>(base + dgate_bytes + pre_bytes);

    LoadedModule *module = nullptr, *gradients = nullptr;
    if ((status = load_planned(context, request, &module)) != FR_OK) return status;
    // alternating plans never multiply in tf32 (read_alternating_plan refuses FR_TF32), so neither do their reductions
    if ((status = load_gradients_module(context, shape, false, &gradients)) != FR_OK) return status;
    ScratchMemory products;
    if ((status = recompute_products(context, *gradients, shape, &products, &args, stream)) != FR_OK) return status;
    LaunchShape step_shape;
    step_shape.grid = {static_cast<unsigned>((units + alt.pointwise - 1) / alt.pointwise), 1, 1};
    step_shape.block = {static_cast<unsigned>(alt.pointwise), 1, 1};
    step_shape.cluster = {1, 1, 1};
    for (int step = args.steps - 1; step >= 0; --step) {
        void* params[] = {&args, &work, &step};
        if ((status = launch_kernel(*module, "fr_rnn_alternating_backward_pointwise", step_shape, stream, params)) != FR_OK)
            return status;
        if (args.truncate == 0 &&
            (status = launch_kernel(*module, "fr_rnn_alternating_backward_matmul", launch, stream, params)) != FR_OK)
            return status;
    }
    void* finish_params[] = {&args, &work};
    if ((status = launch_kernel(*module, "fr_rnn_alternating_backward_finish", step_shape, stream, finish_params)) != FR_OK)
        return status;
    void* params[] = {&args};
    return launch_reductions(*gradients, shape, stream, params);
}

}  // namespace

fr_status run_rnn_backward(fr_context context, const fr_plan* plan, const fr_rnn_backward_options* options,
                           const RnnBackwardTensors& in, void* stream) {
    CompileRequest request;
    LaunchShape launch;
    PlanConstants c;
    fr_status status = read_rnn_plan(plan, &request, &launch, &c);
    if (status != FR_OK) return status;
    if (request.source->name == "rnn_backward") return run_fused_backward(context, plan, request, launch, c, options, in, stream);
    if (request.source->name == "rnn_alternating")
        return run_alternating_backward(context, plan, request, launch, c, options, in, stream);
    return fail(FR_ERROR_INVALID_ARGUMENT,
                "plan.source_name: expected \"rnn_backward\" (fused) or \"rnn_alternating\" (with FR_BACKWARD = 1), got \"%s\".",
                request.source->name.c_str());
}

}  // namespace fr
