// test_gpu.cpp: everything that needs a CUDA device: device queries, contexts, memory, module load, the three
// launch kinds, and the scans end to end (the test source's fp32 reference kernels, then kernels/scan.cu)
// against a float64 reference on the host. Skips without a driver or device.
#include "case_modules.h"
#include "device_checks.h"
#include "emulation_kernels.h"
#include "test_support.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace frtest {

int rnn_forward_case_failures(fr_context context, bool clusters);
int rnn_backward_case_failures(fr_context context, bool clusters, int* differing);
int linear_case_failures(fr_context context, int allow_cublas, int* used_cublas_count);

namespace {

void test_scans(fr_context context) {
    const std::vector<ScanCase> cases = {
        {2, 1, 3, 40, {}, false},
        {2, 37, 3, 40, {}, true},
        {3, 1000, 2, 64, {}, false},
        {1, 1000, 2, 48, {0, 1, 300, 1000}, true},
    };
    for (const ScanCase& c : cases) CHECK(check_scan(context, kTestSourceName, {32, 32, 1}, c));

    bool embedded = false;
    for (int i = 0; i < fr_kernel_source_count(); ++i) {
        const char* name = nullptr;
        const char* text = nullptr;
        if (fr_kernel_source(i, &name, &text) == FR_OK && std::string(name) == "scan") embedded = true;
    }
    if (!embedded) {
        std::printf("  kernels/scan.cu not embedded: only the test kernels ran\n");
        return;
    }
    for (const PlanShape& shape : {PlanShape{32, 256, 4}, PlanShape{64, 512, 8}, PlanShape{16, 128, 16}}) {
        for (const ScanCase& c : cases) CHECK(check_scan(context, "scan", shape, c));
    }
}

// A first look at speed (host-timed, synchronised; the device script does this properly with CUDA events).
void time_scan(fr_context context) {
    bool embedded = false;
    for (int i = 0; i < fr_kernel_source_count(); ++i) {
        const char* name = nullptr;
        const char* text = nullptr;
        if (fr_kernel_source(i, &name, &text) == FR_OK && std::string(name) == "scan") embedded = true;
    }
    if (!embedded) return;
    const ScanCase c = {8, 16384, 24, 64, {}, false};
    const size_t dense = size_t(c.batch) * c.steps * c.heads * c.dim;
    DeviceBuffer a(context, dense * 4), b(context, dense * 4), h(context, dense * 4), da(context, dense * 4),
        db(context, dense * 4);
    const fr_tensor ta = tensor4(a.get(), c, c.dim), tb = tensor4(b.get(), c, c.dim), th = tensor4(h.get(), c, c.dim),
                    tda = tensor4(da.get(), c, c.dim), tdb = tensor4(db.get(), c, c.dim);
    for (const PlanShape& shape : {PlanShape{32, 256, 4}, PlanShape{64, 512, 8}, PlanShape{64, 256, 16}}) {
        const fr_plan forward = scan_plan("scan", false, shape, c);
        const fr_plan backward = scan_plan("scan", true, shape, c);
        double seconds[2] = {};
        for (int direction = 0; direction < 2; ++direction) {
            auto run = [&] {
                return direction == 0
                    ? fr_scan_forward(context, &forward, &ta, &tb, nullptr, &th, nullptr, nullptr, 0, nullptr)
                    : fr_scan_backward(context, &backward, &ta, &th, nullptr, &tb, nullptr, &tda, &tdb, nullptr, nullptr,
                                       0, nullptr);
            };
            CHECK_STATUS(run(), FR_OK);  // compiles and loads once
            CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
            const int repeats = 10;
            const auto start = std::chrono::steady_clock::now();
            for (int i = 0; i < repeats; ++i) run();
            CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
            seconds[direction] =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
        }
        // Bytes moved: forward reads a, b and writes h; backward reads a, h, dh and writes da, db.
        const double gb = dense * 4 / 1e9;
        std::printf("  scan B 8 T 16384 H*D 1536 fp32, lanes %d threads %d items %d: forward %.3f ms (%.0f GB/s), "
                    "backward %.3f ms (%.0f GB/s)\n",
                    shape.lanes, shape.threads, shape.items, seconds[0] * 1e3, 3 * gb / seconds[0], seconds[1] * 1e3,
                    5 * gb / seconds[1]);
    }
}

// A first look at the fused forward's speed: LSTM, 12 heads of 64, B 16, T 1024, bf16 (targets.md's multi-head shape),
// with a hand-made single-block plan (8 warps, 2 register tiles each, batch tile 16). Host-timed, synchronised.
void time_rnn_forward(fr_context context) {
    const int B = 16, T = 1024, NH = 12, D = 64, G = 4, S = 2;
    fr_define defines[] = {
        {"FR_CELL", 0}, {"FR_GATES", G}, {"FR_STATES", S}, {"FR_DTYPE", 1}, {"FR_BACKWARD", 0}, {"FR_HEAD_SIZE", D},
        {"FR_HEAD_SIZE_PADDED", D}, {"FR_HEADS", NH}, {"FR_HEADS_PER_BLOCK", 1}, {"FR_BLOCKS_PER_HEAD", 1},
        {"FR_WARPS", 8}, {"FR_K_SPLIT", 1}, {"FR_BATCH_TILE", 16}, {"FR_REGISTER_ROW_TILES", 2},
        {"FR_SHARED_ROW_TILES", 0}, {"FR_REGIME", 1},
    };
    fr_plan plan{};
    plan.struct_size = sizeof plan;
    plan.source_name = "rnn_forward";
    plan.define_count = static_cast<int>(sizeof defines / sizeof defines[0]);
    for (int i = 0; i < plan.define_count; ++i) plan.defines[i] = defines[i];
    plan.grid = {1, NH, 1};
    plan.block = {256, 1, 1};
    plan.cluster = {1, 1, 1};
    plan.shared_bytes = 2 * 16 * 64 * 2 + 1 * 4 * 64 * 16 * 4;
    plan.kind = FR_LAUNCH_PLAIN;
    auto tensor = [](void* data, const std::vector<int64_t>& shape) { return contiguous_tensor(data, FR_DTYPE_BFLOAT16, shape); };
    DeviceBuffer wx(context, size_t(B) * T * G * NH * D * 2), r(context, size_t(G) * NH * D * D * 2),
        bias(context, size_t(G) * NH * D * 2), y(context, size_t(B) * T * NH * D * 2);
    wx.upload(std::vector<uint16_t>(size_t(B) * T * G * NH * D, 0x3c00));  // bf16 ~ 0.0078
    r.upload(std::vector<uint16_t>(size_t(G) * NH * D * D, 0x3c00));
    bias.upload(std::vector<uint16_t>(size_t(G) * NH * D, 0));
    const fr_tensor twx = tensor(wx.get(), {B, T, G, NH, D}), tr = tensor(r.get(), {G, NH, D, D}),
                    tbias = tensor(bias.get(), {G, NH, D}), ty = tensor(y.get(), {B, T, NH, D});
    auto run = [&] { return fr_rnn_forward(context, &plan, &twx, &tr, &tbias, nullptr, &ty, nullptr, nullptr, nullptr, nullptr); };
    CHECK_STATUS(run(), FR_OK);
    CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
    const int repeats = 10;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) run();
    CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
    const double ms = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() * 1e3 / repeats;
    std::printf("  fused LSTM forward, 12 x 64, B 16, T 1024, bf16, single-block plan (8 warps, RT 2): %.3f ms\n", ms);
}

}  // namespace

