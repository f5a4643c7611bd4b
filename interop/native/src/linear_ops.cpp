// linear_ops.cpp: see linear_ops.h.
#include "linear_ops.h"

#include "compile_request.h"
#include "cublas_library.h"
#include "device_context.h"
#include "emulated_memory.h"
#include "errors.h"
#include "kernel_launch.h"
#include "plan_operation.h"
#include "tensor_checks.h"

#include <string>

namespace fr {
namespace {

constexpr int kTile = 64;  // kernels/linear.cu's output tile

// cuBLAS: y (row-major [N, M]) is the column-major M x N matrix w'^T x', where w' (K x M) and x' (K x N) are w and x
// read column-major.
fr_status cublas_linear(fr_context context, const CublasLibrary& cublas, const fr_tensor* x, const fr_tensor* w,
                        const fr_tensor* y, void* stream) {
    const CudaDriver& driver = *context->driver;
    CurrentContext current;
    fr_status status = current.push(driver, context->primary.get());
    if (status != FR_OK) return status;
    std::lock_guard<std::mutex> lock(context->cublas_mutex);
    if (context->cublas_handle == nullptr) {
        cublas::Handle handle = nullptr;
        const cublas::Status created = cublas.create(&handle);
        if (created != 0) return fail(FR_ERROR_CUDA, "cublasCreate_v2 failed with status %d (%s).", created, cublas.name.c_str());
        context->cublas_handle = handle;
    }
    auto handle = static_cast<cublas::Handle>(context->cublas_handle);
    const int n = static_cast<int>(x->shape[0]), k = static_cast<int>(x->shape[1]), m = static_cast<int>(w->shape[0]);
    const int type = x->dtype == FR_DTYPE_FLOAT32 ? cublas::kR32F : x->dtype == FR_DTYPE_BFLOAT16 ? cublas::kR16BF : cublas::kR16F;
    const float alpha = 1.0f, beta = 0.0f;
    cublas::Status result = cublas.set_stream(handle, stream);
    if (result == 0) {
        result = cublas.gemm_ex(handle, cublas::kOpT, cublas::kOpN, m, n, k, &alpha, w->data, type, k, x->data, type, k,
                                &beta, y->data, type, m, cublas::kCompute32F, cublas::kGemmDefault);
    }
    if (result != 0) return fail(FR_ERROR_CUDA, "cublasGemmEx failed with status %d (%s).", result, cublas.name.c_str());
    return FR_OK;
}

fr_status kernel_linear(fr_context context, const fr_tensor* x, const fr_tensor* w, const fr_tensor* y, void* stream) {
    CompileRequest request;
    fr_status status = find_source("linear", "linear", &request.source);
    if (status != FR_OK) return status;
    request.defines = {{"FR_DTYPE", x->dtype}};
    LoadedModule* module = nullptr;
    if ((status = load_planned(context, request, &module)) != FR_OK) return status;
    long long n = x->shape[0], k = x->shape[1], m = w->shape[0];
    const void* x_data = x->data;
    const void* w_data = w->data;
    void* y_data = y->data;
    void* params[] = {&x_data, &w_data, &y_data, &n, &m, &k};
    LaunchShape shape;
    shape.grid = {static_cast<unsigned>((m + kTile - 1) / kTile), static_cast<unsigned>((n + kTile - 1) / kTile), 1};
    shape.block = {256, 1, 1};
    shape.cluster = {1, 1, 1};
    return launch_kernel(*module, "fr_linear_forward", shape, stream, params);
}

}  // namespace

fr_status run_linear(fr_context context, const fr_tensor* x, const fr_tensor* w, const fr_tensor* y, int allow_cublas,
                     int* used_cublas, void* stream) {
    if (used_cublas != nullptr) *used_cublas = 0;  // written whatever the status: 1 only once cuBLAS ran
    // the arguments first, the context last: validation behaves the same on machines without a GPU
    fr_status status = FR_OK;
    if (allow_cublas != 0 && allow_cublas != 1) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "allow_cublas: expected 0 or 1, got %d.", allow_cublas);
    }
    if ((status = check_tensor("x", x, 2)) != FR_OK) return status;
    if ((status = check_tensor("w", w, 2)) != FR_OK) return status;
    if ((status = check_tensor("y", y, 2)) != FR_OK) return status;
    if (x->dtype != FR_DTYPE_FLOAT32 && x->dtype != FR_DTYPE_BFLOAT16 && x->dtype != FR_DTYPE_FLOAT16) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "x.dtype: expected float32, bfloat16 or float16, got %d.", x->dtype);
    }
    const std::string why = "x's dtype";
    if ((status = check_dtype("w", w, x->dtype, why.c_str())) != FR_OK) return status;
    if ((status = check_dtype("y", y, x->dtype, why.c_str())) != FR_OK) return status;
    if ((status = check_same_shape("w", w, {w->shape[0], x->shape[1]})) != FR_OK) return status;
    if ((status = check_same_shape("y", y, {x->shape[0], w->shape[0]})) != FR_OK) return status;
    for (const auto& [name, t] : {std::pair<const char*, const fr_tensor*>{"x", x}, {"w", w}, {"y", y}}) {
        if ((status = check_contiguous(name, t)) != FR_OK) return status;
    }
    const CallMemory memory{{{"y", y}}, {{"x", x}, {"w", w}}, {}};
    if ((status = check_outputs_alone(memory)) != FR_OK) return status;
    if (x->shape[0] > 0x7fffffffLL || x->shape[1] > 0x7fffffffLL || w->shape[0] > 0x7fffffffLL ||
        (x->shape[0] + kTile - 1) / kTile > 65535) {
        return fail(FR_ERROR_UNSUPPORTED, "x: expected at most 2^31 - 1 columns and %lld rows (65535 row tiles of %d), got [%lld, %lld].",
                    65535LL * kTile, kTile, static_cast<long long>(x->shape[0]), static_cast<long long>(x->shape[1]));
    }
    if ((status = check_emulated_call_memory(context, memory)) != FR_OK) return status;
    const CublasLibrary* cublas = nullptr;
    if (allow_cublas == 1 && context->emulation == nullptr && !context->cublas_unusable && load_cublas(&cublas) == FR_OK) {
        if (cublas_linear(context, *cublas, x, w, y, stream) == FR_OK) {
            if (used_cublas != nullptr) *used_cublas = 1;
            return FR_OK;
        }
        // cuBLAS loaded but failed before queuing work (a cuBLAS newer than the driver, one without this arch, no
        // handle): this context stops asking it, and our kernel runs. A fault of the device itself would fail our
        // kernel's launch too, with its own message.
        context->cublas_unusable = true;
    }
    // no cuBLAS here, or not allowed: our kernel
    return kernel_linear(context, x, w, y, stream);
}

void release_cublas_handle(fr_context context) {
    std::lock_guard<std::mutex> lock(context->cublas_mutex);
    if (context->cublas_handle == nullptr) return;
    const CublasLibrary* cublas = nullptr;
    if (load_cublas(&cublas) == FR_OK && context->driver != nullptr) {
        CurrentContext current;
        if (current.push(*context->driver, context->primary.get()) == FR_OK)
            cublas->destroy(static_cast<cublas::Handle>(context->cublas_handle));
    }
    context->cublas_handle = nullptr;
}

}  // namespace fr
