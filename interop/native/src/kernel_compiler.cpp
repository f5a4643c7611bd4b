// kernel_compiler.cpp: see kernel_compiler.h.
#include "kernel_compiler.h"

#include "errors.h"
#include "nvrtc_compile.h"
#include "nvrtc_identity.h"
#include "nvrtc_library.h"

#include <algorithm>

namespace fr {
namespace {

std::string arch_list(const std::vector<int>& archs) {
    std::string list;
    for (int arch : archs) list += (list.empty() ? "sm_" : ", sm_") + std::to_string(arch);
    return list;
}

}  // namespace

fr_status compile_kernel(const CompileRequest& request, const CacheSettings& cache, CompiledKernel* output) {
    if (fr_status status = check_arch_supports(request); status != FR_OK) return status;
    bool use_cache = cache.enabled;
    std::string dir;
    std::string cache_problem;  // set when the cache cannot be used: the compilation still happens
    if (use_cache) {
        fr_status status = resolve_cache_dir(cache.dir, cache.argument, &dir);
        if (status == FR_ERROR_INVALID_ARGUMENT) return status;
        if (status != FR_OK) {
            cache_problem = last_error();
            clear_error();
            use_cache = false;
        }
    }

    // A fresh process answers a hit without loading libnvrtc: the version recorded beside the cubins keys the lookup
    // (nvrtc_identity.h). Once NVRTC is loaded, its own version is used.
    int recorded_major = 0, recorded_minor = 0;
    if (use_cache && !nvrtc_load_attempted() && recorded_nvrtc_version(dir, &recorded_major, &recorded_minor)) {
        const std::string key = cache_key(request, recorded_major, recorded_minor);
        std::string why;
        if (read_cached_cubin(dir, key, &output->binary, &why) == CacheLookup::hit) {
            output->key = key;
            output->nvrtc_major = recorded_major;
            output->nvrtc_minor = recorded_minor;
            output->cache_hit = true;
            return FR_OK;
        }
    }

    const NvrtcLibrary* nvrtc = nullptr;
    fr_status status = load_nvrtc(&nvrtc);
    if (status != FR_OK) return status;
    output->nvrtc_major = nvrtc->major;
    output->nvrtc_minor = nvrtc->minor;

    const auto& archs = nvrtc->supported_archs;
    if (!archs.empty() && std::find(archs.begin(), archs.end(), request.arch_number) == archs.end()) {
        return fail(FR_ERROR_UNSUPPORTED, "%s: NVRTC %d.%d cannot compile for %s; it knows %s.",
                    request.arch_argument.c_str(), nvrtc->major, nvrtc->minor, request.arch.c_str(), arch_list(archs).c_str());
    }
    // NVRTC lists base architectures only: arch-specific targets (sm_90a) came with CUDA 12.0, family ones (sm_100f)
    // with 12.9 (CUDA toolkit release notes)
    const char suffix = request.arch.back();
    if ((suffix == 'a' && nvrtc->major < 12) ||
        (suffix == 'f' && (nvrtc->major < 12 || (nvrtc->major == 12 && nvrtc->minor < 9)))) {
        return fail(FR_ERROR_UNSUPPORTED, "%s: NVRTC %d.%d cannot compile for %s; '%c' targets need NVRTC %s or newer.",
                    request.arch_argument.c_str(), nvrtc->major, nvrtc->minor, request.arch.c_str(), suffix,
                    suffix == 'a' ? "12.0" : "12.9");
    }

    output->key = cache_key(request, nvrtc->major, nvrtc->minor);
    if (use_cache) {
        std::string why;
        if (read_cached_cubin(dir, output->key, &output->binary, &why) == CacheLookup::hit) {
            output->cache_hit = true;
            record_nvrtc_identity(dir, *nvrtc);
            return FR_OK;
        }
        // Missing or corrupt: either way compile, and the write below replaces a corrupt file.
    }

    output->cache_hit = false;
    status = compile_with_nvrtc(*nvrtc, request, &output->binary);
    if (status != FR_OK) return status;
    if (use_cache) {
        status = write_cached_cubin(dir, output->key, output->binary);
        if (status != FR_OK) return status;
        record_nvrtc_identity(dir, *nvrtc);
    }
    if (!cache_problem.empty()) return fail_text(FR_ERROR_CACHE, cache_problem);
    return FR_OK;
}

}  // namespace fr
