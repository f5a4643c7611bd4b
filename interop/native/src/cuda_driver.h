// cuda_driver.h: libcuda.so.1 loaded at run time (or $FR_CUDA_LIBRARY), once per process, and the mapping of
// CUresult codes to fr_status with a message naming the failed call. Holds no policy beyond that.
#ifndef FR_CUDA_DRIVER_H
#define FR_CUDA_DRIVER_H

#include "cuda_driver_api.h"
#include "fastrecurrence.h"

namespace fr {

struct CudaDriver {
    cu::PFN_cuInit cuInit = nullptr;
    cu::PFN_cuDriverGetVersion cuDriverGetVersion = nullptr;
    cu::PFN_cuGetErrorName cuGetErrorName = nullptr;
    cu::PFN_cuGetErrorString cuGetErrorString = nullptr;
    cu::PFN_cuDeviceGetCount cuDeviceGetCount = nullptr;
    cu::PFN_cuDeviceGet cuDeviceGet = nullptr;
    cu::PFN_cuDeviceGetName cuDeviceGetName = nullptr;
    cu::PFN_cuDeviceGetAttribute cuDeviceGetAttribute = nullptr;
    cu::PFN_cuDevicePrimaryCtxRetain cuDevicePrimaryCtxRetain = nullptr;
    cu::PFN_cuDevicePrimaryCtxRelease cuDevicePrimaryCtxRelease = nullptr;
    cu::PFN_cuCtxPushCurrent cuCtxPushCurrent = nullptr;
    cu::PFN_cuCtxPopCurrent cuCtxPopCurrent = nullptr;
    cu::PFN_cuMemAlloc cuMemAlloc = nullptr;
    cu::PFN_cuMemFree cuMemFree = nullptr;
    cu::PFN_cuMemGetAddressRange cuMemGetAddressRange = nullptr;  // optional: fr_free forgets packs in the allocation
    cu::PFN_cuMemcpyHtoD cuMemcpyHtoD = nullptr;
    cu::PFN_cuMemcpyDtoH cuMemcpyDtoH = nullptr;
    cu::PFN_cuStreamSynchronize cuStreamSynchronize = nullptr;
    cu::PFN_cuMemsetD8Async cuMemsetD8Async = nullptr;
    cu::PFN_cuModuleLoadData cuModuleLoadData = nullptr;
    cu::PFN_cuModuleUnload cuModuleUnload = nullptr;
    cu::PFN_cuModuleGetFunction cuModuleGetFunction = nullptr;
    cu::PFN_cuFuncSetAttribute cuFuncSetAttribute = nullptr;
    cu::PFN_cuLaunchKernel cuLaunchKernel = nullptr;
    cu::PFN_cuLaunchCooperativeKernel cuLaunchCooperativeKernel = nullptr;
    cu::PFN_cuLaunchKernelEx cuLaunchKernelEx = nullptr;  // NULL before driver 11.8: no cluster launch
    cu::PFN_cuMemAllocAsync cuMemAllocAsync = nullptr;    // NULL before 11.2: scratch memory is then synchronous
    cu::PFN_cuMemFreeAsync cuMemFreeAsync = nullptr;

    // cuInit's answer: CUDA_ERROR_NO_DEVICE means the driver works but the machine has no GPU.
    cu::CUresult init_result = cu::CUDA_SUCCESS;
};

// The loaded driver, or nullptr after recording FR_ERROR_NO_DRIVER with the reason (which library was tried,
// which symbol was missing, what cuInit said). Loads on the first call; the outcome is kept for the process.
fr_status load_cuda_driver(const CudaDriver** driver);

// The driver and a device handle for `ordinal`, or FR_ERROR_NO_DRIVER / FR_ERROR_NO_DEVICE with a message.
fr_status cuda_device(int ordinal, const CudaDriver** driver, cu::CUdevice* device);

// FR_OK for CUDA_SUCCESS; otherwise records "{call} failed: {CUDA_ERROR_NAME} ({code}): {description}" and
// returns the matching status (out of memory, no device, unsupported, else FR_ERROR_CUDA).
fr_status check_cuda(const CudaDriver& driver, cu::CUresult result, const char* call);

}  // namespace fr

#endif
