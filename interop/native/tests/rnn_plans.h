// rnn_plans.h: recurrent plans as the native tests write them (the managed planner makes the real ones): the problem's
// constants, a fused or alternating training forward, a fused or alternating backward. Shared by the backward's
// emulation tests and the C ABI fuzz test.
#ifndef FR_TEST_RNN_PLANS_H
#define FR_TEST_RNN_PLANS_H

#include "fastrecurrence.h"
#include "rnn_case_support.h"

#include <cstdint>
#include <vector>

namespace frtest {

inline std::vector<fr_define> problem_defines(const RnnPlan& p, int backward) {
    const int G = gates_of(p.cell), S = states_of(p.cell), dp = (p.d + 15) / 16 * 16;
    return {{"FR_CELL", p.cell}, {"FR_GATES", G}, {"FR_STATES", S}, {"FR_DTYPE", p.dtype}, {"FR_BACKWARD", backward},
            {"FR_HEAD_SIZE", p.d}, {"FR_HEAD_SIZE_PADDED", dp}, {"FR_HEADS", p.heads}, {"FR_WARPS", p.warps}};
}

inline fr_plan make_plan(const char* source, const std::vector<fr_define>& defines, fr_dim3 grid, unsigned threads, fr_dim3 cluster,
                         uint32_t shared_bytes, fr_launch_kind kind) {
    fr_plan plan{};
    plan.struct_size = sizeof plan;
    plan.source_name = source;
    for (size_t i = 0; i < defines.size(); ++i) plan.defines[i] = defines[i];
    plan.define_count = static_cast<int>(defines.size());
    plan.grid = grid;
    plan.block = {threads, 1, 1};
    plan.cluster = cluster;
    plan.shared_bytes = shared_bytes;
    plan.kind = kind;
    return plan;
}

// A forward plan of rnn_forward.cu in p's regime and tiles, or of rnn_alternating.cu when p.alternating(), for `batch`
// sequences (the emulation tests' forward cases and the fuzz test's valid calls).
inline fr_plan rnn_forward_plan(const RnnPlan& p, int batch, std::vector<fr_define>* defines) {
    const int G = gates_of(p.cell), dp = (p.d + 15) / 16 * 16, e = p.dtype == 0 ? 4 : 2;
    *defines = problem_defines(p, 0);
    if (p.alternating()) {
        defines->insert(defines->end(), {{"FR_TILE_M", p.tile_m}, {"FR_TILE_N", p.tile_n}, {"FR_TILE_K", p.tile_k},
                                         {"FR_STAGES", 1}, {"FR_POINTWISE_THREADS", p.pointwise_threads}});
        return make_plan("rnn_alternating", *defines,
                         {static_cast<unsigned>((G * dp + p.tile_m - 1) / p.tile_m), static_cast<unsigned>(p.heads),
                          static_cast<unsigned>((batch + p.tile_n - 1) / p.tile_n)},
                         static_cast<unsigned>(p.warps * 32), {1, 1, 1},
                         static_cast<uint32_t>(long(p.tile_m + p.tile_n) * p.tile_k * e), FR_LAUNCH_PLAIN);
    }
    defines->insert(defines->end(), {{"FR_HEADS_PER_BLOCK", p.heads_per_block}, {"FR_BLOCKS_PER_HEAD", p.blocks_per_head},
                                     {"FR_K_SPLIT", p.k_split}, {"FR_BATCH_TILE", p.batch_tile},
                                     {"FR_REGISTER_ROW_TILES", p.register_tiles}, {"FR_SHARED_ROW_TILES", p.shared_tiles},
                                     {"FR_REGIME", p.regime}, {"FR_TF32", p.tf32}});
    if (p.streamed_tiles > 0) defines->push_back({"FR_STREAMED_ROW_TILES", p.streamed_tiles});
    const long rows = long(p.heads_per_block) * G * (dp / p.blocks_per_head);
    const long kchunks = dp / p.k_split / (p.dtype == 0 ? 8 : 16);
    const long shared = long(p.warps) * p.shared_tiles * kchunks * 512 +
                        (p.regime == kGridBarrier ? 1L : 2L) * p.heads_per_block * p.batch_tile * dp * e +
                        long(p.k_split) * rows * p.batch_tile * 4;
    return make_plan("rnn_forward", *defines,
                     {static_cast<unsigned>(p.blocks_per_head), static_cast<unsigned>(p.heads / p.heads_per_block),
                      static_cast<unsigned>((batch + p.batch_tile - 1) / p.batch_tile)},
                     static_cast<unsigned>(p.warps * 32),
                     {p.regime == kCluster ? static_cast<unsigned>(p.blocks_per_head) : 1u, 1u, 1u},
                     static_cast<uint32_t>(shared), launch_kind(p.regime));
}

// The forward that writes a backward plan's reserve for `batch` sequences: a one-tile-per-warp single-block plan of
// rnn_forward.cu with the backward plan's problem, or (alternating) an alternating plan.
inline fr_plan training_forward_plan(const RnnPlan& p, int batch, bool alternating, std::vector<fr_define>* defines) {
    const int G = gates_of(p.cell), dp = (p.d + 15) / 16 * 16, e = p.dtype == 0 ? 4 : 2;
    RnnPlan f = p;
    if (alternating) {
        f.warps = 2;
        *defines = problem_defines(f, 0);
        defines->insert(defines->end(), {{"FR_TILE_M", 32}, {"FR_TILE_N", 8}, {"FR_TILE_K", 16}, {"FR_STAGES", 1},
                                         {"FR_POINTWISE_THREADS", 64}});
        return make_plan("rnn_alternating", *defines,
                         {static_cast<unsigned>((G * dp + 31) / 32), static_cast<unsigned>(p.heads),
                          static_cast<unsigned>((batch + 7) / 8)},
                         64, {1, 1, 1}, static_cast<uint32_t>((32 + 8) * 16 * e), FR_LAUNCH_PLAIN);
    }
    f.warps = G * dp / 16;
    *defines = problem_defines(f, 0);
    defines->insert(defines->end(), {{"FR_HEADS_PER_BLOCK", 1}, {"FR_BLOCKS_PER_HEAD", 1}, {"FR_K_SPLIT", 1},
                                     {"FR_BATCH_TILE", 8}, {"FR_REGISTER_ROW_TILES", 1}, {"FR_SHARED_ROW_TILES", 0},
                                     {"FR_REGIME", 1}, {"FR_TF32", p.tf32}});
    return make_plan("rnn_forward", *defines,
                     {1, static_cast<unsigned>(p.heads), static_cast<unsigned>((batch + 7) / 8)},
                     static_cast<unsigned>(f.warps * 32), {1, 1, 1},
                     static_cast<uint32_t>(2L * 8 * dp * e + long(G) * dp * 8 * 4), FR_LAUNCH_PLAIN);
}

// A backward plan of rnn_backward.cu (or `source`, a test copy of it) for `batch` sequences, or of rnn_alternating.cu
// when p.alternating().
inline fr_plan rnn_backward_plan(const RnnPlan& p, int batch, std::vector<fr_define>* defines, const char* source = "rnn_backward") {
    const int G = gates_of(p.cell), dp = (p.d + 15) / 16 * 16, e = p.dtype == 0 ? 4 : 2;
    *defines = problem_defines(p, 1);
    if (p.alternating()) {
        // the alternating backward: rows = the head's Dp units, K = G * Dp
        defines->insert(defines->end(), {{"FR_TILE_M", p.tile_m}, {"FR_TILE_N", p.tile_n}, {"FR_TILE_K", p.tile_k},
                                         {"FR_STAGES", 1}, {"FR_POINTWISE_THREADS", p.pointwise_threads}});
        return make_plan("rnn_alternating", *defines,
                         {static_cast<unsigned>((dp + p.tile_m - 1) / p.tile_m), static_cast<unsigned>(p.heads),
                          static_cast<unsigned>((batch + p.tile_n - 1) / p.tile_n)},
                         static_cast<unsigned>(p.warps * 32), {1, 1, 1},
                         static_cast<uint32_t>((p.tile_m + p.tile_n) * p.tile_k * e), FR_LAUNCH_PLAIN);
    }
    defines->insert(defines->end(), {{"FR_HEADS_PER_BLOCK", p.heads_per_block}, {"FR_BLOCKS_PER_HEAD", p.blocks_per_head},
                                     {"FR_K_SPLIT", p.k_split}, {"FR_BATCH_TILE", p.batch_tile},
                                     {"FR_REGISTER_ROW_TILES", p.register_tiles}, {"FR_SHARED_ROW_TILES", p.shared_tiles},
                                     {"FR_REGIME", p.regime}, {"FR_TF32", p.tf32}});
    const long width = long(G) * dp, rows = long(p.heads_per_block) * (dp / p.blocks_per_head);
    const long kchunks = width / p.k_split / (p.dtype == 0 ? 8 : 16);
    const long shared = long(p.warps) * p.shared_tiles * kchunks * 512 + long(p.heads_per_block) * p.batch_tile * width * e +
                        long(p.k_split) * rows * p.batch_tile * 4;
    return make_plan(source, *defines,
                     {static_cast<unsigned>(p.blocks_per_head), static_cast<unsigned>(p.heads / p.heads_per_block),
                      static_cast<unsigned>((batch + p.batch_tile - 1) / p.batch_tile)},
                     static_cast<unsigned>(p.warps * 32),
                     {p.regime == kCluster ? static_cast<unsigned>(p.blocks_per_head) : 1u, 1u, 1u},
                     static_cast<uint32_t>(shared), launch_kind(p.regime));
}

}  // namespace frtest

#endif
