// test_validation.cpp: every entry point rejects bad arguments with FR_ERROR_INVALID_ARGUMENT and a message
// naming the argument, before it needs NVRTC, a driver or a GPU (so this runs the same on every machine).
#include "device_checks.h"
#include "test_support.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace frtest {
namespace {

void test_library_functions() {
    int major = 0;
    const char* name = nullptr;
    const char* text = nullptr;
    CHECK_FAILS(fr_nvrtc_version(nullptr, &major), FR_ERROR_INVALID_ARGUMENT, "major");
    CHECK_FAILS(fr_nvrtc_version(&major, nullptr), FR_ERROR_INVALID_ARGUMENT, "minor");
    CHECK_FAILS(fr_kernel_source(0, nullptr, &text), FR_ERROR_INVALID_ARGUMENT, "name");
    CHECK_FAILS(fr_kernel_source(0, &name, nullptr), FR_ERROR_INVALID_ARGUMENT, "text");
    CHECK_FAILS(fr_kernel_source(fr_kernel_source_count(), &name, &text), FR_ERROR_INVALID_ARGUMENT, "index");
}

void test_compile_arguments() {
    fr_compile_result result = compile_result();
    fr_compile_options options = compile_options(kTestSourceName, "sm_80");
    CHECK_FAILS(fr_compile(nullptr, &result), FR_ERROR_INVALID_ARGUMENT, "options: expected");
    CHECK_FAILS(fr_compile(&options, nullptr), FR_ERROR_INVALID_ARGUMENT, "result: expected");

    fr_compile_result small = compile_result();
    small.struct_size = sizeof small - 1;
    CHECK_FAILS(fr_compile(&options, &small), FR_ERROR_INVALID_ARGUMENT, "result.struct_size");
    fr_compile_options old = options;
    old.struct_size = 8;
    CHECK_FAILS(fr_compile(&old, &result), FR_ERROR_INVALID_ARGUMENT, "options.struct_size");

    fr_compile_options bad = options;
    bad.source_name = nullptr;
    CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "options.source_name");
    bad.source_name = "no_such_kernel";
    CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "no_such_kernel");
    bad.source_name = "fr_scan_args.h";  // a header is not a compilable source
    CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "options.source_name");

    for (const char* arch : {"", "sm80", "sm_8", "sm_0800", "compute_80", "sm_80x", "sm_80aa", "SM_80", "sm_080"}) {
        bad = options;
        bad.arch = arch;
        CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "options.arch");
    }
    bad = options;
    bad.arch = nullptr;
    CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "options.arch");

    fr_define defines[FR_MAX_DEFINES + 1] = {};
    for (int i = 0; i <= FR_MAX_DEFINES; ++i) defines[i] = {"FR_X", i};
    bad = options;
    bad.defines = defines;
    bad.define_count = -1;
    CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "options.define_count");
    bad.define_count = FR_MAX_DEFINES + 1;
    CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "options.define_count");
    bad.defines = nullptr;
    bad.define_count = 1;
    CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "options.defines");

    const char* bad_names[] = {"", "1ABC", "A-B", "A B", "FR_X=1", "A\"B"};
    for (const char* define_name : bad_names) {
        fr_define one[] = {{"FR_OK_NAME", 1}, {define_name, 2}};
        bad = options;
        bad.defines = one;
        bad.define_count = 2;
        CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "options.defines[1].name");
    }
    fr_define null_name[] = {{nullptr, 1}};
    bad = options;
    bad.defines = null_name;
    bad.define_count = 1;
    CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "options.defines[0].name");
    fr_define twice[] = {{"FR_A", 1}, {"FR_B", 2}, {"FR_A", 3}};
    bad.defines = twice;
    bad.define_count = 3;
    CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "FR_A twice");

    bad = options;
    bad.cache_dir = "";
    bad.use_cache = 1;
    CHECK_FAILS(fr_compile(&bad, &result), FR_ERROR_INVALID_ARGUMENT, "options.cache_dir");
}

