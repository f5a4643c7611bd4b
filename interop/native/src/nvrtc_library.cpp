// nvrtc_library.cpp: see nvrtc_library.h.
#include "nvrtc_library.h"

#include "dynamic_library.h"
#include "errors.h"

#include <atomic>
#include <cstdlib>

#if !defined(_WIN32)
#include <dlfcn.h>
#include <climits>
#endif

namespace fr {
namespace {

struct NvrtcState {
    DynamicLibrary library;
    NvrtcLibrary api;
    fr_status status = FR_OK;
    std::string message;
};

template <class Function>
void resolve(const DynamicLibrary& library, const char* name, Function* function, std::string* missing) {
    *function = reinterpret_cast<Function>(library.symbol(name));
    if (*function == nullptr) {
        if (!missing->empty()) *missing += ", ";
        *missing += name;
    }
}

void load(NvrtcState* state) {
    const std::string override_path = environment("FR_NVRTC_LIBRARY");
    std::string tried;
    if (!override_path.empty()) {
        // An explicit path is used alone: falling back to another NVRTC would hide a wrong override.
        std::string error;
        state->library = DynamicLibrary::open(override_path, &error);
        state->api.path = override_path;
        if (!state->library.is_open()) {
            state->status = FR_ERROR_NO_NVRTC;
            state->message = "no NVRTC: FR_NVRTC_LIBRARY=" + override_path + " could not be loaded (" + error + ")";
            return;
        }
    } else {
        state->library = DynamicLibrary::open_first(nvrtc_candidate_names(), &state->api.path, &tried);
        if (!state->library.is_open()) {
            state->status = FR_ERROR_NO_NVRTC;
            state->message = "no NVRTC: none of the libraries could be loaded: " + tried +
                             ". Install libnvrtc (Debian: libnvrtc11.2 from non-free; or a CUDA toolkit) "
                             "or set FR_NVRTC_LIBRARY to its path";
            return;
        }
    }

    NvrtcLibrary& api = state->api;
    const DynamicLibrary& lib = state->library;
    std::string missing;
    resolve(lib, "nvrtcVersion", &api.nvrtcVersion, &missing);
    resolve(lib, "nvrtcGetErrorString", &api.nvrtcGetErrorString, &missing);
    resolve(lib, "nvrtcCreateProgram", &api.nvrtcCreateProgram, &missing);
    resolve(lib, "nvrtcDestroyProgram", &api.nvrtcDestroyProgram, &missing);
    resolve(lib, "nvrtcCompileProgram", &api.nvrtcCompileProgram, &missing);
    resolve(lib, "nvrtcGetProgramLogSize", &api.nvrtcGetProgramLogSize, &missing);
    resolve(lib, "nvrtcGetProgramLog", &api.nvrtcGetProgramLog, &missing);
    resolve(lib, "nvrtcGetCUBINSize", &api.nvrtcGetCUBINSize, &missing);
    resolve(lib, "nvrtcGetCUBIN", &api.nvrtcGetCUBIN, &missing);
    if (!missing.empty()) {
        state->status = FR_ERROR_NO_NVRTC;
        state->message = "no usable NVRTC: " + api.path + " lacks " + missing + " (NVRTC 11.1 or newer is needed)";
        return;
    }
    if (api.nvrtcVersion(&api.major, &api.minor) != nvrtc::NVRTC_SUCCESS) {
        state->status = FR_ERROR_NO_NVRTC;
        state->message = "no usable NVRTC: nvrtcVersion failed in " + api.path;
        return;
    }

#if !defined(_WIN32)
    // The file behind the name (the loader's search result), for the version record of nvrtc_identity.h.
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(api.nvrtcVersion), &info) != 0 && info.dli_fname != nullptr) {
        char resolved[PATH_MAX];
        if (realpath(info.dli_fname, resolved) != nullptr) api.file = resolved;
    }
#endif

    // Optional (NVRTC 11.2+): lets an unsupported arch be reported clearly instead of as a compile error.
    nvrtc::PFN_nvrtcGetNumSupportedArchs count_archs = nullptr;
    nvrtc::PFN_nvrtcGetSupportedArchs list_archs = nullptr;
    std::string optional_missing;
    resolve(lib, "nvrtcGetNumSupportedArchs", &count_archs, &optional_missing);
    resolve(lib, "nvrtcGetSupportedArchs", &list_archs, &optional_missing);
    int count = 0;
    if (count_archs != nullptr && list_archs != nullptr && count_archs(&count) == nvrtc::NVRTC_SUCCESS && count > 0) {
        api.supported_archs.resize(static_cast<size_t>(count));
        if (list_archs(api.supported_archs.data()) != nvrtc::NVRTC_SUCCESS) api.supported_archs.clear();
    }
    state->status = FR_OK;
}

std::atomic<bool> g_load_attempted{false};

const NvrtcState& nvrtc_state() {
    // Loaded once and never unloaded, like the driver (see cuda_driver.cpp).
    static NvrtcState* state = [] {
        g_load_attempted = true;
        auto* loaded = new NvrtcState();
        load(loaded);
        return loaded;
    }();
    return *state;
}

}  // namespace

bool nvrtc_load_attempted() { return g_load_attempted; }

std::vector<std::string> nvrtc_candidate_names() {
#if defined(_WIN32)
    return {"nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"};
#else
    return {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"};
#endif
}

fr_status load_nvrtc(const NvrtcLibrary** library) {
    *library = nullptr;
    const NvrtcState& state = nvrtc_state();
    if (state.status != FR_OK) return fail_text(state.status, state.message);
    *library = &state.api;
    return FR_OK;
}

}  // namespace fr
