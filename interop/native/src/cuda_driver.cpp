// cuda_driver.cpp: see cuda_driver.h.
#include "cuda_driver.h"

#include "dynamic_library.h"
#include "errors.h"

#include <string>

namespace fr {
namespace {

struct DriverState {
    DynamicLibrary library;
    CudaDriver api;
    fr_status status = FR_OK;
    std::string message;
};

#if defined(_WIN32)
const char* const kDefaultDriverName = "nvcuda.dll";
#else
const char* const kDefaultDriverName = "libcuda.so.1";
#endif

template <class Function>
bool resolve(const DynamicLibrary& library, const char* name, Function* function, std::string* missing) {
    *function = reinterpret_cast<Function>(library.symbol(name));
    if (*function == nullptr) {
        if (!missing->empty()) *missing += ", ";
        *missing += name;
        return false;
    }
    return true;
}

std::string error_name(const CudaDriver& api, cu::CUresult result) {
    const char* name = nullptr;
    if (api.cuGetErrorName != nullptr && api.cuGetErrorName(result, &name) == cu::CUDA_SUCCESS && name != nullptr) {
        return name;
    }
    return "CUresult " + std::to_string(result);
}

void load(DriverState* state) {
    const std::string override_path = environment("FR_CUDA_LIBRARY");
    const std::string path = override_path.empty() ? kDefaultDriverName : override_path;
    std::string error;
    state->library = DynamicLibrary::open(path, &error);
    if (!state->library.is_open()) {
        state->status = FR_ERROR_NO_DRIVER;
        state->message = override_path.empty()
            ? "no CUDA driver: " + path + " could not be loaded (" + error +
                  "); install the NVIDIA driver or set FR_CUDA_LIBRARY to libcuda's path"
            : "no CUDA driver: FR_CUDA_LIBRARY=" + path + " could not be loaded (" + error + ")";
        return;
    }

    CudaDriver& api = state->api;
    const DynamicLibrary& lib = state->library;
    std::string missing;
    resolve(lib, "cuInit", &api.cuInit, &missing);
    resolve(lib, "cuDriverGetVersion", &api.cuDriverGetVersion, &missing);
    resolve(lib, "cuGetErrorName", &api.cuGetErrorName, &missing);
    resolve(lib, "cuGetErrorString", &api.cuGetErrorString, &missing);
    resolve(lib, "cuDeviceGetCount", &api.cuDeviceGetCount, &missing);
    resolve(lib, "cuDeviceGet", &api.cuDeviceGet, &missing);
    resolve(lib, "cuDeviceGetName", &api.cuDeviceGetName, &missing);
    resolve(lib, "cuDeviceGetAttribute", &api.cuDeviceGetAttribute, &missing);
    resolve(lib, "cuDevicePrimaryCtxRetain", &api.cuDevicePrimaryCtxRetain, &missing);
    resolve(lib, "cuDevicePrimaryCtxRelease_v2", &api.cuDevicePrimaryCtxRelease, &missing);
    resolve(lib, "cuCtxPushCurrent_v2", &api.cuCtxPushCurrent, &missing);
    resolve(lib, "cuCtxPopCurrent_v2", &api.cuCtxPopCurrent, &missing);
    resolve(lib, "cuMemAlloc_v2", &api.cuMemAlloc, &missing);
    resolve(lib, "cuMemFree_v2", &api.cuMemFree, &missing);
    resolve(lib, "cuMemcpyHtoD_v2", &api.cuMemcpyHtoD, &missing);
    resolve(lib, "cuMemcpyDtoH_v2", &api.cuMemcpyDtoH, &missing);
    resolve(lib, "cuStreamSynchronize", &api.cuStreamSynchronize, &missing);
    resolve(lib, "cuMemsetD8Async", &api.cuMemsetD8Async, &missing);
    resolve(lib, "cuModuleLoadData", &api.cuModuleLoadData, &missing);
    resolve(lib, "cuModuleUnload", &api.cuModuleUnload, &missing);
    resolve(lib, "cuModuleGetFunction", &api.cuModuleGetFunction, &missing);
    resolve(lib, "cuFuncSetAttribute", &api.cuFuncSetAttribute, &missing);
    resolve(lib, "cuLaunchKernel", &api.cuLaunchKernel, &missing);
    resolve(lib, "cuLaunchCooperativeKernel", &api.cuLaunchCooperativeKernel, &missing);
    if (!missing.empty()) {
        state->status = FR_ERROR_NO_DRIVER;
        state->message = "no usable CUDA driver: " + path + " lacks " + missing + " (the driver is too old)";
        return;
    }
    // Optional: only cluster launches need it, and they report FR_ERROR_UNSUPPORTED without it.
    std::string optional_missing;
    resolve(lib, "cuLaunchKernelEx", &api.cuLaunchKernelEx, &optional_missing);
    // Optional: stream-ordered scratch memory (scratch_memory.h falls back to allocate / synchronize / free).
    resolve(lib, "cuMemAllocAsync", &api.cuMemAllocAsync, &optional_missing);
    resolve(lib, "cuMemFreeAsync", &api.cuMemFreeAsync, &optional_missing);
    // Optional: fr_free's extent of an allocation (packed_recurrent_registry.h).
    resolve(lib, "cuMemGetAddressRange_v2", &api.cuMemGetAddressRange, &optional_missing);

    api.init_result = api.cuInit(0);
    if (api.init_result != cu::CUDA_SUCCESS && api.init_result != cu::CUDA_ERROR_NO_DEVICE) {
        state->status = FR_ERROR_NO_DRIVER;
        state->message = "no usable CUDA driver: cuInit failed with " + error_name(api, api.init_result) + " (" +
                         std::to_string(api.init_result) + ")";
        return;
    }
    state->status = FR_OK;
}

const DriverState& driver_state() {
    // Loaded once (a function-local static is thread-safe) and never deleted: the driver keeps threads and
    // state of its own, and unloading it during static destruction at exit would pull them from under it.
    static DriverState* state = [] {
        auto* loaded = new DriverState();
        load(loaded);
        return loaded;
    }();
    return *state;
}

}  // namespace

fr_status load_cuda_driver(const CudaDriver** driver) {
    *driver = nullptr;
    const DriverState& state = driver_state();
    if (state.status != FR_OK) return fail_text(state.status, state.message);
    *driver = &state.api;
    return FR_OK;
}

fr_status cuda_device(int ordinal, const CudaDriver** driver, cu::CUdevice* device) {
    fr_status status = load_cuda_driver(driver);
    if (status != FR_OK) return status;
    const CudaDriver& api = **driver;
    if (api.init_result == cu::CUDA_ERROR_NO_DEVICE) {
        return fail(FR_ERROR_NO_DEVICE, "no CUDA device: the driver loaded, but cuInit reported CUDA_ERROR_NO_DEVICE");
    }
    int count = 0;
    status = check_cuda(api, api.cuDeviceGetCount(&count), "cuDeviceGetCount");
    if (status != FR_OK) return status;
    if (ordinal < 0 || ordinal >= count) {
        return fail(FR_ERROR_NO_DEVICE, "ordinal: expected a device ordinal in [0, %d), got %d (the driver reports %d device%s).",
                    count, ordinal, count, count == 1 ? "" : "s");
    }
    return check_cuda(api, api.cuDeviceGet(device, ordinal), "cuDeviceGet");
}

fr_status check_cuda(const CudaDriver& driver, cu::CUresult result, const char* call) {
    if (result == cu::CUDA_SUCCESS) return FR_OK;
    const char* description = nullptr;
    if (driver.cuGetErrorString == nullptr || driver.cuGetErrorString(result, &description) != cu::CUDA_SUCCESS ||
        description == nullptr) {
        description = "no description";
    }
    fr_status status = FR_ERROR_CUDA;
    switch (result) {
        case cu::CUDA_ERROR_OUT_OF_MEMORY: status = FR_ERROR_OUT_OF_MEMORY; break;
        case cu::CUDA_ERROR_NO_DEVICE:
        case cu::CUDA_ERROR_INVALID_DEVICE: status = FR_ERROR_NO_DEVICE; break;
        case cu::CUDA_ERROR_NOT_SUPPORTED: status = FR_ERROR_UNSUPPORTED; break;
        default: break;
    }
    return fail(status, "%s failed: %s (%d): %s", call, error_name(driver, result).c_str(), result, description);
}

}  // namespace fr
