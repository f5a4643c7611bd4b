// device_checks.cpp: see device_checks.h.
#include "device_checks.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace frtest {

DeviceBuffer::DeviceBuffer(fr_context context, size_t bytes) : context_(context) {
    CHECK_STATUS(fr_malloc(context, bytes, &pointer_), FR_OK);
}

DeviceBuffer::~DeviceBuffer() {
    if (pointer_ != nullptr) fr_free(context_, pointer_);
}

fr_launch_config launch_config(unsigned grid, unsigned block, fr_launch_kind kind) {
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
    CHECK_FAILS(fr_launch(module, "fr_test_fill", &too_big, args), FR_ERROR_INVALID_ARGUMENT,
                "config.block: expected at most 1024 threads");
    CHECK_FAILS(fr_launch(module, "fr_test_fill", &config, nullptr), FR_ERROR_INVALID_ARGUMENT, "args");

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

fr_plan scan_plan(const char* source, bool backward, const PlanShape& shape, const ScanCase& c, fr_dtype dtype) {
    fr_plan plan{};
    plan.struct_size = sizeof plan;
    plan.source_name = source;
    plan.defines[0] = {"FR_DTYPE", static_cast<int64_t>(dtype)};
    plan.defines[1] = {"FR_BACKWARD", backward ? 1 : 0};
    plan.defines[2] = {"FR_SCAN_LANES", shape.lanes};
    plan.defines[3] = {"FR_SCAN_THREADS", shape.threads};
    plan.defines[4] = {"FR_SCAN_ITEMS", shape.items};
    plan.defines[5] = {"FR_SCAN_CHUNK", (shape.threads / shape.lanes) * shape.items};
    plan.define_count = 6;
    const unsigned sequences = c.offsets.empty() ? c.batch : static_cast<unsigned>(c.offsets.size() - 1);
    // past 65535 sequences (the grid's z limit) the library runs this grid over slices of them
    plan.grid = {static_cast<unsigned>((c.dim + shape.lanes - 1) / shape.lanes), static_cast<unsigned>(c.heads),
                 sequences < 65535u ? sequences : 65535u};
    plan.block = {static_cast<unsigned>(shape.threads), 1, 1};
    plan.cluster = {1, 1, 1};
    plan.shared_bytes = static_cast<uint32_t>((shape.threads / 32) * shape.lanes * 8 + shape.lanes * 8);
    plan.kind = FR_LAUNCH_PLAIN;
    return plan;
}

namespace {

size_t element_bytes(fr_dtype dtype) {
    switch (dtype) {
        case FR_DTYPE_FLOAT64: return 8;
        case FR_DTYPE_BFLOAT16:
        case FR_DTYPE_FLOAT16: return 2;
        default: return 4;
    }
}

// Host storage of one dtype: values are rounded to the storage format when stored, so the reference sees exactly
// what the kernel reads.
class HostTensor {
public:
    HostTensor(fr_dtype dtype, size_t count) : dtype_(dtype), bytes_(count * element_bytes(dtype)) {}
    size_t size() const { return bytes_.size() / element_bytes(dtype_); }
    const std::vector<unsigned char>& bytes() const { return bytes_; }
    std::vector<unsigned char>& bytes() { return bytes_; }

    void set(size_t i, double value) {
        unsigned char* p = bytes_.data() + i * element_bytes(dtype_);
        switch (dtype_) {
            case FR_DTYPE_FLOAT64: std::memcpy(p, &value, 8); break;
            case FR_DTYPE_FLOAT32: {
                const float f = static_cast<float>(value);
                std::memcpy(p, &f, 4);
                break;
            }
            case FR_DTYPE_BFLOAT16: {
                const float f = static_cast<float>(value);
                uint32_t u;
                std::memcpy(&u, &f, 4);
                const uint16_t bits = std::isnan(f) ? uint16_t(0x7fc0) : uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
                std::memcpy(p, &bits, 2);
                break;
            }
            case FR_DTYPE_FLOAT16: {
                const _Float16 h = static_cast<_Float16>(static_cast<float>(value));
                std::memcpy(p, &h, 2);
                break;
            }
        }
    }
    double get(size_t i) const {
        const unsigned char* p = bytes_.data() + i * element_bytes(dtype_);
        switch (dtype_) {
            case FR_DTYPE_FLOAT64: {
                double d;
                std::memcpy(&d, p, 8);
                return d;
            }
            case FR_DTYPE_FLOAT32: {
                float f;
                std::memcpy(&f, p, 4);
                return f;
            }
            case FR_DTYPE_BFLOAT16: {
                uint16_t bits;
                std::memcpy(&bits, p, 2);
                const uint32_t u = uint32_t(bits) << 16;
                float f;
                std::memcpy(&f, &u, 4);
                return f;
            }
            case FR_DTYPE_FLOAT16: {
                _Float16 h;
                std::memcpy(&h, p, 2);
                return static_cast<double>(static_cast<float>(h));
            }
        }
        return NAN;
    }

private:
    fr_dtype dtype_;
    std::vector<unsigned char> bytes_;
};

// NaN stays NaN through the max, so a single unwritten element fails the case.
double relative_error(const std::vector<double>& got, const std::vector<double>& want) {
    double worst = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        const double e = std::fabs(got[i] - want[i]) / (1.0 + std::fabs(want[i]));
        if (std::isnan(e)) return NAN;
        worst = std::max(worst, e);
    }
    return worst;
}

std::vector<double> read_back(const DeviceBuffer& buffer, fr_dtype dtype, size_t count) {
    HostTensor host(dtype, count);
    host.bytes() = buffer.download<unsigned char>(count * element_bytes(dtype));
    std::vector<double> values(count);
    for (size_t i = 0; i < count; ++i) values[i] = host.get(i);
    return values;
}

}  // namespace

