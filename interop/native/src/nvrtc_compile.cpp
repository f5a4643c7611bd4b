// nvrtc_compile.cpp: see nvrtc_compile.h.
#include "nvrtc_compile.h"

#include "dynamic_library.h"
#include "errors.h"
#include "ptxas_report.h"

#include <cstdio>
#include <mutex>

#include <string>
#include <vector>

namespace fr {
namespace {

// Destroys the NVRTC program however the compilation ends.
class Program {
public:
    explicit Program(const NvrtcLibrary& nvrtc) : nvrtc_(nvrtc) {}
    ~Program() {
        if (program_ != nullptr) nvrtc_.nvrtcDestroyProgram(&program_);
    }
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;
    nvrtc::nvrtcProgram* address() { return &program_; }
    nvrtc::nvrtcProgram get() const { return program_; }

private:
    const NvrtcLibrary& nvrtc_;
    nvrtc::nvrtcProgram program_ = nullptr;
};

std::string result_text(const NvrtcLibrary& nvrtc, nvrtc::nvrtcResult result) {
    const char* text = nvrtc.nvrtcGetErrorString(result);
    return (text != nullptr ? std::string(text) : std::string("nvrtcResult")) + " (" + std::to_string(result) + ")";
}

std::string program_log(const NvrtcLibrary& nvrtc, const Program& program) {
    size_t size = 0;
    if (nvrtc.nvrtcGetProgramLogSize(program.get(), &size) != nvrtc::NVRTC_SUCCESS || size == 0) return {};
    std::string log(size, '\0');
    if (nvrtc.nvrtcGetProgramLog(program.get(), &log[0]) != nvrtc::NVRTC_SUCCESS) return {};
    while (!log.empty() && log.back() == '\0') log.pop_back();
    return log;
}

// FR_NVRTC_LOG=<file>: every compilation appends its options and NVRTC's full log (the ptxas report included)
// there, for looking at what ptxas said beyond the parsed figures.
void append_to_log_file(const CompileRequest& request, const std::vector<std::string>& options, const std::string& log) {
    const std::string path = environment("FR_NVRTC_LOG");
    if (path.empty()) return;
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    std::FILE* file = std::fopen(path.c_str(), "a");
    if (file == nullptr) return;
    std::fprintf(file, "== %s", request.source->file_name.c_str());
    for (const std::string& option : options) std::fprintf(file, " %s", option.c_str());
    std::fprintf(file, "\n%s\n", log.c_str());
    std::fclose(file);
}

}  // namespace

fr_status compile_with_nvrtc(const NvrtcLibrary& nvrtc, const CompileRequest& request, CachedCubin* output) {
    // Every header is offered under its file name, so `#include "fr_device.cuh"` resolves with no include path.
    std::vector<const char*> header_texts;
    std::vector<const char*> header_names;
    for (const KernelFile* header : request.headers) {
        header_texts.push_back(header->text.c_str());
        header_names.push_back(header->name.c_str());
    }
    Program program(nvrtc);
    nvrtc::nvrtcResult result = nvrtc.nvrtcCreateProgram(
        program.address(), request.source->text.c_str(), request.source->file_name.c_str(),
        static_cast<int>(header_texts.size()), header_texts.data(), header_names.data());
    if (result != nvrtc::NVRTC_SUCCESS) {
        return fail(FR_ERROR_COMPILE, "nvrtcCreateProgram failed for %s: %s", request.source->file_name.c_str(),
                    result_text(nvrtc, result).c_str());
    }

    const std::vector<std::string> options = nvrtc_options(request, nvrtc.major, nvrtc.minor);
    std::vector<const char*> option_pointers;
    for (const std::string& option : options) option_pointers.push_back(option.c_str());
    result = nvrtc.nvrtcCompileProgram(program.get(), static_cast<int>(option_pointers.size()), option_pointers.data());
    const std::string log = program_log(nvrtc, program);
    append_to_log_file(request, options, log);
    if (result != nvrtc::NVRTC_SUCCESS) {
        std::string command;
        for (const std::string& option : options) command += " " + option;
        return fail_text(FR_ERROR_COMPILE, "NVRTC " + std::to_string(nvrtc.major) + "." + std::to_string(nvrtc.minor) +
                                               " could not compile " + request.source->file_name + " (" +
                                               result_text(nvrtc, result) + ", options:" + command + "):\n" + log);
    }

    size_t cubin_size = 0;
    result = nvrtc.nvrtcGetCUBINSize(program.get(), &cubin_size);
    if (result != nvrtc::NVRTC_SUCCESS || cubin_size == 0) {
        return fail(FR_ERROR_COMPILE, "nvrtcGetCUBINSize failed for %s (%s): %s", request.source->file_name.c_str(),
                    request.arch.c_str(), result_text(nvrtc, result).c_str());
    }
    output->cubin.assign(cubin_size, '\0');
    result = nvrtc.nvrtcGetCUBIN(program.get(), output->cubin.data());
    if (result != nvrtc::NVRTC_SUCCESS) {
        return fail(FR_ERROR_COMPILE, "nvrtcGetCUBIN failed for %s: %s", request.source->file_name.c_str(),
                    result_text(nvrtc, result).c_str());
    }
    output->kernels = parse_ptxas_report(log);
    return FR_OK;
}

}  // namespace fr