int run_gpu_tests() {
    int count = 0;
    const fr_status status = fr_device_count(&count);
    if (status != FR_OK || count == 0) {
        std::printf("skipped: %s\n", status != FR_OK ? fr_last_error() : "the driver reports no CUDA device");
        return kSkip;
    }
    char name[256];
    CHECK_STATUS(fr_device_name(0, name, sizeof name), FR_OK);
    int sms = 0, major = 0, minor = 0, shared_opt_in = 0, value = 0;
    CHECK_STATUS(fr_device_attribute(0, 16, &sms), FR_OK);
    CHECK_STATUS(fr_device_attribute(0, 75, &major), FR_OK);
    CHECK_STATUS(fr_device_attribute(0, 76, &minor), FR_OK);
    CHECK_STATUS(fr_device_attribute(0, 97, &shared_opt_in), FR_OK);
    std::printf("  device 0 of %d: %s, sm_%d%d, %d SMs, %d bytes shared memory per block (opt-in)\n", count, name,
                major, minor, sms, shared_opt_in);
    char tiny[4];
    CHECK_FAILS(fr_device_name(0, tiny, sizeof tiny), FR_ERROR_INVALID_ARGUMENT, "capacity");
    CHECK(std::strlen(tiny) == 3);
    CHECK_FAILS(fr_device_name(count, name, sizeof name), FR_ERROR_NO_DEVICE, "ordinal");
    CHECK_FAILS(fr_device_attribute(0, 100000, &value), FR_ERROR_INVALID_ARGUMENT, "cu_device_attribute");

    fr_context context = nullptr;
    CHECK_STATUS(fr_context_create(0, &context), FR_OK);
    if (context == nullptr) return 0;
    {
        DeviceBuffer buffer(context, 1024 * sizeof(float));
        std::vector<float> host(1024);
        for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<float>(i) * 0.5f;
        buffer.upload(host);
        CHECK(buffer.download<float>(1024) == host);
    }
    TempDir cache;
    test_launches(context, major, shared_opt_in, cache.path());
    test_scans(context);
    if (major >= 8) {
        // first, the hardware's answer to what the emulator assumes (shuffles, votes, mma fragment layouts, tf32
        // rounding): every emulator-checked kernel rests on it, and it takes seconds where the cases below take minutes
        fr_compile_options options = compile_options(kEmulationSourceName, nullptr);
        fr_module module = nullptr;
        CHECK_STATUS(fr_module_load(context, &options, &module), FR_OK);
        if (module != nullptr) {
            test_helpers_on_device(context, module);
            CHECK_STATUS(fr_module_unload(module), FR_OK);
        }
        // every module the recurrent cases load, compiled side by side first: the cases then only load
        const std::string arch = "sm_" + std::to_string(major * 10 + minor);
        CHECK(compile_case_modules(arch.c_str(), major >= 9, std::max(1u, std::thread::hardware_concurrency()), nullptr) == 0);
        // the recurrent forward (every regime this card has, every cell and dtype, and the alternating fallback)
        // against float64, as on the emulator; the input projection through our kernel and through cuBLAS if present
        CHECK(rnn_forward_case_failures(context, major >= 9) == 0);
        // the training forward and the backward (every regime, cell, dtype, option, the recompute reserve), each run
        // twice: right against float64, and the same bits both times
        int differing = 0;
        CHECK(rnn_backward_case_failures(context, major >= 9, &differing) == 0);
        CHECK(differing == 0);
        std::printf("  rnn backward: %d cases differ between two runs\n", differing);
        int used_cublas = 0;
        CHECK(linear_case_failures(context, 0, &used_cublas) == 0);
        CHECK(used_cublas == 0);
        CHECK(linear_case_failures(context, 1, &used_cublas) == 0);
        std::printf("  fr_linear with cuBLAS allowed: cuBLAS ran %d of 9 cases\n", used_cublas);
        time_rnn_forward(context);
    }
    time_scan(context);
    CHECK_STATUS(fr_context_destroy(context), FR_OK);
    CHECK_FAILS(fr_synchronize(context, nullptr), FR_ERROR_INVALID_ARGUMENT, "context");
    return 0;
}

}  // namespace frtest
