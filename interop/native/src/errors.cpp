// errors.cpp: see errors.h.
#include "errors.h"

#include <cstdarg>
#include <cstdio>

namespace fr {
namespace {

thread_local std::string t_message;
// When the message itself cannot be stored (no memory), fr_last_error() still returns something true.
thread_local const char* t_fallback = nullptr;

void store(const char* text) noexcept {
    try {
        t_message.assign(text);
        t_fallback = nullptr;
    } catch (...) {
        t_fallback = "out of host memory while recording the error message";
    }
}

}  // namespace

void clear_error() noexcept {
    t_message.clear();  // keeps capacity: no allocation, cannot throw
    t_fallback = nullptr;
}

fr_status fail(fr_status status, const char* format, ...) noexcept {
    char buffer[2048];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    store(buffer);
    return status;
}

fr_status fail_text(fr_status status, const std::string& message) noexcept {
    store(message.c_str());
    return status;
}

const char* last_error() noexcept {
    return t_fallback != nullptr ? t_fallback : t_message.c_str();
}

const char* status_name(int status) noexcept {
    switch (status) {
        case FR_OK: return "FR_OK";
        case FR_ERROR_INVALID_ARGUMENT: return "FR_ERROR_INVALID_ARGUMENT";
        case FR_ERROR_NO_DRIVER: return "FR_ERROR_NO_DRIVER";
        case FR_ERROR_NO_DEVICE: return "FR_ERROR_NO_DEVICE";
        case FR_ERROR_NO_NVRTC: return "FR_ERROR_NO_NVRTC";
        case FR_ERROR_COMPILE: return "FR_ERROR_COMPILE";
        case FR_ERROR_CUDA: return "FR_ERROR_CUDA";
        case FR_ERROR_UNSUPPORTED: return "FR_ERROR_UNSUPPORTED";
        case FR_ERROR_OUT_OF_MEMORY: return "FR_ERROR_OUT_OF_MEMORY";
        case FR_ERROR_CACHE: return "FR_ERROR_CACHE";
        case FR_ERROR_INTERNAL: return "FR_ERROR_INTERNAL";
        case FR_ERROR_KERNEL_FAULT: return "FR_ERROR_KERNEL_FAULT";
    }
    return "FR_ERROR_UNKNOWN_STATUS";
}

}  // namespace fr
