// case_modules.cpp: every kernel module the recurrent cases' calls load (the forward cases of test_rnn_emulation.cpp,
// the backward cases of test_rnn_backward_emulation.cpp: fr_plan_module of each plan, with and without lengths),
// compiled for one arch by NVRTC in threads side by side, into the cubin cache the calls read. The GPU group does it
// first, so its cases only load (one at a time on first use, the compiles would take most of a GPU session's step);
// the compile group does it for sm_90, the only NVRTC compile of these hand-written plans before a GPU sees them
// (the emulator builds them with the system compiler).
#include "case_modules.h"

#include "test_support.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace frtest {

void forward_case_calls(bool clusters, std::vector<std::pair<fr_plan, int>>* plans);
void backward_case_calls(bool clusters, std::vector<std::pair<fr_plan, int>>* plans);

namespace {

struct Module {
    std::string source;
    std::vector<std::pair<std::string, int64_t>> defines;
};

// The distinct modules of the cases' plans, in first-load order.
std::vector<Module> case_modules(bool clusters) {
    std::vector<std::pair<fr_plan, int>> plans;
    forward_case_calls(clusters, &plans);
    backward_case_calls(clusters, &plans);
    std::vector<Module> modules;
    std::map<std::string, bool> seen;
    for (const auto& [plan, lengths] : plans) {
        int count = 0;
        CHECK_STATUS(fr_plan_module_count(&plan, lengths, &count), FR_OK);
        for (int index = 0; index < count; ++index) {
            fr_plan module{};
            CHECK_STATUS(fr_plan_module(&plan, lengths, index, &module), FR_OK);
            if (module.source_name == nullptr) continue;  // refused: counted by the check above
            Module m{module.source_name, {}};
            std::string key = m.source;
            for (int i = 0; i < module.define_count; ++i) {
                m.defines.emplace_back(module.defines[i].name, module.defines[i].value);
                key += " " + m.defines.back().first + "=" + std::to_string(m.defines.back().second);
            }
            if (seen.emplace(key, true).second) modules.push_back(std::move(m));
        }
    }
    return modules;
}

}  // namespace

int compile_case_modules(const char* arch, bool clusters, unsigned threads, const char* cache_dir) {
    const auto began = std::chrono::steady_clock::now();
    const std::vector<Module> modules = case_modules(clusters);
    std::atomic<size_t> next{0};
    std::atomic<int> failed{0}, compiled{0};
    auto worker = [&] {
        for (size_t i = next++; i < modules.size(); i = next++) {
            std::vector<fr_define> defines;
            for (const auto& [name, value] : modules[i].defines) defines.push_back({name.c_str(), value});
            fr_compile_options options = compile_options(modules[i].source.c_str(), arch);
            options.defines = defines.data();
            options.define_count = static_cast<int>(defines.size());
            options.cache_dir = cache_dir;
            options.use_cache = 1;
            fr_compile_result result = compile_result();
            if (fr_compile(&options, &result) != FR_OK) {
                ++failed;
                std::fprintf(stderr, "  %s for %s: %s\n", modules[i].source.c_str(), arch, fr_last_error());
            } else if (result.cache_hit == 0) {
                ++compiled;
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
    for (std::thread& thread : pool) thread.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::printf("  the recurrent cases' modules for %s: %zu distinct, %d compiled, %d failed, %.1f s on %u threads\n", arch,
                modules.size(), compiled.load(), failed.load(), seconds, std::max(1u, threads));
    return failed.load();
}

}  // namespace frtest
