// abi_compile.cpp: fr_compile, the compile-only entry point (needs libnvrtc, no driver or GPU: CI uses it), and the
// modules of a plan (fr_plan_module_count, fr_plan_module: what to compile ahead; fr_plan_prepare: compile and load).
#include "fastrecurrence.h"

#include "compile_request.h"
#include "errors.h"
#include "kernel_compiler.h"
#include "plan_modules.h"

#include <algorithm>
#include <chrono>
#include <cstring>

using namespace fr;

extern "C" {

FR_API fr_status fr_compile(const fr_compile_options* options, fr_compile_result* result) {
    const auto start = std::chrono::steady_clock::now();
    return guarded([&] {
        if (result == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "result: expected a result struct, got NULL.");
        if (result->struct_size < sizeof(fr_compile_result)) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "result.struct_size: expected at least %zu (sizeof(fr_compile_result)), got %zu.",
                        sizeof(fr_compile_result), result->struct_size);
        }
        const size_t struct_size = result->struct_size;
        std::memset(static_cast<void*>(result), 0, sizeof(fr_compile_result));
        result->struct_size = struct_size;

        CompileRequest request;
        CacheSettings cache;
        fr_status status = read_compile_options(options, nullptr, &request, &cache);
        if (status != FR_OK) return status;

        CompiledKernel compiled;
        status = compile_kernel(request, cache, &compiled);
        result->nvrtc_major = compiled.nvrtc_major;
        result->nvrtc_minor = compiled.nvrtc_minor;
        // FR_ERROR_CACHE still carries a complete compilation: report it along with the status.
        if (status == FR_OK || status == FR_ERROR_CACHE) {
            result->cache_hit = compiled.cache_hit ? 1 : 0;
            result->cubin_bytes = compiled.binary.cubin.size();
            const size_t count = std::min(compiled.binary.kernels.size(), sizeof result->kernels / sizeof result->kernels[0]);
            result->kernel_count = static_cast<int>(count);
            std::copy_n(compiled.binary.kernels.begin(), count, result->kernels);
            std::strncpy(result->cache_key, compiled.key.c_str(), sizeof result->cache_key - 1);
        }
        result->milliseconds =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        return status;
    });
}

FR_API fr_status fr_plan_module_count(const fr_plan* plan, int lengths, int* count) {
    return guarded([&] {
        if (count == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "count: expected a pointer, got NULL.");
        if (lengths != 0 && lengths != 1) return fail(FR_ERROR_INVALID_ARGUMENT, "lengths: expected 0 or 1, got %d.", lengths);
        std::vector<CompileRequest> modules;
        const fr_status status = plan_modules(plan, lengths == 1, &modules);
        if (status == FR_OK) *count = static_cast<int>(modules.size());
        return status;
    });
}

FR_API fr_status fr_plan_module(const fr_plan* plan, int lengths, int index, fr_plan* module) {
    return guarded([&] {
        if (lengths != 0 && lengths != 1) return fail(FR_ERROR_INVALID_ARGUMENT, "lengths: expected 0 or 1, got %d.", lengths);
        return plan_module(plan, lengths == 1, index, module);
    });
}

FR_API fr_status fr_plan_prepare(fr_context context, const fr_plan* plan, int lengths) {
    return guarded([&] {
        if (lengths != 0 && lengths != 1) return fail(FR_ERROR_INVALID_ARGUMENT, "lengths: expected 0 or 1, got %d.", lengths);
        return prepare_plan(context, plan, lengths == 1);
    });
}

}  // extern "C"
