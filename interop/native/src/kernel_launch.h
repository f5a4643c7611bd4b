// kernel_launch.h: checks a launch configuration and launches a kernel of a loaded module: plain
// (cuLaunchKernel), cooperative (cuLaunchCooperativeKernel: all blocks co-resident, grid barriers allowed) or as
// thread-block clusters (cuLaunchKernelEx with CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION, sm_90+).
#ifndef FR_KERNEL_LAUNCH_H
#define FR_KERNEL_LAUNCH_H

#include "fastrecurrence.h"
#include "loaded_module.h"

namespace fr {

struct LaunchShape {
    fr_dim3 grid, block, cluster;
    uint32_t shared_bytes = 0;
    int kind = FR_LAUNCH_PLAIN;  // fr_launch_kind, read with enum_value (callers may pass any int)
};

// The CUDA grid's limit in y and z (x reaches 2^31 - 1).
constexpr unsigned kMaxGridYZ = 65535;

// The checks that need no device: non-zero dimensions, a known kind, a grid that the cluster divides.
// `argument` names the struct in messages ("config", "plan").
fr_status validate_launch_shape(const char* argument, const LaunchShape& shape);

// Launches `name` on `stream` (a CUstream or NULL); `args` as for cuLaunchKernel. The module's context is made
// current for the call and restored after. FR_ERROR_UNSUPPORTED where the device cannot do the kind.
fr_status launch_kernel(LoadedModule& module, const char* name, const LaunchShape& shape, void* stream, void** args);

}  // namespace fr

#endif
