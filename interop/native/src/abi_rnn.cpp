// abi_rnn.cpp: the recurrent operations' entry points (the work is in rnn_ops.cpp).
#include "fastrecurrence.h"

#include "errors.h"
#include "linear_ops.h"
#include "rnn_ops.h"

using namespace fr;

extern "C" {

FR_API fr_status fr_rnn_forward(fr_context context, const fr_plan* plan, const fr_tensor* wx, const fr_tensor* r,
                                const fr_tensor* bias, const fr_tensor* initial_states, const fr_tensor* y,
                                const fr_tensor* all_states, const fr_tensor* last_states, const int32_t* lengths,
                                void* stream) {
    return guarded([&] {
        return run_rnn_forward(context, plan, {wx, r, bias, initial_states, y, all_states, last_states, nullptr, lengths},
                               stream);
    });
}

FR_API fr_status fr_rnn_reserve_size(const fr_plan* plan, int64_t batch, int64_t steps, int64_t* elements) {
    return guarded([&] { return rnn_reserve_size(plan, batch, steps, true, elements); });
}

FR_API fr_status fr_rnn_states_reserve_size(const fr_plan* plan, int64_t batch, int64_t steps, int64_t* elements) {
    return guarded([&] { return rnn_reserve_size(plan, batch, steps, false, elements); });
}

FR_API fr_status fr_rnn_forward_training(fr_context context, const fr_plan* plan, const fr_tensor* wx, const fr_tensor* r,
                                         const fr_tensor* bias, const fr_tensor* initial_states, const fr_tensor* y,
                                         const fr_tensor* all_states, const fr_tensor* last_states,
                                         const fr_tensor* reserve, const int32_t* lengths, void* stream) {
    return guarded([&] {
        if (reserve == nullptr) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "reserve: expected a tensor (fr_rnn_reserve_size elements), got NULL.");
        }
        return run_rnn_forward(context, plan, {wx, r, bias, initial_states, y, all_states, last_states, reserve, lengths},
                               stream);
    });
}

FR_API fr_status fr_rnn_backward(fr_context context, const fr_plan* plan, const fr_rnn_backward_options* options,
                                 const fr_tensor* wx, const fr_tensor* r, const fr_tensor* bias,
                                 const fr_tensor* initial_states, const fr_tensor* y, const fr_tensor* reserve,
                                 const fr_tensor* dy, const fr_tensor* d_last_states, const fr_tensor* dwx,
                                 const fr_tensor* dr, const fr_tensor* dbias, const fr_tensor* d_initial_states,
                                 const int32_t* lengths, void* stream) {
    return guarded([&] {
        RnnBackwardTensors tensors;
        tensors.forward.wx = wx;
        tensors.forward.r = r;
        tensors.forward.bias = bias;
        tensors.forward.initial_states = initial_states;
        tensors.forward.y = y;
        tensors.forward.reserve = reserve;
        tensors.forward.lengths = lengths;
        tensors.dy = dy;
        tensors.d_last_states = d_last_states;
        tensors.dwx = dwx;
        tensors.dr = dr;
        tensors.dbias = dbias;
        tensors.d_initial_states = d_initial_states;
        return run_rnn_backward(context, plan, options, tensors, stream);
    });
}

FR_API fr_status fr_rnn_packed_recurrent_size(const fr_plan* plan, int64_t* elements) {
    return guarded([&] { return rnn_packed_recurrent_size(plan, elements); });
}

FR_API fr_status fr_rnn_pack_recurrent(fr_context context, const fr_plan* plan, const fr_tensor* r, const fr_tensor* packed,
                                       void* stream) {
    return guarded([&] { return run_rnn_pack_recurrent(context, plan, r, packed, stream); });
}

FR_API fr_status fr_linear(fr_context context, const fr_tensor* x, const fr_tensor* w, const fr_tensor* y,
                           int allow_cublas, int* used_cublas, void* stream) {
    return guarded([&] { return run_linear(context, x, w, y, allow_cublas, used_cublas, stream); });
}

}  // extern "C"
