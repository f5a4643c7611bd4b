// rnn_case_support.h: what the recurrent emulation tests share (test_rnn_emulation.cpp, the forward;
// test_rnn_backward_emulation.cpp, the backward): a plan's constants as a test writes them, the cells' forward step in
// float64, values rounded to a storage type, and the relative L2 error.
#ifndef FR_TEST_RNN_CASE_SUPPORT_H
#define FR_TEST_RNN_CASE_SUPPORT_H

#include "fastrecurrence.h"
#include "kernel_sources.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace frtest {

constexpr int kSingleBlock = 1, kCluster = 2, kGridBarrier = 3;  // FR_REGIME (the planner's FusedRegime)

struct RnnPlan {
    int cell, dtype, d, heads, heads_per_block, warps, k_split, batch_tile, register_tiles, shared_tiles;
    int blocks_per_head = 1, regime = kSingleBlock;
    // the alternating fallback (kernels/rnn_alternating.cu) when tile_m > 0: uses cell, dtype, d, heads, warps
    int tile_m = 0, tile_n = 0, tile_k = 0, pointwise_threads = 0;
    int tf32 = 0;  // fused fp32 plans: FR_TF32 (tensor cores in tf32)
    int streamed_tiles = 0;  // fused forward plans: FR_STREAMED_ROW_TILES (R tiles read from global memory each step)
    bool alternating() const { return tile_m > 0; }
};

inline RnnPlan with_streamed(RnnPlan p, int streamed_tiles) {
    p.streamed_tiles = streamed_tiles;
    return p;
}

inline RnnPlan with_tf32(RnnPlan p) {
    p.tf32 = 1;
    return p;
}

inline RnnPlan alternating_plan(int cell, int dtype, int d, int heads, int warps, int tile_m, int tile_n, int tile_k, int pointwise) {
    RnnPlan p{cell, dtype, d, heads, 1, warps, 1, 8, 0, 0};
    p.tile_m = tile_m;
    p.tile_n = tile_n;
    p.tile_k = tile_k;
    p.pointwise_threads = pointwise;
    return p;
}

inline const char* regime_name(int regime) { return regime == kCluster ? "cluster" : regime == kGridBarrier ? "grid" : "block"; }
inline fr_launch_kind launch_kind(int regime) {
    return regime == kCluster ? FR_LAUNCH_CLUSTER : regime == kGridBarrier ? FR_LAUNCH_COOPERATIVE : FR_LAUNCH_PLAIN;
}

inline int gates_of(int cell) { return cell == 0 || cell == 2 ? 4 : cell == 1 ? 3 : 1; }
inline int biases_of(int cell) { return cell == 3 ? 1 : 4; }
inline int states_of(int cell) { return cell == 0 ? 2 : cell == 2 ? 4 : 1; }
inline const char* cell_name(int cell) { return cell == 0 ? "lstm" : cell == 1 ? "gru" : cell == 2 ? "slstm" : "elman"; }

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// One unit of one step in float64 (math.md section 2).
inline void cell_step(int cell, const double* wx, const double* rh, const double* bias, double* st) {
    switch (cell) {
        case 0: {
            double i = sigmoid(wx[0] + rh[0] + bias[0]), f = sigmoid(wx[1] + rh[1] + bias[1]);
            double z = std::tanh(wx[2] + rh[2] + bias[2]), o = sigmoid(wx[3] + rh[3] + bias[3]);
            double c = f * st[1] + i * z;
            st[0] = o * std::tanh(c);
            st[1] = c;
            break;
        }
        case 1: {
            double r = sigmoid(wx[0] + rh[0] + bias[0]), u = sigmoid(wx[1] + rh[1] + bias[1]);
            double n = std::tanh(wx[2] + bias[2] + r * (rh[2] + bias[3]));
            st[0] = (1 - u) * n + u * st[0];
            break;
        }
        case 2: {
            double gi = wx[0] + rh[0] + bias[0], gf = wx[1] + rh[1] + bias[1];
            double z = std::tanh(wx[2] + rh[2] + bias[2]), o = sigmoid(wx[3] + rh[3] + bias[3]);
            double log_f = (gf >= 0 ? -std::log1p(std::exp(-gf)) : gf - std::log1p(std::exp(gf))) + st[3];
            double m = st[2] == 0 ? gi : std::max(gi, log_f);
            double ig = std::exp(gi - m), fg = std::exp(log_f - m);
            double c = fg * st[1] + ig * z, n = fg * st[2] + ig;
            st[0] = o * c / n;
            st[1] = c;
            st[2] = n;
            st[3] = m;
            break;
        }
        default: st[0] = std::tanh(wx[0] + rh[0] + bias[0]);
    }
}

