// test_environment.cpp: what callers see when libcuda or libnvrtc is missing. CTest runs these groups with
// FR_CUDA_LIBRARY / FR_NVRTC_LIBRARY pointing at files that do not exist.
#include "test_support.h"

#include <cstdlib>
#include <string>

namespace frtest {

int run_no_driver_tests() {
    const char* override_path = std::getenv("FR_CUDA_LIBRARY");
    CHECK(override_path != nullptr);
    if (override_path == nullptr) return 0;
    const std::string expected = std::string("FR_CUDA_LIBRARY=") + override_path;

    int count = -1;
    CHECK_FAILS(fr_device_count(&count), FR_ERROR_NO_DRIVER, expected.c_str());
    CHECK(count == 0);
    char name[64];
    CHECK_FAILS(fr_device_name(0, name, sizeof name), FR_ERROR_NO_DRIVER, expected.c_str());
    CHECK(name[0] == '\0');
    int value = -1;
    CHECK_FAILS(fr_device_attribute(0, 16, &value), FR_ERROR_NO_DRIVER, "no CUDA driver");
    CHECK(value == 0);
    fr_context context = nullptr;
    CHECK_FAILS(fr_context_create(0, &context), FR_ERROR_NO_DRIVER, "no CUDA driver");
    CHECK(context == nullptr);
    // Argument errors still win over the missing driver: validation comes first.
    CHECK_FAILS(fr_context_create(-1, &context), FR_ERROR_INVALID_ARGUMENT, "ordinal");
    // Asked twice, the same answer (the outcome of loading is kept, not retried with a different result).
    CHECK_FAILS(fr_device_count(&count), FR_ERROR_NO_DRIVER, expected.c_str());

    // The compile-only entry point works without a driver (CI uses it), wherever NVRTC exists.
    int major = 0;
    int minor = 0;
    if (fr_nvrtc_version(&major, &minor) == FR_OK) {
        fr_compile_options options = compile_options(kTestSourceName, "sm_80");
        fr_compile_result result = compile_result();
        CHECK_STATUS(fr_compile(&options, &result), FR_OK);
        CHECK(result.cubin_bytes > 0);
    } else {
        std::printf("  (no NVRTC here: the compile-without-driver check did not run: %s)\n", fr_last_error());
    }
    return 0;
}

int run_no_nvrtc_tests() {
    const char* override_path = std::getenv("FR_NVRTC_LIBRARY");
    CHECK(override_path != nullptr);
    if (override_path == nullptr) return 0;
    const std::string expected = std::string("FR_NVRTC_LIBRARY=") + override_path;

    int major = -1;
    int minor = -1;
    CHECK_FAILS(fr_nvrtc_version(&major, &minor), FR_ERROR_NO_NVRTC, expected.c_str());
    CHECK(major == 0 && minor == 0);
    fr_compile_options options = compile_options(kTestSourceName, "sm_80");
    fr_compile_result result = compile_result();
    CHECK_FAILS(fr_compile(&options, &result), FR_ERROR_NO_NVRTC, expected.c_str());
    CHECK(result.cubin_bytes == 0);
    // Validation first: a bad arch is reported as such even without NVRTC.
    options.arch = "sm80";
    CHECK_FAILS(fr_compile(&options, &result), FR_ERROR_INVALID_ARGUMENT, "options.arch");
    return 0;
}

}  // namespace frtest
