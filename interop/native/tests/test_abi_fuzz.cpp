// test_abi_fuzz.cpp: bad input gets a status and a message naming the argument: never a crash, undefined behaviour or
// a run. Every C ABI operation that takes tensors or a plan starts from a valid call (with no live context it fails on
// the context, its last check: so every other check passed) and is called many times with random corruptions of its
// arguments: NULL and misaligned pointers, out-of-range dtypes, ranks, extents and strides (INT64_MIN included),
// outputs moved onto other tensors, plans with wrong sizes, names, constants and launches, extreme scalars. Each call
// must return INVALID_ARGUMENT or UNSUPPORTED with a message that starts with what it names ("a.shape[1]: ..."); the
// corruptions the header promises to refuse must be refused before the context check. The sanitizer job runs this
// group under ASan and UBSan, which is where an overflow in a check's arithmetic would show.
// Group: fuzz. FR_FUZZ_ITERATIONS (per call, default 1500) and FR_FUZZ_SEED run it longer or elsewhere.
#include "device_checks.h"
#include "rnn_case_support.h"
#include "rnn_plans.h"
#include "test_support.h"

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace frtest {
namespace {

constexpr size_t kArenaBytes = size_t(1) << 20;

// Addresses for the tensors, never read (no call gets a live context); each tensor takes a slot of its own, because
// outputs that share memory with another tensor are refused.
unsigned char* arena() {
    alignas(256) static unsigned char bytes[kArenaBytes];
    return bytes;
}

size_t dtype_bytes(int dtype) { return dtype == FR_DTYPE_FLOAT32 ? 4 : dtype == FR_DTYPE_FLOAT64 ? 8 : 2; }

struct Tensor {
    const char* name;
    bool output;
    bool present = true;  // passed, or NULL
    fr_tensor t;
};

// The scalar arguments a call takes (Call::scalars).
enum Scalar : unsigned {
    kLengths = 1, kCuSeqlens = 2, kSizes = 4, kModuleIndex = 8, kResult = 16, kAllowCublas = 32, kOptions = 64
};

// One C ABI call: its arguments as data, so a corruption is a change of data, and the function that makes the call.
struct Call {
    std::string label;
    std::vector<Tensor> tensors;
    fr_plan plan{};
    bool has_plan = false;
    bool needs_context = true;                 // false: a query that succeeds without one
    unsigned scalars = 0;                      // the Scalar arguments it takes
    fr_rnn_backward_options options{};
    bool has_options = false;
    const int32_t* lengths = nullptr;          // fr_rnn_* lengths
    const int64_t* cu_seqlens = nullptr;       // fr_scan_* offsets
    int num_seqs = 0;
    int64_t batch = 0, steps = 0;              // the size queries
    int lengths_flag = 0, index = 0, allow_cublas = 0;
    bool result_present = true;                // the query's out-pointer passed, or NULL
    bool result_required = true;               // false: NULL is allowed (fr_linear's used_cublas)
    std::function<fr_status(Call&)> invoke;

    size_t used = 0;
    const fr_tensor* arg(size_t i) const { return tensors[i].present ? &tensors[i].t : nullptr; }
    void add(const char* name, bool output, int dtype, const std::vector<int64_t>& shape) {
        tensors.push_back({name, output, true, fr_tensor{}});
        place(tensors.size() - 1, dtype, shape);
    }
    // tensor i contiguous with `shape` in a slot of its own
    void place(size_t i, int dtype, const std::vector<int64_t>& shape) {
        int64_t count = 1;
        for (int64_t extent : shape) count *= extent;
        used = (used + 255) / 256 * 256;
        tensors[i].t = contiguous_tensor(arena() + used, static_cast<fr_dtype>(dtype), shape);
        used += size_t(count) * dtype_bytes(dtype);
        CHECK(used <= kArenaBytes - 256);  // the last 256 bytes: where corrupted lengths and offsets point
    }
};

// The ground every corrupted call must stand on: a known refusal, a message that starts with one of the call's own
// arguments ("wx.shape[1]: ...", "plan.defines: ...", "batch, steps: ...").
bool message_names_an_argument(const Call& call, const char* message) {
    static const std::regex named("^[A-Za-z_][A-Za-z0-9_.\\[\\], ]*: .+");
    if (message == nullptr || !std::regex_search(message, named)) return false;
    const std::string first(message, std::strcspn(message, ".:[, "));
    for (const Tensor& tensor : call.tensors)
        if (first == tensor.name) return true;
    for (const char* argument : {"context", "plan", "options", "lengths", "cu_seqlens", "num_seqs", "batch", "steps",
                                 "index", "elements", "count", "module", "allow_cublas", "used_cublas"})
        if (first == argument) return true;
    return false;
}

bool refused_on_context(fr_status status) {
    return status == FR_ERROR_INVALID_ARGUMENT && std::strncmp(fr_last_error(), "context: ", 9) == 0;
}

// What the header promises about the final arguments, whatever else is wrong: each of these is refused before the
// context. Empty when none applies.
std::string promised_refusal(const Call& base, const Call& call) {
    for (size_t i = 0; i < call.tensors.size(); ++i) {
        const Tensor& tensor = call.tensors[i];
        if (!tensor.present) continue;
        const fr_tensor& t = tensor.t;
        const fr_tensor& was = base.tensors[i].t;
        int dtype = 0;
        std::memcpy(&dtype, &t.dtype, sizeof dtype);
        if (t.data == nullptr) return std::string(tensor.name) + ".data NULL";
        if (std::memcmp(&t.dtype, &was.dtype, sizeof dtype) != 0) return std::string(tensor.name) + ".dtype changed";
        if (t.rank != was.rank) return std::string(tensor.name) + ".rank changed";
        for (int d = 0; d < t.rank; ++d)
            if (t.shape[d] < 1 || t.shape[d] > INT32_MAX) return std::string(tensor.name) + ".shape out of 1..2^31-1";
        if (reinterpret_cast<uintptr_t>(t.data) % dtype_bytes(dtype) != 0) return std::string(tensor.name) + ".data misaligned";
        if (!tensor.output) continue;
        for (size_t j = 0; j < call.tensors.size(); ++j)
            if (j != i && call.tensors[j].present && call.tensors[j].t.data == t.data)
                return std::string(tensor.name) + " starts where " + call.tensors[j].name + " does";
    }
    if (call.has_plan) {
        if (call.plan.struct_size < sizeof(fr_plan)) return "plan.struct_size too small";
        if (call.plan.source_name == nullptr) return "plan.source_name NULL";
        if (call.plan.define_count < 0 || call.plan.define_count > FR_MAX_DEFINES) return "plan.define_count out of range";
    }
    if (call.has_options && call.options.struct_size < sizeof(fr_rnn_backward_options)) return "options.struct_size too small";
    if (reinterpret_cast<uintptr_t>(call.lengths) % 4 != 0) return "lengths misaligned";
    if (reinterpret_cast<uintptr_t>(call.cu_seqlens) % 8 != 0) return "cu_seqlens misaligned";
    if (!call.result_present && call.result_required) return "result pointer NULL";
    return {};
}

int64_t pick(std::mt19937_64& random, std::initializer_list<int64_t> values) {
    return *(values.begin() + std::uniform_int_distribution<size_t>(0, values.size() - 1)(random));
}

// A value for an int64 field near `value` or at the edges of its type.
int64_t edge_value(std::mt19937_64& random, int64_t value) {
    switch (std::uniform_int_distribution<int>(0, 5)(random)) {
        case 0: return pick(random, {INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1});
        case 1: return pick(random, {-1, 0, 1, 2, 3, 8, 16, 32, 64});
        case 2: return pick(random, {int64_t{INT32_MAX}, int64_t{INT32_MAX} + 1, int64_t{1} << 32, int64_t{1} << 47,
                                     int64_t{1} << 48, int64_t{1} << 62, int64_t{INT32_MIN}});
        case 3: {
            int64_t near = 0;  // a field corrupted twice may already be at an edge
            return __builtin_add_overflow(value, pick(random, {-2, -1, 1, 2}), &near) ? value : near;
        }
        case 4: return value < 0 || value > (INT64_MAX >> 8) ? -(value / 2) : value * pick(random, {-1, 2, 3, 16});
        default: return static_cast<int64_t>(random());
    }
}

uint32_t edge_u32(std::mt19937_64& random, uint32_t value) {
    return static_cast<uint32_t>(pick(random, {0, 1, 2, 32, 1024, 1025, 65535, 65536, int64_t{INT32_MAX}, int64_t{INT32_MAX} + 1,
                                               int64_t{UINT32_MAX}, int64_t{value} + 1, int64_t{value} - 1, int64_t{value} * 2}));
}

// One random corruption of `call`; returns what it did.
std::string corrupt(std::mt19937_64& random, Call& call, const std::vector<std::string>& sources) {
    auto roll = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
    enum Area { kPlan, kScalars, kTensors };
    std::vector<Area> areas;  // tensors twice as often as the others
    if (!call.tensors.empty()) areas.insert(areas.end(), {kTensors, kTensors});
    if (call.has_plan) areas.push_back(kPlan);
    if (call.scalars != 0) areas.push_back(kScalars);
    const Area area = areas[static_cast<size_t>(roll(static_cast<int>(areas.size())))];
    if (area == kTensors) {
        const size_t i = static_cast<size_t>(roll(static_cast<int>(call.tensors.size())));
        Tensor& tensor = call.tensors[i];
        fr_tensor& t = tensor.t;
        const std::string name = tensor.name;
        const int dim = roll(std::max(1, std::min(t.rank, FR_MAX_RANK)));
        switch (roll(9)) {
            case 0: tensor.present = false; return name + " NULL";
            case 1: t.data = nullptr; return name + ".data NULL";
            case 2:  // as an integer: data may already be NULL, and NULL + k is undefined behaviour
                t.data = reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(t.data) + static_cast<uintptr_t>(pick(random, {1, 2, 3, 4, 8, 16})));
                return name + ".data moved a little";
            case 3: {
                const Tensor& other = call.tensors[static_cast<size_t>(roll(static_cast<int>(call.tensors.size())))];
                t.data = other.t.data;
                return name + ".data onto " + other.name;
            }
            case 4: set_raw(&t.dtype, static_cast<int>(pick(random, {-1, 0, 1, 2, 3, 4, 7, INT_MIN, INT_MAX}))); return name + ".dtype";
            case 5: t.rank = static_cast<int>(pick(random, {-1, 0, 1, int64_t{t.rank} - 1, int64_t{t.rank} + 1, FR_MAX_RANK, FR_MAX_RANK + 1, INT_MIN, INT_MAX})); return name + ".rank";
            case 6: case 7: t.shape[dim] = edge_value(random, t.shape[dim]); return name + ".shape[" + std::to_string(dim) + "]";
            default: t.strides[dim] = edge_value(random, t.strides[dim]); return name + ".strides[" + std::to_string(dim) + "]";
        }
    }
    if (area == kScalars) {
        int kind = roll(7);
        while ((call.scalars & (1u << kind)) == 0) kind = roll(7);
        switch (kind) {
            case 0: call.lengths = reinterpret_cast<const int32_t*>(arena() + kArenaBytes - 64 + pick(random, {0, 1, 2})); return "lengths";
            case 1:
                if (roll(2)) call.num_seqs = static_cast<int>(pick(random, {-1, 0, 1, 3, INT_MAX, INT_MIN}));
                else call.cu_seqlens = reinterpret_cast<const int64_t*>(arena() + kArenaBytes - 128 + pick(random, {0, 4}));
                return "cu_seqlens, num_seqs";
            case 2: call.batch = edge_value(random, call.batch); call.steps = edge_value(random, call.steps); return "batch, steps";
            case 3: call.index = static_cast<int>(pick(random, {-1, 0, 1, 2, 3, INT_MAX, INT_MIN})); call.lengths_flag = static_cast<int>(pick(random, {-1, 0, 1, 2})); return "index, lengths flag";
            case 4: call.result_present = false; return "result NULL";
            case 5: call.allow_cublas = static_cast<int>(pick(random, {-1, 2, INT_MAX})); return "allow_cublas";
            default:
                call.options.struct_size = static_cast<size_t>(pick(random, {0, 4, int64_t(sizeof(fr_rnn_backward_options)) - 4, int64_t(sizeof(fr_rnn_backward_options)) + 8}));
                call.options.recurrent_clip = static_cast<float>(pick(random, {-1, 0, 1})) * (roll(2) ? 1e30f : 1.0f);
                if (roll(4) == 0) call.options.recurrent_clip = std::nanf("");
                call.options.truncate = static_cast<int>(pick(random, {-1, 0, 1, 2}));
                call.options.accumulate = static_cast<int>(pick(random, {-1, 0, 1, 2}));
                return "options";
        }
    }
    fr_plan& plan = call.plan;
    const int define = roll(std::max(1, std::min(plan.define_count, FR_MAX_DEFINES)));
    switch (roll(10)) {
        case 0: plan.struct_size = static_cast<size_t>(pick(random, {0, 16, int64_t(sizeof(fr_plan)) - 8, int64_t(sizeof(fr_plan)) + 64})); return "plan.struct_size";
        case 1: {
            const int which = roll(static_cast<int>(sources.size()) + 3);
            plan.source_name = which == 0 ? nullptr : which == 1 ? "" : which == 2 ? "no_such_source" : sources[size_t(which - 3)].c_str();
            return "plan.source_name";
        }
        case 2: plan.define_count = static_cast<int>(pick(random, {-1, 0, 1, int64_t{plan.define_count} - 1, int64_t{plan.define_count} + 1, FR_MAX_DEFINES, FR_MAX_DEFINES + 1, INT_MIN, INT_MAX})); return "plan.define_count";
        case 3: {
            const char* names[] = {nullptr, "", "FR_CELL", "FR_DTYPE", "FR_HEADS", "FR_LENGTHS", "FR_NOT_A_CONSTANT", plan.defines[roll(FR_MAX_DEFINES)].name};
            plan.defines[define].name = names[roll(8)];
            return "plan.defines[" + std::to_string(define) + "].name";
        }
        case 4: case 5: case 6:
            plan.defines[define].value = edge_value(random, plan.defines[define].value);
            return "plan.defines[" + std::to_string(define) + "].value";
        case 7: {
            fr_dim3* dims[] = {&plan.grid, &plan.block, &plan.cluster};
            fr_dim3& dim = *dims[roll(3)];
            uint32_t* parts[] = {&dim.x, &dim.y, &dim.z};
            uint32_t& part = *parts[roll(3)];
            part = edge_u32(random, part);
            return "plan launch dims";
        }
        case 8: plan.shared_bytes = edge_u32(random, plan.shared_bytes); return "plan.shared_bytes";
        default: set_raw(&plan.kind, static_cast<int>(pick(random, {-1, 0, 1, 2, 3, 99}))); return "plan.kind";
    }
}

// The valid calls. Shapes are small; the plans are the native tests' (rnn_plans.h, small_scan_plan).

std::vector<Call> scan_calls() {
    std::vector<Call> calls;
    for (bool variable : {false, true}) {
        const int64_t B = variable ? 1 : 2, S = 2;
        alignas(8) static const int64_t offsets[3] = {0, 2, 5};
        Call forward;
        forward.label = variable ? "fr_scan_forward (cu_seqlens)" : "fr_scan_forward";
        forward.plan = small_scan_plan("scan", 0);
        forward.has_plan = true;
        forward.scalars = kCuSeqlens;
        forward.add("a", false, 0, {B, 5, 3, 40});
        forward.add("b", false, 0, {B, 5, 3, 40});
        forward.add("h0", false, 0, {S, 3, 40});
        forward.add("h", true, 0, {B, 5, 3, 40});
        forward.add("h_last", true, 0, {S, 3, 40});
        if (variable) {
            forward.cu_seqlens = offsets;
            forward.num_seqs = 2;
        }
        forward.invoke = [](Call& c) {
            return fr_scan_forward(nullptr, &c.plan, c.arg(0), c.arg(1), c.arg(2), c.arg(3), c.arg(4), c.cu_seqlens, c.num_seqs, nullptr);
        };
        calls.push_back(forward);

        Call backward;
        backward.label = variable ? "fr_scan_backward (cu_seqlens)" : "fr_scan_backward";
        backward.plan = small_scan_plan("scan", 1);
        backward.has_plan = true;
        backward.scalars = kCuSeqlens;
        backward.add("a", false, 0, {B, 5, 3, 40});
        backward.add("h", false, 0, {B, 5, 3, 40});
        backward.add("h0", false, 0, {S, 3, 40});
        backward.add("dh", false, 0, {B, 5, 3, 40});
        backward.add("dh_last", false, 0, {S, 3, 40});
        backward.add("da", true, 0, {B, 5, 3, 40});
        backward.add("db", true, 0, {B, 5, 3, 40});
        backward.add("dh0", true, 0, {S, 3, 40});
        if (variable) {
            backward.cu_seqlens = offsets;
            backward.num_seqs = 2;
        }
        backward.invoke = [](Call& c) {
            return fr_scan_backward(nullptr, &c.plan, c.arg(0), c.arg(1), c.arg(2), c.arg(3), c.arg(4), c.arg(5), c.arg(6),
                                    c.arg(7), c.cu_seqlens, c.num_seqs, nullptr);
        };
        calls.push_back(backward);
    }
    return calls;
}

RnnPlan fused(int cell, int dtype, int d, int heads, int hb, int warps, int ks, int bt, int rt, int st, int p = 1,
              int regime = kSingleBlock) {
    RnnPlan plan{cell, dtype, d, heads, hb, warps, ks, bt, rt, st};
    plan.blocks_per_head = p;
    plan.regime = regime;
    return plan;
}

// Per-sequence lengths for the recurrent calls (never read: no call runs).
const int32_t* sequence_lengths() {
    alignas(16) static const int32_t lengths[64] = {2, 1, 2, 2, 1, 2, 1, 1};
    return lengths;
}

// fr_rnn_backward of p's problem with `plan`, every optional tensor and the options given.
void add_backward_call(const RnnPlan& p, int batch, int steps, const fr_plan& plan, const std::string& what,
                       std::vector<Call>* calls) {
    const int G = gates_of(p.cell), Gb = biases_of(p.cell), S = states_of(p.cell), NH = p.heads, D = p.d, dt = p.dtype;
    const int64_t B = batch, T = steps;
    Call backward;
    backward.label = "fr_rnn_backward " + what;
    backward.plan = plan;
    backward.has_plan = true;
    backward.lengths = sequence_lengths();
    backward.has_options = true;
    backward.scalars = kLengths | kOptions;
    backward.options.struct_size = sizeof backward.options;
    backward.options.recurrent_clip = 0.5f;
    backward.add("wx", false, dt, {B, T, G, NH, D});
    backward.add("r", false, dt, {G, NH, D, D});
    backward.add("bias", false, dt, {Gb, NH, D});
    backward.add("initial_states", false, dt, {S, B, NH, D});
    backward.add("y", false, dt, {B, T, NH, D});
    backward.add("reserve", false, 0, {B * T * NH * D * (G + S)});
    backward.add("dy", false, dt, {B, T, NH, D});
    backward.add("d_last_states", false, dt, {S, B, NH, D});
    backward.add("dwx", true, dt, {B, T, G, NH, D});
    backward.add("dr", true, dt, {G, NH, D, D});
    backward.add("dbias", true, dt, {Gb, NH, D});
    backward.add("d_initial_states", true, dt, {S, B, NH, D});
    backward.invoke = [](Call& c) {
        return fr_rnn_backward(nullptr, &c.plan, &c.options, c.arg(0), c.arg(1), c.arg(2), c.arg(3), c.arg(4), c.arg(5),
                               c.arg(6), c.arg(7), c.arg(8), c.arg(9), c.arg(10), c.arg(11), c.lengths, nullptr);
    };
    calls->push_back(backward);
}

// The recurrent calls of one problem: the inference and training forwards, the backward, and for a fused forward the
// packing of R and the size queries. p is a backward plan (its forward: the tests' training plan, fused or
// alternating), or with forward_case a forward plan in its own regime and tiles (no backward).
void add_rnn_calls(const RnnPlan& p, int batch, int steps, bool alternating_forward, std::vector<Call>* calls,
                   bool forward_case = false) {
    const int G = gates_of(p.cell), Gb = biases_of(p.cell), S = states_of(p.cell), NH = p.heads, D = p.d, dt = p.dtype;
    const int64_t B = batch, T = steps;
    const std::string what = std::string(cell_name(p.cell)) + " " + dtype_name(static_cast<fr_dtype>(dt)) + " " +
                             (p.alternating() ? "alternating" : regime_name(p.regime)) +
                             (alternating_forward ? ", alternating forward" : "") + (forward_case ? ", forward case" : "");
    std::vector<fr_define> defines;
    const fr_plan forward_plan = forward_case ? rnn_forward_plan(p, batch, &defines)
                                              : training_forward_plan(p, batch, alternating_forward, &defines);
    const fr_plan backward_plan = rnn_backward_plan(p, batch, &defines);

    Call forward;
    forward.label = "fr_rnn_forward " + what;
    forward.plan = forward_plan;
    forward.has_plan = true;
    forward.lengths = sequence_lengths();
    forward.scalars = kLengths;
    forward.add("wx", false, dt, {B, T, G, NH, D});
    forward.add("r", false, dt, {G, NH, D, D});
    forward.add("bias", false, dt, {Gb, NH, D});
    forward.add("initial_states", false, dt, {S, B, NH, D});
    forward.add("y", true, dt, {B, T, NH, D});
    forward.add("all_states", true, dt, {S, B, T, NH, D});
    forward.add("last_states", true, dt, {S, B, NH, D});
    forward.invoke = [](Call& c) {
        return fr_rnn_forward(nullptr, &c.plan, c.arg(0), c.arg(1), c.arg(2), c.arg(3), c.arg(4), c.arg(5), c.arg(6), c.lengths, nullptr);
    };
    calls->push_back(forward);

    Call training = forward;
    training.label = "fr_rnn_forward_training " + what;
    training.add("reserve", true, 0, {B * T * NH * D * (G + S)});
    training.invoke = [](Call& c) {
        return fr_rnn_forward_training(nullptr, &c.plan, c.arg(0), c.arg(1), c.arg(2), c.arg(3), c.arg(4), c.arg(5), c.arg(6),
                                       c.arg(7), c.lengths, nullptr);
    };
    calls->push_back(training);

    if (!forward_case) add_backward_call(p, batch, steps, backward_plan, what, calls);
    if (alternating_forward || p.alternating()) return;
    int64_t packed_elements = 0;
    CHECK_STATUS(fr_rnn_packed_recurrent_size(&forward_plan, &packed_elements), FR_OK);
    Call pack;
    pack.label = "fr_rnn_pack_recurrent " + what;
    pack.plan = forward_plan;
    pack.has_plan = true;
    pack.add("r", false, dt, {G, NH, D, D});
    pack.add("packed", true, dt, {packed_elements});
    pack.invoke = [](Call& c) { return fr_rnn_pack_recurrent(nullptr, &c.plan, c.arg(0), c.arg(1), nullptr); };
    calls->push_back(pack);

    Call packed_forward = forward;  // r packed: a rank-1 tensor of the plan's layout
    packed_forward.label = "fr_rnn_forward (packed r) " + what;
    packed_forward.place(1, dt, {packed_elements});
    calls->push_back(packed_forward);

    // the queries: no context, no tensors; they succeed on valid arguments
    Call sizes;
    sizes.label = "fr_rnn_*_size " + what;
    sizes.plan = forward_plan;
    sizes.has_plan = true;
    sizes.needs_context = false;
    sizes.scalars = kSizes | kResult;
    sizes.batch = B;
    sizes.steps = T;
    sizes.invoke = [](Call& c) {
        int64_t elements = -1;
        int64_t* out = c.result_present ? &elements : nullptr;
        fr_status status = fr_rnn_reserve_size(&c.plan, c.batch, c.steps, out);
        if (status == FR_OK) status = fr_rnn_states_reserve_size(&c.plan, c.batch, c.steps, out);
        if (status == FR_OK) status = fr_rnn_packed_recurrent_size(&c.plan, out);
        if (status == FR_OK && (elements < 1 || elements > (int64_t{1} << 50))) {
            std::fprintf(stderr, "fuzz: a size of %lld elements for batch %lld, steps %lld\n", static_cast<long long>(elements),
                         static_cast<long long>(c.batch), static_cast<long long>(c.steps));
            for (int i = 0; i < c.plan.define_count; ++i) std::fprintf(stderr, "  %s=%lld\n", c.plan.defines[i].name ? c.plan.defines[i].name : "(null)", (long long)c.plan.defines[i].value);
            ++failures();
        }
        return status;
    };
    calls->push_back(sizes);

    std::vector<fr_plan> plans = {forward_plan};
    if (!forward_case) plans.push_back(backward_plan);
    for (const fr_plan& plan : plans) {
        Call modules;
        modules.label = "fr_plan_module " + what;
        modules.plan = plan;
        modules.has_plan = true;
        modules.needs_context = false;
        modules.scalars = kModuleIndex | kResult;
        modules.invoke = [](Call& c) {
            int count = -1;
            fr_status status = fr_plan_module_count(&c.plan, c.lengths_flag, c.result_present ? &count : nullptr);
            if (status != FR_OK) return status;
            CHECK(count >= 1 && count <= 2);
            fr_plan module{};
            module.struct_size = 1;  // the library fills it
            status = fr_plan_module(&c.plan, c.lengths_flag, c.index, &module);
            if (status == FR_OK) {
                CHECK(c.index >= 0 && c.index < count);
                CHECK(module.source_name != nullptr && module.define_count >= 0 && module.define_count <= FR_MAX_DEFINES);
            }
            return status;
        };
        calls->push_back(modules);
    }
}

std::vector<Call> rnn_calls() {
    std::vector<Call> calls;
    for (int dt : {0, 1, 2}) {
        add_rnn_calls(fused(0, dt, 16, 2, 1, 4, 4, 8, 1, 0), 3, 2, false, &calls);
        add_rnn_calls(fused(1, dt, 20, 1, 1, 4, 2, 8, 1, 0), 3, 2, false, &calls);
        add_rnn_calls(fused(2, dt, 32, 1, 1, 2, 2, 8, 0, 2), 3, 2, false, &calls);
        add_rnn_calls(fused(3, dt, 32, 3, 1, 2, 1, 8, 1, 0), 3, 2, false, &calls);
    }
    add_rnn_calls(fused(0, 0, 32, 1, 1, 2, 2, 8, 1, 0, 2, kGridBarrier), 3, 2, false, &calls);
    add_rnn_calls(fused(2, 1, 48, 1, 1, 2, 2, 8, 1, 0, 3, kCluster), 3, 2, false, &calls);
    add_rnn_calls(with_tf32(fused(1, 0, 24, 2, 1, 1, 1, 8, 1, 0, 2, kGridBarrier)), 3, 2, false, &calls);
    add_rnn_calls(fused(0, 1, 16, 2, 1, 4, 4, 8, 1, 0), 3, 2, true, &calls);  // the alternating forward's reserve
    add_rnn_calls(alternating_plan(0, 0, 20, 2, 2, 32, 8, 16, 64), 3, 2, true, &calls);
    add_rnn_calls(alternating_plan(3, 2, 33, 1, 2, 16, 16, 16, 64), 3, 2, true, &calls);
    // forward plans in their own regimes and tiles (the emulation tests' forward cases): two heads per block, K split,
    // every tile in shared memory, a head over a grid barrier or a cluster, R tiles streamed, tf32, alternating
    for (int dt : {0, 1}) {
        add_rnn_calls({0, dt, 10, 2, 2, 2, 1, 16, 2, 2}, 3, 2, false, &calls, true);
        add_rnn_calls({1, dt, 20, 1, 1, 6, 2, 8, 1, 1}, 3, 2, false, &calls, true);
        add_rnn_calls({2, dt, 32, 1, 1, 2, 2, 8, 0, 8}, 3, 2, false, &calls, true);
        add_rnn_calls({0, dt, 32, 1, 1, 2, 1, 8, 1, 1, 2, kGridBarrier}, 3, 2, false, &calls, true);
        add_rnn_calls({2, dt, 48, 1, 1, 1, 1, 8, 2, 2, 3, kCluster}, 3, 2, false, &calls, true);
        add_rnn_calls(with_streamed({0, dt, 32, 2, 1, 4, 2, 16, 1, 1}, 2), 3, 2, false, &calls, true);
        add_rnn_calls(with_streamed({1, dt, 32, 1, 1, 1, 1, 8, 0, 1, 2, kGridBarrier}, 2), 3, 2, false, &calls, true);
    }
    add_rnn_calls(with_tf32({3, 0, 64, 2, 1, 2, 2, 8, 1, 0, 4, kCluster}), 3, 2, false, &calls, true);
    add_rnn_calls(alternating_plan(1, 1, 40, 1, 2, 32, 8, 16, 64), 3, 2, false, &calls, true);
    return calls;
}

Call linear_call() {
    Call linear;
    linear.label = "fr_linear";
    linear.result_required = false;
    linear.scalars = kAllowCublas | kResult;
    linear.add("x", false, 0, {6, 24});
    linear.add("w", false, 0, {40, 24});
    linear.add("y", true, 0, {6, 40});
    linear.invoke = [](Call& c) {
        int used = 0;
        return fr_linear(nullptr, c.arg(0), c.arg(1), c.arg(2), c.allow_cublas, c.result_present ? &used : nullptr, nullptr);
    };
    return linear;
}

// One corrupted call: the outcome is a clear refusal, and a promised one comes before the context check.
bool check_corrupted(const Call& base, Call& call, const std::string& what) {
    const fr_status status = call.invoke(call);
    const char* message = fr_last_error();
    std::string problem;
    if (status == FR_OK) {
        if (call.needs_context) problem = "succeeded without a context";
    } else if (status != FR_ERROR_INVALID_ARGUMENT && status != FR_ERROR_UNSUPPORTED) {
        problem = std::string("returned ") + fr_status_name(status);
    } else if (!message_names_an_argument(call, message)) {
        problem = "its message does not start with what it names";
    }
    const std::string promised = promised_refusal(base, call);
    if (problem.empty() && !promised.empty() && (status == FR_OK || refused_on_context(status))) {
        problem = "passed every check though " + promised;
    }
    if (problem.empty()) return true;
    std::fprintf(stderr, "fuzz: %s with %s: %s (%s: \"%s\")\n", call.label.c_str(), what.c_str(), problem.c_str(),
                 fr_status_name(status), message);
    ++failures();
    return false;
}

}  // namespace

