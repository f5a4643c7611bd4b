// compile_request.h: what one compilation is (a source, every header, sorted defines, an arch), built from the
// ABI's structs with every field validated, and its cache key.
#ifndef FR_COMPILE_REQUEST_H
#define FR_COMPILE_REQUEST_H

#include "fastrecurrence.h"
#include "cubin_cache.h"
#include "kernel_sources.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fr {

struct CompileRequest {
    const KernelFile* source = nullptr;
    std::vector<const KernelFile*> headers;
    std::vector<std::pair<std::string, int64_t>> defines;  // sorted by name, names unique
    std::string arch;                                       // "sm_90"
    int arch_number = 0;                                    // 90
    std::string arch_argument = "arch";                     // who chose the arch, for messages: "options.arch"

    // "scan|sm_90|FR_A=1|FR_B=2": identifies the cubin inside one process (same sources, same NVRTC), so
    // per-context module caches need no hashing.
    std::string process_key() const;
};

// Checks "sm_XX" / "sm_XXX" with an optional 'a' or 'f' suffix (sm_90a); `argument` names it in the message.
fr_status parse_arch(const char* arch, const char* argument, std::string* canonical, int* number);

// The compilable source called `source_name`; `argument` prefixes messages ("options", "plan").
fr_status find_source(const char* argument, const char* source_name, const KernelFile** source);

// Checks each define's name (a C identifier, unique) and returns them sorted by name.
fr_status read_defines(const char* argument, const fr_define* defines, int define_count,
                       std::vector<std::pair<std::string, int64_t>>* sorted);

// Validates source name, arch and defines and fills `request`. `argument` prefixes messages ("options", "plan").
fr_status make_compile_request(const char* argument, const char* source_name, const char* arch,
                               const fr_define* defines, int define_count, CompileRequest* request);

// Validates an fr_compile_options (struct_size, source, arch, defines, cache folder) into a request and cache
// settings. `default_arch` replaces a NULL options->arch when not NULL (fr_module_load: the device's arch).
fr_status read_compile_options(const fr_compile_options* options, const char* default_arch, CompileRequest* request,
                               CacheSettings* cache);

// The value of the request's define `name` into *value; false (and *value unset) when it has none.
bool find_define(const CompileRequest& request, const char* name, int64_t* value);

// What the request's kernels need of its arch, before any compile (else the kernel's #error or static_assert makes a
// valid plan on an older device an FR_ERROR_COMPILE): sm_70 for every kernel; sm_80 for the recurrent kernels'
// tensor-core mma (bf16 / fp16 storage, or FR_TF32 = 1); sm_90 for cluster plans (FR_REGIME = 2). FR_ERROR_UNSUPPORTED
// naming the need and request.arch_argument.
fr_status check_arch_supports(const CompileRequest& request);

// The NVRTC options for a request and NVRTC version, in order. Part of the cache key, so a change of flags
// cannot reuse a stale cubin.
std::vector<std::string> nvrtc_options(const CompileRequest& request, int nvrtc_major, int nvrtc_minor);

// Hex SHA-256 of (source text, every header's name and text, the sorted defines, arch, NVRTC version, options),
// each field length-prefixed so no two different inputs serialize alike.
std::string cache_key(const CompileRequest& request, int nvrtc_major, int nvrtc_minor);

}  // namespace fr

#endif
