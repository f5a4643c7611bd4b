// test_emulation.cpp: the cuda-emulated backend. Groups (test_main.cpp):
//   emulation       contexts, memory, the launch kinds, every warp operation and the mma fragment layouts against a
//                   plain matrix product, grid and cluster barriers, atomics, and every rule the emulator enforces
//   emulation_scan  kernels/scan.cu forward and backward against the float64 reference in every plan regime and
//                   storage type, in order and under several random schedules; and the same kernel with one block
//                   barrier deleted, which must fail; cu_seqlens offsets outside [0, T] touch nothing outside the tensors
// Needs a C++ compiler at run time (skips without one), no GPU.
#include "device_checks.h"
#include "emulation_kernels.h"
#include "rnn_plans.h"
#include "test_support.h"

#include "errors.h"
#include "kernel_sources.h"
#include "scratch_memory.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace frtest {
namespace {

fr_context emulated_context(fr_schedule schedule, uint64_t seed, const std::string& cache, int workers = 1,
                            const char* arch = nullptr) {
    fr_emulation_options options{};
    options.struct_size = sizeof options;
    options.arch = arch;
    options.schedule = schedule;
    options.seed = seed;
    options.workers = workers;
    options.cache_dir = cache.c_str();
    fr_context context = nullptr;
    CHECK_STATUS(fr_emulation_context_create(&options, &context), FR_OK);
    return context;
}

fr_module load(fr_context context, const char* source) {
    fr_compile_options options = compile_options(source, nullptr);
    fr_module module = nullptr;
    CHECK_STATUS(fr_module_load(context, &options, &module), FR_OK);
    return module;
}

void test_context_and_memory(const std::string& cache) {
    fr_emulation_options options{};
    fr_context context = nullptr;
    CHECK_FAILS(fr_emulation_context_create(&options, &context), FR_ERROR_INVALID_ARGUMENT, "options.struct_size");
    options.struct_size = sizeof options;
    CHECK_FAILS(fr_emulation_context_create(&options, nullptr), FR_ERROR_INVALID_ARGUMENT, "context");
    options.arch = "sm_52";
    CHECK_FAILS(fr_emulation_context_create(&options, &context), FR_ERROR_UNSUPPORTED, "options.arch");
    options.arch = "banana";
    CHECK_FAILS(fr_emulation_context_create(&options, &context), FR_ERROR_INVALID_ARGUMENT, "options.arch");
    options.arch = nullptr;
    set_raw(&options.schedule, 7);
    CHECK_FAILS(fr_emulation_context_create(&options, &context), FR_ERROR_INVALID_ARGUMENT, "options.schedule");
    options.schedule = FR_SCHEDULE_IN_ORDER;
    options.workers = -1;
    CHECK_FAILS(fr_emulation_context_create(&options, &context), FR_ERROR_INVALID_ARGUMENT, "options.workers");
    options.workers = 0;
    options.compiler = "/nonexistent/c++";
    CHECK_FAILS(fr_emulation_context_create(&options, &context), FR_ERROR_UNSUPPORTED, "FR_EMULATION_CXX");
    CHECK(context == nullptr);

    char compiler[512];
    CHECK_STATUS(fr_emulation_compiler(compiler, sizeof compiler), FR_OK);
    CHECK(compiler[0] == '/');
    char tiny[2];
    CHECK_FAILS(fr_emulation_compiler(tiny, sizeof tiny), FR_ERROR_INVALID_ARGUMENT, "capacity");

    context = emulated_context(FR_SCHEDULE_IN_ORDER, 0, cache);
    if (context == nullptr) return;
    int emulated = 0;
    CHECK_STATUS(fr_context_is_emulated(context, &emulated), FR_OK);
    CHECK(emulated == 1);
    {
        DeviceBuffer buffer(context, 1000 * sizeof(float));
        std::vector<float> host(1000);
        for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<float>(i) * 0.25f;
        buffer.upload(host);
        CHECK(buffer.download<float>(1000) == host);
        CHECK(reinterpret_cast<uintptr_t>(buffer.get()) % 256 == 0);
        // fr_memset_zero: exactly the bytes asked for
        CHECK_STATUS(fr_memset_zero(context, buffer.get(), 400 * sizeof(float), nullptr), FR_OK);
        CHECK_STATUS(fr_memset_zero(context, buffer.get(), 0, nullptr), FR_OK);
        const std::vector<float> zeroed = buffer.download<float>(1000);
        bool right = true;
        for (size_t i = 0; i < zeroed.size(); ++i) right = right && zeroed[i] == (i < 400 ? 0.0f : host[i]);
        CHECK(right);
        // copies and fills stay inside the block they start in (a GPU's driver refuses them too): an error, not a crash
        unsigned char* const start = static_cast<unsigned char*>(buffer.get());
        std::vector<unsigned char> bytes(8192);
        CHECK_FAILS(fr_memcpy_to_device(context, start, bytes.data(), 4001), FR_ERROR_INVALID_ARGUMENT,
                    "bytes: expected at most 4000 (what is left of the fr_malloc block of 4000 bytes");
        CHECK_FAILS(fr_memcpy_to_host(context, bytes.data(), start + 3000, 8192), FR_ERROR_INVALID_ARGUMENT, "expected at most 1000");
        CHECK_FAILS(fr_memset_zero(context, start + 3999, 2, nullptr), FR_ERROR_INVALID_ARGUMENT, "expected at most 1");
        CHECK_STATUS(fr_memset_zero(context, start + 3999, 1, nullptr), FR_OK);
        // from the block's end or inside its padding to 256 bytes nothing is left
        CHECK_FAILS(fr_memcpy_to_device(context, start + 4000, bytes.data(), 200), FR_ERROR_INVALID_ARGUMENT, "expected at most 0");
        CHECK_FAILS(fr_memcpy_to_host(context, bytes.data(), start + 4095, 1), FR_ERROR_INVALID_ARGUMENT, "expected at most 0");
        CHECK_STATUS(fr_memcpy_to_host(context, bytes.data(), start + 3000, 1000), FR_OK);
        // host memory the context did not allocate is the caller's to size
        CHECK_STATUS(fr_memcpy_to_host(context, bytes.data(), bytes.data() + 4096, 4096), FR_OK);
    }
    float local = 0;
    CHECK_FAILS(fr_free(context, &local), FR_ERROR_INVALID_ARGUMENT, "device_pointer");
    void* huge = nullptr;  // rounding up to 256 bytes must not wrap to a tiny block
    CHECK_FAILS(fr_malloc(context, SIZE_MAX - 10, &huge), FR_ERROR_OUT_OF_MEMORY, "bytes");
    CHECK(huge == nullptr);
    {
        // An operation's scratch is freed after its status is decided, through fr_synchronize and fr_free, which clear
        // the message on entry like every entry point: the failure must keep its message.
        {
            fr::ScratchMemory scratch;
            CHECK_STATUS(scratch.allocate(context, 64, nullptr), FR_OK);
            fr::fail(FR_ERROR_COMPILE, "the operation's own failure");
        }
        CHECK(std::string(fr_last_error()) == "the operation's own failure");
    }
    CHECK_STATUS(fr_emulation_configure(context, FR_SCHEDULE_RANDOM, 3), FR_OK);
    CHECK_STATUS(fr_emulation_configure(context, FR_SCHEDULE_IN_ORDER, 0), FR_OK);
    // an unknown schedule value: abi_c_test.c (C can pass one; C++ cannot without undefined behaviour)
    CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);

