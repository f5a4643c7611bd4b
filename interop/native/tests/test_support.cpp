// test_support.cpp: see test_support.h.
#include "test_support.h"

#include "emulation_kernels.h"

#include "kernel_sources.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace frtest {

namespace fs = std::filesystem;

const char* const kTestSourceName = "fr_test_kernels";

namespace {

const char* const kTestKernels = R"CUDA(
// fr_test_kernels.cu: test-only kernels for the native tests.
#include "fr_scan_args.h"
#include "fr_device.cuh"

#ifndef FR_TEST_OFFSET
#define FR_TEST_OFFSET 0
#endif

FR_KERNEL(fr_test_fill, 1024, (float* out, int n)) {
    int i = fr_block_x() * fr_block_dim_x() + fr_thread_x();
    if (i < n) out[i] = (float)(i + FR_TEST_OFFSET);
}

// 1 KB of static shared memory, so the ptxas report has a figure to check.
FR_KERNEL(fr_test_static_shared, 1024, (float* out)) {
    FR_SHARED_ARRAY(float, buffer, 256);
    buffer[fr_thread_x()] = (float)fr_thread_x();
    fr_syncthreads();
    out[fr_thread_x()] = buffer[255 - fr_thread_x()];
}

// Touches all of its dynamic shared memory; launched with more than 48 KB to prove the opt-in.
FR_KERNEL(fr_test_dynamic_shared, 1024, (float* out, int floats)) {
    FR_DYNAMIC_SHARED(float, buffer);
    for (int i = fr_thread_x(); i < floats; i += fr_block_dim_x()) buffer[i] = (float)i;
    fr_syncthreads();
    out[fr_thread_x()] = buffer[floats - 1 - fr_thread_x()];
}

// Writes rank + 100 * cluster size per block (sm_90+), or 0xffffffff where clusters do not exist.
FR_KERNEL(fr_test_cluster_rank, 1024, (unsigned* out)) {
#if FR_HAS_CLUSTERS
    if (fr_thread_x() == 0) out[fr_block_x()] = fr_cluster_rank() + 100u * fr_cluster_size();
#else
    if (fr_thread_x() == 0) out[fr_block_x()] = 0xffffffffu;
#endif
}

// Reference scans (fp32, one thread per (sequence, h, d), serial over t), with the argument and launch of
// kernels/scan.cu: they check the host's fr_scan_args marshalling, strides and cu_seqlens on a real GPU.
FR_DEVICE_INLINE void scan_range(const fr_scan_args& args, int seq, int* b, long long* start, long long* end) {
    if (args.cu_seqlens != 0) {
        *b = 0;
        *start = args.cu_seqlens[seq];
        *end = args.cu_seqlens[seq + 1];
    } else {
        *b = seq;
        *start = 0;
        *end = args.steps;
    }
}

FR_DEVICE_INLINE long long at(const fr_i64* stride, int b, long long t, int h, int d) {
    return b * stride[0] + t * stride[1] + h * stride[2] + d;
}

FR_KERNEL(fr_scan_forward, 1024, (fr_scan_args args)) {
    const int d = fr_block_x() * fr_block_dim_x() + fr_thread_x();
    const int h = fr_block_y();
    const int seq = fr_block_z();
    if (d >= args.dim) return;
    int b;
    long long start, end;
    scan_range(args, seq, &b, &start, &end);
    const long long state = ((long long)seq * args.heads + h) * args.dim + d;
    float value = args.h0 != 0 ? ((const float*)args.h0)[state] : 0.0f;
    for (long long t = start; t < end; ++t) {
        value = ((const float*)args.a)[at(args.a_stride, b, t, h, d)] * value +
                ((const float*)args.b)[at(args.b_stride, b, t, h, d)];
        ((float*)args.h)[at(args.h_stride, b, t, h, d)] = value;
    }
    if (args.h_last != 0) ((float*)args.h_last)[state] = value;
}

FR_KERNEL(fr_scan_backward, 1024, (fr_scan_args args)) {
    const int d = fr_block_x() * fr_block_dim_x() + fr_thread_x();
    const int h = fr_block_y();
    const int seq = fr_block_z();
    if (d >= args.dim) return;
    int b;
    long long start, end;
    scan_range(args, seq, &b, &start, &end);
    const long long state = ((long long)seq * args.heads + h) * args.dim + d;
    float carry = args.dh_last != 0 ? ((const float*)args.dh_last)[state] : 0.0f;
    for (long long t = end - 1; t >= start; --t) {
        const float g = carry + ((const float*)args.dh)[at(args.dh_stride, b, t, h, d)];
        const float previous = t > start ? ((const float*)args.h)[at(args.h_stride, b, t - 1, h, d)]
                                         : (args.h0 != 0 ? ((const float*)args.h0)[state] : 0.0f);
        ((float*)args.db)[at(args.db_stride, b, t, h, d)] = g;
        ((float*)args.da)[at(args.da_stride, b, t, h, d)] = g * previous;
        carry = g * ((const float*)args.a)[at(args.a_stride, b, t, h, d)];
    }
    if (args.dh0 != 0) ((float*)args.dh0)[state] = carry;
}
)CUDA";

}  // namespace

int& failures() {
    static int count = 0;
    return count;
}

bool error_contains(const char* fragment) { return std::strstr(fr_last_error(), fragment) != nullptr; }

TempDir::TempDir() {
    std::string pattern = (fs::temp_directory_path() / "fr-native-test-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = buffer.data();
}

TempDir::~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
}

std::vector<std::string> TempDir::files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) names.push_back(entry.path().filename().string());
    return names;
}

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void register_test_sources() {
    fr::add_kernel_file_for_testing(kTestSourceName, kTestKernels, false);
    fr::add_kernel_file_for_testing(kEmulationSourceName, kEmulationKernels, false);
    fr::add_kernel_file_for_testing("fr_test_broken", "extern \"C\" __global__ void broken( { this is not C++ }\n",
                                    false);
}

fr_compile_options compile_options(const char* source, const char* arch) {
    fr_compile_options options{};
    options.struct_size = sizeof options;
    options.source_name = source;
    options.arch = arch;
    options.use_cache = 0;
    return options;
}

fr_compile_result compile_result() {
    fr_compile_result result{};
    result.struct_size = sizeof result;
    return result;
}

fr_plan small_scan_plan(const char* source, int backward) {
    fr_plan plan{};
    plan.struct_size = sizeof plan;
    plan.source_name = source;
    plan.defines[0] = {"FR_DTYPE", 0};
    plan.defines[1] = {"FR_SCAN_LANES", 32};
    plan.defines[2] = {"FR_BACKWARD", backward};
    plan.defines[3] = {"FR_SCAN_THREADS", 32};
    plan.defines[4] = {"FR_SCAN_ITEMS", 1};
    plan.define_count = 5;
    plan.grid = {2, 3, 2};
    plan.block = {32, 1, 1};
    plan.cluster = {1, 1, 1};
    plan.kind = FR_LAUNCH_PLAIN;
    return plan;
}

}  // namespace frtest
