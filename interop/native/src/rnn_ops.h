// rnn_ops.h: fr_rnn_forward: validate the plan (a fused plan of kernels/rnn_forward.cu, any regime) and every
// tensor against it, fill fr_rnn_args (kernels/fr_rnn_args.h), load the plan's module once per context, launch.
#ifndef FR_RNN_OPS_H
#define FR_RNN_OPS_H

#include "fastrecurrence.h"

#include <cstdint>

namespace fr {

struct RnnForwardTensors {
    const fr_tensor* wx = nullptr;
    const fr_tensor* r = nullptr;
    const fr_tensor* bias = nullptr;
    const fr_tensor* initial_states = nullptr;  // optional
    const fr_tensor* y = nullptr;
    const fr_tensor* all_states = nullptr;      // optional
    const fr_tensor* last_states = nullptr;     // optional
    const fr_tensor* reserve = nullptr;         // optional: the training forward's (fr_rnn_forward_training)
    const int32_t* lengths = nullptr;           // optional: device int32 [B], each sequence's length (NULL: all T)
};

// fr_rnn_backward's tensors (kernels/fr_rnn_args.h, fr_rnn_backward_args).
struct RnnBackwardTensors {
    RnnForwardTensors forward;                  // wx, r, bias, initial_states (optional), y, reserve
    const fr_tensor* dy = nullptr;
    const fr_tensor* d_last_states = nullptr;   // optional
    const fr_tensor* dwx = nullptr;
    const fr_tensor* dr = nullptr;
    const fr_tensor* dbias = nullptr;
    const fr_tensor* d_initial_states = nullptr;  // optional
};

fr_status run_rnn_forward(fr_context context, const fr_plan* plan, const RnnForwardTensors& tensors, void* stream);

// rnn_backward_ops.cpp: the fused backward and the weight-gradient reductions after it.
fr_status run_rnn_backward(fr_context context, const fr_plan* plan, const fr_rnn_backward_options* options,
                           const RnnBackwardTensors& tensors, void* stream);
// The reserve's fp32 elements: with the gate products (products) or the states only.
fr_status rnn_reserve_size(const fr_plan* plan, int64_t batch, int64_t steps, bool products, int64_t* elements);

// rnn_pack.cpp: R of a fused plan in its fragment layout (elements of the plan's storage type), and the packing.
fr_status rnn_packed_recurrent_size(const fr_plan* plan, int64_t* elements);
fr_status run_rnn_pack_recurrent(fr_context context, const fr_plan* plan, const fr_tensor* r, const fr_tensor* packed,
                                 void* stream);

}  // namespace fr

#endif