    // The launch kinds with the same test kernels a GPU runs (sm_90: clusters of 4 and 16).
    test_launches(context, 9, 227 * 1024, cache);
    CHECK_STATUS(fr_context_destroy(context), FR_OK);

    // An sm_80 device has no clusters.
    context = emulated_context(FR_SCHEDULE_IN_ORDER, 0, cache, 1, "sm_80");
    if (context == nullptr) return;
    fr_module module = load(context, kTestSourceName);
    unsigned ranks[8];
    void* out = ranks;
    void* args[] = {&out};
    fr_launch_config clustered = launch_config(8, 32, FR_LAUNCH_CLUSTER);
    clustered.cluster = {2, 1, 1};
    CHECK_FAILS(fr_launch(module, "fr_test_cluster_rank", &clustered, args), FR_ERROR_UNSUPPORTED, "sm_90");
    fr_module_unload(module);
    CHECK_STATUS(fr_context_destroy(context), FR_OK);
}

void test_grid_and_clusters(fr_context context, fr_module module) {
    for (uint64_t seed : {1u, 2u, 3u}) {
        CHECK_STATUS(fr_emulation_configure(context, FR_SCHEDULE_RANDOM, seed), FR_OK);
        const unsigned blocks = 6;
        std::vector<unsigned> values(blocks, 0), out(blocks, 0);
        unsigned barrier[2] = {0, 0};
        void* v = values.data();
        void* o = out.data();
        void* bar = barrier;
        void* args[] = {&v, &o, &bar};
        fr_launch_config cooperative = launch_config(blocks, 64, FR_LAUNCH_COOPERATIVE);
        CHECK_STATUS(fr_launch(module, "fr_test_grid_sync", &cooperative, args), FR_OK);
        for (unsigned b = 0; b < blocks; ++b) CHECK(out[b] == ((b + 1) % blocks) * 10 + 1);
        fr_launch_config plain = launch_config(blocks, 64);
        CHECK_FAILS(fr_launch(module, "fr_test_grid_sync", &plain, args), FR_ERROR_KERNEL_FAULT, "cooperative");

        std::vector<unsigned> ranks(8, 0);
        void* r = ranks.data();
        void* cluster_args[] = {&r};
        fr_launch_config clustered = launch_config(8, 64, FR_LAUNCH_CLUSTER);
        clustered.cluster = {4, 1, 1};
        CHECK_STATUS(fr_launch(module, "fr_test_cluster_shared", &clustered, cluster_args), FR_OK);
        for (unsigned b = 0; b < 8; ++b) CHECK(ranks[b] == ((b % 4 + 1) % 4) * 7 + 3);
    }
    CHECK_STATUS(fr_emulation_configure(context, FR_SCHEDULE_IN_ORDER, 0), FR_OK);
}

