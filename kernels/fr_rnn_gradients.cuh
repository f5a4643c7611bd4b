/*
 * fr_rnn_gradients.cuh: the backward options' arithmetic that every backward kernel applies the same way
 * (kernels/rnn_backward.cu, the fused backward; rnn_alternating.cu, the alternating backward): recurrent clipping and
 * writing or accumulating a gradient. The reductions after the time loop (dR, db, the recomputed gate products) are a
 * module of their own: kernels/rnn_gradients.cu (decision 0028).
 * Needs FR_DTYPE (fr_storage.cuh): include after fr_storage.cuh.
 */
#ifndef FR_RNN_GRADIENTS_CUH
#define FR_RNN_GRADIENTS_CUH

#include "fr_device.cuh"
#include "fr_rnn_args.h"

namespace fr_rnn_grad {

typedef fr_storage::S S;

/* the recurrent gradient R^T dg_t reaching y_{t-1}, clamped to [-clip, clip] when clipping is on; NaN stays NaN
 * (fmaxf returns the other operand: a NaN gradient would leave as -clip, a plausible number) */
FR_DEVICE_INLINE float clip_recurrent(const fr_rnn_backward_args& a, float x)
{
    return a.recurrent_clip > 0.0f && x == x ? fminf(fmaxf(x, -a.recurrent_clip), a.recurrent_clip) : x;
}

/* one gradient element: written, or added to the output's value when accumulating */
FR_DEVICE_INLINE void store_gradient(const fr_rnn_backward_args& a, S* at, float value)
{
    fr_store_acc(at, a.accumulate ? fr_load_acc(at) + value : value);
}

} /* namespace fr_rnn_grad */

#endif /* FR_RNN_GRADIENTS_CUH */
