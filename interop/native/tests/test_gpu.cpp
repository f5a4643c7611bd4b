// test_gpu.cpp: everything that needs a CUDA device: device queries, contexts, memory, module load, the three
// launch kinds, and the scans end to end (the test source's fp32 reference kernels, then kernels/scan.cu)
// against a float64 reference on the host. Skips without a driver or device.
#include "test_support.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace frtest {
namespace {

// Device memory from fr_malloc, freed at scope end.
class DeviceBuffer {
public:
    DeviceBuffer(fr_context context, size_t bytes) : context_(context) {
        CHECK_STATUS(fr_malloc(context, bytes, &pointer_), FR_OK);
    }
    ~DeviceBuffer() {
        if (pointer_ != nullptr) fr_free(context_, pointer_);
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
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

fr_launch_config launch_config(unsigned grid, unsigned block, fr_launch_kind kind = FR_LAUNCH_PLAIN) {
    fr_launch_config config{};
    config.struct_size = sizeof config;
    config.grid = {grid, 1, 1};
    config.block = {block, 1, 1};
    config.cluster = {1, 1, 1};
    config.kind = kind;
    return config;
}

void test_launches(fr_context context, int major, int shared_opt_in, const std::string& cache_dir) {
    fr_compile_options options = compile_options(kTestSourceName, nullptr);  // NULL arch: the device's
    options.use_cache = 1;
    options.cache_dir = cache_dir.c_str();
    fr_module module = nullptr;
    CHECK_STATUS(fr_module_load(context, &options, &module), FR_OK);
    if (module == nullptr) return;
    fr_compile_options wrong_arch = compile_options(kTestSourceName, major == 5 ? "sm_80" : "sm_52");
    fr_module unused = nullptr;
    CHECK_FAILS(fr_module_load(context, &wrong_arch, &unused), FR_ERROR_INVALID_ARGUMENT, "options.arch");

    int n = 1000;
    DeviceBuffer out(context, 4096 * sizeof(float));
    void* out_pointer = out.get();
    void* args[] = {&out_pointer, &n};
    for (fr_launch_kind kind : {FR_LAUNCH_PLAIN, FR_LAUNCH_COOPERATIVE}) {
        out.upload(std::vector<float>(4096, -1.0f));
        fr_launch_config config = launch_config(4, 256, kind);
        CHECK_STATUS(fr_launch(module, "fr_test_fill", &config, args), FR_OK);
        CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
        const auto values = out.download<float>(1001);
        bool right = values[1000] == -1.0f;
        for (int i = 0; i < n; ++i) right = right && values[i] == static_cast<float>(i);
        CHECK(right);
    }
    fr_launch_config config = launch_config(1, 32);
    CHECK_FAILS(fr_launch(module, "fr_no_such_kernel", &config, args), FR_ERROR_INVALID_ARGUMENT, "fr_no_such_kernel");
    fr_launch_config too_big = launch_config(1, 4096);
    CHECK_FAILS(fr_launch(module, "fr_test_fill", &too_big, args), FR_ERROR_CUDA, "cuLaunchKernel");

    // More than 48 KB of dynamic shared memory needs the opt-in attribute, which the library sets.
    if (shared_opt_in >= 64 * 1024) {
        int floats = 64 * 1024 / 4;
        void* shared_args[] = {&out_pointer, &floats};
        fr_launch_config shared = launch_config(1, 256);
        shared.shared_bytes = 64 * 1024;
        CHECK_STATUS(fr_launch(module, "fr_test_dynamic_shared", &shared, shared_args), FR_OK);
        CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
        const auto values = out.download<float>(256);
        bool right = true;
        for (int i = 0; i < 256; ++i) right = right && values[i] == static_cast<float>(floats - 1 - i);
        CHECK(right);
    }

    // Clusters through cuLaunchKernelEx: portable (4) and non-portable (16) sizes on sm_90+.
    void* rank_args[] = {&out_pointer};
    if (major >= 9) {
        for (unsigned cluster : {4u, 16u}) {
            fr_launch_config clustered = launch_config(16, 32, FR_LAUNCH_CLUSTER);
            clustered.cluster = {cluster, 1, 1};
            CHECK_STATUS(fr_launch(module, "fr_test_cluster_rank", &clustered, rank_args), FR_OK);
            CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
            const auto ranks = out.download<unsigned>(16);
            bool right = true;
            for (unsigned b = 0; b < 16; ++b) right = right && ranks[b] == b % cluster + 100 * cluster;
            if (!right) std::fprintf(stderr, "  cluster %u: block 1 reported %u\n", cluster, ranks[1]);
            CHECK(right);
        }
    } else {
        fr_launch_config clustered = launch_config(8, 32, FR_LAUNCH_CLUSTER);
        clustered.cluster = {2, 1, 1};
        CHECK_FAILS(fr_launch(module, "fr_test_cluster_rank", &clustered, rank_args), FR_ERROR_UNSUPPORTED, "sm_90");
    }

    CHECK_STATUS(fr_module_unload(module), FR_OK);
    CHECK_FAILS(fr_launch(module, "fr_test_fill", &config, args), FR_ERROR_INVALID_ARGUMENT, "module");
}

struct ScanCase {
    int batch, steps, heads, dim;
    std::vector<int64_t> offsets;  // cu_seqlens (batch must be 1), or empty
    bool padded;                   // a and h with a padded head stride (strided, not contiguous)
};

struct PlanShape {
    int lanes, threads, items;
};

fr_plan scan_plan(const char* source, bool backward, const PlanShape& shape, const ScanCase& c) {
    fr_plan plan{};
    plan.struct_size = sizeof plan;
    plan.source_name = source;
    plan.defines[0] = {"FR_DTYPE", 0};
    plan.defines[1] = {"FR_BACKWARD", backward ? 1 : 0};
    plan.defines[2] = {"FR_SCAN_LANES", shape.lanes};
    plan.defines[3] = {"FR_SCAN_THREADS", shape.threads};
    plan.defines[4] = {"FR_SCAN_ITEMS", shape.items};
    plan.defines[5] = {"FR_SCAN_CHUNK", (shape.threads / shape.lanes) * shape.items};
    plan.define_count = 6;
    const unsigned sequences = c.offsets.empty() ? c.batch : static_cast<unsigned>(c.offsets.size() - 1);
    plan.grid = {static_cast<unsigned>((c.dim + shape.lanes - 1) / shape.lanes), static_cast<unsigned>(c.heads),
                 sequences};
    plan.block = {static_cast<unsigned>(shape.threads), 1, 1};
    plan.cluster = {1, 1, 1};
    plan.shared_bytes = static_cast<uint32_t>((shape.threads / 32) * shape.lanes * 8 + shape.lanes * 8);
    plan.kind = FR_LAUNCH_PLAIN;
    return plan;
}

fr_tensor tensor4(void* data, const ScanCase& c, int64_t head_stride) {
    fr_tensor t{};
    t.data = data;
    t.dtype = FR_DTYPE_FLOAT32;
    t.rank = 4;
    t.shape[0] = c.batch; t.shape[1] = c.steps; t.shape[2] = c.heads; t.shape[3] = c.dim;
    t.strides[3] = 1;
    t.strides[2] = head_stride;
    t.strides[1] = head_stride * c.heads;
    t.strides[0] = head_stride * c.heads * c.steps;
    return t;
}

fr_tensor tensor3(void* data, int64_t sequences, const ScanCase& c) {
    fr_tensor t{};
    t.data = data;
    t.dtype = FR_DTYPE_FLOAT32;
    t.rank = 3;
    t.shape[0] = sequences; t.shape[1] = c.heads; t.shape[2] = c.dim;
    t.strides[0] = int64_t(c.heads) * c.dim; t.strides[1] = c.dim; t.strides[2] = 1;
    return t;
}

double relative_error(const std::vector<float>& got, const std::vector<double>& want) {
    double worst = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        worst = std::max(worst, std::fabs(got[i] - want[i]) / (1.0 + std::fabs(want[i])));
    }
    return worst;
}

// Forward and backward of one case against the float64 reference; returns false on a mismatch.
bool check_scan(fr_context context, const char* source, const PlanShape& shape, const ScanCase& c) {
    const int64_t sequences = c.offsets.empty() ? c.batch : static_cast<int64_t>(c.offsets.size() - 1);
    const int64_t padded_dim = c.padded ? c.dim + 8 : c.dim;
    const size_t dense = size_t(c.batch) * c.steps * c.heads * c.dim;
    const size_t strided = size_t(c.batch) * c.steps * c.heads * padded_dim;
    const size_t states = size_t(sequences) * c.heads * c.dim;

    std::mt19937 random(1234 + c.steps + c.dim);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    auto fill = [&](size_t n) { std::vector<float> v(n); for (float& x : v) x = uniform(random); return v; };
    const std::vector<float> a = fill(strided), b = fill(dense), h0 = fill(states), dh = fill(dense),
                             dh_last = fill(states);

    // Reference, float64. Index helpers: dense [B, T, H, D] and the (possibly padded) layout of a and h.
    auto di = [&](int64_t bb, int64_t t, int64_t hh, int64_t d) { return ((bb * c.steps + t) * c.heads + hh) * c.dim + d; };
    auto si = [&](int64_t bb, int64_t t, int64_t hh, int64_t d) { return ((bb * c.steps + t) * c.heads + hh) * padded_dim + d; };
    std::vector<double> h_ref(dense), h_last_ref(states), da_ref(dense), db_ref(dense), dh0_ref(states);
    for (int64_t s = 0; s < sequences; ++s) {
        const int64_t bb = c.offsets.empty() ? s : 0;
        const int64_t start = c.offsets.empty() ? 0 : c.offsets[s];
        const int64_t end = c.offsets.empty() ? c.steps : c.offsets[s + 1];
        for (int64_t hh = 0; hh < c.heads; ++hh) {
            for (int64_t d = 0; d < c.dim; ++d) {
                const size_t state = (s * c.heads + hh) * c.dim + d;
                double value = h0[state];
                for (int64_t t = start; t < end; ++t) {
                    value = double(a[si(bb, t, hh, d)]) * value + b[di(bb, t, hh, d)];
                    h_ref[di(bb, t, hh, d)] = value;
                }
                h_last_ref[state] = value;
                double carry = dh_last[state];
                for (int64_t t = end - 1; t >= start; --t) {
                    const double g = carry + dh[di(bb, t, hh, d)];
                    const double previous = t > start ? h_ref[di(bb, t - 1, hh, d)] : double(h0[state]);
                    db_ref[di(bb, t, hh, d)] = g;
                    da_ref[di(bb, t, hh, d)] = g * previous;
                    carry = g * a[si(bb, t, hh, d)];
                }
                dh0_ref[state] = carry;
            }
        }
    }

    DeviceBuffer a_dev(context, strided * 4), b_dev(context, dense * 4), h_dev(context, strided * 4),
        h0_dev(context, states * 4), h_last_dev(context, states * 4), dh_dev(context, dense * 4),
        dh_last_dev(context, states * 4), da_dev(context, dense * 4), db_dev(context, dense * 4),
        dh0_dev(context, states * 4), offsets_dev(context, (c.offsets.size() + 1) * 8);
    a_dev.upload(a);
    b_dev.upload(b);
    h0_dev.upload(h0);
    dh_dev.upload(dh);
    dh_last_dev.upload(dh_last);
    const std::vector<float> poison(strided, std::nanf(""));
    h_dev.upload(poison);
    da_dev.upload(std::vector<float>(dense, std::nanf("")));
    db_dev.upload(std::vector<float>(dense, std::nanf("")));
    if (!c.offsets.empty()) offsets_dev.upload(c.offsets);
    const int64_t* cu_seqlens = c.offsets.empty() ? nullptr : static_cast<const int64_t*>(offsets_dev.get());
    const int num_seqs = c.offsets.empty() ? 0 : static_cast<int>(sequences);

    const fr_tensor ta = tensor4(a_dev.get(), c, padded_dim), tb = tensor4(b_dev.get(), c, c.dim),
                    th = tensor4(h_dev.get(), c, padded_dim), tdh = tensor4(dh_dev.get(), c, c.dim),
                    tda = tensor4(da_dev.get(), c, c.dim), tdb = tensor4(db_dev.get(), c, c.dim);
    const fr_tensor th0 = tensor3(h0_dev.get(), sequences, c), th_last = tensor3(h_last_dev.get(), sequences, c),
                    tdh_last = tensor3(dh_last_dev.get(), sequences, c), tdh0 = tensor3(dh0_dev.get(), sequences, c);

    const fr_plan forward = scan_plan(source, false, shape, c);
    const fr_plan backward = scan_plan(source, true, shape, c);
    CHECK_STATUS(fr_scan_forward(context, &forward, &ta, &tb, &th0, &th, &th_last, cu_seqlens, num_seqs, nullptr), FR_OK);
    CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
    CHECK_STATUS(fr_scan_backward(context, &backward, &ta, &th, &th0, &tdh, &tdh_last, &tda, &tdb, &tdh0, cu_seqlens,
                                  num_seqs, nullptr),
                 FR_OK);
    CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);