int run_abi_fuzz_tests() {
    const char* seed_text = std::getenv("FR_FUZZ_SEED");
    const char* iterations_text = std::getenv("FR_FUZZ_ITERATIONS");
    const uint64_t seed = seed_text != nullptr ? std::strtoull(seed_text, nullptr, 10) : 20261207;
    const int iterations = iterations_text != nullptr ? std::atoi(iterations_text) : 1500;
    std::vector<std::string> sources;
    for (int i = 0; i < fr_kernel_source_count(); ++i) {
        const char* name = nullptr;
        const char* text = nullptr;
        if (fr_kernel_source(i, &name, &text) == FR_OK) sources.push_back(name);
    }

    std::vector<Call> calls = scan_calls();
    std::vector<Call> rnn = rnn_calls();
    calls.insert(calls.end(), rnn.begin(), rnn.end());
    calls.push_back(linear_call());

    long total = 0;
    int reported = 0;
    for (size_t k = 0; k < calls.size(); ++k) {
        Call& base = calls[k];
        // the valid call passes every check: refused on the context only (the queries succeed)
        const fr_status status = base.invoke(base);
        if (base.needs_context ? !refused_on_context(status) : status != FR_OK) {
            std::fprintf(stderr, "fuzz: the valid %s returned %s \"%s\"\n", base.label.c_str(), fr_status_name(status), fr_last_error());
            ++failures();
            continue;
        }
        std::mt19937_64 random(seed + k);
        for (int i = 0; i < iterations; ++i) {
            Call call = base;
            std::string what;
            const int corruptions = 1 + std::uniform_int_distribution<int>(0, 2)(random);
            for (int j = 0; j < corruptions; ++j) what += (j ? ", " : "") + corrupt(random, call, sources);
            ++total;
            if (!check_corrupted(base, call, what) && ++reported >= 20) {
                std::fprintf(stderr, "fuzz: stopping after 20 reports (seed %llu)\n", static_cast<unsigned long long>(seed));
                return 1;
            }
        }
    }
    std::printf("fuzz: %zu valid calls, %ld corrupted calls (seed %llu)\n", calls.size(), total, static_cast<unsigned long long>(seed));
    return 0;
}

}  // namespace frtest