void test_device_arguments() {
    char buffer[64];
    int value = 0;
    fr_context context = nullptr;
    CHECK_FAILS(fr_device_count(nullptr), FR_ERROR_INVALID_ARGUMENT, "count");
    CHECK_FAILS(fr_device_name(0, nullptr, 64), FR_ERROR_INVALID_ARGUMENT, "buffer");
    CHECK_FAILS(fr_device_name(0, buffer, 0), FR_ERROR_INVALID_ARGUMENT, "capacity");
    CHECK_FAILS(fr_device_name(-1, buffer, sizeof buffer), FR_ERROR_INVALID_ARGUMENT, "ordinal");
    CHECK_FAILS(fr_device_attribute(0, 16, nullptr), FR_ERROR_INVALID_ARGUMENT, "value");
    CHECK_FAILS(fr_device_attribute(-2, 16, &value), FR_ERROR_INVALID_ARGUMENT, "ordinal");
    CHECK_FAILS(fr_device_attribute(0, 0, &value), FR_ERROR_INVALID_ARGUMENT, "cu_device_attribute");
    CHECK_FAILS(fr_context_create(0, nullptr), FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_context_create(-1, &context), FR_ERROR_INVALID_ARGUMENT, "ordinal");
    CHECK(context == nullptr);

    // Handles are checked against the live ones: NULL, garbage and foreign pointers are refused, not used.
    int not_a_handle = 0;
    auto fake_context = reinterpret_cast<fr_context>(&not_a_handle);
    auto fake_module = reinterpret_cast<fr_module>(&not_a_handle);
    CHECK_FAILS(fr_context_destroy(nullptr), FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_context_destroy(fake_context), FR_ERROR_INVALID_ARGUMENT, "destroyed handle");
    void* pointer = nullptr;
    float host[4] = {};
    CHECK_FAILS(fr_malloc(nullptr, 16, &pointer), FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_malloc(fake_context, 16, &pointer), FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_free(nullptr, host), FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_memcpy_to_device(nullptr, host, host, 16), FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_memcpy_to_host(nullptr, host, host, 16), FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_memset_zero(nullptr, host, 16, nullptr), FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_memset_zero(fake_context, nullptr, 16, nullptr), FR_ERROR_INVALID_ARGUMENT, "device_pointer");
    CHECK_FAILS(fr_synchronize(nullptr, nullptr), FR_ERROR_INVALID_ARGUMENT, "context");

    fr_module module = nullptr;
    fr_compile_options options = compile_options(kTestSourceName, "sm_80");
    CHECK_FAILS(fr_module_load(nullptr, &options, &module), FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_module_load(fake_context, &options, nullptr), FR_ERROR_INVALID_ARGUMENT, "module");
    CHECK_FAILS(fr_module_unload(nullptr), FR_ERROR_INVALID_ARGUMENT, "module");
    CHECK_FAILS(fr_module_unload(fake_module), FR_ERROR_INVALID_ARGUMENT, "module");

    fr_launch_config config{};
    config.struct_size = sizeof config;
    config.grid = {1, 1, 1};
    config.block = {32, 1, 1};
    CHECK_FAILS(fr_launch(nullptr, "fr_test_fill", &config, nullptr), FR_ERROR_INVALID_ARGUMENT, "module");
    CHECK_FAILS(fr_launch(fake_module, "fr_test_fill", &config, nullptr), FR_ERROR_INVALID_ARGUMENT, "module");
}

// A minimal valid forward call of the test source's fp32 scan: B=2, T=5, H=3, D=40 (two blocks of 32 lanes).
struct ScanCall {
    // Disjoint addresses for the tensors (never read: the context, checked last, is not a live one): outputs that
    // share memory with another tensor are refused, so each tensor takes a slot of its own.
    static float* slot(int k) {
        alignas(64) static float arena[10][4096];
        return arena[k];
    }
    fr_plan plan{};
    fr_tensor a{}, b{}, h{}, h0{}, h_last{};

    static fr_tensor sequence(float* data, int64_t B, int64_t T, int64_t H, int64_t D) {
        fr_tensor t{};
        t.data = data;
        t.dtype = FR_DTYPE_FLOAT32;
        t.rank = 4;
        t.shape[0] = B; t.shape[1] = T; t.shape[2] = H; t.shape[3] = D;
        t.strides[0] = T * H * D; t.strides[1] = H * D; t.strides[2] = D; t.strides[3] = 1;
        return t;
    }
    static fr_tensor state(float* data, int64_t S, int64_t H, int64_t D) {
        fr_tensor t{};
        t.data = data;
        t.dtype = FR_DTYPE_FLOAT32;
        t.rank = 3;
        t.shape[0] = S; t.shape[1] = H; t.shape[2] = D;
        t.strides[0] = H * D; t.strides[1] = D; t.strides[2] = 1;
        return t;
    }

    ScanCall() {
        plan = small_scan_plan(kTestSourceName, 0);
        sequences(2);
        states(2);
    }

    // a, b, h of B sequences; h0, h_last of S states (B, or num_seqs with cu_seqlens)
    void sequences(int64_t B) {
        a = sequence(slot(0), B, 5, 3, 40);
        b = sequence(slot(1), B, 5, 3, 40);
        h = sequence(slot(2), B, 5, 3, 40);
    }
    void states(int64_t S) {
        h0 = state(slot(3), S, 3, 40);
        h_last = state(slot(4), S, 3, 40);
    }

    fr_status forward(fr_context context = nullptr, const int64_t* cu_seqlens = nullptr, int num_seqs = 0) const {
        return fr_scan_forward(context, &plan, &a, &b, &h0, &h, &h_last, cu_seqlens, num_seqs, nullptr);
    }
};

