/*
 * fr_rnn_args.h: the single argument of the fused recurrent kernels, shared by the host (interop/native) and the
 * device (kernels/rnn_forward.cu). Plain C, no includes.
 *
 * Layouts (the managed API's, FlashRNN-compatible; H = NH * D): wx [B, T, G, NH, D], r [G, NH, D, D]
 * (g[d] = sum_p R[g, h, d, p] y[h, p]), bias [Gb, NH, D], initial / last states [S, B, NH, D],
 * y [B, T, NH, D], all states [S, B, T, NH, D]; all contiguous, in the plan's storage type.
 * Optional pointers (initial, all_states, last_states) are 0 when absent. barrier: the grid-barrier regime's zeroed
 * fr_grid_barrier_state (kernels/fr_device.cuh), the library's for the one launch; 0 in the other regimes.
 * lengths: optional int [B], each sequence's own length (0: every sequence runs all T steps). A step t >= lengths[b]
 * keeps sequence b's states, writes y = 0 and, to all states and the reserve, the held states; the kernels only compare
 * t with the value, so any value is memory-safe (<= 0: no step runs, >= T: all of them).
 */
#ifndef FR_RNN_ARGS_H
#define FR_RNN_ARGS_H

typedef struct fr_rnn_args {
    const void* wx;
    const void* r;
    const void* bias;
    const void* initial;   /* optional: zeros */
    void* y;
    void* all_states;      /* optional */
    void* last_states;     /* optional */
    void* barrier;         /* grid-barrier regime only */
    int batch;
    int steps;
    int heads;
    int head_size;
    int r_packed;          /* 1: r holds the plan's fragment layout (fr_rnn_pack_recurrent), 0: [G, NH, D, D] */
    float* reserve;        /* optional (training): what the backward reads, fp32: the gate products R y_{t-1}
                              [B, T, G, NH, D] (when reserve_products), then the states after every step [S, B, T, NH, D] */
    int reserve_products;  /* 1: the reserve holds the gate products and the states; 0: the states only (the backward
                              recomputes the products from y) */
    const int* lengths;    /* optional: 0 = all T */
} fr_rnn_args;

/* The backward (kernels/rnn_backward.cu, rnn_alternating.cu). Inputs as the forward's, plus y (the forward's output),
 * the training forward's gate products [B, T, G, NH, D] (from its reserve, or recomputed from y into the library's
 * scratch) and states [S, B, T, NH, D] (fp32), dy [B, T, NH, D] and d_last [S, B, NH, D] (optional: zeros). Outputs dwx [B, T, G, NH, D],
 * dr [G, NH, D, D], dbias [Gb, NH, D], d_initial [S, B, NH, D] (optional), all in the storage type. dgate: the
 * library's fp32 scratch [B, T, Gb, NH, D], the per-step bias gradients (also the gradients on R_g y_{t-1}), which the
 * weight-gradient kernels reduce after the loop. lengths: as the forward's; a step t >= lengths[b] takes no gradient
 * (dwx = 0, dgate = 0, so no dR / db from it; dy there is ignored: y was a constant zero) and passes sequence b's state
 * gradients through unchanged. */
typedef struct fr_rnn_backward_args {
    const void* wx;
    const void* r;
    const void* bias;
    const void* initial;   /* optional: zeros */
    const void* y;
    const float* products;
    const float* states;
    const void* dy;
    const void* d_last;    /* optional: zeros */
    void* dwx;
    void* dr;
    void* dbias;
    void* d_initial;       /* optional */
    float* dgate;
    void* barrier;         /* grid-barrier regime only */
    int batch;
    int steps;
    int heads;
    int head_size;
    float recurrent_clip;  /* > 0: R^T dg_t, the recurrent gradient reaching y_{t-1}, is clamped to [-clip, clip] */
    int truncate;          /* 1: no gradient through R into y_{t-1} (truncated BPTT); dR is still computed */
    int accumulate;        /* 1: gradients are added to the outputs' values, 0: written */
    const int* lengths;    /* optional: 0 = all T */
} fr_rnn_backward_args;

/* The alternating fallback's per-call scratch (kernels/rnn_alternating.cu), fp32, owned by the library for one call:
 * pre [B, NH, G, Dp] (the step's gate pre-activations R h_{t-1}), states [S, B, NH, D] (the cell states between
 * steps). */
typedef struct fr_rnn_work {
    float* pre;
    float* states;
} fr_rnn_work;

#endif /* FR_RNN_ARGS_H */
