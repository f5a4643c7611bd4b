/*
 * fr_rnn_args.h: the single argument of the fused recurrent kernels, shared by the host (interop/native) and the
 * device (kernels/rnn_forward.cu). Plain C, no includes.
 *
 * Layouts (the managed API's, FlashRNN-compatible; H = NH * D): wx [B, T, G, NH, D], r [G, NH, D, D]
 * (g[d] = sum_p R[g, h, d, p] y[h, p]), bias [Gb, NH, D], initial / last states [S, B, NH, D],
 * y [B, T, NH, D], all states [S, B, T, NH, D]; all contiguous, in the plan's storage type.
 * Optional pointers (initial, all_states, last_states) are 0 when absent.
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
    int batch;
    int steps;
    int heads;
    int head_size;
} fr_rnn_args;

#endif /* FR_RNN_ARGS_H */
