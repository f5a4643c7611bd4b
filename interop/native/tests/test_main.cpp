// test_main.cpp: the native test runner. One group per CTest test (see CMakeLists.txt):
//   fastrecurrence_native_tests unit|validation|fuzz|compile|scan_compile|no_driver|no_nvrtc|gpu|emulation|emulation_scan|emulation_rnn|emulation_rnn_backward
// Exit status: 0 passed, 1 a check failed, 77 skipped (the group cannot run on this machine).
#include "test_support.h"

#include <cstdio>
#include <string>

namespace frtest {
int run_unit_tests();
int run_validation_tests();
int run_abi_fuzz_tests();
int run_compile_tests(const char* self);
int run_scan_compile_tests();
int run_cache_writer(const char* dir);
int run_cache_hit_probe(const char* dir);
int run_no_driver_tests();
int run_no_nvrtc_tests();
int run_gpu_tests();
int run_emulation_tests();
int run_emulation_scan_tests();
int run_emulation_rnn_tests();
int run_emulation_rnn_backward_tests();
}  // namespace frtest

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s unit|validation|fuzz|compile|scan_compile|no_driver|no_nvrtc|gpu|emulation|emulation_scan|emulation_rnn|emulation_rnn_backward\n", argv[0]);
        return 2;
    }
    frtest::register_test_sources();
    const std::string group = argv[1];
    int outcome = 2;
    if (group == "unit") outcome = frtest::run_unit_tests();
    else if (group == "validation") outcome = frtest::run_validation_tests();
    else if (group == "fuzz") outcome = frtest::run_abi_fuzz_tests();
    else if (group == "compile") outcome = frtest::run_compile_tests(argv[0]);
    else if (group == "scan_compile") outcome = frtest::run_scan_compile_tests();
    else if (group == "no_driver") outcome = frtest::run_no_driver_tests();
    else if (group == "no_nvrtc") outcome = frtest::run_no_nvrtc_tests();
    else if (group == "gpu") outcome = frtest::run_gpu_tests();
    else if (group == "emulation") outcome = frtest::run_emulation_tests();
    else if (group == "emulation_scan") outcome = frtest::run_emulation_scan_tests();
    else if (group == "emulation_rnn") outcome = frtest::run_emulation_rnn_tests();
    else if (group == "emulation_rnn_backward") outcome = frtest::run_emulation_rnn_backward_tests();
    else if (group == "cache_writer" && argc == 3) return frtest::run_cache_writer(argv[2]);
    else if (group == "cache_hit_probe" && argc == 3) return frtest::run_cache_hit_probe(argv[2]);
    else {
        std::fprintf(stderr, "unknown group %s\n", group.c_str());
        return 2;
    }
    if (frtest::failures() > 0) {
        std::fprintf(stderr, "%s: %d check(s) failed\n", group.c_str(), frtest::failures());
        return 1;
    }
    if (outcome == frtest::kSkip) return frtest::kSkip;
    std::printf("%s: all checks passed\n", group.c_str());
    return outcome;
}
