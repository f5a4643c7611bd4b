// emulated_module.cpp: see emulated_module.h.
#include "emulation/emulated_module.h"

#include "embedded_kernels.h"
#include "errors.h"
#include "sha256.h"

#include "fr_emulation_abi.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fr_emulation_files {
extern const fr::EmbeddedKernelFile kEmbeddedKernelFiles[];
extern const int kEmbeddedKernelFileCount;
}  // namespace fr_emulation_files

#if !defined(FR_EMULATION_DEFAULT_SANITIZE)
#define FR_EMULATION_DEFAULT_SANITIZE ""
#endif

namespace fr::emu {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxLogBytes = 16 * 1024;  // of the compiler's output in an error message

bool is_executable(const std::string& path) {
    struct stat info {};
    return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string search_path(const std::string& name) {
    if (name.find('/') != std::string::npos) return is_executable(name) ? name : std::string();
    const std::string path = environment("PATH");
    size_t start = 0;
    while (start <= path.size()) {
        const size_t end = path.find(':', start);
        const std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
        if (is_executable(candidate)) return candidate;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return std::string();
}

std::string identity_of(const std::string& path) {
    std::error_code error;
    const fs::path resolved = fs::canonical(path, error);
    const std::string real = error ? path : resolved.string();
    struct stat info {};
    stat(real.c_str(), &info);
    return real + "|" + std::to_string(static_cast<long long>(info.st_size)) + "|" +
           std::to_string(static_cast<long long>(info.st_mtime));
}

std::string unique_suffix() {
    static std::atomic<uint64_t> counter{0};
    std::random_device random;
    std::ostringstream name;
    name << getpid() << "." << counter.fetch_add(1) << "." << std::hex
         << ((uint64_t(random()) << 32) ^ random() ^
             uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()));
    return name.str();
}

bool write_text(const fs::path& path, const std::string& text) {
    std::ofstream file(path, std::ios::binary);
    file << text;
    return static_cast<bool>(file);
}

std::string read_text(const fs::path& path, size_t limit) {
    std::ifstream file(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (text.size() > limit) text = text.substr(0, limit) + "\n[... log cut at " + std::to_string(limit) + " bytes]";
    return text;
}

// Runs the compiler with stdout and stderr into `log`; the exit status, or -1 when it could not start.
int run_compiler(const std::vector<std::string>& arguments, const fs::path& log, std::string* why) {
    std::vector<char*> argv;
    for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t child = 0;
    const int spawned = posix_spawn(&child, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        *why = std::string("cannot start it: ") + std::strerror(spawned);
        return -1;
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            *why = std::string("waitpid failed: ") + std::strerror(errno);
            return -1;
        }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    *why = "it ended by signal " + std::to_string(WTERMSIG(status));
    return -1;
}

// Opens a compiled module and checks it is one: the ABI version and the bind entry.
fr_status open_module(const std::string& path, DynamicLibrary* library, std::string* why) {
    std::string error;
    DynamicLibrary opened = DynamicLibrary::open(path, &error);
    if (!opened.is_open()) {
        *why = error;
        return FR_ERROR_COMPILE;
    }
    const auto* abi = static_cast<const unsigned*>(opened.symbol("fr_emu_module_abi"));
    auto bind = reinterpret_cast<void (*)(const fr_emu_runtime*)>(opened.symbol("fr_emu_bind"));
    if (abi == nullptr || bind == nullptr) {
        *why = "it lacks fr_emu_module_abi / fr_emu_bind (not an emulated module)";
        return FR_ERROR_COMPILE;
    }
    if (*abi != FR_EMU_ABI_VERSION) {
        *why = "emulation ABI " + std::to_string(*abi) + ", expected " + std::to_string(FR_EMU_ABI_VERSION);
        return FR_ERROR_COMPILE;
    }
    bind(runtime_table());
    *library = std::move(opened);
    return FR_OK;
}

}  // namespace

const std::vector<EmulationHeader>& emulation_headers() {
    static const std::vector<EmulationHeader>* headers = [] {
        auto* loaded = new std::vector<EmulationHeader>();
        for (int i = 0; i < fr_emulation_files::kEmbeddedKernelFileCount; ++i) {
            const EmbeddedKernelFile& file = fr_emulation_files::kEmbeddedKernelFiles[i];
            EmulationHeader header;
            header.name = file.file_name;
            for (const char* const* chunk = file.chunks; *chunk != nullptr; ++chunk) header.text += *chunk;
            loaded->push_back(std::move(header));
        }
        return loaded;
    }();
    return *headers;
}

fr_status find_host_compiler(const char* requested, HostCompiler* compiler) {
    std::vector<std::string> candidates;
    std::string origin;
    if (requested != nullptr && requested[0] != '\0') {
        candidates.push_back(requested);
        origin = "options.compiler";
    } else if (!environment("FR_EMULATION_CXX").empty()) {
        candidates.push_back(environment("FR_EMULATION_CXX"));
        origin = "$FR_EMULATION_CXX";
    } else {
        candidates = {"c++", "g++", "clang++"};
        origin = "PATH";
    }
    for (const std::string& candidate : candidates) {
        const std::string found = search_path(candidate);
        if (found.empty()) continue;
        compiler->path = found;
        compiler->identity = identity_of(found);
        compiler->clang = fs::path(fs::canonical(found)).filename().string().find("clang") != std::string::npos;
        std::string sanitize = environment("FR_EMULATION_SANITIZE");
        if (sanitize.empty()) sanitize = FR_EMULATION_DEFAULT_SANITIZE;
        compiler->sanitize = sanitize == "none" ? std::string() : sanitize;
        return FR_OK;
    }
    std::string tried;
    for (const std::string& candidate : candidates) tried += (tried.empty() ? "" : ", ") + candidate;
    return fail(FR_ERROR_UNSUPPORTED,
                "cuda-emulated: expected a C++17 compiler to build emulated kernels, found none (%s: %s); install g++ "
                "or set FR_EMULATION_CXX.",
                origin.c_str(), tried.c_str());
}

std::vector<std::string> emulation_flags(const HostCompiler& compiler, const CompileRequest& request) {
    std::vector<std::string> flags = {"-std=c++17", "-O1", "-g", "-fPIC", "-shared", "-fvisibility=hidden",
                                      "-fno-strict-aliasing",
                                      // no fused multiply-add: x86-64 without -mfma has none anyway, and the result
                                      // does not depend on which compiler builds the module
                                      "-ffp-contract=off", "-Wno-unknown-pragmas", "-DFR_EMULATION=1",
                                      "-DFR_EMULATION_HEADER=\"fr_emulation.h\""};
    // GCC makes function-local statics STB_GNU_UNIQUE, which would merge them across modules and pin them in memory
    if (!compiler.clang) flags.push_back("-fno-gnu-unique");
    if (!compiler.sanitize.empty()) {
        flags.push_back("-fsanitize=" + compiler.sanitize);
        flags.push_back("-fno-omit-frame-pointer");
        flags.push_back("-fno-sanitize-recover=all");
    }
    for (const auto& define : request.defines) flags.push_back("-D" + define.first + "=" + std::to_string(define.second));
    return flags;
}

std::string emulated_cache_key(const HostCompiler& compiler, const CompileRequest& request) {
    Sha256 hash;
    auto field = [&hash](const std::string& name, const std::string& value) {
        const uint64_t lengths[2] = {name.size(), value.size()};
        hash.update(lengths, sizeof lengths);
        hash.update(name.data(), name.size());
        hash.update(value.data(), value.size());
    };
    field("format", "fastrecurrence emulated module v1");
    field("compiler", compiler.identity);
    for (const std::string& flag : emulation_flags(compiler, request)) field("flag", flag);
    field("source", request.source->file_name);
    field("text", request.source->text);
    for (const KernelFile* header : request.headers) {
        field("header", header->name);
        field("text", header->text);
    }
    for (const EmulationHeader& header : emulation_headers()) {
        field("emulation header", header.name);
        field("text", header.text);
    }
    return Sha256::hex(hash.finish());
}

fr_status EmulatedModule::load(const CompileRequest& request, const CacheSettings& cache, const HostCompiler& compiler,
                               std::unique_ptr<EmulatedModule>* module, bool* cache_hit) {
    *cache_hit = false;
    std::unique_ptr<EmulatedModule> loaded(new EmulatedModule());
    const std::string key = emulated_cache_key(compiler, request);

    // An unusable cache folder only costs time (the next run compiles again): the module is built in a temporary
    // folder instead, and the call still succeeds.
    std::string dir;
    bool use_cache = cache.enabled;
    if (use_cache) {
        const fr_status status = resolve_cache_dir(cache.dir, cache.argument, &dir);
        if (status == FR_ERROR_INVALID_ARGUMENT) return status;
        if (status != FR_OK) {
            clear_error();
            use_cache = false;
        }
    }
    std::error_code error;
    const fs::path cached = use_cache ? fs::path(dir) / (key + ".so") : fs::path();
    if (use_cache && fs::exists(cached, error)) {
        std::string why;
        if (open_module(cached.string(), &loaded->library_, &why) == FR_OK) {
            *cache_hit = true;
            *module = std::move(loaded);
            return FR_OK;
        }
        fs::remove(cached, error);  // corrupt or foreign: rebuilt below
    }
    if (use_cache) {
        fs::create_directories(dir, error);
        if (error) use_cache = false;
    }

    const fs::path work = (use_cache ? fs::path(dir) : fs::temp_directory_path(error)) /
                          ("emulated-" + key.substr(0, 16) + ".build." + unique_suffix());
    fs::create_directories(work, error);
    if (error) return fail(FR_ERROR_CACHE, "cuda-emulated: cannot create the build folder %s: %s", work.c_str(),
                           error.message().c_str());
    struct Cleanup {
        fs::path path;
        ~Cleanup() {
            std::error_code ignored;
            fs::remove_all(path, ignored);
        }
    } cleanup{work};

    bool written = write_text(work / request.source->file_name, request.source->text);
    for (const KernelFile* header : request.headers) written = written && write_text(work / header->name, header->text);
    for (const EmulationHeader& header : emulation_headers()) written = written && write_text(work / header.name, header.text);
    if (!written) return fail(FR_ERROR_CACHE, "cuda-emulated: cannot write the kernel sources into %s", work.c_str());

    std::vector<std::string> arguments = {compiler.path};
    for (const std::string& flag : emulation_flags(compiler, request)) arguments.push_back(flag);
    arguments.push_back("-I" + work.string());
    arguments.push_back("-x");
    arguments.push_back("c++");
    arguments.push_back((work / request.source->file_name).string());
    arguments.push_back("-o");
    arguments.push_back((work / "module.so").string());
    std::string why;
    const int exit_code = run_compiler(arguments, work / "compile.log", &why);
    if (exit_code != 0) {
        std::string command;
        for (const std::string& argument : arguments) command += (command.empty() ? "" : " ") + argument;
        if (exit_code < 0) return fail(FR_ERROR_COMPILE, "cuda-emulated: the compiler %s failed: %s", compiler.path.c_str(), why.c_str());
        return fail_text(FR_ERROR_COMPILE, "cuda-emulated: " + request.source->file_name + " did not compile (exit " +
                                               std::to_string(exit_code) + ")\ncommand: " + command + "\n" +
                                               read_text(work / "compile.log", kMaxLogBytes));
    }

    fs::path binary = work / "module.so";
    if (use_cache) {
        fs::rename(binary, cached, error);
        if (!error) binary = cached;
    }
    fr_status status = open_module(binary.string(), &loaded->library_, &why);
    if (status != FR_OK) return fail(status, "cuda-emulated: the compiled module %s does not load: %s", binary.c_str(), why.c_str());
    *module = std::move(loaded);
    return FR_OK;
}

fr_status EmulatedModule::kernel(const char* name, const KernelEntry** entry) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = kernels_.find(name);
    if (found == kernels_.end()) {
        const std::string symbol = std::string("fr_emu_entry_") + name;
        const std::string bound = std::string("fr_emu_max_threads_") + name;
        auto function = reinterpret_cast<void (*)(void**)>(library_.symbol(symbol.c_str()));
        const auto* max_threads = static_cast<const int*>(library_.symbol(bound.c_str()));
        if (function == nullptr || max_threads == nullptr) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "name: the module has no kernel called \"%s\".", name);
        }
        KernelEntry kernel;
        kernel.name = name;
        kernel.entry = function;
        kernel.max_threads = *max_threads;
        found = kernels_.emplace(name, kernel).first;
    }
    *entry = &found->second;
    return FR_OK;
}

}  // namespace fr::emu
