// device_checks.h: checks that run on any context, a GPU's (test_gpu.cpp) or the CPU emulator's
// (test_emulation.cpp): memory, the launch kinds with the test kernels, and the scans end to end against a float64
// reference on the host, with every output poisoned (NaN) before the run.
#ifndef FR_TEST_DEVICE_CHECKS_H
#define FR_TEST_DEVICE_CHECKS_H

#include "test_support.h"

#include <cstdint>
#include <string>
#include <vector>

namespace frtest {

// Device memory from fr_malloc, freed at scope end.
class DeviceBuffer {
public:
    DeviceBuffer(fr_context context, size_t bytes);
    ~DeviceBuffer();
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& other) noexcept : context_(other.context_), pointer_(other.pointer_) { other.pointer_ = nullptr; }
    void* get() const { return pointer_; }

    template <class T>
    void upload(const std::vector<T>& host) {
        CHECK_STATUS(fr_memcpy_to_device(context_, pointer_, host.data(), host.size() * sizeof(T)), FR_OK);
    }
    template <class T>
    std::vector<T> download(size_t count) const {
        std::vector<T> host(count);
        CHECK_STATUS(fr_memcpy_to_host(context_, host.data(), pointer_, count * sizeof(T)), FR_OK);
        return host;
    }

private:
    fr_context context_;
    void* pointer_ = nullptr;
};

fr_launch_config launch_config(unsigned grid, unsigned block, fr_launch_kind kind = FR_LAUNCH_PLAIN);

// fr_module_load and the three launch kinds with the test kernels (fill, dynamic shared memory above 48 KB,
// cluster ranks on sm_90+), and a 4096-thread block refused by the library before the driver sees it.
void test_launches(fr_context context, int major, int shared_opt_in, const std::string& cache_dir);

struct ScanCase {
    int batch, steps, heads, dim;
    std::vector<int64_t> offsets;  // cu_seqlens (batch must be 1), or empty
    bool padded;                   // a and h with a padded head stride (strided, not contiguous)
};

struct PlanShape {
    int lanes, threads, items;
};

fr_plan scan_plan(const char* source, bool backward, const PlanShape& shape, const ScanCase& c,
                  fr_dtype dtype = FR_DTYPE_FLOAT32);

// A dense row-major view of `shape` (strides in elements, the last one 1).
fr_tensor contiguous_tensor(void* data, fr_dtype dtype, const std::vector<int64_t>& shape);

// Views of [B, T, H, D] (head stride given, contiguous otherwise) and [sequences, H, D] device buffers.
fr_tensor tensor4(void* data, const ScanCase& c, int64_t head_stride, fr_dtype dtype = FR_DTYPE_FLOAT32);
fr_tensor tensor3(void* data, int64_t sequences, const ScanCase& c, fr_dtype dtype = FR_DTYPE_FLOAT32);

// The largest tolerated |got - want| / (1 + |want|) for a storage type: fp32 1e-4, bf16 1e-2, fp16 2e-3, fp64 1e-12.
double scan_tolerance(fr_dtype dtype);

// Forward and backward of one case and plan against the float64 reference; false on a mismatch (printed).
bool check_scan(fr_context context, const char* source, const PlanShape& shape, const ScanCase& c,
                fr_dtype dtype = FR_DTYPE_FLOAT32, bool quiet = false);

// Warp shuffles and votes, the three mma shapes against a plain matrix product (fragments composed from the PTX
// ISA's layout tables), and the tf32 conversion: `module` is the test source "fr_test_emulation" loaded on `context`
// (sm_80 or newer). On a GPU this is the hardware's answer to what the emulator assumes.
void test_helpers_on_device(fr_context context, fr_module module);

// A short name for messages: "fp32", "bf16", ...
const char* dtype_name(fr_dtype dtype);

}  // namespace frtest

#endif