fr_tensor contiguous_tensor(void* data, fr_dtype dtype, const std::vector<int64_t>& shape) {
    fr_tensor t{};
    t.data = data;
    t.dtype = dtype;
    t.rank = static_cast<int>(shape.size());
    int64_t stride = 1;
    for (int i = t.rank - 1; i >= 0; --i) {
        t.shape[i] = shape[i];
        t.strides[i] = stride;
        stride *= shape[i];
    }
    return t;
}

fr_tensor tensor4(void* data, const ScanCase& c, int64_t head_stride, fr_dtype dtype) {
    fr_tensor t{};
    t.data = data;
    t.dtype = dtype;
    t.rank = 4;
    t.shape[0] = c.batch; t.shape[1] = c.steps; t.shape[2] = c.heads; t.shape[3] = c.dim;
    t.strides[3] = 1;
    t.strides[2] = head_stride;
    t.strides[1] = head_stride * c.heads;
    t.strides[0] = head_stride * c.heads * c.steps;
    return t;
}

fr_tensor tensor3(void* data, int64_t sequences, const ScanCase& c, fr_dtype dtype) {
    fr_tensor t{};
    t.data = data;
    t.dtype = dtype;
    t.rank = 3;
    t.shape[0] = sequences; t.shape[1] = c.heads; t.shape[2] = c.dim;
    t.strides[0] = int64_t(c.heads) * c.dim; t.strides[1] = c.dim; t.strides[2] = 1;
    return t;
}

const char* dtype_name(fr_dtype dtype) {
    switch (dtype) {
        case FR_DTYPE_FLOAT32: return "fp32";
        case FR_DTYPE_BFLOAT16: return "bf16";
        case FR_DTYPE_FLOAT16: return "fp16";
        case FR_DTYPE_FLOAT64: return "fp64";
    }
    return "?";
}

double scan_tolerance(fr_dtype dtype) {
    switch (dtype) {
        case FR_DTYPE_FLOAT64: return 1e-12;
        case FR_DTYPE_BFLOAT16: return 1e-2;
        case FR_DTYPE_FLOAT16: return 2e-3;
        default: return 1e-4;
    }
}

