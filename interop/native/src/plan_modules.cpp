// plan_modules.cpp: see plan_modules.h.
#include "plan_modules.h"

#include "errors.h"
#include "kernel_launch.h"
#include "plan_operation.h"
#include "rnn_plan_checks.h"
#include "scan_ops.h"

#include <string>

namespace fr {

fr_status gradients_request(int64_t cell, int64_t dtype, bool tf32, CompileRequest* request) {
    fr_status status = find_source("plan", "rnn_gradients", &request->source);
    if (status != FR_OK) return status;
    request->defines = {{"FR_CELL", cell}, {"FR_DTYPE", dtype}};  // sorted by name, as read_defines leaves them
    if (tf32) request->defines.push_back({"FR_TF32", 1});
    return FR_OK;
}

namespace {

fr_status own_and_companions(const fr_plan* plan, bool lengths, std::vector<CompileRequest>* modules) {
    CompileRequest request;
    LaunchShape launch;
    PlanConstants c;
    fr_status status = read_rnn_plan(plan, &request, &launch, &c);
    if (status != FR_OK) return status;
    const std::string& source = request.source->name;
    if (source == "rnn_forward" || source == "rnn_backward") {
        FusedPlan fused;
        if ((status = read_fused_plan(plan, c, source == "rnn_backward", &fused)) != FR_OK) return status;
        if (lengths) use_lengths_build(&request);
        modules->push_back(request);
        if (source == "rnn_forward") return FR_OK;
        CompileRequest gradients;
        if ((status = gradients_request(fused.shape.cell, fused.shape.dtype, fused.tf32 != 0, &gradients)) != FR_OK)
            return status;
        modules->push_back(gradients);
        return FR_OK;
    }
    if (source == "rnn_alternating") {
        int64_t backward = 0;
        if ((status = c.get("FR_BACKWARD", 0, 1, &backward)) != FR_OK) return status;
        AlternatingPlan alt;
        if ((status = read_alternating_plan(plan, c, backward == 1, &alt)) != FR_OK) return status;
        modules->push_back(request);  // lengths are masked at run time by the same build
        if (backward == 0) return FR_OK;
        CompileRequest gradients;  // alternating plans never multiply in tf32 (read_alternating_plan refuses FR_TF32)
        if ((status = gradients_request(alt.shape.cell, alt.shape.dtype, false, &gradients)) != FR_OK) return status;
        modules->push_back(gradients);
        return FR_OK;
    }
    // the scan ("scan", or another embedded source the scan operations run the same way): its own module, its
    // constants checked as fr_scan_forward / fr_scan_backward check them
    if (lengths) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "lengths: expected 0 for a plan of \"%s\" (per-sequence lengths select a build of the recurrent "
                    "kernels only; the scan reads its offsets, cu_seqlens, at run time), got 1.",
                    source.c_str());
    }
    const auto direction = c.values.find("FR_BACKWARD");
    const bool backward = direction != c.values.end() && direction->second != 0;
    int64_t dtype = 0, lanes = 0;
    if ((status = read_scan_plan_constants(request, plan->block, backward, &dtype, &lanes)) != FR_OK) return status;
    modules->push_back(request);
    return FR_OK;
}

}  // namespace

fr_status plan_modules(const fr_plan* plan, bool lengths, std::vector<CompileRequest>* modules) {
    modules->clear();
    const fr_status status = own_and_companions(plan, lengths, modules);
    if (status != FR_OK) return status;
    for (const CompileRequest& module : *modules) {
        if (module.defines.size() > FR_MAX_DEFINES) {  // a plan of FR_MAX_DEFINES defines, FR_LENGTHS added
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "plan.define_count: the build of calls with lengths adds FR_LENGTHS, %zu defines in all, more than "
                        "FR_MAX_DEFINES (%d).",
                        module.defines.size(), FR_MAX_DEFINES);
        }
    }
    return FR_OK;
}

namespace {

// A name of a define that outlives the call: the plan's own string, or the library's for the defines it adds.
const char* lasting_name(const fr_plan* plan, const std::string& name) {
    for (int i = 0; i < plan->define_count; ++i) {
        if (name == plan->defines[i].name) return plan->defines[i].name;
    }
    for (const char* added : {"FR_CELL", "FR_DTYPE", "FR_TF32", "FR_LENGTHS"}) {
        if (name == added) return added;
    }
    return nullptr;
}

}  // namespace

fr_status plan_module(const fr_plan* plan, bool lengths, int index, fr_plan* module) {
    if (module == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "module: expected an fr_plan to fill, got NULL.");
    std::vector<CompileRequest> modules;
    fr_status status = plan_modules(plan, lengths, &modules);
    if (status != FR_OK) return status;
    if (index < 0 || index >= static_cast<int>(modules.size())) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "index: expected 0..%d (fr_plan_module_count - 1), got %d.",
                    static_cast<int>(modules.size()) - 1, index);
    }
    const CompileRequest& request = modules[static_cast<size_t>(index)];
    fr_plan filled{};  // filled apart: `module` may be the plan itself, whose names lasting_name reads
    filled.struct_size = sizeof(fr_plan);
    filled.source_name = request.source->name.c_str();  // the embedded sources' names live as long as the library
    for (const auto& define : request.defines) {
        const char* name = lasting_name(plan, define.first);
        if (name == nullptr) return fail(FR_ERROR_INTERNAL, "plan module: no lasting name for define %s.", define.first.c_str());
        filled.defines[filled.define_count++] = {name, define.second};
    }
    *module = filled;
    return FR_OK;
}

fr_status prepare_plan(fr_context context, const fr_plan* plan, bool lengths) {
    std::vector<CompileRequest> modules;
    fr_status status = plan_modules(plan, lengths, &modules);
    if (status != FR_OK) return status;
    for (CompileRequest& request : modules) {
        LoadedModule* module = nullptr;
        if ((status = load_planned(context, request, &module)) != FR_OK) return status;
    }
    return FR_OK;
}

}  // namespace fr
