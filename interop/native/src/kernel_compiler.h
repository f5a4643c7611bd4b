// kernel_compiler.h: a compile request to a cubin through the disk cache: look up the key, compile with NVRTC on
// a miss (or a corrupt file), store the result. Used by fr_compile, fr_module_load and the scan operations.
#ifndef FR_KERNEL_COMPILER_H
#define FR_KERNEL_COMPILER_H

#include "compile_request.h"
#include "cubin_cache.h"

#include <string>

namespace fr {

struct CompiledKernel {
    CachedCubin binary;
    bool cache_hit = false;
    std::string key;
    int nvrtc_major = 0;
    int nvrtc_minor = 0;
};

// FR_OK; or NO_NVRTC, UNSUPPORTED (arch unknown to this NVRTC), COMPILE, CACHE (no cache folder, or the cubin
// could not be stored: it was compiled and `output` is complete all the same).
fr_status compile_kernel(const CompileRequest& request, const CacheSettings& cache, CompiledKernel* output);

}  // namespace fr

#endif
