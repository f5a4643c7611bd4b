// kernel_launch.cpp: see kernel_launch.h.
#include "kernel_launch.h"

#include "emulation/emulation_state.h"
#include "errors.h"

#include <cstdint>

namespace fr {
namespace {

bool any_zero(const fr_dim3& d) { return d.x == 0 || d.y == 0 || d.z == 0; }

}  // namespace

fr_status validate_launch_shape(const char* argument, const LaunchShape& shape) {
    if (any_zero(shape.grid)) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s.grid: expected every dimension >= 1, got (%u, %u, %u).", argument,
                    shape.grid.x, shape.grid.y, shape.grid.z);
    }
    if (shape.grid.x > 0x7fffffffu || shape.grid.y > kMaxGridYZ || shape.grid.z > kMaxGridYZ) {
        return fail(FR_ERROR_UNSUPPORTED,
                    "%s.grid: expected x <= 2^31 - 1 and y, z <= 65535 (the CUDA grid limits), got (%u, %u, %u); split the "
                    "call (e.g. the batch) into parts within them.",
                    argument, shape.grid.x, shape.grid.y, shape.grid.z);
    }
    if (any_zero(shape.block)) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s.block: expected every dimension >= 1, got (%u, %u, %u).", argument,
                    shape.block.x, shape.block.y, shape.block.z);
    }
    const uint64_t threads = uint64_t{shape.block.x} * shape.block.y * shape.block.z;
    if (threads > 1024 || shape.block.z > 64) {  // every CUDA architecture's block limits
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "%s.block: expected at most 1024 threads (and z <= 64), got (%u, %u, %u) = %llu threads.", argument,
                    shape.block.x, shape.block.y, shape.block.z, static_cast<unsigned long long>(threads));
    }
    if (shape.shared_bytes > 0x7fffffffu) {  // the driver takes it as an int where the library opts in above 48 KB
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s.shared_bytes: expected at most 2^31 - 1, got %u.", argument,
                    shape.shared_bytes);
    }
    if (shape.kind != FR_LAUNCH_PLAIN && shape.kind != FR_LAUNCH_COOPERATIVE && shape.kind != FR_LAUNCH_CLUSTER) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "%s.kind: expected FR_LAUNCH_PLAIN (0), FR_LAUNCH_COOPERATIVE (1) or FR_LAUNCH_CLUSTER (2), got %d.",
                    argument, shape.kind);
    }
    if (shape.kind == FR_LAUNCH_CLUSTER) {
        if (any_zero(shape.cluster)) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "%s.cluster: expected every dimension >= 1, got (%u, %u, %u).",
                        argument, shape.cluster.x, shape.cluster.y, shape.cluster.z);
        }
        if (shape.grid.x % shape.cluster.x != 0 || shape.grid.y % shape.cluster.y != 0 ||
            shape.grid.z % shape.cluster.z != 0) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "%s.grid: expected a multiple of the cluster (%u, %u, %u) in every dimension, got (%u, %u, %u).",
                        argument, shape.cluster.x, shape.cluster.y, shape.cluster.z, shape.grid.x, shape.grid.y,
                        shape.grid.z);
        }
    }
    return FR_OK;
}

fr_status launch_kernel(LoadedModule& module, const char* name, const LaunchShape& shape, void* stream, void** args) {
    if (module.emulated() != nullptr) {
        // cuda-emulated: synchronous on the CPU; the stream has nothing to order
        const emu::KernelEntry* kernel = nullptr;
        fr_status status = module.emulated()->kernel(name, &kernel);
        if (status != FR_OK) return status;
        if (args == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "args: expected the kernel's argument pointers, got NULL.");
        return emu::run_launch(*kernel, shape, args, module.emulation()->device_snapshot());
    }
    const CudaDriver& driver = module.driver();
    const DeviceInfo& device = module.device();
    if (shape.kind == FR_LAUNCH_COOPERATIVE && !device.cooperative_launch) {
        return fail(FR_ERROR_UNSUPPORTED, "kind: device %d (%s) does not support cooperative launches.", device.ordinal,
                    device.arch.c_str());
    }
    const unsigned cluster_blocks = shape.cluster.x * shape.cluster.y * shape.cluster.z;
    if (shape.kind == FR_LAUNCH_CLUSTER && !device.cluster_launch) {
        return fail(FR_ERROR_UNSUPPORTED,
                    "kind: thread-block clusters need sm_90 or newer and a driver with cuLaunchKernelEx (CUDA 11.8+); "
                    "device %d is %s%s.",
                    device.ordinal, device.arch.c_str(),
                    driver.cuLaunchKernelEx == nullptr ? " and the driver lacks cuLaunchKernelEx" : "");
    }
    const bool large_cluster = shape.kind == FR_LAUNCH_CLUSTER && cluster_blocks > cu::kPortableClusterBlocks;

    CurrentContext current;
    fr_status status = current.push(driver, module.context());
    if (status != FR_OK) return status;
    cu::CUfunction function = nullptr;
    status = module.prepare(name, shape.shared_bytes, large_cluster, &function);
    if (status != FR_OK) return status;

    auto cu_stream = static_cast<cu::CUstream>(stream);
    switch (shape.kind) {
        case FR_LAUNCH_PLAIN:
            return check_cuda(driver,
                              driver.cuLaunchKernel(function, shape.grid.x, shape.grid.y, shape.grid.z, shape.block.x,
                                                    shape.block.y, shape.block.z, shape.shared_bytes, cu_stream, args,
                                                    nullptr),
                              "cuLaunchKernel");
        case FR_LAUNCH_COOPERATIVE:
            return check_cuda(driver,
                              driver.cuLaunchCooperativeKernel(function, shape.grid.x, shape.grid.y, shape.grid.z,
                                                               shape.block.x, shape.block.y, shape.block.z,
                                                               shape.shared_bytes, cu_stream, args),
                              "cuLaunchCooperativeKernel");
        case FR_LAUNCH_CLUSTER: {
            cu::CUlaunchAttribute attribute{};
            attribute.id = cu::CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
            attribute.value.clusterDim.x = shape.cluster.x;
            attribute.value.clusterDim.y = shape.cluster.y;
            attribute.value.clusterDim.z = shape.cluster.z;
            cu::CUlaunchConfig config{};
            config.gridDimX = shape.grid.x;
            config.gridDimY = shape.grid.y;
            config.gridDimZ = shape.grid.z;
            config.blockDimX = shape.block.x;
            config.blockDimY = shape.block.y;
            config.blockDimZ = shape.block.z;
            config.sharedMemBytes = shape.shared_bytes;
            config.hStream = cu_stream;
            config.attrs = &attribute;
            config.numAttrs = 1;
            return check_cuda(driver, driver.cuLaunchKernelEx(&config, function, args, nullptr), "cuLaunchKernelEx");
        }
    }
    return fail(FR_ERROR_INTERNAL, "launch kind %d passed validation but has no launch path", shape.kind);
}

}  // namespace fr
