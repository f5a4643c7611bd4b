// scratch_memory.cpp: see scratch_memory.h.
#include "scratch_memory.h"

#include "device_context.h"
#include "errors.h"

#include <cstdint>
#include <cstring>

namespace fr {

fr_status ScratchMemory::allocate(fr_context context, size_t bytes, void* stream) {
    context_ = context;
    stream_ = stream;
    bytes_ = bytes;
    if (context->emulation != nullptr || context->driver->cuMemAllocAsync == nullptr ||
        context->driver->cuMemFreeAsync == nullptr) {
        return fr_malloc(context, bytes, &pointer_);
    }
    const CudaDriver& driver = *context->driver;
    CurrentContext current;
    fr_status status = current.push(driver, context->primary.get());
    if (status != FR_OK) return status;
    cu::CUdeviceptr allocation = 0;
    const cu::CUresult result = driver.cuMemAllocAsync(&allocation, bytes, static_cast<cu::CUstream>(stream));
    if (result == cu::CUDA_ERROR_NOT_SUPPORTED) return fr_malloc(context, bytes, &pointer_);  // no memory pools here
    status = check_cuda(driver, result, "cuMemAllocAsync");
    if (status != FR_OK) return status;
    pointer_ = reinterpret_cast<void*>(static_cast<uintptr_t>(allocation));
    stream_ordered_ = true;
    return FR_OK;
}

fr_status ScratchMemory::zero() {
    if (context_->emulation != nullptr) {
        std::memset(pointer_, 0, bytes_);  // emulated launches run when called: nothing is in flight
        return FR_OK;
    }
    const CudaDriver& driver = *context_->driver;
    CurrentContext current;
    fr_status status = current.push(driver, context_->primary.get());
    if (status != FR_OK) return status;
    return check_cuda(driver,
                      driver.cuMemsetD8Async(static_cast<cu::CUdeviceptr>(reinterpret_cast<uintptr_t>(pointer_)), 0, bytes_,
                                             static_cast<cu::CUstream>(stream_)),
                      "cuMemsetD8Async");
}

ScratchMemory::~ScratchMemory() {
    if (pointer_ == nullptr) return;
    const KeptError kept;  // the operation's status is decided; its message must outlive this cleanup
    if (stream_ordered_) {
        const CudaDriver& driver = *context_->driver;
        CurrentContext current;
        if (current.push(driver, context_->primary.get()) == FR_OK) {
            driver.cuMemFreeAsync(static_cast<cu::CUdeviceptr>(reinterpret_cast<uintptr_t>(pointer_)),
                                  static_cast<cu::CUstream>(stream_));
        }
        return;
    }
    // Synchronous fallback: the stream's kernels may still read it. (No-op for an emulated context.)
    fr_synchronize(context_, stream_);
    fr_free(context_, pointer_);
}

}  // namespace fr
