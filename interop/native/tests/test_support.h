// test_support.h: the few checks the native tests need (no framework): a failed check prints where and why
// and the run goes on; the process exits non-zero if any check failed, or 77 (CTest's skip code) when a group
// cannot run on this machine.
#ifndef FR_TEST_SUPPORT_H
#define FR_TEST_SUPPORT_H

#include "fastrecurrence.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace frtest {

constexpr int kSkip = 77;

int& failures();

// The last error contains `fragment`.
bool error_contains(const char* fragment);

// A fresh, empty folder under the system's temporary folder, removed with everything in it at scope end.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::vector<std::string> files() const;  // names directly inside

private:
    std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);

// Test-only kernels, registered as the embedded source "fr_test_kernels" (fp32 reference scans with the same
// entry points and argument as kernels/scan.cu, plus kernels for each launch kind).
void register_test_sources();
extern const char* const kTestSourceName;

// Puts any int into an enum field, the way a C or C# caller can (a static_cast to an out-of-range enumerator
// value would itself be undefined behaviour in C++).
template <class Enum>
void set_raw(Enum* field, int value) {
    static_assert(sizeof(Enum) == sizeof(int), "int-sized enum");
    std::memcpy(field, &value, sizeof value);
}

// Compile options with struct_size set and the test source for `arch`, no cache.
fr_compile_options compile_options(const char* source, const char* arch);
fr_compile_result compile_result();

// A valid fp32 scan plan of `source` (the library's "scan" or the test source) for B=2, T=5, H=3, D=40: 32 lanes in
// one 32-thread block, one step per thread, grid (2, 3, 2). `backward`: FR_BACKWARD.
fr_plan small_scan_plan(const char* source, int backward);

}  // namespace frtest

#define CHECK(condition)                                                                  \
    do {                                                                                  \
        if (!(condition)) {                                                               \
            std::fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #condition); \
            ++frtest::failures();                                                         \
        }                                                                                 \
    } while (0)

// `call` returns `expected`; on a mismatch prints both statuses and the last error.
#define CHECK_STATUS(call, expected)                                                                         \
    do {                                                                                                     \
        const fr_status check_status_ = (call);                                                              \
        if (check_status_ != (expected)) {                                                                   \
            std::fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: %s)\n", __FILE__, __LINE__, \
                         #call, fr_status_name(check_status_), fr_status_name(expected), fr_last_error());     \
            ++frtest::failures();                                                                            \
        }                                                                                                    \
    } while (0)

// `call` fails with `expected` and a message that contains `fragment` (the argument it names).
#define CHECK_FAILS(call, expected, fragment)                                                                  \
    do {                                                                                                       \
        const fr_status check_status_ = (call);                                                                \
        if (check_status_ != (expected) || !frtest::error_contains(fragment)) {                                \
            std::fprintf(stderr, "%s:%d: %s returned %s \"%s\", expected %s with \"%s\"\n", __FILE__, __LINE__, \
                         #call, fr_status_name(check_status_), fr_last_error(), fr_status_name(expected),        \
                         fragment);                                                                            \
            ++frtest::failures();                                                                              \
        }                                                                                                      \
    } while (0)

#endif
