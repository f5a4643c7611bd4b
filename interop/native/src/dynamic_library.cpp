// dynamic_library.cpp: see dynamic_library.h.
#include "dynamic_library.h"

#include <cstdlib>
#include <utility>

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace fr {

DynamicLibrary::~DynamicLibrary() {
    if (handle_ == nullptr) return;
#if defined(_WIN32)
    FreeLibrary(static_cast<HMODULE>(handle_));
#else
    dlclose(handle_);
#endif
}

DynamicLibrary::DynamicLibrary(DynamicLibrary&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

DynamicLibrary& DynamicLibrary::operator=(DynamicLibrary&& other) noexcept {
    if (this != &other) {
        DynamicLibrary old(std::exchange(handle_, std::exchange(other.handle_, nullptr)));
    }
    return *this;
}

DynamicLibrary DynamicLibrary::open(const std::string& path, std::string* error) {
#if defined(_WIN32)
    HMODULE handle = LoadLibraryA(path.c_str());
    if (handle == nullptr) {
        *error = "LoadLibrary failed with error " + std::to_string(GetLastError());
        return DynamicLibrary();
    }
    return DynamicLibrary(handle);
#else
    // RTLD_LOCAL: the driver's and NVRTC's symbols stay out of the global namespace of the host process.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* reason = dlerror();
        *error = reason != nullptr ? reason : "dlopen failed";
        return DynamicLibrary();
    }
    return DynamicLibrary(handle);
#endif
}

DynamicLibrary DynamicLibrary::open_first(const std::vector<std::string>& names, std::string* opened_name,
                                          std::string* tried) {
    for (const std::string& name : names) {
        std::string error;
        DynamicLibrary library = open(name, &error);
        if (library.is_open()) {
            *opened_name = name;
            return library;
        }
        if (!tried->empty()) *tried += "; ";
        *tried += name + " (" + error + ")";
    }
    return DynamicLibrary();
}

void* DynamicLibrary::symbol(const char* name) const {
    if (handle_ == nullptr) return nullptr;
#if defined(_WIN32)
    return reinterpret_cast<void*>(GetProcAddress(static_cast<HMODULE>(handle_), name));
#else
    return dlsym(handle_, name);
#endif
}

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
}

}  // namespace fr