void test_scan_arguments() {
    ScanCall call;
    // All valid but the context: the context is the last check, so this proves every other check passes.
    CHECK_FAILS(call.forward(), FR_ERROR_INVALID_ARGUMENT, "context: expected a live context");

    CHECK_FAILS(fr_scan_forward(nullptr, nullptr, &call.a, &call.b, nullptr, &call.h, nullptr, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "plan: expected");
    {
        ScanCall c;
        c.plan.struct_size = 16;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.struct_size");
    }
    {
        ScanCall c;
        c.plan.source_name = "nope";
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.source_name");
    }
    {
        ScanCall c;
        c.plan.define_count = 65;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.define_count");
    }
    {
        ScanCall c;
        c.plan.defines[0].name = "FR_NOT_DTYPE";
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "FR_DTYPE");
    }
    {
        ScanCall c;
        c.plan.defines[1].value = 0;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "FR_SCAN_LANES");
    }
    // the kernel's limits on its constants (kernels/scan.cu), named before any compile
    for (int64_t lanes : {3, 128}) {
        ScanCall c;
        c.plan.defines[1].value = lanes;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "FR_SCAN_LANES a power of two in 1..64");
    }
    {
        ScanCall c;
        c.plan.defines[1].value = 64;  // does not divide 32 threads
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "FR_SCAN_LANES to divide FR_SCAN_THREADS = 32");
    }
    for (int64_t threads : {48, 2048}) {
        ScanCall c;
        c.plan.defines[3].value = threads;
        c.plan.block.x = static_cast<uint32_t>(threads);
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "FR_SCAN_THREADS a multiple of 32 in 32..1024");
    }
    {
        ScanCall c;  // an explicit 0 is a value, not a missing define
        c.plan.defines[3].value = 0;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "(threads per block), got 0.");
    }
    for (int64_t items : {0, 65}) {
        ScanCall c;
        c.plan.defines[4].value = items;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT,
                    items == 0 ? "FR_SCAN_ITEMS in 1..64 (steps per thread), got 0." : "FR_SCAN_ITEMS in 1..64 (steps per thread), got 65.");
    }
    {
        ScanCall c;
        c.plan.defines[4].name = "FR_NOT_ITEMS";
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "FR_SCAN_ITEMS in 1..64 (steps per thread), got none");
    }
    {
        ScanCall c;
        c.plan.defines[2].value = 1;  // a backward plan handed to the forward
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "FR_BACKWARD=0");
    }
    {
        // the chunk the kernel static_asserts, named before any compile; another source of the library by name
        ScanCall c;
        c.plan.defines[c.plan.define_count++] = fr_define{"FR_SCAN_CHUNK", 2};  // (32 / 32) * 1 = 1
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected FR_SCAN_CHUNK = (FR_SCAN_THREADS / FR_SCAN_LANES)");
        ScanCall other;
        other.plan.source_name = "linear";
        CHECK_FAILS(other.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.source_name: expected \"scan\" for fr_scan_forward, got \"linear\"");
        int count = 0;
        CHECK_FAILS(fr_plan_module_count(&other.plan, 0, &count), FR_ERROR_INVALID_ARGUMENT, "plan.source_name: expected \"scan\"");
    }
    {
        ScanCall c;
        c.plan.defines[3].name = "FR_NOT_THREADS";
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "FR_SCAN_THREADS");
    }
    {
        ScanCall c;  // a block other than the one the kernel was compiled for would leave outputs unwritten
        c.plan.block = {64, 1, 1};
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.block: expected (32, 1, 1) = FR_SCAN_THREADS");
    }
    {
        ScanCall c;
        c.plan.block = {0, 1, 1};
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.block");
        c.plan.block = {32, 1, 1};
        set_raw(&c.plan.kind, 9);
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.kind");
    }
    CHECK_FAILS(fr_scan_forward(nullptr, &call.plan, nullptr, &call.b, nullptr, &call.h, nullptr, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "a: expected a tensor");
    CHECK_FAILS(fr_scan_forward(nullptr, &call.plan, &call.a, nullptr, nullptr, &call.h, nullptr, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "b: expected a tensor");
    CHECK_FAILS(fr_scan_forward(nullptr, &call.plan, &call.a, &call.b, nullptr, nullptr, nullptr, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "h: expected a tensor");
    {
        ScanCall c;
        c.a.data = nullptr;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "a.data");
    }
    {
        ScanCall c;
        c.a.rank = 3;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "a.rank: expected 4, got 3");
    }
    {
        ScanCall c;
        c.b.shape[1] = 6;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "b: expected shape [2, 5, 3, 40], got [2, 6, 3, 40]");
    }
    {
        ScanCall c;
        c.a.shape[3] = 0;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "a.shape[3]");
    }
    {
        ScanCall c;
        c.h.dtype = FR_DTYPE_BFLOAT16;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h.dtype: expected float32 (the plan's FR_DTYPE=0)");
        set_raw(&c.h.dtype, 7);
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h.dtype: expected an fr_dtype");
    }
    {
        ScanCall c;
        c.b.strides[3] = 2;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "b.strides[3]");
    }
    {
        ScanCall c;  // any strides over (B, T, H) for inputs, even broadcasting ones
        c.a.strides[0] = 0;
        c.b.strides[1] = 7 * 3 * 40;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "context");
    }
    {
        ScanCall c;  // but an output must not overlap itself
        c.h.strides[1] = 0;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h.strides");
        c.h.strides[1] = 3 * 40;
        c.h.strides[2] = 20;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h.strides: expected an output layout without overlapping");
    }
    {
        ScanCall c;
        c.h0.shape[0] = 3;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h0: expected shape [2, 3, 40], got [3, 3, 40]");
    }
    {
        ScanCall c;
        c.h_last.strides[1] = 41;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h_last.strides: expected contiguous [120, 40, 1]");
    }
    {
        ScanCall c;
        c.h0.rank = 4;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h0.rank: expected 3");
    }
    // Variable lengths: B = 1, num_seqs >= 1 and states of [num_seqs, H, D].
    const int64_t offsets_storage[3] = {0, 2, 5};
    {
        ScanCall c;
        CHECK_FAILS(c.forward(nullptr, offsets_storage, 2), FR_ERROR_INVALID_ARGUMENT, "a.shape[0]: expected B = 1");
    }
    {
        ScanCall c;
        c.sequences(1);
        CHECK_FAILS(c.forward(nullptr, offsets_storage, 0), FR_ERROR_INVALID_ARGUMENT, "num_seqs: expected >= 1");
        CHECK_FAILS(c.forward(nullptr, nullptr, 2), FR_ERROR_INVALID_ARGUMENT, "num_seqs: expected 0 without cu_seqlens");
        c.h0 = ScanCall::state(ScanCall::slot(3), 1, 3, 40);  // [B, H, D] instead of [num_seqs, H, D]
        CHECK_FAILS(c.forward(nullptr, offsets_storage, 2), FR_ERROR_INVALID_ARGUMENT,
                    "h0: expected shape [2, 3, 40], got [1, 3, 40]");
        c.h0 = ScanCall::state(ScanCall::slot(3), 2, 3, 40);
        c.plan.grid = {2, 3, 1};  // planned for B = 1, not for the 2 sequences
        CHECK_FAILS(c.forward(nullptr, offsets_storage, 2), FR_ERROR_INVALID_ARGUMENT, "plan.grid.z: expected num_seqs = 2");
        c.plan.grid = {2, 3, 2};
        // a misaligned int64 load is a sticky fault of the whole CUDA context
        alignas(8) unsigned char misaligned[32] = {};
        CHECK_FAILS(c.forward(nullptr, reinterpret_cast<const int64_t*>(misaligned + 4), 2), FR_ERROR_INVALID_ARGUMENT,
                    "cu_seqlens: expected NULL or 8-byte aligned");
        CHECK_FAILS(c.forward(nullptr, offsets_storage, 2), FR_ERROR_INVALID_ARGUMENT, "context");
    }
    // The plan was made for another shape.
    {
        ScanCall c;
        c.plan.grid.y = 4;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.grid.y: expected H = 3");
    }
    {
        ScanCall c;
        c.plan.grid.z = 1;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.grid.z: expected B (a.shape[0]) = 2");
    }
    {
        ScanCall c;
        c.plan.grid.x = 1;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.grid.x: expected grid.x * FR_SCAN_LANES >= D = 40");
    }

    // Backward: a, h, dh, da, db required; outputs must not overlap; the plan must be a backward one.
    ScanCall c;
    c.plan.defines[2].value = 1;
    fr_tensor dh = ScanCall::sequence(ScanCall::slot(5), 2, 5, 3, 40), da = ScanCall::sequence(ScanCall::slot(6), 2, 5, 3, 40),
              db = ScanCall::sequence(ScanCall::slot(7), 2, 5, 3, 40), dh_last = ScanCall::state(ScanCall::slot(8), 2, 3, 40),
              dh0 = ScanCall::state(ScanCall::slot(9), 2, 3, 40);
    CHECK_FAILS(fr_scan_backward(nullptr, &c.plan, &c.a, &c.h, &c.h0, &dh, &dh_last, &da, &db, &dh0, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_scan_backward(nullptr, &c.plan, &c.a, &c.h, &c.h0, nullptr, nullptr, &da, &db, nullptr, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "dh: expected a tensor");
    CHECK_FAILS(fr_scan_backward(nullptr, &c.plan, &c.a, &c.h, nullptr, &dh, nullptr, nullptr, &db, nullptr, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "da: expected a tensor");
    CHECK_FAILS(fr_scan_backward(nullptr, &c.plan, &c.a, &c.h, nullptr, &dh, nullptr, &da, nullptr, nullptr, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "db: expected a tensor");
    fr_tensor overlapping = da;
    overlapping.strides[0] = 0;
    CHECK_FAILS(fr_scan_backward(nullptr, &c.plan, &c.a, &c.h, nullptr, &dh, nullptr, &overlapping, &db, nullptr, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "da.strides");
    fr_tensor wrong_state = dh0;
    wrong_state.shape[2] = 39;
    CHECK_FAILS(fr_scan_backward(nullptr, &c.plan, &c.a, &c.h, nullptr, &dh, nullptr, &da, &db, &wrong_state, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "dh0: expected shape [2, 3, 40]");
    c.plan.defines[2].value = 0;
    CHECK_FAILS(fr_scan_backward(nullptr, &c.plan, &c.a, &c.h, nullptr, &dh, nullptr, &da, &db, nullptr, nullptr, 0, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "FR_BACKWARD=1");
}

void test_launch_shape_arguments() {
    // Checked by fr_launch after the module; the scan path shares the function, so test it through a plan.
    ScanCall c;
    c.plan.kind = FR_LAUNCH_CLUSTER;
    c.plan.cluster = {0, 1, 1};
    CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.cluster");
    c.plan.cluster = {4, 1, 1};  // grid.x = 2 is not a multiple of 4
    CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.grid: expected a multiple of the cluster");
    c.plan.cluster = {2, 1, 1};
    CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "context");
    c.plan.kind = FR_LAUNCH_PLAIN;
    c.plan.grid = {2, 3, 0};
    CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "plan.grid: expected every dimension >= 1");
    c.plan.grid = {2, 70000, 1};
    CHECK_FAILS(c.forward(), FR_ERROR_UNSUPPORTED, "plan.grid: expected x <= 2^31 - 1 and y, z <= 65535");
}

// Every tensor: data aligned to its dtype, at most 2^48 elements, and strides whose furthest offset stays below that
// (sizes and offsets derived from it then fit int64).
void test_tensor_limits() {
    {
        ScanCall c;
        c.a.data = reinterpret_cast<unsigned char*>(ScanCall::slot(0)) + 2;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "a.data: expected 4-byte aligned device memory (float32)");
    }
    {
        ScanCall c;
        c.a.shape[0] = c.a.shape[1] = int64_t{1} << 20;
        c.a.shape[3] = int64_t{1} << 10;  // 3 * 2^50 elements, each extent within 1..2^31-1
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "a: expected at most 2^48 elements");
    }
    for (int64_t stride : {int64_t{1} << 50, INT64_MIN, INT64_MAX}) {
        ScanCall c;
        c.b.strides[1] = stride;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "b: expected at most 2^48 elements, spanned by its strides too");
    }
    {
        ScanCall c;  // a huge stride of an extent-1 dimension reaches nothing (PyTorch leaves any value there)
        c.sequences(1);
        c.states(1);
        c.plan.grid.z = 1;
        c.b.strides[0] = INT64_MAX;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "context");
    }

    // fr_linear: the arguments before the context, as everywhere
    float x_storage[6] = {}, w_storage[12] = {}, y_storage[8] = {};
    const fr_tensor x = contiguous_tensor(x_storage, FR_DTYPE_FLOAT32, {2, 3}), w = contiguous_tensor(w_storage, FR_DTYPE_FLOAT32, {4, 3}),
                    y = contiguous_tensor(y_storage, FR_DTYPE_FLOAT32, {2, 4});
    CHECK_FAILS(fr_linear(nullptr, nullptr, &w, &y, 0, nullptr, nullptr), FR_ERROR_INVALID_ARGUMENT, "x: expected a tensor");
    CHECK_FAILS(fr_linear(nullptr, &x, &w, &x, 0, nullptr, nullptr), FR_ERROR_INVALID_ARGUMENT, "y: expected shape [2, 4]");
    CHECK_FAILS(fr_linear(nullptr, &x, &w, &y, 0, nullptr, nullptr), FR_ERROR_INVALID_ARGUMENT, "context");
}

