// emulated_module.h: the cuda-emulated backend's plan -> binary path. A compile request (the same source, headers
// and defines NVRTC gets) is compiled by the system C++ compiler against the emulation headers into a shared object,
// cached on disk like the cubins (<cache>/<key>.so, written to a temporary name and renamed), opened, and bound to
// the emulator's function table.
#ifndef FR_EMULATION_EMULATED_MODULE_H
#define FR_EMULATION_EMULATED_MODULE_H

#include "compile_request.h"
#include "cubin_cache.h"
#include "dynamic_library.h"
#include "emulation/emulator.h"
#include "fastrecurrence.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fr::emu {

// The compiler that builds emulated modules, and the flags that go with it.
struct HostCompiler {
    std::string path;                   // as found: an absolute path
    std::string identity;               // path, size and modification time of the resolved binary: part of the key
    bool clang = false;
    std::string sanitize;               // "address,undefined" or "" (none)
};

// `requested` (an fr_emulation_options field) if not NULL, else $FR_EMULATION_CXX, else the first of c++, g++,
// clang++ on PATH. Sanitizers: $FR_EMULATION_SANITIZE ("none" for none), else those the library was built with.
// FR_ERROR_UNSUPPORTED names what was tried when no compiler exists.
fr_status find_host_compiler(const char* requested, HostCompiler* compiler);

// The compiler's arguments for a request, without input and output (part of the cache key).
std::vector<std::string> emulation_flags(const HostCompiler& compiler, const CompileRequest& request);

// Hex SHA-256 of (format, compiler identity, flags, source, every kernel header, every emulation header, defines).
std::string emulated_cache_key(const HostCompiler& compiler, const CompileRequest& request);

class EmulatedModule {
public:
    // Compiles (or finds in the cache) and opens the module of `request`. FR_ERROR_COMPILE carries the compiler's
    // log; a module that compiled but could not be stored in the cache still loads.
    static fr_status load(const CompileRequest& request, const CacheSettings& cache, const HostCompiler& compiler,
                          std::unique_ptr<EmulatedModule>* module, bool* cache_hit);

    // The kernel `name` (FR_ERROR_INVALID_ARGUMENT names a missing one).
    fr_status kernel(const char* name, const KernelEntry** entry);

private:
    EmulatedModule() = default;
    DynamicLibrary library_;
    std::mutex mutex_;
    std::map<std::string, KernelEntry> kernels_;
};

// The emulation headers embedded from interop/native/emulation (written next to the kernel sources to compile).
struct EmulationHeader {
    std::string name;
    std::string text;
};
const std::vector<EmulationHeader>& emulation_headers();

}  // namespace fr::emu

#endif
