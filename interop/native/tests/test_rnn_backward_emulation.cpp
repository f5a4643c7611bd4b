// test_rnn_backward_emulation.cpp: the training forward's reserve and kernels/rnn_backward.cu (the fused backward and
// its weight-gradient reductions) on the CPU emulator, through the C ABI (fr_rnn_forward_training, fr_rnn_backward), in
// each regime (single block, cluster, grid barrier), for every cell and storage type, with the options (recurrent
// clipping, truncated BPTT, accumulation), against a float64 reference; outputs poisoned first. Determinism: the
// gradients under random thread orders are the same bits as in order. Barrier deletions are caught. Group:
// emulation_rnn_backward.
#include "device_checks.h"
#include "device_context.h"
#include "rnn_case_support.h"
#include "rnn_plans.h"
#include "test_support.h"

#include "fr_rnn_args.h"
#include "kernel_sources.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace frtest {
namespace {

int recurrent_slot(int cell, int gate) { return cell == 1 && gate == 2 ? 3 : gate; }

// The step's gradients of one unit in float64 (math.md section 3; the formulas of src/FastRecurrence/Cells).
void cell_backward(int cell, const double* wx, const double* rh, const double* bias, const double* prev, const double* next,
                   const double* dnext, double* dwx, double* dslot, double* dprev) {
    switch (cell) {
        case 0: {
            double i = sigmoid(wx[0] + rh[0] + bias[0]), f = sigmoid(wx[1] + rh[1] + bias[1]);
            double z = std::tanh(wx[2] + rh[2] + bias[2]), o = sigmoid(wx[3] + rh[3] + bias[3]);
            double tc = std::tanh(next[1]), dh = dnext[0], dc = dnext[1] + dh * o * (1 - tc * tc);
            dwx[0] = dc * z * i * (1 - i);
            dwx[1] = dc * prev[1] * f * (1 - f);
            dwx[2] = dc * i * (1 - z * z);
            dwx[3] = dh * tc * o * (1 - o);
            for (int k = 0; k < 4; ++k) dslot[k] = dwx[k];
            dprev[0] = 0;
            dprev[1] = dc * f;
            break;
        }
        case 1: {
            double r = sigmoid(wx[0] + rh[0] + bias[0]), u = sigmoid(wx[1] + rh[1] + bias[1]);
            double hn = rh[2] + bias[3], n = std::tanh(wx[2] + bias[2] + r * hn), dh = dnext[0];
            double dn = dh * (1 - u) * (1 - n * n), du = dh * (prev[0] - n) * u * (1 - u), dr = dn * hn * r * (1 - r);
            dwx[0] = dslot[0] = dr;
            dwx[1] = dslot[1] = du;
            dwx[2] = dslot[2] = dn;
            dslot[3] = dn * r;
            dprev[0] = dh * u;
            break;
        }
        case 2: {
            double gi = wx[0] + rh[0] + bias[0], gf = wx[1] + rh[1] + bias[1];
            double z = std::tanh(wx[2] + rh[2] + bias[2]), o = sigmoid(wx[3] + rh[3] + bias[3]);
            double log_f = (gf >= 0 ? -std::log1p(std::exp(-gf)) : gf - std::log1p(std::exp(gf))) + prev[3];
            double m = next[3], ig = std::exp(gi - m), fg = std::exp(log_f - m), c = next[1], n = next[2], dy = dnext[0];
            double dc = dnext[1] + dy * o / n, dn = dnext[2] - dy * o * c / (n * n);
            double dlogf = (dc * prev[1] + dn * prev[2]) * fg;
            dwx[0] = (dc * z + dn) * ig;
            dwx[1] = dlogf * (1 - sigmoid(gf));
            dwx[2] = dc * ig * (1 - z * z);
            dwx[3] = dy * (c / n) * o * (1 - o);
            for (int k = 0; k < 4; ++k) dslot[k] = dwx[k];
            dprev[0] = 0;
            dprev[1] = dc * fg;
            dprev[2] = dn * fg;
            dprev[3] = dlogf;
            break;
        }
        default: {
            double h = next[0];
            dwx[0] = dslot[0] = dnext[0] * (1 - h * h);
            dprev[0] = 0;
        }
    }
}

struct BackwardCase {
    RnnPlan plan;  // the backward plan's constants
    int batch, steps;
    float clip = 0.0f;
    int truncate = 0, accumulate = 0;
    bool alternating_forward = false;  // the reserve from kernels/rnn_alternating.cu instead of rnn_forward.cu
    bool states_only = false;          // the recompute reserve: states only; the backward recomputes the gate products
    std::vector<int32_t> lengths;      // each sequence's own length, masked in the kernels (empty: all T)
};

// What a run produced: every gradient's bytes (for the determinism check) and whether all matched the reference.
struct BackwardRun {
    bool right = false;
    std::vector<unsigned char> bytes;
};

fr_plan forward_plan(const BackwardCase& c, std::vector<fr_define>* defines) {
    return training_forward_plan(c.plan, c.batch, c.alternating_forward, defines);
}

fr_plan backward_plan(const BackwardCase& c, std::vector<fr_define>* defines, const char* source = "rnn_backward") {
    return rnn_backward_plan(c.plan, c.batch, defines, source);
}

// The reductions' module's defines for a case's backward plan, as the library gives them (fr_plan_module: the second
// module a backward plan loads), so the tests compile what fr_rnn_backward loads.
std::vector<fr_define> gradient_defines(const BackwardCase& c) {
    std::vector<fr_define> plan_defines;
    const fr_plan plan = backward_plan(c, &plan_defines);
    int count = 0;
    fr_plan module{};
    CHECK_STATUS(fr_plan_module_count(&plan, 0, &count), FR_OK);
    CHECK(count == 2);
    CHECK_STATUS(fr_plan_module(&plan, 0, 1, &module), FR_OK);
    CHECK(module.source_name != nullptr && std::string(module.source_name) == "rnn_gradients");
    return std::vector<fr_define>(module.defines, module.defines + module.define_count);
}

// `source` compiled for the context with `defines` and loaded (fr_module_load); NULL, with a failed check, if it fails.
fr_module load_module(fr_context context, const char* source, const std::vector<fr_define>& defines) {
    fr_compile_options compile = compile_options(source, nullptr);
    compile.defines = defines.data();
    compile.define_count = static_cast<int>(defines.size());
    fr_module module = nullptr;
    CHECK_STATUS(fr_module_load(context, &compile, &module), FR_OK);
    return module;
}

// One case: inputs, the float64 reference, the training forward, the backward (through the ABI, or for a mutant of
// either source, the fused kernel and the reductions launched directly), and the comparison.
BackwardRun run_case(fr_context context, const BackwardCase& c, const char* source = "rnn_backward", bool quiet = false,
                     const char* gradients_source = "rnn_gradients") {
    const RnnPlan& p = c.plan;
    const int G = gates_of(p.cell), Gb = biases_of(p.cell), S = states_of(p.cell), D = p.d, NH = p.heads;
    const int B = c.batch, T = c.steps;
    const long H = long(NH) * D;
    std::mt19937 random(500 + p.cell * 11 + p.dtype * 5 + D + B + T);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    auto fill = [&](size_t n, double scale) {
        std::vector<double> v(n);
        for (double& x : v) x = uniform(random) * scale;
        return v;
    };
    const double scale = 1.0 / std::sqrt(double(D));
    const Stored wx = store(fill(size_t(B) * T * G * H, 1.0), p.dtype);
    const Stored r = store(fill(size_t(G) * NH * D * D, scale), p.dtype);
    const Stored bias = store(fill(size_t(Gb) * H, scale), p.dtype);
    std::vector<double> initial_values = fill(size_t(S) * B * H, 0.5);
    if (p.cell == 2) {
        for (double& x : initial_values) x = 0;  // sLSTM: zero states are the common start
    }
    const Stored initial = store(initial_values, p.dtype);
    const Stored dy = store(fill(size_t(B) * T * H, 1.0), p.dtype);
    std::vector<double> d_last_values = fill(size_t(S) * B * H, 0.5);
    if (p.cell == 2) {
        for (int b = 0; b < B; ++b)
            for (long u = 0; u < H; ++u) d_last_values[(size_t(3) * B + b) * H + u] = 0;  // m takes no gradient
    }
    const Stored d_last = store(d_last_values, p.dtype);
    // accumulation: the outputs start from these values and must end at them plus the gradients
    const Stored old_dwx = store(fill(size_t(B) * T * G * H, 0.25), p.dtype), old_dr = store(fill(size_t(G) * NH * D * D, 0.25), p.dtype),
                 old_dbias = store(fill(size_t(Gb) * H, 0.25), p.dtype), old_d_initial = store(fill(size_t(S) * B * H, 0.25), p.dtype);

    // ---- float64 reference: the forward with every step's gate products and states, then BPTT
    std::vector<double> rh_ref(size_t(B) * T * G * H), states_ref(size_t(S) * B * T * H);
    std::vector<double> dwx_ref(size_t(B) * T * G * H), dr_ref(size_t(G) * NH * D * D), dbias_ref(size_t(Gb) * H),
        d_initial_ref(size_t(S) * B * H);
    auto clip = [&](double x) { return c.clip > 0 ? std::min(std::max(x, -double(c.clip)), double(c.clip)) : x; };
    for (int b = 0; b < B; ++b) {
        for (int h = 0; h < NH; ++h) {
            // states[t][s][u], t = 0 the initial states
            std::vector<double> st(size_t(T + 1) * S * D), rh(size_t(T) * G * D);
            for (int s = 0; s < S; ++s)
                for (int u = 0; u < D; ++u) st[size_t(s) * D + u] = initial.values[((size_t(s) * B + b) * NH + h) * D + u];
            auto wx_at = [&](int t, int g, int u) { return wx.values[(((size_t(b) * T + t) * G + g) * NH + h) * D + u]; };
            auto r_at = [&](int g, int u, int k) { return r.values[((size_t(g) * NH + h) * D + u) * D + k]; };
            double bu[4];
            const int length = c.lengths.empty() ? T : c.lengths[size_t(b)];
            for (int t = 0; t < T; ++t) {
                if (t >= length) {  // past the length: the states held; the reserve's products there are not compared
                    for (int u = 0; u < D; ++u) {
                        for (int s = 0; s < S; ++s) {
                            st[(size_t(t + 1) * S + s) * D + u] = st[(size_t(t) * S + s) * D + u];
                            states_ref[(((size_t(s) * B + b) * T + t) * NH + h) * D + u] = st[(size_t(t) * S + s) * D + u];
                        }
                    }
                    continue;
                }
                for (int u = 0; u < D; ++u) {
                    double wxu[4], rhu[4], su[4];
                    for (int g = 0; g < G; ++g) {
                        wxu[g] = wx_at(t, g, u);
                        double sum = 0;
                        for (int k = 0; k < D; ++k) sum += r_at(g, u, k) * st[size_t(t) * S * D + k];
                        rhu[g] = rh[(size_t(t) * G + g) * D + u] = sum;
                    }
                    for (int g = 0; g < Gb; ++g) bu[g] = bias.values[(size_t(g) * NH + h) * D + u];
                    for (int s = 0; s < S; ++s) su[s] = st[(size_t(t) * S + s) * D + u];
                    cell_step(p.cell, wxu, rhu, bu, su);
                    for (int s = 0; s < S; ++s) st[(size_t(t + 1) * S + s) * D + u] = su[s];
                    for (int g = 0; g < G; ++g) rh_ref[(((size_t(b) * T + t) * G + g) * NH + h) * D + u] = rhu[g];
                    for (int s = 0; s < S; ++s) states_ref[(((size_t(s) * B + b) * T + t) * NH + h) * D + u] = su[s];
                }
            }
            std::vector<double> d_state(size_t(S) * D), rec(D, 0.0);
            for (int s = 0; s < S; ++s)
                for (int u = 0; u < D; ++u) d_state[size_t(s) * D + u] = d_last.values[((size_t(s) * B + b) * NH + h) * D + u];
            for (int t = T - 1; t >= 0; --t) {
                std::vector<double> slots(size_t(Gb) * D), d_prev(size_t(S) * D);
                if (t >= length) {  // no gradient; the state gradients pass through (rec becomes R^T 0 below)
                    d_prev = d_state;
                    for (int k = 0; k < D; ++k) rec[k] = 0;
                    for (int g = 0; g < G; ++g)
                        for (int u = 0; u < D; ++u) dwx_ref[(((size_t(b) * T + t) * G + g) * NH + h) * D + u] = 0;
                    d_state = d_prev;
                    continue;
                }
                for (int u = 0; u < D; ++u) {
                    double wxu[4], rhu[4], prev[4], next[4], dnext[4], dwx[4], dslot[4], dprev[4];
                    for (int g = 0; g < G; ++g) {
                        wxu[g] = wx_at(t, g, u);
                        rhu[g] = rh[(size_t(t) * G + g) * D + u];
                    }
                    for (int g = 0; g < Gb; ++g) bu[g] = bias.values[(size_t(g) * NH + h) * D + u];
                    for (int s = 0; s < S; ++s) {
                        prev[s] = st[(size_t(t) * S + s) * D + u];
                        next[s] = st[(size_t(t + 1) * S + s) * D + u];
                        dnext[s] = d_state[size_t(s) * D + u];
                    }
                    dnext[0] += dy.values[((size_t(b) * T + t) * NH + h) * D + u];
                    if (t < T - 1 && c.truncate == 0) dnext[0] += clip(rec[u]);
                    cell_backward(p.cell, wxu, rhu, bu, prev, next, dnext, dwx, dslot, dprev);
                    for (int g = 0; g < G; ++g) dwx_ref[(((size_t(b) * T + t) * G + g) * NH + h) * D + u] = dwx[g];
                    for (int k = 0; k < Gb; ++k) {
                        slots[size_t(k) * D + u] = dslot[k];
                        dbias_ref[(size_t(k) * NH + h) * D + u] += dslot[k];
                    }
                    for (int s = 0; s < S; ++s) d_prev[size_t(s) * D + u] = dprev[s];
                }
                for (int k = 0; k < D; ++k) {
                    double sum = 0;
                    for (int g = 0; g < G; ++g) {
                        for (int u = 0; u < D; ++u) {
                            const double grad = slots[size_t(recurrent_slot(p.cell, g)) * D + u];
                            dr_ref[((size_t(g) * NH + h) * D + u) * D + k] += grad * st[size_t(t) * S * D + k];
                            sum += r_at(g, u, k) * grad;
                        }
                    }
                    rec[k] = sum;
                }
                d_state = d_prev;
            }
            for (int u = 0; u < D; ++u) {
                if (T > 0 && c.truncate == 0) d_state[u] += clip(rec[u]);
                for (int s = 0; s < S; ++s) d_initial_ref[((size_t(s) * B + b) * NH + h) * D + u] = d_state[size_t(s) * D + u];
            }
        }
    }
    if (c.accumulate != 0) {
        for (size_t i = 0; i < dwx_ref.size(); ++i) dwx_ref[i] += old_dwx.values[i];
        for (size_t i = 0; i < dr_ref.size(); ++i) dr_ref[i] += old_dr.values[i];
        for (size_t i = 0; i < dbias_ref.size(); ++i) dbias_ref[i] += old_dbias.values[i];
        for (size_t i = 0; i < d_initial_ref.size(); ++i) d_initial_ref[i] += old_d_initial.values[i];
    }

    // ---- the library
    const size_t e = bytes_of(p.dtype);
    const fr_dtype dt = static_cast<fr_dtype>(p.dtype);
    auto device = [&](const std::vector<unsigned char>& bytes) {
        DeviceBuffer buffer(context, bytes.size());
        buffer.upload(bytes);
        return buffer;
    };
    auto poisoned = [&](size_t bytes) { return std::vector<unsigned char>(bytes, 0xff); };
    std::vector<unsigned char> length_bytes(c.lengths.size() * 4 + 4);
    if (!c.lengths.empty()) std::memcpy(length_bytes.data(), c.lengths.data(), c.lengths.size() * 4);
    DeviceBuffer lengths_dev = device(length_bytes);
    const int32_t* lengths = c.lengths.empty() ? nullptr : static_cast<const int32_t*>(lengths_dev.get());
    DeviceBuffer wx_dev = device(wx.bytes), r_dev = device(r.bytes), bias_dev = device(bias.bytes),
                 initial_dev = device(initial.bytes), dy_dev = device(dy.bytes), d_last_dev = device(d_last.bytes);
    DeviceBuffer y_dev = device(poisoned(size_t(B) * T * H * e));
    const int reserved = c.states_only ? S : G + S;  // fp32 values per (sequence, step, unit)
    const int64_t reserve_count = int64_t(B) * T * H * reserved + (c.states_only ? 1 : 0);  // + the kinds' separator
    DeviceBuffer reserve_dev = device(poisoned(size_t(reserve_count) * 4));
    DeviceBuffer dwx_dev = device(c.accumulate ? old_dwx.bytes : poisoned(dwx_ref.size() * e));
    DeviceBuffer dr_dev = device(c.accumulate ? old_dr.bytes : poisoned(dr_ref.size() * e));
    DeviceBuffer dbias_dev = device(c.accumulate ? old_dbias.bytes : poisoned(dbias_ref.size() * e));
    DeviceBuffer d_initial_dev = device(c.accumulate ? old_d_initial.bytes : poisoned(d_initial_ref.size() * e));
    auto tensor = [&](DeviceBuffer& buffer, const std::vector<int64_t>& shape) { return contiguous_tensor(buffer.get(), dt, shape); };
    const fr_tensor t_wx = tensor(wx_dev, {B, T, G, NH, D}), t_r = tensor(r_dev, {G, NH, D, D}), t_bias = tensor(bias_dev, {Gb, NH, D}),
                    t_initial = tensor(initial_dev, {S, B, NH, D}), t_y = tensor(y_dev, {B, T, NH, D}),
                    t_dy = tensor(dy_dev, {B, T, NH, D}), t_d_last = tensor(d_last_dev, {S, B, NH, D}),
                    t_dwx = tensor(dwx_dev, {B, T, G, NH, D}), t_dr = tensor(dr_dev, {G, NH, D, D}),
                    t_dbias = tensor(dbias_dev, {Gb, NH, D}), t_d_initial = tensor(d_initial_dev, {S, B, NH, D});
    const fr_tensor t_reserve = contiguous_tensor(reserve_dev.get(), FR_DTYPE_FLOAT32, {reserve_count});

    std::vector<fr_define> forward_defines, backward_defines;
    const fr_plan forward = forward_plan(c, &forward_defines);
    const fr_plan backward = backward_plan(c, &backward_defines, source);
    int64_t reserve_elements = -1;
    CHECK_STATUS(c.states_only ? fr_rnn_states_reserve_size(&backward, B, T, &reserve_elements)
                               : fr_rnn_reserve_size(&backward, B, T, &reserve_elements), FR_OK);
    CHECK(reserve_elements == reserve_count);
    CHECK_STATUS(fr_rnn_forward_training(context, &forward, &t_wx, &t_r, &t_bias, &t_initial, &t_y, nullptr, nullptr, &t_reserve, lengths,
                                         nullptr), FR_OK);
    // the reserve: the forward's gate products and states in fp32
    const std::vector<double> reserve = load(reserve_dev.download<unsigned char>(size_t(B) * T * H * reserved * 4), 0);
    const long products = c.states_only ? 0 : long(rh_ref.size());
    std::vector<double> reserve_rh(reserve.begin(), reserve.begin() + products);
    for (int b = 0; b < B && !c.lengths.empty() && products > 0; ++b) {
        // past a sequence's length the products are of an h no step uses (regime-dependent): not compared
        for (int t = c.lengths[size_t(b)]; t < T; ++t)
            for (long i = 0; i < G * H; ++i) reserve_rh[(size_t(b) * T + t) * G * H + i] = rh_ref[(size_t(b) * T + t) * G * H + i] = 0;
    }
    const std::vector<double> reserve_states(reserve.begin() + products, reserve.end());
    const double forward_tolerance = p.tf32 != 0 ? 5e-3 : p.dtype == 0 ? 1e-5 : 2e-2;
    const double reserve_errors[] = {c.states_only ? 0.0 : rel_l2(reserve_rh, rh_ref), rel_l2(reserve_states, states_ref)};

    fr_rnn_backward_options options{};
    options.struct_size = sizeof options;
    options.recurrent_clip = c.clip;
    options.truncate = c.truncate;
    options.accumulate = c.accumulate;
    const bool direct = std::string(source) != "rnn_backward" || std::string(gradients_source) != "rnn_gradients";
    if (!direct) {
        CHECK_STATUS(fr_rnn_backward(context, &backward, &options, &t_wx, &t_r, &t_bias, &t_initial, &t_y, &t_reserve, &t_dy,
                                     &t_d_last, &t_dwx, &t_dr, &t_dbias, &t_d_initial, lengths, nullptr), FR_OK);
    } else {
        // a test-only source (a mutant): the fused kernel and the reductions, launched directly
        DeviceBuffer dgate(context, size_t(B) * T * Gb * H * 4), barrier(context, 8);
        barrier.upload(std::vector<unsigned char>(8, 0));
        fr_rnn_backward_args args{};
        args.wx = wx_dev.get();
        args.r = r_dev.get();
        args.bias = bias_dev.get();
        args.initial = initial_dev.get();
        args.y = y_dev.get();
        args.products = static_cast<const float*>(reserve_dev.get());  // mutant cases keep the gate products
        args.states = args.products + size_t(B) * T * H * G;
        args.dy = dy_dev.get();
        args.d_last = d_last_dev.get();
        args.dwx = dwx_dev.get();
        args.dr = dr_dev.get();
        args.dbias = dbias_dev.get();
        args.d_initial = d_initial_dev.get();
        args.dgate = static_cast<float*>(dgate.get());
        args.barrier = p.regime == kGridBarrier ? barrier.get() : nullptr;
        args.batch = B;
        args.steps = T;
        args.heads = NH;
        args.head_size = D;
        args.lengths = lengths;
        void* params[] = {&args};
        const fr_module module = load_module(context, source, backward_defines);
        if (module == nullptr) return {};
        fr_launch_config config = launch_config(1, backward.block.x);
        config.grid = backward.grid;
        config.cluster = backward.cluster;
        config.kind = backward.kind;
        config.shared_bytes = backward.shared_bytes;
        CHECK_STATUS(fr_launch(module, "fr_rnn_backward", &config, params), FR_OK);
        CHECK_STATUS(fr_module_unload(module), FR_OK);
        // then the reductions' module, in fr_rnn_backward's geometry (64 x 64 dR tiles, 32 db outputs a block)
        const fr_module gradients = load_module(context, gradients_source, gradient_defines(c));
        if (gradients == nullptr) return {};
        fr_launch_config weights = launch_config(1, 256);
        weights.grid = {unsigned((D + 63) / 64), unsigned((G * D + 63) / 64), unsigned(NH)};
        CHECK_STATUS(fr_launch(gradients, "fr_rnn_backward_weights", &weights, params), FR_OK);
        const fr_launch_config biases = launch_config(unsigned((Gb * H + 31) / 32), 256);
        CHECK_STATUS(fr_launch(gradients, "fr_rnn_backward_bias", &biases, params), FR_OK);
        CHECK_STATUS(fr_module_unload(gradients), FR_OK);
    }

    BackwardRun run;
    const auto dwx_bytes = dwx_dev.download<unsigned char>(dwx_ref.size() * e), dr_bytes = dr_dev.download<unsigned char>(dr_ref.size() * e),
               dbias_bytes = dbias_dev.download<unsigned char>(dbias_ref.size() * e),
               d_initial_bytes = d_initial_dev.download<unsigned char>(d_initial_ref.size() * e);
    for (const auto* part : {&dwx_bytes, &dr_bytes, &dbias_bytes, &d_initial_bytes}) run.bytes.insert(run.bytes.end(), part->begin(), part->end());
    const double errors[] = {rel_l2(load(dwx_bytes, p.dtype), dwx_ref), rel_l2(load(dr_bytes, p.dtype), dr_ref),
                             rel_l2(load(dbias_bytes, p.dtype), dbias_ref), rel_l2(load(d_initial_bytes, p.dtype), d_initial_ref)};
    // math.md section 7: gradients have the forward's bounds (16-bit runs also round dg_t for the recurrent product,
    // and stay well inside 2e-2)
    const double tolerance = p.tf32 != 0 ? 5e-3 : p.dtype == 0 ? 1e-5 : 2e-2;
    run.right = reserve_errors[0] <= forward_tolerance && reserve_errors[1] <= forward_tolerance &&
                std::all_of(std::begin(errors), std::end(errors), [&](double error) { return error <= tolerance; });
    if (quiet) return run;
    char tiling[128];
    if (p.alternating()) {
        std::snprintf(tiling, sizeof tiling, "alternating D %2d NH %d W %d tiles %d x %d x %d, pointwise %d", D, NH, p.warps,
                      p.tile_m, p.tile_n, p.tile_k, p.pointwise_threads);
    } else {
        std::snprintf(tiling, sizeof tiling, "%-7s D %2d NH %d Hb %d P %d W %d Ks %d Bt %2d RT %d ST %d", regime_name(p.regime), D,
                      NH, p.heads_per_block, p.blocks_per_head, p.warps, p.k_split, p.batch_tile, p.register_tiles,
                      p.shared_tiles);
    }
    std::printf("  %-5s %s %s, B %2d T %d%s%s%s%s%s%s: reserve %.1e %.1e, dWx %.1e dR %.1e db %.1e dh0 %.1e%s\n",
                cell_name(p.cell), p.tf32 != 0 ? "tf32" : dtype_name(dt), tiling, B, T,
                c.clip > 0 ? " clip" : "", c.truncate ? " truncate" : "", c.accumulate ? " accumulate" : "",
                c.states_only ? " states-only reserve" : "", c.lengths.empty() ? "" : " lengths 4 7 1",
                c.alternating_forward ? " (alternating forward)" : "", reserve_errors[0], reserve_errors[1], errors[0], errors[1],
                errors[2], errors[3], run.right ? "" : "  MISMATCH");
    return run;
}

RnnPlan backward(int cell, int dtype, int d, int heads, int hb, int warps, int ks, int bt, int rt, int st, int p = 1,
                 int regime = kSingleBlock) {
    RnnPlan plan{cell, dtype, d, heads, hb, warps, ks, bt, rt, st};
    plan.blocks_per_head = p;
    plan.regime = regime;
    return plan;
}

// Which arithmetic the dR reduction uses, per plan: two rows whose terms cancel, dgate 1 + 2^-11 then -1, y_{t-1} = 1.
// 1 + 2^-11 lies halfway between two tf32 values (rounded away from zero to 1 + 2^-10), so dR is 2^-11 with fp32 FMAs
// and 2^-10 on tensor cores; both are exact in every storage type. fp32 multiplies exactly; tf32 and bf16 plans (which
// already multiply on tensor cores in the loop) on tensor cores.
void check_reduction_arithmetic(fr_context context) {
    struct Path {
        int dtype, tf32;
        float expected;
    };
    const Path paths[] = {{0, 0, 0x1p-11f}, {0, 1, 0x1p-10f}, {1, 0, 0x1p-10f}, {2, 0, 0x1p-10f}};
    for (const Path& path : paths) {
        BackwardCase c{backward(0, path.dtype, 16, 1, 1, 4, 4, 8, 1, 0), 1, 2};
        c.plan.tf32 = path.tf32;
        const int G = 4, D = 16, S = 2;
        const size_t e = bytes_of(path.dtype);
        const fr_module module = load_module(context, "rnn_gradients", gradient_defines(c));
        if (module == nullptr) continue;
        // dgate [B = 1, T = 2, Gb, NH, D] fp32; y [1, 2, 1, D] and the initial states [S, 1, 1, D] all 1
        std::vector<float> dgate(size_t(2) * G * D, -1.0f);
        std::fill(dgate.begin(), dgate.begin() + G * D, 1.0f + 0x1p-11f);
        DeviceBuffer dgate_dev(context, dgate.size() * 4), y_dev(context, size_t(2) * D * e), initial_dev(context, size_t(S) * D * e),
            dr_dev(context, size_t(G) * D * D * e);
        dgate_dev.upload(dgate);
        const std::vector<unsigned char> ones_y = store(std::vector<double>(size_t(2) * D, 1.0), path.dtype).bytes,
                                         ones_initial = store(std::vector<double>(size_t(S) * D, 1.0), path.dtype).bytes;
        y_dev.upload(ones_y);
        initial_dev.upload(ones_initial);
        dr_dev.upload(std::vector<unsigned char>(size_t(G) * D * D * e, 0xff));
        fr_rnn_backward_args args{};
        args.y = y_dev.get();
        args.initial = initial_dev.get();
        args.dr = dr_dev.get();
        args.dgate = static_cast<float*>(dgate_dev.get());
        args.batch = 1;
        args.steps = 2;
        args.heads = 1;
        args.head_size = D;
        void* params[] = {&args};
        fr_launch_config weights = launch_config(1, 256);
        weights.grid = {1, 1, 1};  // one 64 x 64 tile: all G * D = 64 rows and D columns
        CHECK_STATUS(fr_launch(module, "fr_rnn_backward_weights", &weights, params), FR_OK);
        CHECK_STATUS(fr_module_unload(module), FR_OK);
        const std::vector<double> dr = load(dr_dev.download<unsigned char>(size_t(G) * D * D * e), path.dtype);
        const bool exact = std::all_of(dr.begin(), dr.end(), [&](double x) { return x == double(path.expected); });
        std::printf("  dR reduction, %s: every element %g (%s)\n", path.tf32 != 0 ? "tf32" : dtype_name(static_cast<fr_dtype>(path.dtype)),
                    dr.empty() ? 0.0 : dr[0], path.expected == 0x1p-11f ? "fp32 FMAs: 2^-11" : "tensor cores, tf32: 2^-10");
        CHECK(exact);
    }
}

// rnn_gradients.cu across tiles, against float64: D 72 (two column tiles of dR, five depth blocks of the gate
// products), NH 2, G * D rows over several row tiles, B * T = 21 rows (two depth blocks of dR), the bias outputs over
// 18 blocks; GRU in fp32 (FMAs; its third recurrent gate reads dgate's n_hidden slot) and LSTM in bf16 (tensor cores).
// D and NH reach these kernels as arguments only (decision 0028): no backward case has a head wider than one tile.
void check_reductions_across_tiles(fr_context context) {
    struct Run {
        int cell, dtype;
        double tolerance;
    };
    for (const Run& run : {Run{1, 0, 1e-6}, Run{0, 1, 1e-2}}) {
        const int G = gates_of(run.cell), Gb = biases_of(run.cell), S = states_of(run.cell), D = 72, NH = 2, B = 3, T = 7;
        const long rows = long(B) * T;
        const size_t e = bytes_of(run.dtype);
        std::mt19937 random(72 + run.cell);
        std::uniform_real_distribution<double> uniform(-1.0, 1.0);
        auto fill = [&](size_t n) {
            std::vector<double> v(n);
            for (double& x : v) x = uniform(random);
            return v;
        };
        std::vector<float> dgate(size_t(rows) * Gb * NH * D);
        for (float& x : dgate) x = static_cast<float>(uniform(random));
        const Stored y = store(fill(size_t(rows) * NH * D), run.dtype), initial = store(fill(size_t(S) * B * NH * D), run.dtype),
                     r = store(fill(size_t(G) * NH * D * D), run.dtype);
        // float64 reference; y_{t-1} is the initial h (state 0) at t = 0
        auto y_before = [&](long row, int head, int p) {
            const long b = row / T;
            return row % T > 0 ? y.values[(size_t(row - 1) * NH + head) * D + p] : initial.values[(size_t(b) * NH + head) * D + p];
        };
        auto slot = [&](int gate) { return run.cell == 1 && gate == 2 ? 3 : gate; };  // GRU: n reads n_hidden's slot
        std::vector<double> dr_ref(size_t(G) * NH * D * D, 0.0), db_ref(size_t(Gb) * NH * D, 0.0), products_ref(size_t(rows) * G * NH * D, 0.0);
        for (long row = 0; row < rows; ++row)
            for (int head = 0; head < NH; ++head) {
                for (int g = 0; g < G; ++g)
                    for (int d = 0; d < D; ++d) {
                        const double dg = dgate[((size_t(row) * Gb + slot(g)) * NH + head) * D + d];
                        double product = 0.0;
                        for (int p = 0; p < D; ++p) {
                            dr_ref[((size_t(g) * NH + head) * D + d) * D + p] += dg * y_before(row, head, p);
                            product += r.values[((size_t(g) * NH + head) * D + d) * D + p] * y_before(row, head, p);
                        }
                        products_ref[((size_t(row) * G + g) * NH + head) * D + d] = product;
                    }
                for (int k = 0; k < Gb; ++k)
                    for (int d = 0; d < D; ++d) db_ref[(size_t(k) * NH + head) * D + d] += dgate[((size_t(row) * Gb + k) * NH + head) * D + d];
            }
        DeviceBuffer dgate_dev(context, dgate.size() * 4), y_dev(context, y.bytes.size()), initial_dev(context, initial.bytes.size()),
            r_dev(context, r.bytes.size()), dr_dev(context, dr_ref.size() * e), db_dev(context, db_ref.size() * e),
            products_dev(context, products_ref.size() * 4);
        dgate_dev.upload(dgate);
        y_dev.upload(y.bytes);
        initial_dev.upload(initial.bytes);
        r_dev.upload(r.bytes);
        dr_dev.upload(std::vector<unsigned char>(dr_ref.size() * e, 0xff));  // poisoned: NaN wherever nothing is written
        db_dev.upload(std::vector<unsigned char>(db_ref.size() * e, 0xff));
        products_dev.upload(std::vector<unsigned char>(products_ref.size() * 4, 0xff));
        const fr_module module = load_module(context, "rnn_gradients", {{"FR_CELL", run.cell}, {"FR_DTYPE", run.dtype}});
        if (module == nullptr) continue;
        fr_rnn_backward_args args{};
        args.r = r_dev.get();
        args.y = y_dev.get();
        args.initial = initial_dev.get();
        args.products = static_cast<const float*>(products_dev.get());
        args.dr = dr_dev.get();
        args.dbias = db_dev.get();
        args.dgate = static_cast<float*>(dgate_dev.get());
        args.batch = B;
        args.steps = T;
        args.heads = NH;
        args.head_size = D;
        void* params[] = {&args};
        fr_launch_config weights = launch_config(1, 256), products = launch_config(1, 256);
        weights.grid = {unsigned((D + 63) / 64), unsigned((G * D + 63) / 64), unsigned(NH)};
        products.grid = {unsigned((G * D + 63) / 64), unsigned((rows + 63) / 64), unsigned(NH)};
        const fr_launch_config biases = launch_config(unsigned((Gb * NH * D + 31) / 32), 256);
        CHECK_STATUS(fr_launch(module, "fr_rnn_backward_weights", &weights, params), FR_OK);
        CHECK_STATUS(fr_launch(module, "fr_rnn_backward_bias", &biases, params), FR_OK);
        CHECK_STATUS(fr_launch(module, "fr_rnn_gate_products", &products, params), FR_OK);
        CHECK_STATUS(fr_module_unload(module), FR_OK);
        const std::vector<float> products_raw = products_dev.download<float>(products_ref.size());
        const double errors[] = {rel_l2(load(dr_dev.download<unsigned char>(dr_ref.size() * e), run.dtype), dr_ref),
                                 rel_l2(load(db_dev.download<unsigned char>(db_ref.size() * e), run.dtype), db_ref),
                                 rel_l2(std::vector<double>(products_raw.begin(), products_raw.end()), products_ref)};
        std::printf("  reductions across tiles, %s %s D %d NH %d B * T %ld: dR %.1e db %.1e products %.1e\n", cell_name(run.cell),
                    dtype_name(static_cast<fr_dtype>(run.dtype)), D, NH, rows, errors[0], errors[1], errors[2]);
        for (double error : errors) CHECK(error <= run.tolerance);
    }
}

std::vector<BackwardCase> backward_cases() {
    std::vector<BackwardCase> cases;
    for (int dtype : {0, 1, 2}) {
        // single block: rows = Hb * Dp units, columns G * Dp; register and shared tiles, K split, several heads per block
        cases.push_back({backward(0, dtype, 16, 2, 1, 4, 4, 8, 1, 0), 3, 7});      // LSTM: K split 4
        cases.push_back({backward(0, dtype, 10, 2, 2, 1, 1, 16, 1, 1), 11, 7});    // LSTM: D padded, 2 heads, RT + ST
        cases.push_back({backward(1, dtype, 20, 1, 1, 4, 2, 8, 1, 0), 11, 7});     // GRU: 3 gates, n_hidden slot
        cases.push_back({backward(2, dtype, 32, 1, 1, 2, 2, 8, 0, 2), 3, 7});      // sLSTM: shared tiles only
        cases.push_back({backward(3, dtype, 32, 3, 1, 2, 1, 8, 1, 0), 3, 7});      // Elman: 3 heads
        // a head split over P blocks: grid barrier and cluster
        cases.push_back({backward(0, dtype, 32, 1, 1, 2, 2, 8, 1, 0, 2, kGridBarrier), 11, 7});
        cases.push_back({backward(1, dtype, 24, 2, 1, 1, 1, 8, 1, 0, 2, kGridBarrier), 3, 7});
        cases.push_back({backward(2, dtype, 48, 1, 1, 2, 2, 8, 1, 0, 3, kCluster), 3, 7});
        cases.push_back({backward(3, dtype, 64, 2, 1, 1, 1, 8, 0, 1, 4, kCluster), 11, 7});
        // the alternating backward: tiles that cut the head's units, the batch and K = G * Dp; padded D
        cases.push_back({alternating_plan(0, dtype, 20, 2, 2, 32, 8, 16, 64), 11, 7});   // LSTM: K 128 in stages of 16
        cases.push_back({alternating_plan(1, dtype, 40, 1, 1, 16, 16, 32, 32), 3, 7});   // GRU: 3 tiles of 16 units
        cases.push_back({alternating_plan(2, dtype, 16, 3, 4, 64, 8, 16, 128), 3, 7});   // sLSTM: one tile per head
        cases.push_back({alternating_plan(3, dtype, 33, 1, 2, 16, 16, 16, 64), 11, 7});  // Elman: D 33 padded to 48
    }
    // fp32 on tensor cores in tf32, in each regime
    cases.push_back({with_tf32(backward(0, 0, 16, 2, 1, 4, 4, 8, 1, 0)), 3, 7});
    cases.push_back({with_tf32(backward(1, 0, 24, 2, 1, 1, 1, 8, 1, 0, 2, kGridBarrier)), 3, 7});
    cases.push_back({with_tf32(backward(2, 0, 48, 1, 1, 2, 2, 8, 1, 0, 3, kCluster)), 3, 7});
    // the options, one step, and the alternating forward's reserve
    BackwardCase clipped{backward(0, 0, 16, 2, 1, 4, 4, 8, 1, 0), 3, 7};
    clipped.clip = 0.02f;
    cases.push_back(clipped);
    BackwardCase truncated{backward(1, 0, 24, 2, 1, 1, 1, 8, 1, 0, 2, kGridBarrier), 3, 7};
    truncated.truncate = 1;
    cases.push_back(truncated);
    BackwardCase accumulated{backward(2, 1, 48, 1, 1, 2, 2, 8, 1, 0, 3, kCluster), 3, 7};
    accumulated.accumulate = 1;
    cases.push_back(accumulated);
    cases.push_back({backward(3, 0, 32, 3, 1, 2, 1, 8, 1, 0), 3, 1});
    BackwardCase alternating{backward(0, 1, 16, 2, 1, 4, 4, 8, 1, 0), 11, 7};
    alternating.alternating_forward = true;
    cases.push_back(alternating);
    BackwardCase clipped_alternating{alternating_plan(0, 0, 20, 2, 2, 32, 8, 16, 64), 3, 7};
    clipped_alternating.clip = 0.02f;
    cases.push_back(clipped_alternating);
    BackwardCase truncated_alternating{alternating_plan(1, 0, 40, 1, 1, 16, 16, 32, 32), 3, 7};
    truncated_alternating.truncate = 1;
    truncated_alternating.accumulate = 1;
    cases.push_back(truncated_alternating);
    // the recompute reserve (states only) in each regime and on the alternating path
    for (BackwardCase recomputed : {BackwardCase{backward(0, 0, 16, 2, 1, 4, 4, 8, 1, 0), 3, 7},
                                    BackwardCase{backward(1, 1, 24, 2, 1, 1, 1, 8, 1, 0, 2, kGridBarrier), 11, 7},
                                    BackwardCase{backward(2, 2, 48, 1, 1, 2, 2, 8, 1, 0, 3, kCluster), 3, 7},
                                    BackwardCase{alternating_plan(3, 0, 33, 1, 2, 16, 16, 16, 64), 11, 7}}) {
        recomputed.states_only = true;
        cases.push_back(recomputed);
    }
    // variable lengths (unsorted, one of them T, one 1) masked in every regime, the recompute, the options, and the
    // alternating forward's reserve
    const std::vector<int32_t> lengths = {4, 7, 1};
    std::vector<BackwardCase> masked = {
        {backward(0, 0, 16, 2, 1, 4, 4, 8, 1, 0), 3, 7},
        {backward(3, 1, 32, 3, 1, 2, 1, 8, 1, 0), 3, 7},
        {backward(1, 0, 24, 2, 1, 1, 1, 8, 1, 0, 2, kGridBarrier), 3, 7},
        {backward(2, 0, 48, 1, 1, 2, 2, 8, 1, 0, 3, kCluster), 3, 7},
        {alternating_plan(0, 0, 20, 2, 2, 32, 8, 16, 64), 3, 7},
        {alternating_plan(1, 0, 40, 1, 1, 16, 16, 32, 32), 3, 7},
        {alternating_plan(2, 2, 16, 3, 4, 64, 8, 16, 128), 3, 7},
        {alternating_plan(3, 0, 33, 1, 2, 16, 16, 16, 64), 3, 7},
    };
    masked.push_back({backward(0, 0, 16, 2, 1, 4, 4, 8, 1, 0), 3, 7});
    masked.back().states_only = true;
    masked.push_back({backward(0, 0, 16, 2, 1, 4, 4, 8, 1, 0), 3, 7});
    masked.back().clip = 0.02f;
    masked.back().accumulate = 1;
    masked.push_back({backward(1, 0, 20, 1, 1, 4, 2, 8, 1, 0), 3, 7});
    masked.back().alternating_forward = true;
    for (BackwardCase& m : masked) {
        m.lengths = lengths;
        cases.push_back(m);
    }
    // the grid regime's reload of dg_t one value at a time: D 18 is no multiple of 4 (the cases above reload 16 bytes)
    cases.push_back({backward(3, 0, 18, 1, 1, 1, 1, 8, 1, 0, 2, kGridBarrier), 11, 7});
    cases.push_back({backward(3, 1, 18, 1, 1, 1, 1, 8, 1, 0, 2, kGridBarrier), 11, 7});
    return cases;
}

// Bad input is named, never run.
void check_backward_arguments(fr_context context) {
    BackwardCase c{backward(0, 0, 16, 1, 1, 4, 4, 8, 1, 0), 3, 2};
    std::vector<fr_define> defines;
    const fr_plan plan = backward_plan(c, &defines);
    const int B = 3, T = 2, G = 4, NH = 1, D = 16;
    DeviceBuffer buffer(context, 64 * 1024);
    size_t used = 0;  // each tensor in memory of its own (outputs sharing memory are refused: checked at the end)
    auto tensor = [&](const std::vector<int64_t>& shape) {
        const fr_tensor t = contiguous_tensor(static_cast<unsigned char*>(buffer.get()) + used, FR_DTYPE_FLOAT32, shape);
        int64_t count = 1;
        for (int64_t extent : shape) count *= extent;
        used += (size_t(count) * 4 + 255) / 256 * 256;
        return t;
    };
    const fr_tensor wx = tensor({B, T, G, NH, D}), r = tensor({G, NH, D, D}), bias = tensor({4, NH, D}), y = tensor({B, T, NH, D}),
                    reserve = tensor({int64_t(B) * T * NH * D * 6}), dwx = tensor({B, T, G, NH, D}), dr = tensor({G, NH, D, D}),
                    dbias = tensor({4, NH, D}), dy = tensor({B, T, NH, D}), d_initial = tensor({2, B, NH, D});
    CHECK(used <= 64 * 1024);
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, nullptr, &dy, nullptr, &dwx, &dr, &dbias,
                                nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "reserve: expected the training forward's reserve");
    fr_tensor short_reserve = reserve;
    short_reserve.shape[0] -= 1;
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &short_reserve, &dy, nullptr, &dwx, &dr,
                                &dbias, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "reserve: expected shape");
    // a full reserve of one sequence (B T NH D (G + S) = 192) is not taken for the states-only reserve of three
    // (B T NH D S + 1 = 193: the extra element keeps the kinds apart; without it the backward read it as one)
    int64_t states_only = 0;
    CHECK_STATUS(fr_rnn_states_reserve_size(&plan, B, T, &states_only), FR_OK);
    CHECK(states_only == int64_t(B) * T * NH * D * 2 + 1);
    fr_tensor one_sequence_reserve = reserve;
    one_sequence_reserve.shape[0] = int64_t(1) * T * NH * D * 6;
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &one_sequence_reserve, &dy, nullptr, &dwx,
                                &dr, &dbias, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "reserve: expected shape [576] (B * T * NH * D * (G + S)");
    fr_tensor half_reserve = reserve;
    half_reserve.dtype = FR_DTYPE_BFLOAT16;
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &half_reserve, &dy, nullptr, &dwx, &dr,
                                &dbias, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "reserve.dtype: expected float32");
    fr_tensor wrong_dr = dr;
    wrong_dr.shape[3] = D + 1;
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &wrong_dr,
                                &dbias, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "dr: expected shape");
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, nullptr, nullptr, &dwx, &dr,
                                &dbias, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "dy: expected a tensor");
    const int32_t* odd_lengths = reinterpret_cast<const int32_t*>(static_cast<unsigned char*>(buffer.get()) + 2);
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr,
                                &dbias, nullptr, odd_lengths, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "lengths: expected NULL or 4-byte aligned");
    fr_rnn_backward_options options{};
    options.struct_size = sizeof options;
    options.recurrent_clip = -1.0f;
    CHECK_FAILS(fr_rnn_backward(context, &plan, &options, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr, &dbias,
                                nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "options.recurrent_clip");
    options.recurrent_clip = 0.0f;
    options.truncate = 2;
    CHECK_FAILS(fr_rnn_backward(context, &plan, &options, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr, &dbias,
                                nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "options.truncate");
    options.truncate = 0;
    options.struct_size = 4;
    CHECK_FAILS(fr_rnn_backward(context, &plan, &options, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr, &dbias,
                                nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "options.struct_size");
    // a forward plan is not a backward plan, and the other way round
    std::vector<fr_define> forward_defines;
    const fr_plan forward = forward_plan(c, &forward_defines);
    CHECK_FAILS(fr_rnn_backward(context, &forward, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr,
                                &dbias, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "plan.source_name: expected \"rnn_backward\"");
    fr_plan mislabelled = plan;
    mislabelled.source_name = "rnn_forward";
    CHECK_FAILS(fr_rnn_forward(context, &mislabelled, &wx, &r, &bias, nullptr, &y, nullptr, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "FR_BACKWARD = 1 is a backward plan");
    CHECK_FAILS(fr_rnn_forward_training(context, &forward, &wx, &r, &bias, nullptr, &y, nullptr, nullptr, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "reserve: expected a tensor");
    fr_plan shifted = plan;
    shifted.grid.z += 1;
    CHECK_FAILS(fr_rnn_backward(context, &shifted, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr,
                                &dbias, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "plan.grid");
    // streamed R tiles are the forward's only (decision 0023)
    fr_plan streamed = plan;
    streamed.defines[streamed.define_count++] = fr_define{"FR_STREAMED_ROW_TILES", 1};
    CHECK_FAILS(fr_rnn_backward(context, &streamed, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr,
                                &dbias, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "FR_STREAMED_ROW_TILES = 1; the backward keeps all of R^T on chip");
    fr_plan small = plan;
    small.shared_bytes = 16;
    CHECK_FAILS(fr_rnn_backward(context, &small, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr,
                                &dbias, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "plan.shared_bytes");
    // An output in memory another tensor of the call uses: refused, both named (the kernels would read what other
    // blocks already overwrote). In place (dwx = wx), an output inside an input (d_initial_states in the reserve), two
    // outputs meeting (dbias over the end of dr), the forward's outputs over its inputs and each other.
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &wx, &dr, &dbias,
                                nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "dwx: expected memory of its own (an output shares no byte with another tensor of the call), got bytes");
    CHECK(error_contains("overlapping wx's"));
    fr_tensor inside_reserve = d_initial;
    inside_reserve.data = static_cast<unsigned char*>(reserve.data) + 64;
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr, &dbias,
                                &inside_reserve, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "d_initial_states: expected memory of its own");
    CHECK(error_contains("overlapping reserve's"));
    fr_tensor over_dr = dbias;
    over_dr.data = static_cast<unsigned char*>(dr.data) + size_t(G) * NH * D * D * 4 - 4;  // its first element on dr's last
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr, &over_dr,
                                nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "dr: expected memory of its own");
    CHECK(error_contains("overlapping dbias's"));
    fr_tensor next_to_dr = dbias;
    next_to_dr.data = static_cast<unsigned char*>(dr.data) + size_t(G) * NH * D * D * 4;  // adjacent, not overlapping
    CHECK_STATUS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr,
                                 &next_to_dr, &d_initial, nullptr, nullptr),
                 FR_OK);
    fr_tensor y_over_wx = y;
    y_over_wx.data = wx.data;
    CHECK_FAILS(fr_rnn_forward(context, &forward, &wx, &r, &bias, nullptr, &y_over_wx, nullptr, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "y: expected memory of its own");
    CHECK(error_contains("overlapping wx's"));
    fr_tensor reserve_over_y = reserve;
    reserve_over_y.data = y.data;
    CHECK_FAILS(fr_rnn_forward_training(context, &forward, &wx, &r, &bias, nullptr, &y, nullptr, nullptr, &reserve_over_y, nullptr,
                                        nullptr),
                FR_ERROR_INVALID_ARGUMENT, "y: expected memory of its own");
    CHECK(error_contains("overlapping reserve's"));
    // the lengths (device int32 [B]) the kernels read at every step, inside an output
    const int32_t* lengths_in_y = static_cast<const int32_t*>(y.data) + 8;
    CHECK_FAILS(fr_rnn_forward(context, &forward, &wx, &r, &bias, nullptr, &y, nullptr, nullptr, lengths_in_y, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "y: expected memory of its own");
    CHECK(error_contains("overlapping lengths's"));
    const int32_t* lengths_in_dwx = static_cast<const int32_t*>(dwx.data);
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr, &dbias,
                                nullptr, lengths_in_dwx, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "dwx: expected memory of its own");
    CHECK(error_contains("overlapping lengths's"));
    // the alternating forward checks the same
    BackwardCase alternating_case = c;
    alternating_case.alternating_forward = true;
    std::vector<fr_define> alternating_defines;
    const fr_plan alternating = forward_plan(alternating_case, &alternating_defines);
    CHECK(std::string(alternating.source_name) == "rnn_alternating");
    CHECK_FAILS(fr_rnn_forward(context, &alternating, &wx, &r, &bias, nullptr, &y_over_wx, nullptr, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "y: expected memory of its own");
    CHECK(error_contains("overlapping wx's"));
    int64_t packed_elements = 0;
    CHECK_STATUS(fr_rnn_packed_recurrent_size(&forward, &packed_elements), FR_OK);
    const fr_tensor packed_over_r = contiguous_tensor(r.data, FR_DTYPE_FLOAT32, {packed_elements});
    CHECK_FAILS(fr_rnn_pack_recurrent(context, &forward, &r, &packed_over_r, nullptr), FR_ERROR_INVALID_ARGUMENT,
                "packed: expected memory of its own");
    CHECK(error_contains("overlapping r's"));
    // A tensor or array that starts in an fr_malloc block and runs past its end: on the emulator the kernel would read
    // or write the process's heap (on a GPU the driver faults), so each operation refuses it, naming it. The last
    // 64 bytes of the buffer hold 16 floats; every tensor here needs more. Exactly at the end still runs.
    unsigned char* const end = static_cast<unsigned char*>(buffer.get()) + 64 * 1024;
    const auto at_end = [&](fr_tensor t, size_t bytes_left) {
        t.data = end - bytes_left;
        return t;
    };
    const char* const past_block = "expected its elements inside the fr_malloc block of 65536 bytes";
    const fr_tensor dwx_past = at_end(dwx, 64), y_past = at_end(y, 64), wx_past = at_end(wx, 64), r_past = at_end(r, 64);
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx_past, &dr,
                                &dbias, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, (std::string("dwx: ") + past_block).c_str());
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx_past, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr,
                                &dbias, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, (std::string("wx: ") + past_block).c_str());
    CHECK_FAILS(fr_rnn_forward(context, &forward, &wx, &r, &bias, nullptr, &y_past, nullptr, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, (std::string("y: ") + past_block).c_str());
    CHECK_FAILS(fr_rnn_forward(context, &alternating, &wx, &r, &bias, nullptr, &y_past, nullptr, nullptr, nullptr, nullptr),
                FR_ERROR_INVALID_ARGUMENT, (std::string("y: ") + past_block).c_str());
    CHECK_FAILS(fr_rnn_pack_recurrent(context, &forward, &r_past, &packed_over_r, nullptr), FR_ERROR_INVALID_ARGUMENT,
                (std::string("r: ") + past_block).c_str());
    const int32_t* const lengths_past = reinterpret_cast<const int32_t*>(end - 8);  // B = 3 lengths need 12 bytes
    CHECK_FAILS(fr_rnn_forward(context, &forward, &wx, &r, &bias, nullptr, &y, nullptr, nullptr, lengths_past, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "lengths: expected 12 bytes inside the fr_malloc block of 65536 bytes");
    CHECK_FAILS(fr_rnn_backward(context, &plan, nullptr, &wx, &r, &bias, nullptr, &y, &reserve, &dy, nullptr, &dwx, &dr, &dbias,
                                nullptr, lengths_past, nullptr),
                FR_ERROR_INVALID_ARGUMENT, "lengths: expected 12 bytes inside");
    // y ending exactly at the block's end is inside it
    const fr_tensor y_last = at_end(y, size_t(B) * T * NH * D * 4);
    CHECK_STATUS(fr_rnn_forward(context, &forward, &wx, &r, &bias, nullptr, &y_last, nullptr, nullptr, nullptr, nullptr), FR_OK);
    int64_t elements = 0;
    CHECK_FAILS(fr_rnn_reserve_size(&plan, -1, 2, &elements), FR_ERROR_INVALID_ARGUMENT, "batch, steps");
    CHECK_FAILS(fr_rnn_reserve_size(&plan, 1, 2, nullptr), FR_ERROR_INVALID_ARGUMENT, "elements");
}

}  // namespace

// The plans the backward cases call with (training forward and backward, with their lengths flags): case_modules.cpp
// compiles their modules ahead.
void backward_case_calls(bool clusters, std::vector<std::pair<fr_plan, int>>* plans) {
    for (const BackwardCase& c : backward_cases()) {
        if (c.plan.regime == kCluster && !clusters) continue;
        std::vector<fr_define> forward_defines, backward_defines;
        const int lengths = c.lengths.empty() ? 0 : 1;
        plans->push_back({forward_plan(c, &forward_defines), lengths});
        plans->push_back({backward_plan(c, &backward_defines), lengths});
    }
}

// The backward cases on any context (a GPU: native_gpu), each run twice: returns the cases that differ from the float64
// reference; *differing counts the cases whose two runs differ in any bit (the backward is deterministic).
int rnn_backward_case_failures(fr_context context, bool clusters, int* differing) {
    int failed = 0;
    *differing = 0;
    for (const BackwardCase& c : backward_cases()) {
        if (c.plan.regime == kCluster && !clusters) continue;  // thread-block clusters need sm_90
        const BackwardRun first = run_case(context, c);
        const BackwardRun second = run_case(context, c, "rnn_backward", true);
        if (!first.right) ++failed;
        if (first.bytes != second.bytes) ++*differing;
    }
    return failed;
}

// fr_plan_prepare loads every module a call loads into the context's cache (the forward's; the backward's and its
// reductions'), so the calls that follow load nothing more; arguments are checked as the calls check them.
void check_prepare(const char* cache_dir) {
    fr_emulation_options options{};
    options.struct_size = sizeof options;
    options.cache_dir = cache_dir;
    fr_context context = nullptr;
    CHECK_STATUS(fr_emulation_context_create(&options, &context), FR_OK);
    if (context == nullptr) return;
    const BackwardCase c{backward(0, 0, 16, 1, 1, 4, 4, 8, 1, 0), 3, 4};
    std::vector<fr_define> forward_defines, backward_defines;
    const fr_plan forward = forward_plan(c, &forward_defines), backward_ = backward_plan(c, &backward_defines);
    auto loaded = [&] {
        std::lock_guard<std::mutex> lock(context->modules_mutex);
        return context->modules.size();
    };
    CHECK(loaded() == 0);
    CHECK_STATUS(fr_plan_prepare(context, &backward_, 0), FR_OK);
    CHECK(loaded() == 2);  // rnn_backward and rnn_gradients
    CHECK_STATUS(fr_plan_prepare(context, &backward_, 0), FR_OK);
    CHECK(loaded() == 2);  // once
    CHECK_STATUS(fr_plan_prepare(context, &forward, 0), FR_OK);
    CHECK(loaded() == 3);
    CHECK(run_case(context, c).right);
    CHECK(loaded() == 3);  // the training forward and the backward found theirs
    CHECK_FAILS(fr_plan_prepare(nullptr, &forward, 0), FR_ERROR_INVALID_ARGUMENT, "context");
    CHECK_FAILS(fr_plan_prepare(context, nullptr, 0), FR_ERROR_INVALID_ARGUMENT, "plan: expected a plan");
    CHECK_FAILS(fr_plan_prepare(context, &forward, 3), FR_ERROR_INVALID_ARGUMENT, "lengths: expected 0 or 1, got 3.");
    CHECK_STATUS(fr_plan_prepare(context, &forward, 1), FR_OK);  // the FR_LENGTHS build: a module of its own
    CHECK(loaded() == 4);
    // the alternating fallback: its forward, its backward and the same reductions (FR_TF32 never), lengths or not
    BackwardCase alt{alternating_plan(0, 0, 16, 1, 1, 32, 8, 16, 64), 3, 4};
    alt.alternating_forward = true;
    std::vector<fr_define> alt_forward_defines, alt_backward_defines;
    const fr_plan alt_forward = forward_plan(alt, &alt_forward_defines), alt_backward = backward_plan(alt, &alt_backward_defines);
    int count = 0;
    CHECK_STATUS(fr_plan_module_count(&alt_forward, 1, &count), FR_OK);
    CHECK(count == 1);
    CHECK_STATUS(fr_plan_module_count(&alt_backward, 1, &count), FR_OK);
    CHECK(count == 2);
    CHECK_STATUS(fr_plan_prepare(context, &alt_forward, 0), FR_OK);
    CHECK_STATUS(fr_plan_prepare(context, &alt_backward, 1), FR_OK);  // lengths: the same builds
    CHECK(loaded() == 6);  // rnn_alternating twice (FR_BACKWARD 0 and 1); the fp32 LSTM reductions were loaded
    CHECK(run_case(context, alt).right);
    CHECK(loaded() == 6);
    CHECK_STATUS(fr_context_destroy(context), FR_OK);
}

int run_emulation_rnn_backward_tests() {
    char compiler[512];
    if (fr_emulation_compiler(compiler, sizeof compiler) != FR_OK) {
        std::printf("skipped: %s\n", fr_last_error());
        return kSkip;
    }
    TempDir cache;
    fr_emulation_options options{};
    options.struct_size = sizeof options;
    options.cache_dir = cache.path().c_str();
    fr_context context = nullptr;
    CHECK_STATUS(fr_emulation_context_create(&options, &context), FR_OK);
    if (context == nullptr) return 0;

    check_backward_arguments(context);
    check_prepare(cache.path().c_str());
    check_reduction_arithmetic(context);
    check_reductions_across_tiles(context);

    // every case in order, then under two seeded random thread orders: right each time, and the same bits each time
    const std::vector<BackwardCase> cases = backward_cases();
    int failed = 0, runs = 0, differing = 0;
    std::vector<std::vector<unsigned char>> first(cases.size());
    const uint64_t seeds[] = {0, 41, 20261128};
    for (int schedule = 0; schedule < 3; ++schedule) {
        CHECK_STATUS(fr_emulation_configure(context, schedule == 0 ? FR_SCHEDULE_IN_ORDER : FR_SCHEDULE_RANDOM, seeds[schedule]),
                     FR_OK);
        for (size_t i = 0; i < cases.size(); ++i) {
            const BackwardRun run = run_case(context, cases[i]);
            ++runs;
            if (!run.right) ++failed;
            if (schedule == 0) first[i] = run.bytes;
            else if (run.bytes != first[i]) ++differing;
        }
    }
    std::printf("  rnn_backward.cu on the emulator: %d of %d runs differ from the float64 reference; %d random-order runs "
                "differ in any bit from the in-order run\n", failed, runs, differing);
    CHECK(cases.size() == 66);
    // the options change the result: clipping (case 42) and truncation (43) against the same plans without them (0, 6)
    CHECK(first[42] != first[0]);
    CHECK(first[43] != first[6]);
    CHECK(runs == 3 * 66);
    CHECK(failed == 0);
    CHECK(differing == 0);

    // Deleting any barrier of the step makes the gradients differ from the reference, in each regime.
    struct Mutant {
        const char* barrier;
        BackwardCase c;
    };
    const BackwardCase single{backward(0, 0, 16, 2, 1, 4, 4, 8, 1, 0), 3, 7};
    const BackwardCase grid{backward(0, 0, 32, 1, 1, 2, 2, 8, 1, 0, 2, kGridBarrier), 3, 7};
    const BackwardCase clustered{backward(0, 0, 32, 1, 1, 2, 2, 8, 1, 0, 2, kCluster), 3, 7};
    const Mutant mutants[] = {
        {"fr_syncthreads(); /* barrier 1: dg_t complete, pre consumed */", single},
        {"fr_syncthreads(); /* barrier 3: pre complete, dg_t consumed */", single},
        {"fr_grid_sync((fr_grid_barrier_state*)a.barrier); /* barrier 1: every block's dgate_t written */", grid},
        {"fr_syncthreads(); /* barrier 2: dg_t reloaded, pre consumed */", grid},
        {"fr_cluster_sync(); /* barrier 1: dg_t complete in every block of the cluster, pre consumed */", clustered},
        {"fr_cluster_sync(); /* barrier 3: pre complete, and no block still reads dg_t when the next step writes */", clustered},
    };
    // a mutant's run in order and under a random schedule: how many differ from the reference (each must)
    auto schedules_differing = [&](const BackwardCase& c, const char* backward_source, const char* gradients_source) {
        int differing = 0;
        for (int schedule = 0; schedule < 2; ++schedule) {
            CHECK_STATUS(fr_emulation_configure(context, schedule == 0 ? FR_SCHEDULE_IN_ORDER : FR_SCHEDULE_RANDOM, 5), FR_OK);
            const int before = failures();
            if (!run_case(context, c, backward_source, true, gradients_source).right) ++differing;
            failures() = before;
        }
        return differing;
    };
    int index = 0;
    for (const Mutant& mutant : mutants) {
        ++index;
        const std::string name = "rnn_backward_mutant_" + std::to_string(index);
        const bool registered = register_mutant("rnn_backward", mutant.barrier, name);
        CHECK(registered);
        if (!registered) continue;
        const int caught = schedules_differing(mutant.c, name.c_str(), "rnn_gradients");
        std::printf("  %s regime without \"%.40s...\": %d of 2 schedules differ from the reference\n",
                    regime_name(mutant.c.plan.regime), mutant.barrier, caught);
        CHECK(caught == 2);
    }

    // The same for the reductions after the loop (kernels/rnn_gradients.cu): dR on FMAs (fp32) and on tensor cores
    // (bf16), db. B * T = 21 rows: two staged depth blocks of 16, and rows for every warp of the bias kernel. Not on
    // tensor cores without "block consumed": each mma is a warp operation, where the emulator switches fibers, so every
    // warp has read its last fragments before any warp restages (a GPU gives no such order); the FMA path checks it.
    const BackwardCase tensor_cores{backward(0, 1, 16, 2, 1, 4, 4, 8, 1, 0), 3, 7};
    const Mutant reduction_mutants[] = {
        {"fr_syncthreads(); /* block staged */", single},
        {"fr_syncthreads(); /* block consumed */", single},
        {"fr_syncthreads(); /* block staged */", tensor_cores},
        {"fr_syncthreads(); /* every warp's sums written */", single},
    };
    for (const Mutant& mutant : reduction_mutants) {
        ++index;
        const std::string name = "rnn_gradients_mutant_" + std::to_string(index);
        const bool registered = register_mutant("rnn_gradients", mutant.barrier, name);
        CHECK(registered);
        if (!registered) continue;
        const int caught = schedules_differing(mutant.c, "rnn_backward", name.c_str());
        std::printf("  reductions (%s) without \"%s\": %d of 2 schedules differ from the reference\n",
                    mutant.c.plan.dtype == 0 ? "fp32, FMAs" : "bf16, tensor cores", mutant.barrier, caught);
        CHECK(caught == 2);
    }
    CHECK_STATUS(fr_context_destroy(context), FR_OK);
    return 0;
}

}  // namespace frtest
