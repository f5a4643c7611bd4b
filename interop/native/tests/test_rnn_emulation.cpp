// test_rnn_emulation.cpp: kernels/rnn_forward.cu (the fused forward) on the CPU emulator, in each regime (single block,
// thread-block cluster, grid barrier), launched with plan constants of the shapes the planner produces (register and
// shared R tiles, K split, several heads per block, a head split over blocks, batch tiles with masking, padded head
// sizes), for every cell and storage type, in order and under random schedules, against a float64 reference; outputs
// poisoned first. Group: emulation_rnn.
#include "device_checks.h"
#include "rnn_case_support.h"
#include "rnn_plans.h"
#include "test_support.h"

#include "fr_rnn_args.h"
#include "kernel_sources.h"
#include "packed_recurrent_registry.h"
#include "rnn_plan_checks.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace frtest {
namespace {

// packed_r: a fused plan's R goes through fr_rnn_pack_recurrent first and fr_rnn_forward reads the packed layout.
// lengths: each sequence's own length (empty: all steps); past it the reference holds the states and y is 0.
bool check_forward(fr_context context, const RnnPlan& p, int batch, int steps, const char* source = "rnn_forward",
                   bool quiet = false, bool packed_r = false, const std::vector<int32_t>& lengths = {}) {
    const int G = gates_of(p.cell), Gb = biases_of(p.cell), S = states_of(p.cell), D = p.d, NH = p.heads;
    const int dp = (D + 15) / 16 * 16;
    const long H = long(NH) * D;
    std::mt19937 random(100 + p.cell * 7 + p.dtype * 3 + D + batch);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    auto fill = [&](size_t n, double scale) {
        std::vector<double> v(n);
        for (double& x : v) x = uniform(random) * scale;
        return v;
    };
    const double scale = 1.0 / std::sqrt(double(D));
    const Stored wx = store(fill(size_t(batch) * steps * G * H, 1.0), p.dtype);
    const Stored r = store(fill(size_t(G) * NH * D * D, scale), p.dtype);
    const Stored bias = store(fill(size_t(Gb) * H, scale), p.dtype);
    std::vector<double> initial_values = fill(size_t(S) * batch * H, 0.5);
    if (p.cell == 2) {  // sLSTM: n >= 0, m finite; zero states are the common start
        for (double& x : initial_values) x = 0;
    }
    const Stored initial = store(initial_values, p.dtype);

    // reference
    std::vector<double> y_ref(size_t(batch) * steps * H), all_ref(size_t(S) * batch * steps * H), last_ref(size_t(S) * batch * H);
    for (int b = 0; b < batch; ++b) {
        for (int h = 0; h < NH; ++h) {
            std::vector<double> st(size_t(S) * D);
            for (int s = 0; s < S; ++s)
                for (int u = 0; u < D; ++u) st[s * D + u] = initial.values[((size_t(s) * batch + b) * NH + h) * D + u];
            for (int t = 0; t < steps; ++t) {
                if (!lengths.empty() && t >= lengths[size_t(b)]) {
                    for (int u = 0; u < D; ++u) {
                        y_ref[((size_t(b) * steps + t) * NH + h) * D + u] = 0;
                        for (int s = 0; s < S; ++s) all_ref[(((size_t(s) * batch + b) * steps + t) * NH + h) * D + u] = st[s * D + u];
                    }
                    continue;
                }
                std::vector<double> y_prev(st.begin(), st.begin() + D);
                for (int u = 0; u < D; ++u) {
                    double wxu[4], rhu[4], bu[4], su[4];
                    for (int g = 0; g < G; ++g) {
                        wxu[g] = wx.values[(((size_t(b) * steps + t) * G + g) * NH + h) * D + u];
                        double sum = 0;
                        for (int k = 0; k < D; ++k) sum += r.values[((size_t(g) * NH + h) * D + u) * D + k] * y_prev[k];
                        rhu[g] = sum;
                    }
                    for (int g = 0; g < Gb; ++g) bu[g] = bias.values[(size_t(g) * NH + h) * D + u];
                    for (int s = 0; s < S; ++s) su[s] = st[s * D + u];
                    cell_step(p.cell, wxu, rhu, bu, su);
                    for (int s = 0; s < S; ++s) st[s * D + u] = su[s];
                }
                for (int u = 0; u < D; ++u) {
                    y_ref[((size_t(b) * steps + t) * NH + h) * D + u] = st[u];
                    for (int s = 0; s < S; ++s) all_ref[(((size_t(s) * batch + b) * steps + t) * NH + h) * D + u] = st[s * D + u];
                }
            }
            for (int s = 0; s < S; ++s)
                for (int u = 0; u < D; ++u) last_ref[((size_t(s) * batch + b) * NH + h) * D + u] = st[s * D + u];
        }
    }

    const size_t e = bytes_of(p.dtype);
    DeviceBuffer wx_dev(context, wx.bytes.size()), r_dev(context, r.bytes.size()), bias_dev(context, bias.bytes.size()),
        initial_dev(context, initial.bytes.size()), y_dev(context, y_ref.size() * e), all_dev(context, all_ref.size() * e),
        last_dev(context, last_ref.size() * e);
    wx_dev.upload(wx.bytes);
    r_dev.upload(r.bytes);
    bias_dev.upload(bias.bytes);
    initial_dev.upload(initial.bytes);
    y_dev.upload(std::vector<unsigned char>(y_ref.size() * e, 0xff));
    all_dev.upload(std::vector<unsigned char>(all_ref.size() * e, 0xff));
    last_dev.upload(std::vector<unsigned char>(last_ref.size() * e, 0xff));
    DeviceBuffer lengths_dev(context, lengths.size() * 4 + 8);
    if (!lengths.empty()) lengths_dev.upload(std::vector<int32_t>(lengths));
    const int32_t* lengths_ptr = lengths.empty() ? nullptr : static_cast<const int32_t*>(lengths_dev.get());

    std::vector<fr_define> defines;
    const fr_plan plan = rnn_forward_plan(p, batch, &defines);

    fr_rnn_args args{};
    args.wx = wx_dev.get();
    args.r = r_dev.get();
    args.bias = bias_dev.get();
    args.initial = initial_dev.get();
    args.y = y_dev.get();
    args.all_states = all_dev.get();
    args.last_states = last_dev.get();
    args.batch = batch;
    args.steps = steps;
    args.heads = NH;
    args.head_size = D;
    args.lengths = lengths_ptr;
    void* params[] = {&args};
    if (std::string(source) == "rnn_forward") {
        // the C ABI operation: validation, plan checks, module cache, launch
        const fr_dtype dt = static_cast<fr_dtype>(p.dtype);
        auto tensor = [&](void* data, const std::vector<int64_t>& shape) { return contiguous_tensor(data, dt, shape); };
        const fr_tensor t_wx = tensor(wx_dev.get(), {batch, steps, G, NH, D}), t_r = tensor(r_dev.get(), {G, NH, D, D}),
                        t_bias = tensor(bias_dev.get(), {Gb, NH, D}), t_initial = tensor(initial_dev.get(), {S, batch, NH, D}),
                        t_y = tensor(y_dev.get(), {batch, steps, NH, D}), t_all = tensor(all_dev.get(), {S, batch, steps, NH, D}),
                        t_last = tensor(last_dev.get(), {S, batch, NH, D});
        if (packed_r && !p.alternating()) {
            int64_t elements = 0;
            CHECK_STATUS(fr_rnn_packed_recurrent_size(&plan, &elements), FR_OK);
            DeviceBuffer packed(context, size_t(elements) * e);
            packed.upload(std::vector<unsigned char>(size_t(elements) * e, 0xff));
            const fr_tensor t_packed = tensor(packed.get(), {elements});
            CHECK_STATUS(fr_rnn_pack_recurrent(context, &plan, &t_r, &t_packed, nullptr), FR_OK);
            CHECK_STATUS(fr_rnn_forward(context, &plan, &t_wx, &t_packed, &t_bias, &t_initial, &t_y, &t_all, &t_last, lengths_ptr, nullptr),
                         FR_OK);
            if (batch == 3 && p.cell == 0 && p.dtype == 0 && p.d == 16) {
                fr_tensor short_packed = t_packed;
                short_packed.shape[0] = elements - 1;
                CHECK_FAILS(fr_rnn_forward(context, &plan, &t_wx, &short_packed, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                            FR_ERROR_INVALID_ARGUMENT, "r: expected shape");
                CHECK_FAILS(fr_rnn_pack_recurrent(context, &plan, &t_packed, &t_packed, nullptr), FR_ERROR_INVALID_ARGUMENT,
                            "r.rank: expected 4");
                fr_tensor shifted_packed = t_packed;
                shifted_packed.data = static_cast<unsigned char*>(packed.get()) + 4;
                shifted_packed.shape[0] = elements - 1;
                CHECK_FAILS(fr_rnn_forward(context, &plan, &t_wx, &shifted_packed, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                            FR_ERROR_INVALID_ARGUMENT, "r: expected shape");  // the size is checked first
                shifted_packed.shape[0] = elements;
                CHECK_FAILS(fr_rnn_forward(context, &plan, &t_wx, &shifted_packed, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                            FR_ERROR_INVALID_ARGUMENT, "16-byte alignment");
                // a rank-1 r is taken only where fr_rnn_pack_recurrent last wrote it, in the call's plan's layout
                DeviceBuffer never_packed(context, size_t(elements) * e);
                const fr_tensor t_never_packed = tensor(never_packed.get(), {elements});
                CHECK_FAILS(fr_rnn_forward(context, &plan, &t_wx, &t_never_packed, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                            FR_ERROR_INVALID_ARGUMENT, "r: a rank-1 (packed) R must be what fr_rnn_pack_recurrent last wrote");
                fr_plan tf32 = plan;  // the same element count, R rounded to tf32 in the fragments or not: another layout
                for (int i = 0; i < tf32.define_count; ++i) {
                    if (std::string(tf32.defines[i].name) == "FR_TF32") tf32.defines[i].value = 1 - tf32.defines[i].value;
                }
                CHECK_FAILS(fr_rnn_forward(context, &tf32, &t_wx, &t_packed, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                            FR_ERROR_INVALID_ARGUMENT, "r: packed for another layout (4 gates, fp32");
                CHECK_STATUS(fr_memset_zero(context, static_cast<unsigned char*>(packed.get()) + 64, 4, nullptr), FR_OK);
                CHECK_FAILS(fr_rnn_forward(context, &plan, &t_wx, &t_packed, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                            FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");
                CHECK_STATUS(fr_rnn_pack_recurrent(context, &plan, &t_r, &t_packed, nullptr), FR_OK);
                CHECK_STATUS(fr_rnn_pack_recurrent(context, &tf32, &t_r, &t_packed, nullptr), FR_OK);
                CHECK_FAILS(fr_rnn_forward(context, &plan, &t_wx, &t_packed, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                            FR_ERROR_INVALID_ARGUMENT, "rounded to tf32");
                // the host side of fr_memcpy_to_host writes memory too (emulated "device" memory, managed memory on a
                // GPU), and may overlap the device side here: a move, not a copy
                CHECK_STATUS(fr_rnn_pack_recurrent(context, &plan, &t_r, &t_packed, nullptr), FR_OK);
                unsigned char* const packed_bytes = static_cast<unsigned char*>(packed.get());
                CHECK_STATUS(fr_memcpy_to_host(context, packed_bytes + 4, packed_bytes, 64), FR_OK);
                CHECK_FAILS(fr_rnn_forward(context, &plan, &t_wx, &t_packed, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                            FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");
                CHECK_FAILS(fr_memcpy_to_host(context, packed_bytes + 16, packed_bytes, size_t(elements) * e), FR_ERROR_INVALID_ARGUMENT,
                            "bytes: expected at most");  // the host side runs past its block
            }
        } else {
            CHECK_STATUS(fr_rnn_forward(context, &plan, &t_wx, &t_r, &t_bias, &t_initial, &t_y, &t_all, &t_last, lengths_ptr, nullptr),
                         FR_OK);
        }
        if (batch == 3 && p.alternating() && p.cell == 0 && p.dtype == 0) {
            fr_plan tf32 = plan;
            tf32.defines[tf32.define_count++] = fr_define{"FR_TF32", 1};
            CHECK_FAILS(fr_rnn_forward(context, &tf32, &t_wx, &t_r, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                        FR_ERROR_INVALID_ARGUMENT, "FR_TF32 applies to the fused kernels");
        }
        if (batch == 3 && p.cell == 0 && p.dtype == 0 && p.d == 16) {
            // bad input is named, never run
            fr_tensor wrong = t_y;
            wrong.shape[3] = D + 1;
            CHECK_FAILS(fr_rnn_forward(context, &plan, &t_wx, &t_r, &t_bias, nullptr, &wrong, nullptr, nullptr, nullptr, nullptr),
                        FR_ERROR_INVALID_ARGUMENT, "y: expected shape");
            const int32_t* odd_lengths = reinterpret_cast<const int32_t*>(static_cast<unsigned char*>(lengths_dev.get()) + 2);
            CHECK_FAILS(fr_rnn_forward(context, &plan, &t_wx, &t_r, &t_bias, nullptr, &t_y, nullptr, nullptr, odd_lengths, nullptr),
                        FR_ERROR_INVALID_ARGUMENT, "lengths: expected NULL or 4-byte aligned");
            fr_tensor half = t_r;
            half.dtype = FR_DTYPE_BFLOAT16;
            CHECK_FAILS(fr_rnn_forward(context, &plan, &t_wx, &half, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                        FR_ERROR_INVALID_ARGUMENT, "r.dtype: expected float32");
            CHECK_FAILS(fr_rnn_forward(context, nullptr, &t_wx, &t_r, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                        FR_ERROR_INVALID_ARGUMENT, "plan");
            fr_plan split = plan;
            for (int i = 0; i < split.define_count; ++i)
                if (std::string(split.defines[i].name) == "FR_BLOCKS_PER_HEAD") split.defines[i].value = 2;
            CHECK_FAILS(fr_rnn_forward(context, &split, &t_wx, &t_r, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                        FR_ERROR_INVALID_ARGUMENT, "FR_BLOCKS_PER_HEAD = 2 with FR_REGIME = 1");
            fr_plan no_tiles = plan;
            for (int i = 0; i < no_tiles.define_count; ++i) {
                const std::string name = no_tiles.defines[i].name;
                if (name == "FR_REGISTER_ROW_TILES" || name == "FR_SHARED_ROW_TILES") no_tiles.defines[i].value = 0;
            }
            CHECK_FAILS(fr_rnn_forward(context, &no_tiles, &t_wx, &t_r, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                        FR_ERROR_INVALID_ARGUMENT, "at least one 16-row tile");
            fr_plan many_streamed = plan;
            many_streamed.defines[many_streamed.define_count++] = fr_define{"FR_STREAMED_ROW_TILES", 65};
            CHECK_FAILS(fr_rnn_forward(context, &many_streamed, &t_wx, &t_r, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                        FR_ERROR_INVALID_ARGUMENT, "expected FR_STREAMED_ROW_TILES in 0..64");
            fr_plan grid_kind = plan;
            grid_kind.kind = FR_LAUNCH_COOPERATIVE;
            CHECK_FAILS(fr_rnn_forward(context, &grid_kind, &t_wx, &t_r, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                        FR_ERROR_INVALID_ARGUMENT, "plan.kind: expected FR_LAUNCH_PLAIN");
            fr_plan small = plan;
            small.shared_bytes = 16;
            CHECK_FAILS(fr_rnn_forward(context, &small, &t_wx, &t_r, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                        FR_ERROR_INVALID_ARGUMENT, "plan.shared_bytes");
            fr_plan shifted = plan;
            shifted.grid.z += 1;
            CHECK_FAILS(fr_rnn_forward(context, &shifted, &t_wx, &t_r, &t_bias, nullptr, &t_y, nullptr, nullptr, nullptr, nullptr),
                        FR_ERROR_INVALID_ARGUMENT, "plan.grid");
        }
    } else {
        // a test-only source (a mutant): loaded and launched directly
        fr_compile_options options = compile_options(source, nullptr);
        options.defines = defines.data();
        options.define_count = static_cast<int>(defines.size());
        DeviceBuffer barrier(context, 8);
        barrier.upload(std::vector<unsigned char>(8, 0));
        if (p.regime == kGridBarrier) args.barrier = barrier.get();
        fr_module module = nullptr;
        CHECK_STATUS(fr_module_load(context, &options, &module), FR_OK);
        if (module == nullptr) return false;
        fr_launch_config config = launch_config(1, static_cast<unsigned>(p.warps * 32));
        config.grid = plan.grid;
        config.cluster = plan.cluster;
        config.kind = plan.kind;
        config.shared_bytes = plan.shared_bytes;
        CHECK_STATUS(fr_launch(module, "fr_rnn_forward", &config, params), FR_OK);
        CHECK_STATUS(fr_module_unload(module), FR_OK);
    }

    const double errors[] = {rel_l2(load(y_dev.download<unsigned char>(y_ref.size() * e), p.dtype), y_ref),
                             rel_l2(load(all_dev.download<unsigned char>(all_ref.size() * e), p.dtype), all_ref),
                             rel_l2(load(last_dev.download<unsigned char>(last_ref.size() * e), p.dtype), last_ref)};
    const double tolerance = p.tf32 != 0 ? 5e-3 : p.dtype == 0 ? 1e-5 : 2e-2;  // math.md section 7
    const bool right = errors[0] <= tolerance && errors[1] <= tolerance && errors[2] <= tolerance;
    if (quiet) return right;
    const char* masked = lengths.empty() ? "" : " (lengths)";
    if (p.alternating()) {
        std::printf("  %-5s %s alternating D %2d NH %d W %d tiles %d x %d x %d, pointwise %d, B %2d T %d%s: rel L2 y %.1e all %.1e last %.1e%s\n",
                    cell_name(p.cell), dtype_name(static_cast<fr_dtype>(p.dtype)), D, NH, p.warps, p.tile_m, p.tile_n,
                    p.tile_k, p.pointwise_threads, batch, steps, masked, errors[0], errors[1], errors[2], right ? "" : "  MISMATCH");
        return right;
    }
    std::printf("  %-5s %s %-7s D %2d NH %d Hb %d P %d W %d Ks %d Bt %2d RT %d ST %d GT %d, B %2d T %d%s: rel L2 y %.1e all %.1e last %.1e%s\n",
                cell_name(p.cell), p.tf32 != 0 ? "tf32" : dtype_name(static_cast<fr_dtype>(p.dtype)), regime_name(p.regime), D, NH,
                p.heads_per_block, p.blocks_per_head, p.warps,
                p.k_split, p.batch_tile, p.register_tiles, p.shared_tiles, p.streamed_tiles, batch, steps, masked, errors[0], errors[1], errors[2],
                right ? "" : "  MISMATCH");
    return right;
}

// The fused forward's plan cases (every cell, dtype, tile placement, K split, masking) on any context.
// The fused forward's and the alternating fallback's plan cases (every cell, dtype, tile placement, K split, regime).
std::vector<RnnPlan> forward_case_plans() {
    std::vector<RnnPlan> plans;
    for (int dtype : {0, 1, 2}) {
        plans.push_back({0, dtype, 16, 2, 1, 4, 1, 8, 1, 0});    // LSTM: one register tile per warp
        plans.push_back({0, dtype, 10, 2, 2, 2, 1, 16, 2, 2});   // LSTM: D padded to 16, two heads per block, RT + ST
        plans.push_back({1, dtype, 20, 1, 1, 6, 2, 8, 1, 1});    // GRU: 3 gates, K split 2
        plans.push_back({2, dtype, 32, 1, 1, 2, 2, 8, 0, 8});    // sLSTM: every tile in shared memory, K split
        plans.push_back({3, dtype, 32, 3, 1, 2, 1, 8, 1, 0});    // Elman
        // a head split over P blocks (each owns Dp / P units, all their gates): grid barrier and cluster
        plans.push_back({0, dtype, 32, 1, 1, 2, 1, 8, 1, 1, 2, kGridBarrier});   // LSTM: 2 blocks of 16 units
        plans.push_back({1, dtype, 24, 2, 1, 6, 2, 8, 1, 0, 2, kGridBarrier});   // GRU: D padded to 32, K split 2
        plans.push_back({2, dtype, 48, 1, 1, 1, 1, 8, 2, 2, 3, kCluster});       // sLSTM: a cluster of 3
        plans.push_back({3, dtype, 64, 2, 1, 2, 2, 8, 1, 0, 4, kCluster});       // Elman: a cluster of 4, K split
        // R tiles streamed from global memory at every step (decision 0023), beside register and shared tiles or alone;
        // a batch tile of 16 (two batch chunks per streamed fragment on tensor cores)
        plans.push_back(with_streamed({0, dtype, 32, 2, 1, 4, 2, 16, 1, 1}, 2));                 // LSTM: RT + ST + GT, K split
        plans.push_back(with_streamed({1, dtype, 32, 1, 1, 1, 1, 8, 0, 1, 2, kGridBarrier}, 2)); // GRU: grid, ST + GT
        plans.push_back(with_streamed({3, dtype, 64, 1, 1, 2, 2, 8, 0, 0, 4, kCluster}, 1));     // Elman: cluster, all streamed
        // the alternating fallback: tiles that cut the gate rows, the batch and K; padded D
        plans.push_back(alternating_plan(0, dtype, 20, 2, 2, 32, 8, 16, 64));     // LSTM: 4 x 32 rows in tiles of 32
        plans.push_back(alternating_plan(1, dtype, 40, 1, 1, 16, 16, 32, 32));    // GRU: K 48 in stages of 32
        plans.push_back(alternating_plan(2, dtype, 16, 3, 4, 64, 8, 16, 128));    // sLSTM: one tile per head
        plans.push_back(alternating_plan(3, dtype, 33, 1, 2, 16, 16, 16, 64));    // Elman: D 33 padded to 48
    }
    // fp32 on tensor cores in tf32, in each regime
    plans.push_back(with_tf32({0, 0, 16, 2, 1, 4, 1, 8, 1, 0}));
    plans.push_back(with_tf32({1, 0, 20, 1, 1, 6, 2, 8, 1, 1}));
    plans.push_back(with_tf32({2, 0, 32, 1, 1, 2, 1, 8, 1, 1, 2, kGridBarrier}));
    plans.push_back(with_tf32({3, 0, 64, 2, 1, 2, 2, 8, 1, 0, 4, kCluster}));
    plans.push_back(with_tf32(with_streamed({0, 0, 32, 1, 1, 1, 1, 16, 0, 2, 2, kGridBarrier}, 2)));
    // the grid regime's reload of h_t one element at a time: D 18 is no multiple of a 16-byte vector's elements (the
    // plans above reload 16 bytes at a time)
    plans.push_back({3, 0, 18, 1, 1, 1, 1, 8, 1, 0, 2, kGridBarrier});
    plans.push_back({3, 1, 18, 1, 1, 1, 1, 8, 1, 0, 2, kGridBarrier});
    return plans;
}

// R packed by plans of one problem (LSTM bf16, D 32, NH 2) that differ in everything a plan sets: the layout text
// fr_rnn_forward compares (FusedPlan::packed_layout) is the same exactly where the packed bytes are, so a packed R is
// taken by every plan that reads it the same way and refused by the others. Then a pack of one plan runs another plan
// of its layout to the same bits as R given whole; and what unmarks a pack: fr_free, fr_memcpy_to_device; the training
// forward's check. Returns the number of failed checks.
int check_packed_layouts(fr_context context) {
    const int before_failures = failures();
    const int G = 4, D = 32, NH = 2, B = 3, T = 2;
    // cell, dtype, d, heads, heads per block, warps, K split, batch tile, register tiles, shared tiles, blocks per head, regime
    const std::vector<RnnPlan> plans = {
        {0, 1, D, NH, 1, 8, 1, 8, 1, 0},                       // 0: one tile per warp
        {0, 1, D, NH, 1, 4, 1, 16, 2, 0},                      // 1: two register tiles, another batch tile
        {0, 1, D, NH, 1, 4, 1, 8, 1, 1},                       // 2: one register, one shared
        {0, 1, D, NH, 1, 16, 2, 8, 1, 0},                      // 3: K split, one tile per warp
        {0, 1, D, NH, 1, 8, 2, 8, 2, 0},                       // 4: K split 2 x 2 tiles per warp
        {0, 1, D, NH, 1, 8, 2, 8, 0, 2},                       // 5: the same from shared memory
        {0, 1, D, NH, 1, 4, 2, 8, 4, 0},                       // 6: K split 2 x 4 tiles per warp
        {0, 1, D, NH, 2, 8, 1, 8, 2, 0},                       // 7: two heads per block
        {0, 1, D, NH, 2, 16, 2, 8, 2, 0},                      // 8: two heads per block, K split 2 x 2
        {0, 1, D, NH, 1, 4, 1, 8, 1, 0, 2, kGridBarrier},      // 9: a head over two blocks
        {0, 1, D, NH, 1, 4, 2, 8, 2, 0, 2, kGridBarrier},      // 10: over two blocks, K split 2 x 2
        with_streamed({0, 1, D, NH, 1, 4, 1, 8, 1, 0}, 1),     // 11: one tile streamed from global memory
    };
    std::mt19937 random(4242);
    std::vector<uint16_t> r_bits(size_t(G) * NH * D * D);
    for (uint16_t& x : r_bits) x = static_cast<uint16_t>(0x3c00 + random() % 0x0400);  // bf16 in [0.0078, 2): distinct
    DeviceBuffer r(context, r_bits.size() * 2);
    r.upload(r_bits);
    const fr_tensor t_r = contiguous_tensor(r.get(), FR_DTYPE_BFLOAT16, {G, NH, D, D});

    std::vector<fr_plan> made;
    std::vector<std::string> layouts;
    std::vector<std::vector<unsigned char>> bytes;
    for (const RnnPlan& p : plans) {
        std::vector<fr_define> defines;
        made.push_back(rnn_forward_plan(p, B, &defines));
        fr::CompileRequest request;
        fr::LaunchShape launch;
        fr::PlanConstants constants;
        fr::FusedPlan fused;
        CHECK_STATUS(fr::read_rnn_plan(&made.back(), &request, &launch, &constants), FR_OK);
        CHECK_STATUS(fr::read_fused_plan(&made.back(), constants, false, &fused), FR_OK);
        layouts.push_back(fused.packed_layout());
        int64_t elements = 0;
        CHECK_STATUS(fr_rnn_packed_recurrent_size(&made.back(), &elements), FR_OK);
        DeviceBuffer packed(context, size_t(elements) * 2);
        const fr_tensor t_packed = contiguous_tensor(packed.get(), FR_DTYPE_BFLOAT16, {elements});
        CHECK_STATUS(fr_rnn_pack_recurrent(context, &made.back(), &t_r, &t_packed, nullptr), FR_OK);
        bytes.push_back(packed.download<unsigned char>(size_t(elements) * 2));
    }
    std::map<std::string, int> groups;
    for (size_t i = 0; i < plans.size(); ++i) {
        ++groups[layouts[i]];
        for (size_t j = i + 1; j < plans.size(); ++j) {
            const bool same_text = layouts[i] == layouts[j], same_bytes = bytes[i] == bytes[j];
            if (same_text != same_bytes) {
                std::fprintf(stderr, "packed R of plans %zu and %zu: layouts \"%s\" and \"%s\", bytes %s\n", i, j,
                             layouts[i].c_str(), layouts[j].c_str(), same_bytes ? "the same" : "different");
                ++failures();
            }
        }
    }
    CHECK(groups.size() == 3);  // (row tile, K chunk) order; K split 2 x 2 tiles per warp; K split 2 x 4
    CHECK(groups[layouts[0]] == 7 && groups[layouts[4]] == 4 && groups[layouts[6]] == 1);
    std::printf("  packed R of %zu plans of one problem: %zu layouts, the same text exactly where the same bytes\n",
                plans.size(), groups.size());

    // plan 1's pack (batch tile 16, two register tiles) run by plan 2 (batch tile 8, one register and one shared tile)
    std::vector<double> wx_values(size_t(B) * T * G * NH * D), bias_values(size_t(G) * NH * D);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    for (double& x : wx_values) x = uniform(random);
    for (double& x : bias_values) x = 0.1 * uniform(random);
    const Stored wx_stored = store(wx_values, FR_DTYPE_BFLOAT16), bias_stored = store(bias_values, FR_DTYPE_BFLOAT16);
    DeviceBuffer wx(context, wx_stored.bytes.size()), bias(context, bias_stored.bytes.size());
    wx.upload(wx_stored.bytes);
    bias.upload(bias_stored.bytes);
    const size_t y_bytes = size_t(B) * T * NH * D * 2;
    DeviceBuffer y_packed(context, y_bytes), y_whole(context, y_bytes);
    const fr_tensor t_wx = contiguous_tensor(wx.get(), FR_DTYPE_BFLOAT16, {B, T, G, NH, D});
    const fr_tensor t_bias = contiguous_tensor(bias.get(), FR_DTYPE_BFLOAT16, {G, NH, D});
    const fr_tensor t_y_packed = contiguous_tensor(y_packed.get(), FR_DTYPE_BFLOAT16, {B, T, NH, D});
    const fr_tensor t_y_whole = contiguous_tensor(y_whole.get(), FR_DTYPE_BFLOAT16, {B, T, NH, D});
    int64_t elements = 0;
    CHECK_STATUS(fr_rnn_packed_recurrent_size(&made[1], &elements), FR_OK);
    const size_t before_pack = fr::remembered_packed_recurrent_count();
    {
        DeviceBuffer packed(context, size_t(elements) * 2);
        const fr_tensor t_packed = contiguous_tensor(packed.get(), FR_DTYPE_BFLOAT16, {elements});
        const fr_tensor t_packed_as_y = contiguous_tensor(packed.get(), FR_DTYPE_BFLOAT16, {B, T, NH, D});  // fits in it
        CHECK_STATUS(fr_rnn_pack_recurrent(context, &made[1], &t_r, &t_packed, nullptr), FR_OK);
        CHECK_STATUS(fr_rnn_forward(context, &made[2], &t_wx, &t_packed, &t_bias, nullptr, &t_y_packed, nullptr, nullptr, nullptr, nullptr),
                     FR_OK);
        CHECK_STATUS(fr_rnn_forward(context, &made[2], &t_wx, &t_r, &t_bias, nullptr, &t_y_whole, nullptr, nullptr, nullptr, nullptr),
                     FR_OK);
        const std::vector<uint16_t> y_bits = y_packed.download<uint16_t>(y_bytes / 2);
        CHECK(std::none_of(y_bits.begin(), y_bits.end(), [](uint16_t b) { return (b & 0x7f80u) == 0x7f80u; }));  // finite
        CHECK(y_bits == y_whole.download<uint16_t>(y_bytes / 2));
        CHECK_FAILS(fr_rnn_forward(context, &made[4], &t_wx, &t_packed, &t_bias, nullptr, &t_y_packed, nullptr, nullptr, nullptr, nullptr),
                    FR_ERROR_INVALID_ARGUMENT, "r: packed for another layout (4 gates, bf16, NH 2, D 32 padded to 32) than this "
                                               "plan's (4 gates, bf16, NH 2, D 32 padded to 32, K split 2 x 2 row tiles per warp)");
        // the training forward checks a packed r the same way
        int64_t reserve_elements = 0;
        CHECK_STATUS(fr_rnn_reserve_size(&made[2], B, T, &reserve_elements), FR_OK);
        DeviceBuffer reserve(context, size_t(reserve_elements) * 4);
        const fr_tensor t_reserve = contiguous_tensor(reserve.get(), FR_DTYPE_FLOAT32, {reserve_elements});
        CHECK_FAILS(fr_rnn_forward_training(context, &made[4], &t_wx, &t_packed, &t_bias, nullptr, &t_y_packed, nullptr, nullptr,
                                            &t_reserve, nullptr, nullptr),
                    FR_ERROR_INVALID_ARGUMENT, "r: packed for another layout");
        // naming it as an output unmarks it, whether or not the call runs (this one has no context)
        CHECK_FAILS(fr_rnn_forward(nullptr, &made[2], &t_wx, &t_r, &t_bias, nullptr, &t_packed_as_y, nullptr, nullptr, nullptr,
                                   nullptr),
                    FR_ERROR_INVALID_ARGUMENT, "context");
        CHECK_FAILS(fr_rnn_forward(context, &made[2], &t_wx, &t_packed, &t_bias, nullptr, &t_y_packed, nullptr, nullptr, nullptr,
                                   nullptr),
                    FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");
        CHECK_STATUS(fr_rnn_pack_recurrent(context, &made[1], &t_r, &t_packed, nullptr), FR_OK);
        // a copy into it unmarks it
        CHECK_STATUS(fr_memcpy_to_device(context, static_cast<unsigned char*>(packed.get()) + 2 * (elements / 2), &r_bits[0], 2), FR_OK);
        CHECK_FAILS(fr_rnn_forward_training(context, &made[2], &t_wx, &t_packed, &t_bias, nullptr, &t_y_packed, nullptr, nullptr,
                                            &t_reserve, nullptr, nullptr),
                    FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");
        CHECK_STATUS(fr_rnn_pack_recurrent(context, &made[1], &t_r, &t_packed, nullptr), FR_OK);
        CHECK(fr::remembered_packed_recurrent_count() == before_pack + 1);
    }
    CHECK(fr::remembered_packed_recurrent_count() == before_pack);  // fr_free forgot it
    return failures() - before_failures;
}

int check_rnn_forward_cases(fr_context context, bool random_schedules, int* runs, bool clusters = true) {
    *runs = 0;
    const std::vector<RnnPlan> plans = forward_case_plans();
    int failed = 0;
    // in order with R as given; two seeded random thread orders, the first with R packed by fr_rnn_pack_recurrent.
    // (A GPU has one schedule: there, the larger batch runs with packed R.)
    const uint64_t seeds[] = {0, 77, 20261128};
    for (int schedule = 0; schedule < (random_schedules ? 3 : 1); ++schedule) {
        if (random_schedules) {
            CHECK_STATUS(fr_emulation_configure(context, schedule == 0 ? FR_SCHEDULE_IN_ORDER : FR_SCHEDULE_RANDOM, seeds[schedule]),
                         FR_OK);
        }
        for (const RnnPlan& plan : plans) {
            if (plan.regime == kCluster && !clusters) continue;  // thread-block clusters need sm_90
            for (int batch : {3, 11}) {
                const bool packed_r = random_schedules ? schedule == 1 : batch == 11;
                if (!check_forward(context, plan, batch, 7, "rnn_forward", false, packed_r)) ++failed;
                ++*runs;
            }
            // variable lengths (in any order, one of them T) masked inside the same launches
            if (schedule != 1) {
                if (!check_forward(context, plan, 3, 7, "rnn_forward", false, false, {4, 7, 1})) ++failed;
                ++*runs;
            }
        }
    }
    return failed;
}

}  // namespace

// fr_linear (y = x w^T) against float64 on shapes that cut every tile edge, each storage type, outputs poisoned; and
// its argument checks. Returns the number of mismatching cases; *used_cublas_count counts the cases cuBLAS ran.
int check_linear_cases(fr_context context, int allow_cublas, int* used_cublas_count) {
    int failed = 0;
    *used_cublas_count = 0;
    struct Shape {
        int n, k, m;
    };
    for (int dtype : {0, 1, 2}) {
        for (const Shape& shape : {Shape{70, 33, 130}, Shape{1, 1, 1}, Shape{128, 64, 64}}) {
            std::mt19937 random(31 + dtype + shape.n);
            std::uniform_real_distribution<double> uniform(-1.0, 1.0);
            std::vector<double> xv(size_t(shape.n) * shape.k), wv(size_t(shape.m) * shape.k);
            for (double& v : xv) v = uniform(random);
            for (double& v : wv) v = uniform(random);
            const Stored x = store(xv, dtype), w = store(wv, dtype);
            std::vector<double> want(size_t(shape.n) * shape.m);
            for (int i = 0; i < shape.n; ++i)
                for (int j = 0; j < shape.m; ++j) {
                    double sum = 0;
                    for (int k = 0; k < shape.k; ++k) sum += x.values[size_t(i) * shape.k + k] * w.values[size_t(j) * shape.k + k];
                    want[size_t(i) * shape.m + j] = sum;
                }
            const size_t e = bytes_of(dtype);
            DeviceBuffer x_dev(context, x.bytes.size()), w_dev(context, w.bytes.size()), y_dev(context, want.size() * e);
            x_dev.upload(x.bytes);
            w_dev.upload(w.bytes);
            y_dev.upload(std::vector<unsigned char>(want.size() * e, 0xff));
            const fr_dtype dt = static_cast<fr_dtype>(dtype);
            const fr_tensor tx = contiguous_tensor(x_dev.get(), dt, {shape.n, shape.k}),
                            tw = contiguous_tensor(w_dev.get(), dt, {shape.m, shape.k}),
                            ty = contiguous_tensor(y_dev.get(), dt, {shape.n, shape.m});
            int used = -1;
            CHECK_STATUS(fr_linear(context, &tx, &tw, &ty, allow_cublas, &used, nullptr), FR_OK);
            CHECK_STATUS(fr_synchronize(context, nullptr), FR_OK);
            *used_cublas_count += used == 1 ? 1 : 0;
            const double error = rel_l2(load(y_dev.download<unsigned char>(want.size() * e), dtype), want);
            const bool right = error <= (dtype == 0 ? 1e-6 : 1e-2);
            if (!right) ++failed;
            std::printf("  fr_linear %s [%d, %d] x [%d, %d]^T (%s): rel L2 %.1e%s\n", dtype_name(dt), shape.n, shape.k,
                        shape.m, shape.k, used == 1 ? "cuBLAS" : "kernels/linear.cu", error, right ? "" : "  MISMATCH");
            if (dtype == 0 && shape.n == 70) {
                fr_tensor wrong = ty;
                wrong.shape[1] = shape.m + 1;
                CHECK_FAILS(fr_linear(context, &tx, &tw, &wrong, allow_cublas, nullptr, nullptr), FR_ERROR_INVALID_ARGUMENT,
                            "y: expected shape");
                fr_tensor half = tw;
                half.dtype = FR_DTYPE_FLOAT16;
                CHECK_FAILS(fr_linear(context, &tx, &half, &ty, allow_cublas, nullptr, nullptr), FR_ERROR_INVALID_ARGUMENT,
                            "w.dtype");
                CHECK_FAILS(fr_linear(context, &tx, &tw, &ty, 2, nullptr, nullptr), FR_ERROR_INVALID_ARGUMENT, "allow_cublas");
                CHECK_FAILS(fr_linear(context, nullptr, &tw, &ty, 0, nullptr, nullptr), FR_ERROR_INVALID_ARGUMENT, "x");
            }
        }
    }
    return failed;
}

// The plans the forward cases call with, each with and without lengths: case_modules.cpp compiles their modules ahead.
void forward_case_calls(bool clusters, std::vector<std::pair<fr_plan, int>>* plans) {
    for (const RnnPlan& p : forward_case_plans()) {
        if (p.regime == kCluster && !clusters) continue;
        std::vector<fr_define> defines;
        const fr_plan plan = rnn_forward_plan(p, 3, &defines);
        plans->push_back({plan, 0});
        plans->push_back({plan, 1});  // the cases with lengths
    }
}

int rnn_forward_case_failures(fr_context context, bool clusters) {
    int runs = 0;
    return check_rnn_forward_cases(context, false, &runs, clusters);
}

int linear_case_failures(fr_context context, int allow_cublas, int* used_cublas_count) {
    return check_linear_cases(context, allow_cublas, used_cublas_count);
}

int run_emulation_rnn_tests() {
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

    int used_cublas = 0;
    CHECK(check_linear_cases(context, 1, &used_cublas) == 0);
    CHECK(used_cublas == 0);  // an emulated context always runs kernels/linear.cu

    int runs = 0;
    const int failed = check_rnn_forward_cases(context, true, &runs);
    std::printf("  rnn_forward.cu / rnn_alternating.cu on the emulator: %d of %d runs differ from the float64 reference\n",
                failed, runs);
    CHECK(runs == 440);  // 55 plans: B 3 and 11 in 3 schedules, B 3 with lengths in 2
    CHECK(failed == 0);
    CHECK(check_packed_layouts(context) == 0);

    // Deleting any barrier of the step makes the kernel differ from the reference, in each regime.
    struct Mutant {
        const char* barrier;
        RnnPlan plan;
    };
    const RnnPlan single = {0, 0, 16, 2, 1, 4, 1, 8, 1, 0};
    const RnnPlan grid = {0, 0, 32, 1, 1, 2, 1, 8, 1, 1, 2, kGridBarrier};
    const RnnPlan clustered = {0, 0, 32, 1, 1, 2, 1, 8, 1, 1, 2, kCluster};
    const Mutant mutants[] = {
        {"fr_syncthreads(); /* barrier 1: pre-activations complete */", single},
        {"fr_syncthreads(); /* barrier 2: h_t complete, pre-activations consumed */", single},
        {"fr_syncthreads(); /* barrier 1: pre-activations complete */", grid},
        {"fr_grid_sync((fr_grid_barrier_state*)a.barrier); /* barrier 2: every block's y_t written */", grid},
        {"fr_syncthreads(); /* barrier 3: h_t reloaded */", grid},
        {"fr_cluster_sync(); /* barrier 2: h_t complete in every block of the cluster, pre-activations consumed */", clustered},
    };
    int index = 0;
    for (const Mutant& mutant : mutants) {
        ++index;
        const std::string name = "rnn_forward_mutant_" + std::to_string(index);
        const bool registered = register_mutant("rnn_forward", mutant.barrier, name);
        CHECK(registered);
        if (!registered) continue;
        int caught = 0;
        for (int schedule = 0; schedule < 2; ++schedule) {
            CHECK_STATUS(fr_emulation_configure(context, schedule == 0 ? FR_SCHEDULE_IN_ORDER : FR_SCHEDULE_RANDOM, 5), FR_OK);
            const int before = failures();
            if (!check_forward(context, mutant.plan, 3, 7, name.c_str(), true)) ++caught;
            failures() = before;
        }
        std::printf("  %s regime without \"%.40s...\": %d of 2 schedules differ from the reference\n",
                    regime_name(mutant.plan.regime), mutant.barrier, caught);
        CHECK(caught == 2);
    }
    CHECK_STATUS(fr_context_destroy(context), FR_OK);
    return 0;
}

}  // namespace frtest