void test_atomics_and_spin(const std::string& cache) {
    // two OS threads run blocks at once: the atomics must be real
    fr_context context = emulated_context(FR_SCHEDULE_RANDOM, 5, cache, 2);
    if (context == nullptr) return;
    fr_module module = load(context, kEmulationSourceName);
    if (module != nullptr) {
        float sum = 0;
        unsigned count = 0, winner = 0;
        std::vector<unsigned> flags(16, 0), seen(16, 0);
        void* s = &sum;
        void* c = &count;
        void* w = &winner;
        void* f = flags.data();
        void* n = seen.data();
        void* args[] = {&s, &c, &w, &f, &n};
        fr_launch_config config = launch_config(16, 128);
        CHECK_STATUS(fr_launch(module, "fr_test_atomics", &config, args), FR_OK);
        CHECK(sum == 16 * 128 * 0.5f);
        CHECK(count == 16 * 128);
        CHECK(winner >= 1 && winner <= 16);
        for (unsigned b = 0; b < 16; ++b) CHECK(seen[b] == 1u && flags[b] == 42u);
        fr_module_unload(module);
    }
    fr_context_destroy(context);
}

void test_faults(fr_module module) {
    struct Expectation {
        int which;
        unsigned threads;
        const char* fragment;
    };
    const Expectation expectations[] = {
        {kExitBeforeBarrier, 64, "block barrier"},  // either the barrier or the exit is seen first
        {kDivergedWarp, 32, "warp 0 diverged"},
        {kDeadlock, 64, "deadlock"},
        {kMaskWithoutCaller, 32, "does not include the calling lane"},
        {kTrap, 32, "thread 5 trapped"},
        {kStaticSharedTooLarge, 32, "49152-byte limit"},
    };
    std::vector<unsigned> out(1024, 0);
    void* o = out.data();
    for (const Expectation& e : expectations) {
        int which = e.which;
        void* args[] = {&which, &o};
        fr_launch_config config = launch_config(2, e.threads);
        CHECK_FAILS(fr_launch(module, "fr_test_fault", &config, args), FR_ERROR_KERNEL_FAULT, e.fragment);
        CHECK(error_contains("fr_test_fault"));
    }
    // a 33-thread block: the second warp has one lane, so a full-mask shuffle names lanes that do not exist
    std::vector<unsigned> warp_out(33 * 8);
    void* w = warp_out.data();
    void* args[] = {&w};
    fr_launch_config partial = launch_config(1, 33);
    CHECK_FAILS(fr_launch(module, "fr_test_warp_ops", &partial, args), FR_ERROR_KERNEL_FAULT, "do not exist");
    // the launch bound: fr_test_mma allows 32 threads
    fr_launch_config wide = launch_config(1, 64);
    CHECK_FAILS(fr_launch(module, "fr_test_mma", &wide, args), FR_ERROR_INVALID_ARGUMENT, "at most 32 threads");
}

// A missing barrier: the in-order schedule and random ones read shared memory before the other warp wrote it.
void test_missing_barrier(fr_context context, fr_module module) {
    const unsigned threads = 128;
    std::vector<float> in(threads), out(threads);
    for (unsigned t = 0; t < threads; ++t) in[t] = static_cast<float>(t);
    const void* i = in.data();
    void* o = out.data();
    int caught = 0;
    for (uint64_t seed = 0; seed < 4; ++seed) {
        CHECK_STATUS(fr_emulation_configure(context, seed == 0 ? FR_SCHEDULE_IN_ORDER : FR_SCHEDULE_RANDOM, seed), FR_OK);
        for (int with_barrier = 1; with_barrier >= 0; --with_barrier) {
            void* args[] = {&i, &o, &with_barrier};
            std::fill(out.begin(), out.end(), -1.0f);
            fr_launch_config config = launch_config(1, threads);
            CHECK_STATUS(fr_launch(module, "fr_test_neighbour", &config, args), FR_OK);
            bool right = true;
            for (unsigned t = 0; t < threads; ++t) right = right && out[t] == 2.0f * ((t + 33) % threads);
            if (with_barrier) CHECK(right);
            else if (!right) ++caught;
        }
    }
    std::printf("  missing barrier in fr_test_neighbour caught by %d of 4 schedules\n", caught);
    CHECK(caught == 4);
    CHECK_STATUS(fr_emulation_configure(context, FR_SCHEDULE_IN_ORDER, 0), FR_OK);
}

}  // namespace