    const auto h_padded = h_dev.download<float>(strided);
    std::vector<float> h_got(dense);
    for (int64_t bb = 0; bb < c.batch; ++bb)
        for (int64_t t = 0; t < c.steps; ++t)
            for (int64_t hh = 0; hh < c.heads; ++hh)
                for (int64_t d = 0; d < c.dim; ++d) h_got[di(bb, t, hh, d)] = h_padded[si(bb, t, hh, d)];
    const double errors[] = {relative_error(h_got, h_ref), relative_error(h_last_dev.download<float>(states), h_last_ref),
                             relative_error(da_dev.download<float>(dense), da_ref),
                             relative_error(db_dev.download<float>(dense), db_ref),
                             relative_error(dh0_dev.download<float>(states), dh0_ref)};
    double worst = 0;
    for (double e : errors) worst = std::isnan(e) || std::isnan(worst) ? NAN : std::max(worst, e);
    const bool right = !std::isnan(worst) && worst < 1e-4;
    std::printf("  %-16s lanes %2d threads %4d items %2d  B %d T %5d H %d D %3d%s%s: worst relative error %.2e "
                "(h %.1e h_last %.1e da %.1e db %.1e dh0 %.1e)%s\n",
                source, shape.lanes, shape.threads, shape.items, c.batch, c.steps, c.heads, c.dim,
                c.offsets.empty() ? "" : " varlen", c.padded ? " strided" : "", worst, errors[0], errors[1], errors[2],
                errors[3], errors[4], right ? "" : "  MISMATCH");
    return right;
}

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
    time_scan(context);
    CHECK_STATUS(fr_context_destroy(context), FR_OK);
    CHECK_FAILS(fr_synchronize(context, nullptr), FR_ERROR_INVALID_ARGUMENT, "context");
    return 0;
}

}  // namespace frtest
