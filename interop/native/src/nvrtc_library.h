// nvrtc_library.h: libnvrtc loaded at run time, once per process: $FR_NVRTC_LIBRARY if set (and only that),
// else the first of libnvrtc.so.13, .so.12, .so.11.2, libnvrtc.so that opens. The signatures are those of
// NVIDIA's nvrtc.h (nvrtcResult is an int enum, nvrtcProgram an opaque pointer); nvrtcGetCUBIN needs 11.1+.
#ifndef FR_NVRTC_LIBRARY_H
#define FR_NVRTC_LIBRARY_H

#include "fastrecurrence.h"

#include <cstddef>
#include <string>
#include <vector>

namespace fr {

namespace nvrtc {
using nvrtcResult = int;
using nvrtcProgram = struct nvrtc_program_st*;
constexpr nvrtcResult NVRTC_SUCCESS = 0;

using PFN_nvrtcVersion = nvrtcResult (*)(int* major, int* minor);
using PFN_nvrtcGetErrorString = const char* (*)(nvrtcResult result);
using PFN_nvrtcCreateProgram = nvrtcResult (*)(nvrtcProgram* program, const char* source, const char* name,
                                               int header_count, const char* const* headers,
                                               const char* const* include_names);
using PFN_nvrtcDestroyProgram = nvrtcResult (*)(nvrtcProgram* program);
using PFN_nvrtcCompileProgram = nvrtcResult (*)(nvrtcProgram program, int option_count, const char* const* options);
using PFN_nvrtcGetProgramLogSize = nvrtcResult (*)(nvrtcProgram program, size_t* size);
using PFN_nvrtcGetProgramLog = nvrtcResult (*)(nvrtcProgram program, char* log);
using PFN_nvrtcGetCUBINSize = nvrtcResult (*)(nvrtcProgram program, size_t* size);
using PFN_nvrtcGetCUBIN = nvrtcResult (*)(nvrtcProgram program, char* cubin);
using PFN_nvrtcGetNumSupportedArchs = nvrtcResult (*)(int* count);
using PFN_nvrtcGetSupportedArchs = nvrtcResult (*)(int* archs);
}  // namespace nvrtc

struct NvrtcLibrary {
    nvrtc::PFN_nvrtcVersion nvrtcVersion = nullptr;
    nvrtc::PFN_nvrtcGetErrorString nvrtcGetErrorString = nullptr;
    nvrtc::PFN_nvrtcCreateProgram nvrtcCreateProgram = nullptr;
    nvrtc::PFN_nvrtcDestroyProgram nvrtcDestroyProgram = nullptr;
    nvrtc::PFN_nvrtcCompileProgram nvrtcCompileProgram = nullptr;
    nvrtc::PFN_nvrtcGetProgramLogSize nvrtcGetProgramLogSize = nullptr;
    nvrtc::PFN_nvrtcGetProgramLog nvrtcGetProgramLog = nullptr;
    nvrtc::PFN_nvrtcGetCUBINSize nvrtcGetCUBINSize = nullptr;
    nvrtc::PFN_nvrtcGetCUBIN nvrtcGetCUBIN = nullptr;

    int major = 0;
    int minor = 0;
    std::string path;                // the name or path that was opened
    std::string file;                // the file the loader mapped, resolved (realpath); "" when unknown
    std::vector<int> supported_archs;  // e.g. 80, 86, 90; empty when this NVRTC cannot list them
};

// The loaded NVRTC, or nullptr after recording FR_ERROR_NO_NVRTC with every name tried and why it failed.
fr_status load_nvrtc(const NvrtcLibrary** library);

// Whether this process has loaded (or tried to load) NVRTC already: a fresh process has not.
bool nvrtc_load_attempted();

// The names probed when FR_NVRTC_LIBRARY is unset, in order.
std::vector<std::string> nvrtc_candidate_names();

}  // namespace fr

#endif