int run_emulation_tests() {
    char compiler[512];
    if (fr_emulation_compiler(compiler, sizeof compiler) != FR_OK) {
        std::printf("skipped: %s\n", fr_last_error());
        return kSkip;
    }
    std::printf("  compiler: %s\n", compiler);
    TempDir cache;
    test_context_and_memory(cache.path());

    fr_context context = emulated_context(FR_SCHEDULE_IN_ORDER, 0, cache.path());
    if (context == nullptr) return 0;
    fr_module module = load(context, kEmulationSourceName);
    if (module == nullptr) return 0;
    test_helpers_on_device(context, module);
    test_grid_and_clusters(context, module);
    test_faults(module);
    test_missing_barrier(context, module);
    test_atomics_and_spin(cache.path());
    CHECK_STATUS(fr_module_unload(module), FR_OK);

    // an emulated sm_75 has no mma: the kernel that uses it faults
    fr_context old = emulated_context(FR_SCHEDULE_IN_ORDER, 0, cache.path(), 1, "sm_75");
    if (old != nullptr) {
        fr_module old_module = load(old, kEmulationSourceName);
        std::vector<unsigned> fragments(320);
        std::vector<float> d(128);
        void* f = fragments.data();
        void* dp = d.data();
        int kind = 0;
        void* args[] = {&f, &dp, &kind};
        fr_launch_config config = launch_config(1, 32);
        CHECK_FAILS(fr_launch(old_module, "fr_test_mma", &config, args), FR_ERROR_KERNEL_FAULT, "sm_80");
        fr_module_unload(old_module);
        // an operation whose plan needs mma (a bf16 recurrent plan) is refused before its module is built
        std::vector<fr_define> defines;
        const fr_plan bf16 = rnn_forward_plan(RnnPlan{0, 1, 16, 1, 1, 4, 1, 8, 1, 0}, 1, &defines);
        std::vector<unsigned char> memory(1 << 16);
        const auto at = [&](size_t offset, fr_dtype dtype, const std::vector<int64_t>& shape) {
            return contiguous_tensor(memory.data() + offset, dtype, shape);
        };
        const fr_tensor wx = at(0, FR_DTYPE_BFLOAT16, {1, 1, 4, 1, 16}), r = at(4096, FR_DTYPE_BFLOAT16, {4, 1, 16, 16}),
                        bias = at(8192, FR_DTYPE_BFLOAT16, {4, 1, 16}), y = at(12288, FR_DTYPE_BFLOAT16, {1, 1, 1, 16});
        CHECK_FAILS(fr_rnn_forward(old, &bf16, &wx, &r, &bias, nullptr, &y, nullptr, nullptr, nullptr, nullptr),
                    FR_ERROR_UNSUPPORTED, "the context's device: expected sm_80 or newer for a bf16 / fp16 recurrent plan");
        // and its module, loaded by hand, as a GPU's compile refuses it
        fr_compile_options options{};
        options.struct_size = sizeof options;
        options.source_name = "rnn_forward";
        options.defines = bf16.defines;
        options.define_count = bf16.define_count;
        fr_module refused = nullptr;
        CHECK_FAILS(fr_module_load(old, &options, &refused), FR_ERROR_UNSUPPORTED,
                    "options.arch: expected sm_80 or newer for a bf16 / fp16 recurrent plan");
        fr_context_destroy(old);
    }
    CHECK_STATUS(fr_context_destroy(context), FR_OK);
    return 0;
}

