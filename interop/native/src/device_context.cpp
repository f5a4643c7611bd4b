// device_context.cpp: see device_context.h.
#include "device_context.h"

#include "errors.h"

#include "loaded_module.h"

#include <unordered_map>
#include <utility>

namespace fr {
namespace {

struct HandleRegistry {
    std::mutex mutex;
    std::unordered_map<const void*, HandleKind> handles;
};

HandleRegistry& handle_registry() {
    static HandleRegistry* registry = new HandleRegistry();  // never destroyed: handles may outlive static destruction
    return *registry;
}

}  // namespace

PrimaryContext::~PrimaryContext() {
    if (context_ != nullptr) driver_->cuDevicePrimaryCtxRelease(device_);
}

PrimaryContext::PrimaryContext(PrimaryContext&& other) noexcept
    : driver_(other.driver_), device_(other.device_), context_(std::exchange(other.context_, nullptr)) {}

fr_status PrimaryContext::retain(const CudaDriver& driver, cu::CUdevice device, PrimaryContext* context) {
    cu::CUcontext handle = nullptr;
    fr_status status = check_cuda(driver, driver.cuDevicePrimaryCtxRetain(&handle, device), "cuDevicePrimaryCtxRetain");
    if (status != FR_OK) return status;
    if (context->context_ != nullptr) context->driver_->cuDevicePrimaryCtxRelease(context->device_);
    context->driver_ = &driver;
    context->device_ = device;
    context->context_ = handle;
    return FR_OK;
}

CurrentContext::~CurrentContext() {
    if (driver_ != nullptr) {
        cu::CUcontext previous = nullptr;
        driver_->cuCtxPopCurrent(&previous);
    }
}

fr_status CurrentContext::push(const CudaDriver& driver, cu::CUcontext context) {
    fr_status status = check_cuda(driver, driver.cuCtxPushCurrent(context), "cuCtxPushCurrent");
    if (status == FR_OK) driver_ = &driver;
    return status;
}

fr_status query_device_info(const CudaDriver& driver, int ordinal, cu::CUdevice device, DeviceInfo* info) {
    info->ordinal = ordinal;
    int cooperative = 0;
    int cluster = 0;
    fr_status status = check_cuda(
        driver, driver.cuDeviceGetAttribute(&info->major, cu::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
        "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)");
    if (status != FR_OK) return status;
    status = check_cuda(
        driver, driver.cuDeviceGetAttribute(&info->minor, cu::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
        "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)");
    if (status != FR_OK) return status;
    if (driver.cuDeviceGetAttribute(&cooperative, cu::CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH, device) !=
        cu::CUDA_SUCCESS) {
        cooperative = 0;
    }
    // Older drivers do not know attribute 120; they cannot launch clusters either.
    if (driver.cuDeviceGetAttribute(&cluster, cu::CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH, device) != cu::CUDA_SUCCESS) {
        cluster = 0;
    }
    info->cooperative_launch = cooperative != 0;
    info->cluster_launch = cluster != 0 && driver.cuLaunchKernelEx != nullptr;
    info->arch = "sm_" + std::to_string(info->major * 10 + info->minor);
    return FR_OK;
}

void register_handle(const void* handle, HandleKind kind) {
    HandleRegistry& registry = handle_registry();
    std::lock_guard<std::mutex> lock(registry.mutex);
    registry.handles[handle] = kind;
}

void unregister_handle(const void* handle) {
    HandleRegistry& registry = handle_registry();
    std::lock_guard<std::mutex> lock(registry.mutex);
    registry.handles.erase(handle);
}

bool is_live_handle(const void* handle, HandleKind kind) {
    HandleRegistry& registry = handle_registry();
    std::lock_guard<std::mutex> lock(registry.mutex);
    auto found = registry.handles.find(handle);
    return found != registry.handles.end() && found->second == kind;
}

fr_status check_live_context(fr_context context) {
    if (context == nullptr || !is_live_handle(context, HandleKind::context)) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "context: expected a live context from fr_context_create, got %s.",
                    context == nullptr ? "NULL" : "an unknown or destroyed handle");
    }
    return FR_OK;
}

fr_status check_live_module(fr_module module) {
    if (module == nullptr || !is_live_handle(module, HandleKind::module)) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "module: expected a live module from fr_module_load, got %s.",
                    module == nullptr ? "NULL" : "an unknown or unloaded handle");
    }
    return FR_OK;
}

}  // namespace fr

fr_context_s::~fr_context_s() = default;