inline size_t bytes_of(int dtype) { return dtype == 0 ? 4 : 2; }

inline uint16_t to_bf16(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// Values rounded to the storage type, kept as doubles (what the kernel reads) and as bytes (what it is given).
struct Stored {
    std::vector<double> values;
    std::vector<unsigned char> bytes;
};

inline Stored store(const std::vector<double>& v, int dtype) {
    Stored s;
    s.values.resize(v.size());
    s.bytes.resize(v.size() * bytes_of(dtype));
    for (size_t i = 0; i < v.size(); ++i) {
        const float f = static_cast<float>(v[i]);
        if (dtype == 0) {
            std::memcpy(&s.bytes[i * 4], &f, 4);
            s.values[i] = f;
        } else if (dtype == 1) {
            const uint16_t b = to_bf16(f);
            std::memcpy(&s.bytes[i * 2], &b, 2);
            const uint32_t u = uint32_t(b) << 16;
            float back;
            std::memcpy(&back, &u, 4);
            s.values[i] = back;
        } else {
            const _Float16 h = static_cast<_Float16>(f);
            std::memcpy(&s.bytes[i * 2], &h, 2);
            s.values[i] = static_cast<float>(h);
        }
    }
    return s;
}

inline std::vector<double> load(const std::vector<unsigned char>& bytes, int dtype) {
    std::vector<double> v(bytes.size() / bytes_of(dtype));
    for (size_t i = 0; i < v.size(); ++i) {
        if (dtype == 0) {
            float f;
            std::memcpy(&f, &bytes[i * 4], 4);
            v[i] = f;
        } else if (dtype == 1) {
            uint16_t b;
            std::memcpy(&b, &bytes[i * 2], 2);
            const uint32_t u = uint32_t(b) << 16;
            float f;
            std::memcpy(&f, &u, 4);
            v[i] = f;
        } else {
            _Float16 h;
            std::memcpy(&h, &bytes[i * 2], 2);
            v[i] = static_cast<float>(h);
        }
    }
    return v;
}

inline double rel_l2(const std::vector<double>& got, const std::vector<double>& want) {
    double num = 0, den = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        if (!std::isfinite(got[i])) return INFINITY;
        num += (got[i] - want[i]) * (got[i] - want[i]);
        den += want[i] * want[i];
    }
    return std::sqrt(num / std::max(den, 1e-300));
}

// Registers a test-only copy of kernel source `source` without the first occurrence of `barrier` under `name` (a
// mutant that must fail the reference comparison); false when the source or the text is not found.
inline bool register_mutant(const char* source, const char* barrier, const std::string& name) {
    const char* found = nullptr;
    const char* text = nullptr;
    std::string mutated;
    for (int i = 0; i < fr_kernel_source_count(); ++i) {
        if (fr_kernel_source(i, &found, &text) == FR_OK && std::string(found) == source) mutated = text;
    }
    const size_t at = mutated.find(barrier);
    if (at == std::string::npos) return false;
    mutated.erase(at, std::strlen(barrier));
    fr::add_kernel_file_for_testing(name, mutated, false);
    return true;
}

}  // namespace frtest

#endif