namespace {

// The scan's plan regimes: lanes below / at / above a warp, group counts that are and are not powers of two, one and
// two scanner rounds, one and several items per thread.
const PlanShape kScanPlans[] = {
    {32, 32, 1},    // one warp, one group
    {4, 128, 2},    // 8 segments per warp, 4 groups
    {8, 96, 3},     // 3 groups: padded shuffle scan
    {1, 64, 4},     // one lane, 32 segments per warp
    {64, 192, 2},   // 64 lanes, 3 groups: two scanner rounds
    {16, 672, 1},   // 21 groups
    {64, 1024, 1},  // 16 groups of 64 lanes
    {32, 256, 8},   // 8 items per thread
};

const ScanCase kScanCases[] = {
    {2, 37, 2, 40, {}, true},              // D not a multiple of the lanes; a and h strided
    {1, 130, 1, 24, {0, 1, 50, 130}, false},  // variable lengths (one of length 1)
    {2, 1, 2, 8, {}, false},               // T = 1
};

// The embedded kernels/scan.cu with one line removed, registered under another name.
bool register_mutant(const char* name, const char* line) {
    for (int i = 0; i < fr_kernel_source_count(); ++i) {
        const char* source = nullptr;
        const char* text = nullptr;
        if (fr_kernel_source(i, &source, &text) != FR_OK || std::string(source) != "scan") continue;
        std::string mutated = text;
        const size_t at = mutated.find(line);
        if (at == std::string::npos) {
            std::fprintf(stderr, "  kernels/scan.cu no longer contains \"%s\"\n", line);
            return false;
        }
        mutated.erase(at, std::strlen(line));
        fr::add_kernel_file_for_testing(name, mutated, false);
        return true;
    }
    return false;
}

// cu_seqlens are device values the host never reads: offsets outside [0, T] or an end before its start must not make
// the kernels touch memory outside the tensors (each buffer is twice its tensor, the second half a sentinel). The kernel
// clamps each sequence to [0, T] (an end before its start: empty), so with a = b = 1 and no h0 every h is its step's
// count from the clamped start, and an empty sequence's h_last is its h0 (zeros).
void test_scan_offsets_out_of_range(fr_context context) {
    const ScanCase c{1, 8, 1, 4, {-7, 3, 4096, 2}, false};
    const PlanShape shape{4, 32, 1};
    const int64_t dense = 8 * 4, states = 3 * 4;
    const float sentinel = -12345.0f;
    const std::vector<float> ones(2 * dense, 1.0f);
    std::vector<float> guarded(2 * dense, sentinel);
    DeviceBuffer a(context, 2 * dense * 4), b(context, 2 * dense * 4), h(context, 2 * dense * 4),
        h_last(context, 2 * states * 4), dh(context, 2 * dense * 4), da(context, 2 * dense * 4),
        db(context, 2 * dense * 4), dh0(context, 2 * states * 4), offsets(context, c.offsets.size() * 8),
        dh_last(context, states * 4);
    a.upload(ones);
    b.upload(ones);
    dh.upload(ones);
    dh_last.upload(std::vector<float>(states, 2.0f));
    for (DeviceBuffer* output : {&h, &da, &db}) output->upload(guarded);
    for (DeviceBuffer* output : {&h_last, &dh0}) output->upload(std::vector<float>(2 * states, sentinel));  // their size
    offsets.upload(c.offsets);
    const auto cu = static_cast<const int64_t*>(offsets.get());
    const fr_tensor ta = tensor4(a.get(), c, 4), tb = tensor4(b.get(), c, 4), th = tensor4(h.get(), c, 4),
                    tdh = tensor4(dh.get(), c, 4), tda = tensor4(da.get(), c, 4), tdb = tensor4(db.get(), c, 4);
    const fr_tensor th_last = tensor3(h_last.get(), 3, c), tdh0 = tensor3(dh0.get(), 3, c),
                    tdh_last = tensor3(dh_last.get(), 3, c);
    const fr_plan forward = scan_plan("scan", false, shape, c), backward = scan_plan("scan", true, shape, c);
    CHECK_STATUS(fr_scan_forward(context, &forward, &ta, &tb, nullptr, &th, &th_last, cu, 3, nullptr), FR_OK);
    CHECK_STATUS(fr_scan_backward(context, &backward, &ta, &th, nullptr, &tdh, &tdh_last, &tda, &tdb, &tdh0, cu, 3,
                                  nullptr),
                 FR_OK);
    CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
    const std::pair<DeviceBuffer*, int64_t> outputs[] = {{&h, dense}, {&h_last, states}, {&da, dense}, {&db, dense},
                                                         {&dh0, states}};
    for (const auto& [buffer, used] : outputs) {
        const std::vector<float> got = buffer->download<float>(2 * used);
        int touched = 0;
        for (int64_t i = used; i < 2 * used; ++i) touched += got[i] != sentinel;
        CHECK(touched == 0);
    }
    // clamped sequences: [0, 3), [3, 8), [8, 8)
    const std::vector<float> hv = h.download<float>(dense), last = h_last.download<float>(states);
    for (int t = 0; t < 8; ++t)
        for (int d = 0; d < 4; ++d) CHECK(hv[t * 4 + d] == static_cast<float>(t < 3 ? t + 1 : t - 2));
    for (int d = 0; d < 4; ++d) CHECK(last[d] == 3.0f && last[4 + d] == 5.0f && last[8 + d] == 0.0f);
    // the backward with dh = 1 and dh_last = 2: at step k of a sequence of L steps the gradient of h is G = L - k + 2,
    // db = G, da = G * h_{k-1} = G * k, dh0 = G at k = 0; the empty sequence passes dh_last to dh0
    const std::vector<float> dav = da.download<float>(dense), dbv = db.download<float>(dense),
                             dh0v = dh0.download<float>(states);
    for (int t = 0; t < 8; ++t) {
        const int length = t < 3 ? 3 : 5, k = t < 3 ? t : t - 3;
        const float g = static_cast<float>(length - k + 2);
        for (int d = 0; d < 4; ++d) CHECK(dbv[t * 4 + d] == g && dav[t * 4 + d] == g * static_cast<float>(k));
    }
    for (int d = 0; d < 4; ++d) CHECK(dh0v[d] == 5.0f && dh0v[4 + d] == 7.0f && dh0v[8 + d] == 2.0f);
}

// A tensor or cu_seqlens that starts in an fr_malloc block and runs past its end is refused before the launch, named
// (the kernel would read or write the process's heap); a strided or reversed view inside its block runs.
void test_scan_tensors_inside_blocks(fr_context context) {
    const ScanCase c{2, 8, 1, 4, {}, false};
    const PlanShape shape{4, 32, 1};
    const int64_t dense = 2 * 8 * 4;
    DeviceBuffer a(context, dense * 4), b(context, dense * 4), h(context, dense * 4), short_h(context, (dense - 1) * 4),
        h_last(context, 2 * 4 * 4), offsets(context, 2 * 8);
    a.upload(std::vector<float>(dense, 0.5f));
    b.upload(std::vector<float>(dense, 1.0f));
    offsets.upload(std::vector<int64_t>{0, 8});
    const fr_tensor ta = tensor4(a.get(), c, 4), tb = tensor4(b.get(), c, 4), th = tensor4(h.get(), c, 4),
                    th_last = tensor3(h_last.get(), 2, c);
    const fr_plan forward = scan_plan("scan", false, shape, c);
    CHECK_STATUS(fr_scan_forward(context, &forward, &ta, &tb, nullptr, &th, &th_last, nullptr, 0, nullptr), FR_OK);
    // h one element short of its shape
    const fr_tensor short_th = tensor4(short_h.get(), c, 4);
    CHECK_FAILS(fr_scan_forward(context, &forward, &ta, &tb, nullptr, &short_th, &th_last, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "h: expected its elements inside the fr_malloc block of 252 bytes");
    // b starting one element in
    fr_tensor shifted_b = tb;
    shifted_b.data = static_cast<float*>(b.get()) + 1;
    CHECK_FAILS(fr_scan_forward(context, &forward, &ta, &shifted_b, nullptr, &th, &th_last, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "b: expected its elements inside the fr_malloc block of 256 bytes");
    // a read backwards in time: from its last step, stride -D over T, inside the block; from its first, below it
    fr_tensor reversed_a = ta;
    reversed_a.data = static_cast<float*>(a.get()) + 7 * 4;
    reversed_a.strides[1] = -4;
    reversed_a.strides[0] = 8 * 4;
    CHECK_STATUS(fr_scan_forward(context, &forward, &reversed_a, &tb, nullptr, &th, &th_last, nullptr, 0, nullptr), FR_OK);
    reversed_a.data = a.get();
    CHECK_FAILS(fr_scan_forward(context, &forward, &reversed_a, &tb, nullptr, &th, &th_last, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "a: expected its elements inside the fr_malloc block");
    // cu_seqlens: num_seqs + 1 = 3 offsets need 24 bytes, the block holds 16
    const ScanCase packed{1, 8, 1, 4, {0, 8}, false};
    const fr_tensor pa = tensor4(a.get(), packed, 4), pb = tensor4(b.get(), packed, 4), ph = tensor4(h.get(), packed, 4),
                    ph_last = tensor3(h_last.get(), 1, packed);
    const fr_plan packed_forward = scan_plan("scan", false, shape, packed);
    const auto cu = static_cast<const int64_t*>(offsets.get());
    CHECK_STATUS(fr_scan_forward(context, &packed_forward, &pa, &pb, nullptr, &ph, &ph_last, cu, 1, nullptr), FR_OK);
    const fr_tensor two_last = tensor3(h_last.get(), 2, packed);
    const fr_plan two_sequences = scan_plan("scan", false, shape, ScanCase{1, 8, 1, 4, {0, 4, 8}, false});
    CHECK_FAILS(fr_scan_forward(context, &two_sequences, &pa, &pb, nullptr, &ph, &two_last, cu, 2, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "cu_seqlens: expected 24 bytes inside the fr_malloc block of 16 bytes");
    // T = 1: the stride over T is never stepped (check_tensor leaves an extent-1 stride unbounded), and threads with
    // no step must not multiply it by a step past T (signed overflow: UBSan's abort in the sanitized run)
    const ScanCase single{1, 1, 1, 4, {}, false};
    const fr_plan single_plan = scan_plan("scan", false, shape, single), single_backward = scan_plan("scan", true, shape, single);
    fr_tensor sa = tensor4(a.get(), single, 4), sb = tensor4(b.get(), single, 4), sh = tensor4(h.get(), single, 4);
    for (fr_tensor* t : {&sa, &sb, &sh}) t->strides[1] = int64_t{1} << 50;  // 2^62 * 4 bytes wraps to 0: use 2^50
    CHECK_STATUS(fr_scan_forward(context, &single_plan, &sa, &sb, nullptr, &sh, nullptr, nullptr, 0, nullptr), FR_OK);
    const std::vector<float> single_h = h.download<float>(4);
    for (float value : single_h) CHECK(value == 1.0f);  // h_0 = a * 0 + b
    DeviceBuffer dh1(context, 16), da1(context, 16), db1(context, 16);
    dh1.upload(std::vector<float>(4, 2.0f));
    fr_tensor sdh = tensor4(dh1.get(), single, 4), sda = tensor4(da1.get(), single, 4), sdb = tensor4(db1.get(), single, 4);
    for (fr_tensor* t : {&sdh, &sda, &sdb}) t->strides[1] = int64_t{1} << 50;
    sdh.strides[1] = INT64_MIN;  // -1 * INT64_MIN overflows too
    CHECK_STATUS(fr_scan_backward(context, &single_backward, &sa, &sh, nullptr, &sdh, nullptr, &sda, &sdb, nullptr, nullptr, 0,
                                  nullptr),
                 FR_OK);
    const std::vector<float> single_db = db1.download<float>(4), single_da = da1.download<float>(4);
    for (int i = 0; i < 4; ++i) CHECK(single_db[i] == 2.0f && single_da[i] == 0.0f);  // da = db * h_{-1} = 0
    // fr_linear: x [3, 4] in a block of 11 floats
    DeviceBuffer x(context, 11 * 4), w(context, 5 * 4 * 4), y(context, 3 * 5 * 4);
    const fr_tensor tx = contiguous_tensor(x.get(), FR_DTYPE_FLOAT32, {3, 4}), tw = contiguous_tensor(w.get(), FR_DTYPE_FLOAT32, {5, 4}),
                    ty = contiguous_tensor(y.get(), FR_DTYPE_FLOAT32, {3, 5});
    CHECK_FAILS(fr_linear(context, &tx, &tw, &ty, 0, nullptr, nullptr), FR_ERROR_INVALID_ARGUMENT,
                "x: expected its elements inside the fr_malloc block of 44 bytes");
}

// More sequences than a grid holds in z (65535): the plan's grid is capped and the library launches it over slices of
// the sequences; every sequence's h, h_last and gradients are its own (a per-sequence b and h0 tell them apart), with
// batch rows and with cu_seqlens. h_t = 0.5 h_{t-1} + b_t is exact in fp32 for these small integers and halves.
void test_scan_past_the_grid(fr_context context) {
    const int sequences = 65535 + 2, steps = 2;
    const PlanShape shape{1, 32, 1};
    for (bool packed : {false, true}) {
        const ScanCase c = packed ? ScanCase{1, sequences * steps, 1, 1, {}, false} : ScanCase{sequences, steps, 1, 1, {}, false};
        std::vector<int64_t> offsets;
        if (packed) {
            for (int s = 0; s <= sequences; ++s) offsets.push_back(int64_t{s} * steps);
        }
        const ScanCase planned = packed ? ScanCase{1, sequences * steps, 1, 1, offsets, false} : c;
        const size_t n = size_t(sequences) * steps;
        std::vector<float> a(n, 0.5f), b(n), h0(sequences), dh(n, 1.0f), dh_last(sequences, 2.0f);
        for (size_t i = 0; i < n; ++i) b[i] = float(i / steps % 1000) + float(i % steps);
        for (int s = 0; s < sequences; ++s) h0[s] = -float(s % 977);
        DeviceBuffer ta(context, n * 4), tb(context, n * 4), th(context, n * 4), th0(context, sequences * 4),
            tlast(context, sequences * 4), tdh(context, n * 4), tdlast(context, sequences * 4), tda(context, n * 4),
            tdb(context, n * 4), tdh0(context, sequences * 4), tcu(context, (sequences + 1) * 8);
        ta.upload(a);
        tb.upload(b);
        th0.upload(h0);
        tdh.upload(dh);
        tdlast.upload(dh_last);
        if (packed) tcu.upload(offsets);
        const int64_t* cu = packed ? static_cast<const int64_t*>(tcu.get()) : nullptr;
        const int seqs = packed ? sequences : 0;
        const fr_tensor va = tensor4(ta.get(), c, 1), vb = tensor4(tb.get(), c, 1), vh = tensor4(th.get(), c, 1),
                        vdh = tensor4(tdh.get(), c, 1), vda = tensor4(tda.get(), c, 1), vdb = tensor4(tdb.get(), c, 1);
        const fr_tensor vh0 = tensor3(th0.get(), sequences, c), vlast = tensor3(tlast.get(), sequences, c),
                        vdlast = tensor3(tdlast.get(), sequences, c), vdh0 = tensor3(tdh0.get(), sequences, c);
        const fr_plan forward = scan_plan("scan", false, shape, planned), backward = scan_plan("scan", true, shape, planned);
        CHECK(forward.grid.z == 65535);
        CHECK_STATUS(fr_scan_forward(context, &forward, &va, &vb, &vh0, &vh, &vlast, cu, seqs, nullptr), FR_OK);
        CHECK_STATUS(fr_scan_backward(context, &backward, &va, &vh, &vh0, &vdh, &vdlast, &vda, &vdb, &vdh0, cu, seqs, nullptr),
                     FR_OK);
        const std::vector<float> h = th.download<float>(n), last = tlast.download<float>(sequences),
                                 da = tda.download<float>(n), db = tdb.download<float>(n), d0 = tdh0.download<float>(sequences);
        int wrong = 0;
        for (int s = 0; s < sequences; ++s) {
            // forward: h_0 = 0.5 h0 + b_0, h_1 = 0.5 h_0 + b_1; backward: g_1 = dh_1 + dh_last, g_0 = dh_0 + 0.5 g_1
            const size_t i = size_t(s) * steps;
            const float first = 0.5f * h0[s] + b[i], second = 0.5f * first + b[i + 1];
            const float g1 = 1.0f + 2.0f, g0 = 1.0f + 0.5f * g1;
            wrong += h[i] != first || h[i + 1] != second || last[s] != second;
            wrong += db[i] != g0 || db[i + 1] != g1 || da[i] != g0 * h0[s] || da[i + 1] != g1 * first || d0[s] != 0.5f * g0;
        }
        if (wrong != 0) std::fprintf(stderr, "  scan past the grid (%s): %d sequences wrong\n", packed ? "cu_seqlens" : "batch", wrong);
        CHECK(wrong == 0);
    }
}

}  // namespace

int run_emulation_scan_tests() {
    char compiler[512];
    if (fr_emulation_compiler(compiler, sizeof compiler) != FR_OK) {
        std::printf("skipped: %s\n", fr_last_error());
        return kSkip;
    }
    TempDir cache;
    fr_context context = emulated_context(FR_SCHEDULE_IN_ORDER, 0, cache.path());
    if (context == nullptr) return 0;

    // every regime in fp32; three regimes in the other storage types; in order and under random schedules
    int runs = 0, passed = 0;
    const fr_schedule schedules[] = {FR_SCHEDULE_IN_ORDER, FR_SCHEDULE_RANDOM, FR_SCHEDULE_RANDOM};
    for (fr_dtype dtype : {FR_DTYPE_FLOAT32, FR_DTYPE_BFLOAT16, FR_DTYPE_FLOAT16, FR_DTYPE_FLOAT64}) {
        for (const PlanShape& plan : kScanPlans) {
            const bool every = dtype == FR_DTYPE_FLOAT32;
            if (!every && !((plan.lanes == 4 && plan.threads == 128) || (plan.lanes == 64 && plan.threads == 192) ||
                            (plan.lanes == 8 && plan.threads == 96))) {
                continue;
            }
            for (int s = 0; s < (every ? 3 : 2); ++s) {
                CHECK_STATUS(fr_emulation_configure(context, schedules[s], 1000u + static_cast<uint64_t>(s) * 17u), FR_OK);
                for (const ScanCase& c : kScanCases) {
                    ++runs;
                    if (check_scan(context, "scan", plan, c, dtype, true)) ++passed;
                    else std::fprintf(stderr, "  ^ schedule %s seed %d\n", s == 0 ? "in order" : "random", 1000 + s * 17);
                }
            }
        }
    }
    std::printf("  kernels/scan.cu on the emulator: %d of %d plan / dtype / schedule / shape runs match the float64 "
                "reference\n", passed, runs);
    CHECK(passed == runs);
    test_scan_offsets_out_of_range(context);
    test_scan_tensors_inside_blocks(context);
    test_scan_past_the_grid(context);

    // Deleting a needed block barrier must make the comparison fail (under the in-order schedule or a random one).
    const struct {
        const char* name;
        const char* line;
    } mutants[] = {
        {"scan_without_barrier_1", "fr_syncthreads(); /* barrier 1: group totals written */"},
        {"scan_without_barrier_2", "fr_syncthreads(); /* barrier 2: entering states written */"},
    };
    for (const auto& mutant : mutants) {
        if (!register_mutant(mutant.name, mutant.line)) {
            CHECK(false);
            continue;
        }
        int caught = 0, tried = 0;
        for (int s = 0; s < 3; ++s) {
            CHECK_STATUS(fr_emulation_configure(context, schedules[s], 2000u + static_cast<uint64_t>(s)), FR_OK);
            for (const PlanShape& plan : {PlanShape{4, 128, 2}, PlanShape{64, 192, 2}}) {
                ++tried;
                const int failures_before = failures();
                if (!check_scan(context, mutant.name, plan, kScanCases[0], FR_DTYPE_FLOAT32, true)) ++caught;
                failures() = failures_before;  // a mismatch is the expected outcome here
            }
        }
        std::printf("  %s: %d of %d runs differ from the reference\n", mutant.name, caught, tried);
        CHECK(caught == tried);
    }
    CHECK_STATUS(fr_context_destroy(context), FR_OK);
    return 0;
}

}  // namespace frtest