bool check_scan(fr_context context, const char* source, const PlanShape& shape, const ScanCase& c, fr_dtype dtype,
                bool quiet) {
    const int64_t sequences = c.offsets.empty() ? c.batch : static_cast<int64_t>(c.offsets.size() - 1);
    const int64_t padded_dim = c.padded ? c.dim + 8 : c.dim;
    const size_t dense = size_t(c.batch) * c.steps * c.heads * c.dim;
    const size_t strided = size_t(c.batch) * c.steps * c.heads * padded_dim;
    const size_t states = size_t(sequences) * c.heads * c.dim;
    const size_t bytes = element_bytes(dtype);

    std::mt19937 random(1234 + c.steps + c.dim);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    auto fill = [&](size_t n) {
        HostTensor v(dtype, n);
        for (size_t i = 0; i < n; ++i) v.set(i, uniform(random));
        return v;
    };
    const HostTensor a = fill(strided), b = fill(dense), h0 = fill(states), dh = fill(dense), dh_last = fill(states);

    // Reference, float64, on the stored (rounded) inputs. Dense [B, T, H, D] and the (possibly padded) a and h.
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
                double value = h0.get(state);
                for (int64_t t = start; t < end; ++t) {
                    value = a.get(si(bb, t, hh, d)) * value + b.get(di(bb, t, hh, d));
                    h_ref[di(bb, t, hh, d)] = value;
                }
                h_last_ref[state] = value;
                double carry = dh_last.get(state);
                for (int64_t t = end - 1; t >= start; --t) {
                    const double g = carry + dh.get(di(bb, t, hh, d));
                    const double previous = t > start ? h_ref[di(bb, t - 1, hh, d)] : h0.get(state);
                    db_ref[di(bb, t, hh, d)] = g;
                    da_ref[di(bb, t, hh, d)] = g * previous;
                    carry = g * a.get(si(bb, t, hh, d));
                }
                dh0_ref[state] = carry;
            }
        }
    }

    DeviceBuffer a_dev(context, strided * bytes), b_dev(context, dense * bytes), h_dev(context, strided * bytes),
        h0_dev(context, states * bytes), h_last_dev(context, states * bytes), dh_dev(context, dense * bytes),
        dh_last_dev(context, states * bytes), da_dev(context, dense * bytes), db_dev(context, dense * bytes),
        dh0_dev(context, states * bytes), offsets_dev(context, (c.offsets.size() + 1) * 8);
    a_dev.upload(a.bytes());
    b_dev.upload(b.bytes());
    h0_dev.upload(h0.bytes());
    dh_dev.upload(dh.bytes());
    dh_last_dev.upload(dh_last.bytes());
    auto poison = [&](DeviceBuffer& buffer, size_t n) {
        HostTensor nan(dtype, n);
        for (size_t i = 0; i < n; ++i) nan.set(i, NAN);
        buffer.upload(nan.bytes());
    };
    poison(h_dev, strided);
    poison(h_last_dev, states);
    poison(da_dev, dense);
    poison(db_dev, dense);
    poison(dh0_dev, states);
    if (!c.offsets.empty()) offsets_dev.upload(c.offsets);
    const int64_t* cu_seqlens = c.offsets.empty() ? nullptr : static_cast<const int64_t*>(offsets_dev.get());
    const int num_seqs = c.offsets.empty() ? 0 : static_cast<int>(sequences);

    const fr_tensor ta = tensor4(a_dev.get(), c, padded_dim, dtype), tb = tensor4(b_dev.get(), c, c.dim, dtype),
                    th = tensor4(h_dev.get(), c, padded_dim, dtype), tdh = tensor4(dh_dev.get(), c, c.dim, dtype),
                    tda = tensor4(da_dev.get(), c, c.dim, dtype), tdb = tensor4(db_dev.get(), c, c.dim, dtype);
    const fr_tensor th0 = tensor3(h0_dev.get(), sequences, c, dtype),
                    th_last = tensor3(h_last_dev.get(), sequences, c, dtype),
                    tdh_last = tensor3(dh_last_dev.get(), sequences, c, dtype),
                    tdh0 = tensor3(dh0_dev.get(), sequences, c, dtype);

    const fr_plan forward = scan_plan(source, false, shape, c, dtype);
    const fr_plan backward = scan_plan(source, true, shape, c, dtype);
    const int failures_before = failures();
    CHECK_STATUS(fr_scan_forward(context, &forward, &ta, &tb, &th0, &th, &th_last, cu_seqlens, num_seqs, nullptr), FR_OK);
    CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
    CHECK_STATUS(fr_scan_backward(context, &backward, &ta, &th, &th0, &tdh, &tdh_last, &tda, &tdb, &tdh0, cu_seqlens,
                                  num_seqs, nullptr),
                 FR_OK);
    CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
    if (failures() != failures_before) return false;

    const std::vector<double> h_padded = read_back(h_dev, dtype, strided);
    std::vector<double> h_got(dense);
    for (int64_t bb = 0; bb < c.batch; ++bb)
        for (int64_t t = 0; t < c.steps; ++t)
            for (int64_t hh = 0; hh < c.heads; ++hh)
                for (int64_t d = 0; d < c.dim; ++d) h_got[di(bb, t, hh, d)] = h_padded[si(bb, t, hh, d)];
    const double errors[] = {relative_error(h_got, h_ref), relative_error(read_back(h_last_dev, dtype, states), h_last_ref),
                             relative_error(read_back(da_dev, dtype, dense), da_ref),
                             relative_error(read_back(db_dev, dtype, dense), db_ref),
                             relative_error(read_back(dh0_dev, dtype, states), dh0_ref)};
    double worst = 0;
    for (double e : errors) worst = std::isnan(e) || std::isnan(worst) ? NAN : std::max(worst, e);
    const bool right = !std::isnan(worst) && worst < scan_tolerance(dtype);
    if (!quiet || !right) {
        std::printf("  %-16s %s lanes %2d threads %4d items %2d  B %d T %5d H %d D %3d%s%s: worst relative error %.2e "
                    "(h %.1e h_last %.1e da %.1e db %.1e dh0 %.1e)%s\n",
                    source, dtype_name(dtype), shape.lanes, shape.threads, shape.items, c.batch, c.steps, c.heads, c.dim,
                    c.offsets.empty() ? "" : " varlen", c.padded ? " strided" : "", worst, errors[0], errors[1],
                    errors[2], errors[3], errors[4], right ? "" : "  MISMATCH");
    }
    return right;
}

