// rnn_pack.cpp: fr_rnn_packed_recurrent_size and fr_rnn_pack_recurrent: R of a fused plan in the plan's fragment
// layout, made once (by kernels/rnn_forward.cu's fr_rnn_pack_recurrent) and passed to fr_rnn_forward as r on every
// call, so the kernel's prologue reads 16 contiguous bytes per lane instead of gathering elements.
#include "rnn_ops.h"

#include "compile_request.h"
#include "emulated_memory.h"
#include "errors.h"
#include "kernel_launch.h"
#include "packed_recurrent_registry.h"
#include "plan_operation.h"
#include "rnn_plan_checks.h"
#include "tensor_checks.h"

#include <string>

namespace fr {
namespace {

fr_status read_fused(const fr_plan* plan, CompileRequest* request, FusedPlan* fused) {
    LaunchShape launch;
    PlanConstants c;
    fr_status status = read_rnn_plan(plan, request, &launch, &c);
    if (status != FR_OK) return status;
    if (request->source->name != "rnn_forward") {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.source_name: expected \"rnn_forward\" (only fused plans keep R in a fragment layout), got \"%s\".",
                    request->source->name.c_str());
    }
    return read_fused_plan(plan, c, false, fused);
}

int64_t packed_elements(const FusedPlan& fused) {
    return fused.packed_words() * (fused.shape.dtype == FR_DTYPE_FLOAT32 ? 1 : 2);
}

}  // namespace

fr_status rnn_packed_recurrent_size(const fr_plan* plan, int64_t* elements) {
    if (elements == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "elements: expected a pointer, got NULL.");
    *elements = 0;
    CompileRequest request;
    FusedPlan fused;
    const fr_status status = read_fused(plan, &request, &fused);
    if (status != FR_OK) return status;
    *elements = packed_elements(fused);
    return FR_OK;
}

fr_status run_rnn_pack_recurrent(fr_context context, const fr_plan* plan, const fr_tensor* r, const fr_tensor* packed,
                                 void* stream) {
    CompileRequest request;
    FusedPlan fused;
    fr_status status = read_fused(plan, &request, &fused);
    if (status != FR_OK) return status;
    const RnnShape& shape = fused.shape;
    const int64_t g = gates_of(shape.cell), elements = packed_elements(fused);
    const std::string why = "the plan's FR_DTYPE=" + std::to_string(shape.dtype);
    if ((status = check_tensor("r", r, 4)) != FR_OK) return status;
    if ((status = check_same_shape("r", r, {g, shape.nh, shape.d, shape.d})) != FR_OK) return status;
    if ((status = check_dtype("r", r, static_cast<int>(shape.dtype), why.c_str())) != FR_OK) return status;
    if ((status = check_contiguous("r", r)) != FR_OK) return status;
    if ((status = check_tensor("packed", packed, 1, kMaxTensorElements)) != FR_OK) return status;
    if ((status = check_same_shape("packed", packed, {elements})) != FR_OK) return status;
    if ((status = check_dtype("packed", packed, static_cast<int>(shape.dtype), why.c_str())) != FR_OK) return status;
    if ((status = check_contiguous("packed", packed)) != FR_OK) return status;
    const CallMemory memory{{{"packed", packed}}, {{"r", r}}, {}};
    if ((status = check_outputs_alone(memory)) != FR_OK) return status;
    if (reinterpret_cast<uintptr_t>(packed->data) % 16 != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "packed.data: expected 16-byte alignment (fragments are read as 16 bytes), got %p.",
                    packed->data);
    }
    const int64_t fragments = fused.packed_words() / 4;
    if ((fragments + 255) / 256 > 0x7fffffffLL) {
        return fail(FR_ERROR_UNSUPPORTED, "r: %lld fragments need more than 2^31 - 1 blocks.", static_cast<long long>(fragments));
    }
    fr_rnn_args args{};
    args.r = r->data;
    args.heads = static_cast<int>(shape.nh);
    args.head_size = static_cast<int>(shape.d);
    void* destination = packed->data;
    void* params[] = {&args, &destination};
    LaunchShape launch;
    launch.grid = {static_cast<unsigned>((fragments + 255) / 256), 1, 1};
    launch.block = {256, 1, 1};
    launch.cluster = {1, 1, 1};
    if ((status = check_emulated_call_memory(context, memory)) != FR_OK) return status;
    // check_outputs_alone forgot what `packed` held; it holds this layout once the launch is queued
    if ((status = launch_planned(context, request, "fr_rnn_pack_recurrent", launch, stream, params)) != FR_OK) return status;
    const size_t bytes = static_cast<size_t>(elements) * (shape.dtype == FR_DTYPE_FLOAT32 ? 4 : 2);
    remember_packed_recurrent(packed->data, bytes, fused.packed_layout());
    return FR_OK;
}

}  // namespace fr
