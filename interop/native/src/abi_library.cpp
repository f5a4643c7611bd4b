// abi_library.cpp: the ABI's library-level entry points: versions, errors, status names, NVRTC version, the
// embedded kernel sources. Functions that return no status leave the last error alone, so a caller can ask
// for a status's name and then for the message.
#include "fastrecurrence.h"

#include "errors.h"
#include "kernel_sources.h"
#include "nvrtc_library.h"

#ifndef FR_VERSION
#define FR_VERSION "0.0.0"
#endif

using namespace fr;

extern "C" {

FR_API int fr_abi_version(void) { return FR_ABI_VERSION; }

FR_API const char* fr_version_string(void) {
    // Built from macros, so a literal: the pointer is valid for the life of the process.
#define FR_STRINGIFY_(x) #x
#define FR_STRINGIFY(x) FR_STRINGIFY_(x)
    return "fastrecurrence " FR_VERSION " (abi " FR_STRINGIFY(FR_ABI_VERSION) ")";
}

FR_API const char* fr_last_error(void) { return last_error(); }

FR_API const char* fr_status_name(fr_status status) { return status_name(enum_value(status)); }

FR_API fr_status fr_nvrtc_version(int* major, int* minor) {
    return guarded([&] {
        if (major == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "major: expected a pointer, got NULL.");
        if (minor == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "minor: expected a pointer, got NULL.");
        *major = 0;
        *minor = 0;
        const NvrtcLibrary* nvrtc = nullptr;
        fr_status status = load_nvrtc(&nvrtc);
        if (status != FR_OK) return status;
        *major = nvrtc->major;
        *minor = nvrtc->minor;
        return FR_OK;
    });
}

FR_API int fr_kernel_source_count(void) {
    try {
        return static_cast<int>(kernel_files().size());
    } catch (...) {
        return 0;  // out of host memory while building the list: report none rather than throw across the ABI
    }
}

FR_API fr_status fr_kernel_source(int index, const char** name, const char** text) {
    return guarded([&] {
        if (name == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "name: expected a pointer, got NULL.");
        if (text == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "text: expected a pointer, got NULL.");
        *name = nullptr;
        *text = nullptr;
        const auto files = kernel_files();
        if (index < 0 || index >= static_cast<int>(files.size())) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "index: expected 0..%d (fr_kernel_source_count() - 1), got %d.",
                        static_cast<int>(files.size()) - 1, index);
        }
        *name = files[static_cast<size_t>(index)]->name.c_str();
        *text = files[static_cast<size_t>(index)]->text.c_str();
        return FR_OK;
    });
}

}  // extern "C"
