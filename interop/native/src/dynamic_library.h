// dynamic_library.h: a shared library opened at run time (dlopen / LoadLibrary), closed when the handle dies.
// libcuda and libnvrtc come in this way so the library builds and loads without a CUDA toolkit.
#ifndef FR_DYNAMIC_LIBRARY_H
#define FR_DYNAMIC_LIBRARY_H

#include <string>
#include <vector>

namespace fr {

class DynamicLibrary {
public:
    DynamicLibrary() = default;
    ~DynamicLibrary();
    DynamicLibrary(DynamicLibrary&& other) noexcept;
    DynamicLibrary& operator=(DynamicLibrary&& other) noexcept;
    DynamicLibrary(const DynamicLibrary&) = delete;
    DynamicLibrary& operator=(const DynamicLibrary&) = delete;

    // Opens `path`; on failure returns an empty handle and puts the loader's reason in `error`.
    static DynamicLibrary open(const std::string& path, std::string* error);

    // Tries each name in order and returns the first that opens; `tried` collects "name (reason)" for the others.
    static DynamicLibrary open_first(const std::vector<std::string>& names, std::string* opened_name,
                                     std::string* tried);

    bool is_open() const { return handle_ != nullptr; }
    void* symbol(const char* name) const;

private:
    explicit DynamicLibrary(void* handle) : handle_(handle) {}
    void* handle_ = nullptr;
};

// The value of an environment variable, or "" when unset.
std::string environment(const char* name);

}  // namespace fr

#endif