// An output that shares memory with another tensor of the call is refused, both named (check_outputs_alone), before
// the context: in place, partly overlapping, output over output, strided views with gaps that share an element.
// Strided views that interleave without sharing one are let through, and so are tensors that only touch.
void test_output_aliasing() {
    {
        ScanCall c;  // h = b: in place
        c.h.data = c.b.data;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT,
                    "h: expected memory of its own (an output shares no byte with another tensor of the call), got bytes [");
        CHECK(error_contains("overlapping b's ["));
    }
    {
        ScanCall c;  // h_last over the last elements of h0
        c.h_last.data = ScanCall::slot(3) + 2 * 3 * 40 - 1;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h_last: expected memory of its own");
        CHECK(error_contains("overlapping h0's"));
        c.h_last.data = ScanCall::slot(3) + 2 * 3 * 40;  // right after h0: touching is fine
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "context");
    }
    {
        ScanCall c;  // h_last inside h: two outputs
        c.h_last.data = ScanCall::slot(2) + 40;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h: expected memory of its own");
        CHECK(error_contains("overlapping h_last's"));
    }
    {
        ScanCall c;  // a and h as the two halves of each (b, t) row of one [B, T, 2, H, D] buffer: interleaved, disjoint
        c.a = ScanCall::sequence(ScanCall::slot(0), 2, 5, 3, 40);
        c.h = c.a;
        c.a.strides[0] = c.h.strides[0] = 5 * 2 * 3 * 40;
        c.a.strides[1] = c.h.strides[1] = 2 * 3 * 40;
        c.h.data = ScanCall::slot(0) + 3 * 40;
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "context");
        c.h.data = c.a.data;  // the same strided view: in place, though neither is dense
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h: expected memory of its own");
        CHECK(error_contains("overlapping a's ["));
        c.h.data = ScanCall::slot(0) + 3 * 40 + 3 * 40 - 1;  // a step on from the other half, less one element
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h: expected memory of its own");
        c.h.data = ScanCall::slot(0) + 3 * 40;
        c.b = c.a;
        c.b.data = ScanCall::slot(0) + 3 * 40 + 1;  // b in the same gaps as h, one element along
        CHECK_FAILS(c.forward(), FR_ERROR_INVALID_ARGUMENT, "h: expected memory of its own");
        CHECK(error_contains("overlapping b's ["));
    }
    {
        ScanCall c;  // the backward: da = dh
        c.plan.defines[2].value = 1;
        fr_tensor dh = ScanCall::sequence(ScanCall::slot(5), 2, 5, 3, 40), db = ScanCall::sequence(ScanCall::slot(7), 2, 5, 3, 40);
        CHECK_FAILS(fr_scan_backward(nullptr, &c.plan, &c.a, &c.h, nullptr, &dh, nullptr, &dh, &db, nullptr, nullptr, 0, nullptr),
                    FR_ERROR_INVALID_ARGUMENT, "da: expected memory of its own");
        CHECK(error_contains("overlapping dh's"));
        fr_tensor da = ScanCall::sequence(ScanCall::slot(6), 2, 5, 3, 40);
        CHECK_FAILS(fr_scan_backward(nullptr, &c.plan, &c.a, &c.h, nullptr, &dh, nullptr, &da, &db, nullptr, nullptr, 0, nullptr),
                    FR_ERROR_INVALID_ARGUMENT, "context");
    }
    {
        ScanCall c;  // the offsets (cu_seqlens) inside h: read by every chunk while h is written
        c.sequences(1);
        c.states(2);
        const int64_t* offsets = reinterpret_cast<const int64_t*>(ScanCall::slot(2)) + 4;
        CHECK_FAILS(c.forward(nullptr, offsets, 2), FR_ERROR_INVALID_ARGUMENT, "h: expected memory of its own");
        CHECK(error_contains("overlapping cu_seqlens's"));
        const int64_t own_offsets[3] = {0, 2, 5};
        CHECK_FAILS(c.forward(nullptr, own_offsets, 2), FR_ERROR_INVALID_ARGUMENT, "context");
    }
    // fr_linear: y over x
    float xy_storage[8] = {}, w_storage[12] = {};
    const fr_tensor x = contiguous_tensor(xy_storage, FR_DTYPE_FLOAT32, {2, 3}), w = contiguous_tensor(w_storage, FR_DTYPE_FLOAT32, {4, 3}),
                    y = contiguous_tensor(xy_storage, FR_DTYPE_FLOAT32, {2, 4});
    CHECK_FAILS(fr_linear(nullptr, &x, &w, &y, 0, nullptr, nullptr), FR_ERROR_INVALID_ARGUMENT, "y: expected memory of its own");
    CHECK(error_contains("overlapping x's"));
}

