// compile_request.cpp: see compile_request.h.
#include "compile_request.h"

#include "errors.h"
#include "sha256.h"

#include <algorithm>
#include <cinttypes>
#include <cstring>

namespace fr {
namespace {

constexpr size_t kMaxDefineNameLength = 127;

bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The name with control characters replaced, cut to a readable length, for messages.
std::string printable(const char* text) {
    std::string shown;
    for (const char* c = text; *c != '\0' && shown.size() < 64; ++c) shown += (*c >= 32 && *c < 127) ? *c : '?';
    if (std::strlen(text) > 64) shown += "...";
    return shown;
}

void add_field(Sha256* hash, const char* tag, const std::string& value) {
    std::string header = std::string(tag) + ":" + std::to_string(value.size()) + ":";
    hash->update(header);
    hash->update(value);
    hash->update("\n", 1);
}

}  // namespace

std::string CompileRequest::process_key() const {
    std::string key = source->name + "|" + arch;
    for (const auto& define : defines) key += "|" + define.first + "=" + std::to_string(define.second);
    return key;
}

fr_status parse_arch(const char* arch, const char* argument, std::string* canonical, int* number) {
    if (arch == nullptr) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s: expected an architecture such as \"sm_80\" or \"sm_90\", got NULL.",
                    argument);
    }
    const size_t length = std::strlen(arch);
    size_t digits = 0;
    bool valid = length >= 5 && std::strncmp(arch, "sm_", 3) == 0;
    if (valid) {
        while (3 + digits < length && is_digit(arch[3 + digits])) ++digits;
        const size_t rest = length - 3 - digits;
        valid = (digits == 2 || digits == 3) && arch[3] != '0' &&
                (rest == 0 || (rest == 1 && (arch[length - 1] == 'a' || arch[length - 1] == 'f')));
    }
    if (!valid) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "%s: expected an architecture such as \"sm_80\" or \"sm_90\" (sm_ and 2-3 digits, optional a/f "
                    "suffix), got \"%s\".",
                    argument, printable(arch).c_str());
    }
    *canonical = arch;
    *number = std::atoi(arch + 3);
    return FR_OK;
}

fr_status find_source(const char* argument, const char* source_name, const KernelFile** source) {
    if (source_name == nullptr) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s.source_name: expected an embedded source (%s), got NULL.", argument,
                    kernel_source_names().c_str());
    }
    *source = find_kernel_source(source_name);
    if (*source == nullptr) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s.source_name: expected an embedded source (%s), got \"%s\".",
                    argument, kernel_source_names().c_str(), printable(source_name).c_str());
    }
    return FR_OK;
}

fr_status read_defines(const char* argument, const fr_define* defines, int define_count,
                       std::vector<std::pair<std::string, int64_t>>* sorted) {
    if (define_count < 0 || define_count > FR_MAX_DEFINES) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s.define_count: expected 0..%d (FR_MAX_DEFINES), got %d.", argument,
                    FR_MAX_DEFINES, define_count);
    }
    if (define_count > 0 && defines == nullptr) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s.defines: expected an array of %d defines, got NULL.", argument,
                    define_count);
    }
    sorted->clear();
    for (int i = 0; i < define_count; ++i) {
        const char* name = defines[i].name;
        if (name == nullptr) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "%s.defines[%d].name: expected a macro name, got NULL.", argument, i);
        }
        const size_t length = std::strlen(name);
        bool valid = length > 0 && length <= kMaxDefineNameLength && is_letter(name[0]);
        for (size_t c = 1; valid && c < length; ++c) valid = is_letter(name[c]) || is_digit(name[c]);
        if (!valid) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "%s.defines[%d].name: expected a macro name of 1..%zu letters, digits and '_' that does not "
                        "start with a digit, got \"%s\".",
                        argument, i, kMaxDefineNameLength, printable(name).c_str());
        }
        if (std::strcmp(name, "FR_MAX_REGISTERS") == 0 && (defines[i].value < 16 || defines[i].value > 255)) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "%s.defines[%d]: expected FR_MAX_REGISTERS (ptxas's register cap) in 16..255, got %lld.", argument,
                        i, static_cast<long long>(defines[i].value));
        }
        sorted->emplace_back(name, defines[i].value);
    }
    std::sort(sorted->begin(), sorted->end());
    for (size_t i = 1; i < sorted->size(); ++i) {
        if ((*sorted)[i].first == (*sorted)[i - 1].first) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "%s.defines: expected each name once, got %s twice.", argument,
                        (*sorted)[i].first.c_str());
        }
    }
    return FR_OK;
}

fr_status make_compile_request(const char* argument, const char* source_name, const char* arch,
                               const fr_define* defines, int define_count, CompileRequest* request) {
    fr_status status = find_source(argument, source_name, &request->source);
    if (status != FR_OK) return status;
    const std::string arch_argument = std::string(argument) + ".arch";
    status = parse_arch(arch, arch_argument.c_str(), &request->arch, &request->arch_number);
    if (status != FR_OK) return status;
    request->arch_argument = arch_argument;
    status = read_defines(argument, defines, define_count, &request->defines);
    if (status != FR_OK) return status;
    request->headers = kernel_headers();
    return FR_OK;
}

