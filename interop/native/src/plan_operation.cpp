// plan_operation.cpp: see plan_operation.h.
#include "plan_operation.h"

#include "device_context.h"
#include "errors.h"
#include "kernel_sources.h"
#include "loaded_module.h"

namespace fr {

fr_status read_plan(const fr_plan* plan, CompileRequest* request, LaunchShape* shape) {
    if (plan == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "plan: expected a plan, got NULL.");
    if (plan->struct_size < sizeof(fr_plan)) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.struct_size: expected at least %zu (sizeof(fr_plan)), got %zu.",
                    sizeof(fr_plan), plan->struct_size);
    }
    fr_status status = find_source("plan", plan->source_name, &request->source);
    if (status != FR_OK) return status;
    status = read_defines("plan", plan->defines, plan->define_count, &request->defines);
    if (status != FR_OK) return status;
    shape->grid = plan->grid;
    shape->block = plan->block;
    shape->cluster = plan->cluster;
    shape->shared_bytes = plan->shared_bytes;
    shape->kind = enum_value(plan->kind);
    return FR_OK;
}

fr_status load_planned(fr_context context, CompileRequest& request, LoadedModule** module) {
    fr_status status = check_live_context(context);
    if (status != FR_OK) return status;
    request.arch = context->device.arch;
    request.arch_number = context->device.major * 10 + context->device.minor;
    request.arch_argument = "the context's device";
    request.headers = kernel_headers();
    if ((status = check_arch_supports(request)) != FR_OK) return status;
    return cached_module(context, request, module);
}

fr_status launch_planned(fr_context context, CompileRequest& request, const char* kernel, const LaunchShape& shape,
                         void* stream, void** params) {
    LoadedModule* module = nullptr;
    fr_status status = load_planned(context, request, &module);
    if (status != FR_OK) return status;
    return launch_kernel(*module, kernel, shape, stream, params);
}

}  // namespace fr