// ---- the fr_device.cuh helpers, with the test kernels of emulation_kernels.cpp

namespace {

void test_warp_ops(fr_context context, fr_module module) {
    for (unsigned threads : {32u, 96u, 256u}) {
        DeviceBuffer device(context, threads * 8 * sizeof(unsigned));
        device.upload(std::vector<unsigned>(threads * 8, 0xdeadbeefu));
        void* pointer = device.get();
        void* args[] = {&pointer};
        fr_launch_config config = launch_config(1, threads);
        CHECK_STATUS(fr_launch(module, "fr_test_warp_ops", &config, args), FR_OK);
        CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
        const std::vector<unsigned> out = device.download<unsigned>(threads * 8);
        bool right = true;
        for (unsigned t = 0; t < threads; ++t) {
            const unsigned lane = t % 32, base = t - lane;
            const unsigned* o = &out[t * 8];
            unsigned ballot = 0;
            for (unsigned l = 0; l < 32; l += 3) ballot |= 1u << l;
            const unsigned expected[8] = {(base + ((lane + 5) & 31)) * 3,
                                          lane < 3 ? t : t - 3,
                                          lane + 7 > 31 ? t : t + 7,
                                          base + (lane ^ 9),
                                          ballot,
                                          1u,
                                          0u,
                                          base + (lane < 16 ? 15 - lane : 47 - lane)};
            for (int k = 0; k < 8; ++k) {
                if (o[k] != expected[k]) {
                    if (right) std::fprintf(stderr, "  warp ops, %u threads: thread %u result %d is %u, expected %u\n", threads, t, k, o[k], expected[k]);
                    right = false;
                }
            }
        }
        CHECK(right);
    }
}

// ---- mma: fragments composed from the PTX ISA's layout tables (written out here independently of the emulator)

uint16_t bf16_bits(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
uint16_t f16_bits(float x) {
    const _Float16 h = static_cast<_Float16>(x);
    uint16_t bits;
    std::memcpy(&bits, &h, 2);
    return bits;
}
uint32_t float_bits(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    return u;
}

// kind 0 bf16, 1 f16 (m16n8k16), 2 tf32 (m16n8k8); values exact in the format, so D is exact.
bool check_mma(fr_context context, fr_module module, int kind, std::mt19937& random) {
    const int depth = kind == 2 ? 8 : 16;
    std::uniform_int_distribution<int> small(-8, 8);
    std::vector<std::vector<float>> a(16, std::vector<float>(depth)), b(depth, std::vector<float>(8)),
        c(16, std::vector<float>(8));
    for (auto& row : a) for (float& x : row) x = small(random) / 4.0f;
    for (auto& row : b) for (float& x : row) x = small(random) / 8.0f;
    for (auto& row : c) for (float& x : row) x = small(random) / 2.0f;
    auto pack = [&](float low, float high) {
        const uint32_t lo = kind == 0 ? bf16_bits(low) : f16_bits(low);
        const uint32_t hi = kind == 0 ? bf16_bits(high) : f16_bits(high);
        return lo | (hi << 16);
    };
    std::vector<uint32_t> fragments(32 * 10);
    for (int lane = 0; lane < 32; ++lane) {
        const int g = lane / 4, t = lane % 4;
        uint32_t* f = &fragments[lane * 10];
        if (kind == 2) {
            // A: a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4); B: b0 (t, g), b1 (t + 4, g)
            f[0] = float_bits(a[g][t]);
            f[1] = float_bits(a[g + 8][t]);
            f[2] = float_bits(a[g][t + 4]);
            f[3] = float_bits(a[g + 8][t + 4]);
            f[4] = float_bits(b[t][g]);
            f[5] = float_bits(b[t + 4][g]);
        } else {
            // A: {a0, a1} (g, 2t), (g, 2t + 1); {a2, a3} row g + 8; {a4, a5} col + 8; {a6, a7} both; low half first
            f[0] = pack(a[g][2 * t], a[g][2 * t + 1]);
            f[1] = pack(a[g + 8][2 * t], a[g + 8][2 * t + 1]);
            f[2] = pack(a[g][2 * t + 8], a[g][2 * t + 9]);
            f[3] = pack(a[g + 8][2 * t + 8], a[g + 8][2 * t + 9]);
            // B (k, n): {b0, b1} (2t, g), (2t + 1, g); {b2, b3} (2t + 8, g), (2t + 9, g)
            f[4] = pack(b[2 * t][g], b[2 * t + 1][g]);
            f[5] = pack(b[2 * t + 8][g], b[2 * t + 9][g]);
        }
        // C: c0 (g, 2t), c1 (g, 2t + 1), c2 (g + 8, 2t), c3 (g + 8, 2t + 1)
        f[6] = float_bits(c[g][2 * t]);
        f[7] = float_bits(c[g][2 * t + 1]);
        f[8] = float_bits(c[g + 8][2 * t]);
        f[9] = float_bits(c[g + 8][2 * t + 1]);
    }
    DeviceBuffer fragments_device(context, fragments.size() * sizeof(uint32_t));
    DeviceBuffer d_device(context, 32 * 4 * sizeof(float));
    fragments_device.upload(fragments);
    d_device.upload(std::vector<float>(32 * 4, std::nanf("")));
    void* fragment_pointer = fragments_device.get();
    void* d_pointer = d_device.get();
    void* args[] = {&fragment_pointer, &d_pointer, &kind};
    fr_launch_config config = launch_config(1, 32);
    CHECK_STATUS(fr_launch(module, "fr_test_mma", &config, args), FR_OK);
    CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
    const std::vector<float> d = d_device.download<float>(32 * 4);
    bool right = true;
    for (int lane = 0; lane < 32; ++lane) {
        const int g = lane / 4, t = lane % 4;
        const int rows[4] = {g, g, g + 8, g + 8}, cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
        for (int i = 0; i < 4; ++i) {
            double want = c[rows[i]][cols[i]];
            for (int k = 0; k < depth; ++k) want += double(a[rows[i]][k]) * b[k][cols[i]];
            if (d[lane * 4 + i] != static_cast<float>(want)) {
                if (right) std::fprintf(stderr, "  mma kind %d: D(%d, %d) from lane %d is %g, expected %g\n", kind, rows[i], cols[i], lane, d[lane * 4 + i], want);
                right = false;
            }
        }
    }
    return right;
}

void test_tf32(fr_context context, fr_module module) {
    const std::vector<float> in = {1.0f, 1.0f + 0x1p-11f, 1.0f + 0x1p-10f + 0x1p-11f, -3.14159265f, 1e-40f,
                                   std::numeric_limits<float>::infinity()};
    // nearest with ties away from zero on the 13 dropped bits
    const std::vector<uint32_t> want = {0x3f800000u, 0x3f802000u, 0x3f804000u, 0xc0490000u /* 0xc0490fdb: 0x0fdb below half */, 0x00012000u /* 0x000116c2: 0x16c2 above half */,
                                        0x7f800000u};
    DeviceBuffer in_device(context, in.size() * sizeof(float));
    DeviceBuffer out_device(context, in.size() * sizeof(uint32_t));
    in_device.upload(in);
    out_device.upload(std::vector<uint32_t>(in.size(), 0));
    void* in_pointer = in_device.get();
    void* out_pointer = out_device.get();
    int n = static_cast<int>(in.size());
    void* args[] = {&in_pointer, &out_pointer, &n};
    fr_launch_config config = launch_config(1, 32);
    CHECK_STATUS(fr_launch(module, "fr_test_tf32", &config, args), FR_OK);
    CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
    const std::vector<uint32_t> out = out_device.download<uint32_t>(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        if (out[i] != want[i]) std::fprintf(stderr, "  tf32(%a) = 0x%08x, expected 0x%08x\n", in[i], out[i], want[i]);
        CHECK(out[i] == want[i]);
    }
}

}  // namespace

void test_helpers_on_device(fr_context context, fr_module module) {
    test_warp_ops(context, module);
    std::mt19937 random(7);
    for (int kind = 0; kind < 3; ++kind) {
        for (int repeat = 0; repeat < 3; ++repeat) CHECK(check_mma(context, module, kind, random));
    }
    test_tf32(context, module);
}

}  // namespace frtest
