/*
 * fr_rnn_args.h: the single argument of the fused recurrent kernels, shared by the host (interop/native) and the
 * device (kernels/rnn_forward.cu). Plain C, no includes.
 *
 * Layouts (the managed API's, FlashRNN-compatible; H = NH * D): wx [B, T, G, NH, D], r [G, NH, D, D]
 * (g[d] = sum_p R[g, h, d, p] y[h, p]), bias [Gb, NH, D], initial / last states [S, B, NH, D],
 * y [B, T, NH, D], all states [S, B, T, NH, D]; all contiguous, in the plan's storage type.
 * Optional pointers (initial, all_states, last_states) are 0 when absent. barrier: the grid-barrier regime's zeroed
 * fr_grid_barrier_state (kernels/fr_device.cuh), the library's for the one launch; 0 in the other regimes.
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
} fr_rnn_args;

/* The alternating fallback's per-call scratch (kernels/rnn_alternating.cu), fp32, owned by the library for one call:
 * pre [B, NH, G, Dp] (the step's gate pre-activations R h_{t-1}), states [S, B, NH, D] (the cell states between
 * steps). */
typedef struct fr_rnn_work {
    float* pre;
    float* states;
} fr_rnn_work;

#endif /* FR_RNN_ARGS_H */