// The size queries need no context: a fused LSTM forward plan (4 heads of 16, 2 per block) and its limits.
void test_rnn_size_arguments() {
    std::vector<fr_define> defines = {
        {"FR_CELL", 0}, {"FR_GATES", 4}, {"FR_STATES", 2}, {"FR_DTYPE", 0}, {"FR_BACKWARD", 0}, {"FR_HEAD_SIZE", 16},
        {"FR_HEAD_SIZE_PADDED", 16}, {"FR_HEADS", 4}, {"FR_HEADS_PER_BLOCK", 2}, {"FR_BLOCKS_PER_HEAD", 1},
        {"FR_WARPS", 4}, {"FR_K_SPLIT", 1}, {"FR_BATCH_TILE", 8}, {"FR_REGISTER_ROW_TILES", 2},
        {"FR_SHARED_ROW_TILES", 0}, {"FR_REGIME", 1}};
    auto plan_with = [&](const char* name, int64_t value) {
        fr_plan plan{};
        plan.struct_size = sizeof plan;
        plan.source_name = "rnn_forward";
        for (const fr_define& define : defines) {
            plan.defines[plan.define_count] = define;
            if (name != nullptr && std::strcmp(define.name, name) == 0) plan.defines[plan.define_count].value = value;
            ++plan.define_count;
        }
        plan.grid = {1, 2, 1};
        for (int i = 0; i < plan.define_count; ++i)
            if (std::strcmp(plan.defines[i].name, "FR_WARPS") == 0) plan.block = {32 * static_cast<uint32_t>(plan.defines[i].value), 1, 1};
        plan.cluster = {1, 1, 1};
        plan.shared_bytes = 1u << 20;
        plan.kind = FR_LAUNCH_PLAIN;
        return plan;
    };
    int64_t elements = 0;
    const fr_plan plan = plan_with(nullptr, 0);
    CHECK_STATUS(fr_rnn_packed_recurrent_size(&plan, &elements), FR_OK);
    CHECK(elements > 0);
    CHECK_STATUS(fr_rnn_reserve_size(&plan, 3, 5, &elements), FR_OK);
    CHECK(elements == 3 * 5 * 4 * 16 * (4 + 2));

    const fr_plan unpadded = plan_with("FR_HEAD_SIZE_PADDED", 20);  // the kernels' tiles are 16 rows
    CHECK_FAILS(fr_rnn_packed_recurrent_size(&unpadded, &elements), FR_ERROR_INVALID_ARGUMENT,
                "expected FR_HEAD_SIZE_PADDED in 16..16, got 20");
    const fr_plan gates = plan_with("FR_GATES", 3);
    CHECK_FAILS(fr_rnn_packed_recurrent_size(&gates, &elements), FR_ERROR_INVALID_ARGUMENT, "expected FR_GATES in 4..4, got 3");
    const fr_plan states = plan_with("FR_STATES", 1);
    CHECK_FAILS(fr_rnn_reserve_size(&states, 1, 1, &elements), FR_ERROR_INVALID_ARGUMENT, "expected FR_STATES in 2..2, got 1");
    const fr_plan uneven = plan_with("FR_HEADS_PER_BLOCK", 3);
    CHECK_FAILS(fr_rnn_packed_recurrent_size(&uneven, &elements), FR_ERROR_INVALID_ARGUMENT,
                "expected FR_HEADS_PER_BLOCK dividing FR_HEADS = 4, got 3");
    // the tile geometry the kernels static_assert (kernels/fr_rnn_tiles.cuh), named before any compile
    const fr_plan split = plan_with("FR_K_SPLIT", 3);
    CHECK_FAILS(fr_rnn_packed_recurrent_size(&split, &elements), FR_ERROR_INVALID_ARGUMENT,
                "expected FR_K_SPLIT dividing FR_WARPS = 4 and the K width (FR_HEAD_SIZE_PADDED) = 16 into slices of whole "
                "8-column chunks, got 3.");
    const fr_plan narrow = plan_with("FR_K_SPLIT", 4);  // divides the warps, not 16 columns into chunks of 8
    CHECK_FAILS(fr_rnn_packed_recurrent_size(&narrow, &elements), FR_ERROR_INVALID_ARGUMENT, "got 4.");
    const fr_plan uncovered = plan_with("FR_REGISTER_ROW_TILES", 1);
    CHECK_FAILS(fr_rnn_packed_recurrent_size(&uncovered, &elements), FR_ERROR_INVALID_ARGUMENT,
                "expected the warps' row tiles to cover the block's 128 rows exactly (FR_WARPS / FR_K_SPLIT * (row tiles) * "
                "16), got 4 / 1 * 1 * 16.");
    const fr_plan ragged = plan_with("FR_BATCH_TILE", 12);
    CHECK_FAILS(fr_rnn_packed_recurrent_size(&ragged, &elements), FR_ERROR_INVALID_ARGUMENT,
                "expected FR_BATCH_TILE a multiple of 8 (the mma's N), got 12.");

    // each constant in range and the tiles consistent, their product not: R in this layout would have more than 2^48
    // elements (4096 blocks per head of 16 units, 4 warps of one tile, 8192 K chunks, 65535 heads)
    defines = {{"FR_CELL", 0}, {"FR_GATES", 4}, {"FR_STATES", 2}, {"FR_DTYPE", 0}, {"FR_BACKWARD", 0},
               {"FR_HEAD_SIZE", 65536}, {"FR_HEAD_SIZE_PADDED", 65536}, {"FR_HEADS", 65535}, {"FR_HEADS_PER_BLOCK", 1},
               {"FR_BLOCKS_PER_HEAD", 4096}, {"FR_WARPS", 4}, {"FR_K_SPLIT", 1}, {"FR_BATCH_TILE", 8},
               {"FR_REGISTER_ROW_TILES", 1}, {"FR_SHARED_ROW_TILES", 0}, {"FR_STREAMED_ROW_TILES", 0}, {"FR_REGIME", 3}};
    fr_plan huge = plan_with(nullptr, 0);
    huge.kind = FR_LAUNCH_COOPERATIVE;
    CHECK_FAILS(fr_rnn_packed_recurrent_size(&huge, &elements), FR_ERROR_INVALID_ARGUMENT,
                "expected constants whose R layout has at most 2^48 elements");
    // B and T are tensor extents; their reserve must have a size too
    CHECK_FAILS(fr_rnn_reserve_size(&plan, int64_t{1} << 31, 1, &elements), FR_ERROR_INVALID_ARGUMENT,
                "batch, steps: expected 1..2147483647 each");
    CHECK_FAILS(fr_rnn_reserve_size(&plan, 0, 5, &elements), FR_ERROR_INVALID_ARGUMENT, "batch, steps: expected 1..");
    // A reserve past 2^31 - 1 elements (8 sequences of 699,051 steps: 2,147,484,672) is one rank-1 extent the kernels
    // index with 64-bit offsets: the call gets past every tensor check to the context (NULL here). The tensors are
    // descriptors only, at disjoint fake addresses; nothing is read.
    const int64_t long_steps = 699051;
    CHECK_STATUS(fr_rnn_reserve_size(&plan, 8, long_steps, &elements), FR_OK);
    CHECK(elements > INT32_MAX);
    const auto fake = [](int k) { return reinterpret_cast<void*>(uintptr_t{static_cast<uintptr_t>(k)} << 44); };
    const fr_tensor wx = contiguous_tensor(fake(1), FR_DTYPE_FLOAT32, {8, long_steps, 4, 4, 16}),
                    r = contiguous_tensor(fake(2), FR_DTYPE_FLOAT32, {4, 4, 16, 16}),
                    bias = contiguous_tensor(fake(3), FR_DTYPE_FLOAT32, {4, 4, 16}),
                    y = contiguous_tensor(fake(4), FR_DTYPE_FLOAT32, {8, long_steps, 4, 16}),
                    reserve = contiguous_tensor(fake(5), FR_DTYPE_FLOAT32, {elements});
    CHECK_FAILS(fr_rnn_forward_training(nullptr, &plan, &wx, &r, &bias, nullptr, &y, nullptr, nullptr, &reserve, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_rnn_reserve_size(&plan, INT32_MAX, INT32_MAX, &elements), FR_ERROR_INVALID_ARGUMENT,
                "batch, steps: expected a reserve (B * T * NH * D * (G + S)) of at most 2^48 elements");
}

}  // namespace