fr_status read_compile_options(const fr_compile_options* options, const char* default_arch, CompileRequest* request,
                               CacheSettings* cache) {
    if (options == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "options: expected compile options, got NULL.");
    if (options->struct_size < sizeof(fr_compile_options)) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "options.struct_size: expected at least %zu (sizeof(fr_compile_options)), got %zu.",
                    sizeof(fr_compile_options), options->struct_size);
    }
    const char* arch = options->arch != nullptr || default_arch == nullptr ? options->arch : default_arch;
    fr_status status = make_compile_request("options", options->source_name, arch, options->defines,
                                            options->define_count, request);
    if (status != FR_OK) return status;
    if (options->cache_dir != nullptr && options->cache_dir[0] == '\0') {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "options.cache_dir: expected NULL (the default folder) or a folder path, got an empty string.");
    }
    cache->enabled = options->use_cache != 0;
    cache->dir = options->cache_dir;
    cache->argument = "options.cache_dir";
    return FR_OK;
}

bool find_define(const CompileRequest& request, const char* name, int64_t* value) {
    for (const auto& define : request.defines) {
        if (define.first == name) {
            *value = define.second;
            return true;
        }
    }
    return false;
}

fr_status check_arch_supports(const CompileRequest& request) {
    const auto define = [&](const char* name) {  // 0 where not defined, as the kernels' #if reads it
        int64_t value = 0;
        find_define(request, name, &value);
        return value;
    };
    const std::string& source = request.source->name;
    const bool recurrent = source == "rnn_forward" || source == "rnn_backward" || source == "rnn_alternating";
    const bool fused = source == "rnn_forward" || source == "rnn_backward";
    const struct {
        bool applies;
        int arch;
        const char* what;
    } needs[] = {
        {true, 70, "every kernel (shfl.sync, independent thread scheduling)"},
        {recurrent && (define("FR_DTYPE") == 1 || define("FR_DTYPE") == 2), 80,
         "a bf16 / fp16 recurrent plan (tensor-core mma.m16n8k16)"},
        {recurrent && define("FR_TF32") == 1, 80, "a tf32 plan (FR_TF32 = 1: mma.m16n8k8.tf32)"},
        {fused && define("FR_REGIME") == 2, 90, "a cluster plan (FR_REGIME = 2: thread-block clusters)"},
    };
    for (const auto& need : needs) {
        if (need.applies && request.arch_number < need.arch) {
            return fail(FR_ERROR_UNSUPPORTED, "%s: expected sm_%d or newer for %s, got %s.", request.arch_argument.c_str(),
                        need.arch, need.what, request.arch.c_str());
        }
    }
    return FR_OK;
}

std::vector<std::string> nvrtc_options(const CompileRequest& request, int nvrtc_major, int nvrtc_minor) {
    // No --use_fast_math: the kernels must match the float64 reference; a kernel that wants fast intrinsics
    // calls them by name. --ptxas-options=-v puts the register / spill / shared memory report in the log.
    std::vector<std::string> options = {"-arch=" + request.arch, "-std=c++17", "-default-device",
                                        "--ptxas-options=-v"};
    // NVRTC 12.9+ keeps an in-process cache of compilations: a repeated compilation (or a different source that
    // yields the same PTX, e.g. a plan differing only in FR_BACKWARD) is answered without running ptxas, so the
    // log has no -v report and the registers / spills would read as missing. Our disk cache does the caching.
    // (NVRTC guide, "Caching (CUDA 12.9+)"; NVIDIA/Fuser passes --no-cache for the same reason.)
    if (nvrtc_major > 12 || (nvrtc_major == 12 && nvrtc_minor >= 9)) options.push_back("--no-cache");
    for (const auto& define : request.defines) {
        options.push_back("-D" + define.first + "=" + std::to_string(define.second));
        // A plan's register prediction is a budget the planner sized occupancy and the register file by; ptxas would
        // otherwise take up to the launch bound's limit (255 for small blocks) whether it needs them or not.
        if (define.first == "FR_MAX_REGISTERS") options.push_back("--maxrregcount=" + std::to_string(define.second));
    }
    return options;
}

std::string cache_key(const CompileRequest& request, int nvrtc_major, int nvrtc_minor) {
    Sha256 hash;
    add_field(&hash, "format", "fastrecurrence cubin v1");
    add_field(&hash, "nvrtc", std::to_string(nvrtc_major) + "." + std::to_string(nvrtc_minor));
    add_field(&hash, "arch", request.arch);
    for (const std::string& option : nvrtc_options(request, nvrtc_major, nvrtc_minor)) add_field(&hash, "option", option);
    add_field(&hash, "source", request.source->name);
    add_field(&hash, "text", request.source->text);
    for (const KernelFile* header : request.headers) {
        add_field(&hash, "header", header->name);
        add_field(&hash, "text", header->text);
    }
    return Sha256::hex(hash.finish());
}

}  // namespace fr
