// cuda_driver_api.h: the few CUDA driver API types, constants and function signatures the library calls,
// declared here because the build has no CUDA toolkit. Values and layouts are those of NVIDIA's cuda.h
// (CUDA Driver API header, CUDA 11.8 - 13.x; the driver keeps them ABI-stable across releases):
//   CUresult codes, CUdevice_attribute (75/76 compute capability, 95 cooperative launch, 120 cluster launch),
//   CUfunction_attribute (8 MAX_DYNAMIC_SHARED_SIZE_BYTES, 14 NON_PORTABLE_CLUSTER_SIZE_ALLOWED),
//   CUlaunchAttributeID (4 CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION), and the structs
//   CUlaunchAttributeValue_union (a 64-byte union), CUlaunchAttribute_st { id; pad to 8; value },
//   CUlaunchConfig_st { gridDimX..Z, blockDimX..Z, sharedMemBytes, hStream, attrs, numAttrs } of cuLaunchKernelEx
//   (cuda.h, "cuLaunchKernelEx", available from CUDA 11.8).
// Symbols with a _v2 suffix are what cuda.h maps the plain names to on 64-bit platforms.
#ifndef FR_CUDA_DRIVER_API_H
#define FR_CUDA_DRIVER_API_H

#include <cstddef>
#include <cstdint>

namespace fr {
namespace cu {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st*;
using CUmodule = struct CUmod_st*;
using CUfunction = struct CUfunc_st*;
using CUstream = struct CUstream_st*;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_INVALID_VALUE = 1;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_NOT_INITIALIZED = 3;
constexpr CUresult CUDA_ERROR_NO_DEVICE = 100;
constexpr CUresult CUDA_ERROR_INVALID_DEVICE = 101;
constexpr CUresult CUDA_ERROR_NOT_FOUND = 500;
constexpr CUresult CUDA_ERROR_NOT_SUPPORTED = 801;

constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH = 95;
constexpr int CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH = 120;

constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED = 14;

constexpr int CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION = 4;

// The portable cluster size; larger clusters need NON_PORTABLE_CLUSTER_SIZE_ALLOWED on the function.
constexpr unsigned kPortableClusterBlocks = 8;

union CUlaunchAttributeValue {
    char pad[64];
    struct {
        unsigned int x, y, z;
    } clusterDim;
    void* align_as_pointer;  // the real union holds pointers, so it is 8-byte aligned
};

struct CUlaunchAttribute {
    int id;  // CUlaunchAttributeID
    char pad[8 - sizeof(int)];
    CUlaunchAttributeValue value;
};

struct CUlaunchConfig {
    unsigned int gridDimX, gridDimY, gridDimZ;
    unsigned int blockDimX, blockDimY, blockDimZ;
    unsigned int sharedMemBytes;
    CUstream hStream;
    CUlaunchAttribute* attrs;
    unsigned int numAttrs;
};

static_assert(sizeof(CUlaunchAttributeValue) == 64, "CUlaunchAttributeValue is a 64-byte union in cuda.h");
static_assert(sizeof(CUlaunchAttribute) == 72, "CUlaunchAttribute: 4-byte id, 4 bytes padding, 64-byte value");
static_assert(offsetof(CUlaunchConfig, hStream) == 32, "CUlaunchConfig layout as in cuda.h");

using PFN_cuInit = CUresult (*)(unsigned int flags);
using PFN_cuDriverGetVersion = CUresult (*)(int* version);
using PFN_cuGetErrorName = CUresult (*)(CUresult error, const char** name);
using PFN_cuGetErrorString = CUresult (*)(CUresult error, const char** text);
using PFN_cuDeviceGetCount = CUresult (*)(int* count);
using PFN_cuDeviceGet = CUresult (*)(CUdevice* device, int ordinal);
using PFN_cuDeviceGetName = CUresult (*)(char* name, int length, CUdevice device);
using PFN_cuDeviceGetAttribute = CUresult (*)(int* value, int attribute, CUdevice device);
using PFN_cuDevicePrimaryCtxRetain = CUresult (*)(CUcontext* context, CUdevice device);
using PFN_cuDevicePrimaryCtxRelease = CUresult (*)(CUdevice device);  // cuDevicePrimaryCtxRelease_v2
using PFN_cuCtxPushCurrent = CUresult (*)(CUcontext context);         // cuCtxPushCurrent_v2
using PFN_cuCtxPopCurrent = CUresult (*)(CUcontext* context);         // cuCtxPopCurrent_v2
using PFN_cuMemAlloc = CUresult (*)(CUdeviceptr* pointer, size_t bytes);                       // _v2
using PFN_cuMemFree = CUresult (*)(CUdeviceptr pointer);                                       // _v2
using PFN_cuMemGetAddressRange = CUresult (*)(CUdeviceptr* base, size_t* bytes, CUdeviceptr pointer);  // _v2
using PFN_cuMemsetD8Async = CUresult (*)(CUdeviceptr pointer, unsigned char value, size_t count, CUstream stream);
using PFN_cuMemAllocAsync = CUresult (*)(CUdeviceptr* pointer, size_t bytes, CUstream stream); // CUDA 11.2+
using PFN_cuMemFreeAsync = CUresult (*)(CUdeviceptr pointer, CUstream stream);                 // CUDA 11.2+
using PFN_cuMemcpyHtoD = CUresult (*)(CUdeviceptr destination, const void* source, size_t bytes);  // _v2
using PFN_cuMemcpyDtoH = CUresult (*)(void* destination, CUdeviceptr source, size_t bytes);        // _v2
using PFN_cuStreamSynchronize = CUresult (*)(CUstream stream);
using PFN_cuModuleLoadData = CUresult (*)(CUmodule* module, const void* image);
using PFN_cuModuleUnload = CUresult (*)(CUmodule module);
using PFN_cuModuleGetFunction = CUresult (*)(CUfunction* function, CUmodule module, const char* name);
using PFN_cuFuncSetAttribute = CUresult (*)(CUfunction function, int attribute, int value);
using PFN_cuLaunchKernel = CUresult (*)(CUfunction function, unsigned int gridX, unsigned int gridY,
                                        unsigned int gridZ, unsigned int blockX, unsigned int blockY,
                                        unsigned int blockZ, unsigned int sharedBytes, CUstream stream,
                                        void** params, void** extra);
using PFN_cuLaunchCooperativeKernel = CUresult (*)(CUfunction function, unsigned int gridX, unsigned int gridY,
                                                   unsigned int gridZ, unsigned int blockX, unsigned int blockY,
                                                   unsigned int blockZ, unsigned int sharedBytes, CUstream stream,
                                                   void** params);
using PFN_cuLaunchKernelEx = CUresult (*)(const CUlaunchConfig* config, CUfunction function, void** params,
                                          void** extra);

}  // namespace cu
}  // namespace fr

#endif