// fr_plan_module_count / fr_plan_module: what a call with a plan loads, so it can be compiled ahead. No context.
void test_plan_modules() {
    std::vector<fr_define> defines = {
        {"FR_BACKWARD", 0}, {"FR_BATCH_TILE", 8}, {"FR_BLOCKS_PER_HEAD", 1}, {"FR_CELL", 0}, {"FR_DTYPE", 0},
        {"FR_GATES", 4}, {"FR_HEADS", 4}, {"FR_HEADS_PER_BLOCK", 2}, {"FR_HEAD_SIZE", 16}, {"FR_HEAD_SIZE_PADDED", 16},
        {"FR_K_SPLIT", 1}, {"FR_REGIME", 1}, {"FR_REGISTER_ROW_TILES", 2}, {"FR_SHARED_ROW_TILES", 0}, {"FR_STATES", 2},
        {"FR_TF32", 0}, {"FR_WARPS", 4}};
    auto plan_of = [&](const char* source, const char* name, int64_t value) {
        fr_plan plan{};
        plan.struct_size = sizeof plan;
        plan.source_name = source;
        for (const fr_define& define : defines) {
            plan.defines[plan.define_count] = define;
            if (name != nullptr && std::strcmp(define.name, name) == 0) plan.defines[plan.define_count].value = value;
            ++plan.define_count;
        }
        plan.grid = {1, 2, 1};
        plan.block = {128, 1, 1};
        plan.cluster = {1, 1, 1};
        plan.shared_bytes = 1u << 20;
        plan.kind = FR_LAUNCH_PLAIN;
        return plan;
    };
    auto define_of = [](const fr_plan& module, const char* name) -> int64_t {
        for (int i = 0; i < module.define_count; ++i)
            if (std::strcmp(module.defines[i].name, name) == 0) return module.defines[i].value;
        return -1;
    };
    int count = -1;
    fr_plan module{};
    const fr_plan forward = plan_of("rnn_forward", nullptr, 0);
    CHECK_STATUS(fr_plan_module_count(&forward, 0, &count), FR_OK);
    CHECK(count == 1);
    CHECK_STATUS(fr_plan_module(&forward, 0, 0, &module), FR_OK);
    CHECK(std::string(module.source_name) == "rnn_forward" && module.define_count == forward.define_count);
    for (int i = 0; i < forward.define_count; ++i)  // the plan's own, in its (sorted) order
        CHECK(std::strcmp(module.defines[i].name, forward.defines[i].name) == 0 && module.defines[i].value == forward.defines[i].value);
    CHECK(module.struct_size == sizeof(fr_plan) && module.grid.x == 0 && module.block.x == 0);
    CHECK_STATUS(fr_plan_module(&forward, 1, 0, &module), FR_OK);  // calls with lengths: the FR_LENGTHS build
    CHECK(module.define_count == forward.define_count + 1 && define_of(module, "FR_LENGTHS") == 1);
    CHECK_FAILS(fr_plan_module(&forward, 0, 1, &module), FR_ERROR_INVALID_ARGUMENT, "index: expected 0..0 (fr_plan_module_count - 1), got 1.");

    // a backward plan loads the reductions too: the cell and storage type only, FR_TF32 where it multiplies in tf32
    defines[10].value = 4;  // FR_K_SPLIT: a backward block's rows are its 2 * 16 units, 4 / 4 warps * 2 tiles * 16
    const fr_plan backward = plan_of("rnn_backward", "FR_BACKWARD", 1);
    CHECK_STATUS(fr_plan_module_count(&backward, 1, &count), FR_OK);
    CHECK(count == 2);
    CHECK_STATUS(fr_plan_module(&backward, 1, 1, &module), FR_OK);
    CHECK(std::string(module.source_name) == "rnn_gradients" && module.define_count == 2 &&
          define_of(module, "FR_CELL") == 0 && define_of(module, "FR_DTYPE") == 0);
    defines[15].value = 1;  // FR_TF32
    const fr_plan tf32 = plan_of("rnn_backward", "FR_BACKWARD", 1);
    CHECK_STATUS(fr_plan_module(&tf32, 0, 1, &module), FR_OK);
    CHECK(module.define_count == 3 && define_of(module, "FR_TF32") == 1);
    defines[15].value = 0;
    defines[10].value = 1;

    ScanCall scan;
    scan.plan.source_name = "scan";
    CHECK_STATUS(fr_plan_module_count(&scan.plan, 0, &count), FR_OK);
    CHECK(count == 1);
    CHECK_STATUS(fr_plan_module(&scan.plan, 0, 0, &module), FR_OK);
    CHECK(std::string(module.source_name) == "scan" && module.define_count == scan.plan.define_count);
    CHECK_FAILS(fr_plan_module_count(&scan.plan, 1, &count), FR_ERROR_INVALID_ARGUMENT, "lengths: expected 0 for a plan of \"scan\"");
    scan.plan.defines[1].value = 3;  // FR_SCAN_LANES: named as fr_scan_forward names it, not left to the compiler
    CHECK_FAILS(fr_plan_module_count(&scan.plan, 0, &count), FR_ERROR_INVALID_ARGUMENT, "expected FR_SCAN_LANES a power of two");

    fr_plan itself = forward;  // the module written over its own plan
    CHECK_STATUS(fr_plan_module(&itself, 1, 0, &itself), FR_OK);
    CHECK(std::string(itself.source_name) == "rnn_forward" && itself.define_count == forward.define_count + 1 &&
          define_of(itself, "FR_LENGTHS") == 1 && define_of(itself, "FR_BATCH_TILE") == 8);
    // a plan of FR_MAX_DEFINES defines: the lengths build would need one more (the count says so, not only the module)
    fr_plan full = forward;
    static char extra_names[FR_MAX_DEFINES][16];
    for (int i = full.define_count; i < FR_MAX_DEFINES; ++i) {
        std::snprintf(extra_names[i], sizeof extra_names[i], "FR_ZZ_%02d", i);
        full.defines[i] = {extra_names[i], 0};
    }
    full.define_count = FR_MAX_DEFINES;
    CHECK_STATUS(fr_plan_module_count(&full, 0, &count), FR_OK);
    CHECK_FAILS(fr_plan_module_count(&full, 1, &count), FR_ERROR_INVALID_ARGUMENT, "more than FR_MAX_DEFINES (64)");

    CHECK_FAILS(fr_plan_module_count(nullptr, 0, &count), FR_ERROR_INVALID_ARGUMENT, "plan: expected a plan, got NULL.");
    CHECK_FAILS(fr_plan_module_count(&forward, 0, nullptr), FR_ERROR_INVALID_ARGUMENT, "count: expected a pointer");
    CHECK_FAILS(fr_plan_module_count(&forward, 2, &count), FR_ERROR_INVALID_ARGUMENT, "lengths: expected 0 or 1, got 2.");
    CHECK_FAILS(fr_plan_module(&forward, 0, 0, nullptr), FR_ERROR_INVALID_ARGUMENT, "module: expected an fr_plan");
    const fr_plan gates = plan_of("rnn_forward", "FR_GATES", 3);  // checked as the operation checks it
    CHECK_FAILS(fr_plan_module_count(&gates, 0, &count), FR_ERROR_INVALID_ARGUMENT, "expected FR_GATES in 4..4, got 3");
    const fr_plan unknown = plan_of("no_such_kernel", nullptr, 0);
    CHECK_FAILS(fr_plan_module_count(&unknown, 0, &count), FR_ERROR_INVALID_ARGUMENT, "plan.source_name");
}

int run_validation_tests() {
    test_library_functions();
    test_compile_arguments();
    test_device_arguments();
    test_scan_arguments();
    test_output_aliasing();
    test_launch_shape_arguments();
    test_tensor_limits();
    test_rnn_size_arguments();
    test_plan_modules();
    return 0;
}

}  // namespace frtest
