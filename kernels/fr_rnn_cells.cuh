/*
 * fr_rnn_cells.cuh: the pointwise part of each cell for one unit, in fp32 (math.md sections 2 and 3; the same
 * formulas as src/FastRecurrence/Cells). FR_CELL codes: 0 LSTM (gates i, f, z, o; states y, c), 1 GRU (r, z, n;
 * biases r, z, n_input, n_hidden; state y), 2 sLSTM (i, f, z, o; states y, c, n, m; log-space stabiliser m),
 * 3 Elman (tanh; state y). pre[g] = Wx + R y without the bias; the cell adds the biases (GRU's n_hidden inside the
 * reset product). state[] is updated in place; state[0] is y.
 */
#ifndef FR_RNN_CELLS_CUH
#define FR_RNN_CELLS_CUH

#include "fr_device.cuh"

namespace fr_cells {

FR_DEVICE_INLINE float sigmoid(float x) { return 1.0f / (1.0f + fr_exp(-x)); }

/* log sigmoid(x) without overflow */
FR_DEVICE_INLINE float log_sigmoid(float x)
{
    return x >= 0.0f ? -logf(1.0f + fr_exp(-x)) : x - logf(1.0f + fr_exp(x));
}

template <int Cell>
struct Traits;
template <> struct Traits<0> { static constexpr int gates = 4, biases = 4, states = 2; };
template <> struct Traits<1> { static constexpr int gates = 3, biases = 4, states = 1; };
template <> struct Traits<2> { static constexpr int gates = 4, biases = 4, states = 4; };
template <> struct Traits<3> { static constexpr int gates = 1, biases = 1, states = 1; };

/* wx: the input projection per gate; rh: R y_{t-1} per gate; bias per bias slot */
template <int Cell>
FR_DEVICE_INLINE void forward(const float* wx, const float* rh, const float* bias, float* state);

template <>
FR_DEVICE_INLINE void forward<0>(const float* wx, const float* rh, const float* bias, float* state)
{
    const float i = sigmoid(wx[0] + rh[0] + bias[0]);
    const float f = sigmoid(wx[1] + rh[1] + bias[1]);
    const float z = fr_tanh(wx[2] + rh[2] + bias[2]);
    const float o = sigmoid(wx[3] + rh[3] + bias[3]);
    const float c = f * state[1] + i * z;
    state[0] = o * fr_tanh(c);
    state[1] = c;
}

template <>
FR_DEVICE_INLINE void forward<1>(const float* wx, const float* rh, const float* bias, float* state)
{
    const float r = sigmoid(wx[0] + rh[0] + bias[0]);
    const float u = sigmoid(wx[1] + rh[1] + bias[1]);
    const float n = fr_tanh(wx[2] + bias[2] + r * (rh[2] + bias[3]));
    state[0] = (1.0f - u) * n + u * state[0];
}

template <>
FR_DEVICE_INLINE void forward<2>(const float* wx, const float* rh, const float* bias, float* state)
{
    const float gi = wx[0] + rh[0] + bias[0];
    const float gf = wx[1] + rh[1] + bias[1];
    const float z = fr_tanh(wx[2] + rh[2] + bias[2]);
    const float o = sigmoid(wx[3] + rh[3] + bias[3]);
    const float log_f = log_sigmoid(gf) + state[3];
    const float m = state[2] == 0.0f ? gi : fmaxf(gi, log_f);
    const float i_gate = fr_exp(gi - m);
    const float f_gate = fr_exp(log_f - m);
    const float c = f_gate * state[1] + i_gate * z;
    const float n = f_gate * state[2] + i_gate;
    state[0] = o * c / n;
    state[1] = c;
    state[2] = n;
    state[3] = m;
}

template <>
FR_DEVICE_INLINE void forward<3>(const float* wx, const float* rh, const float* bias, float* state)
{
    state[0] = fr_tanh(wx[0] + rh[0] + bias[0]);
}

} /* namespace fr_cells */

#endif /* FR_RNN_CELLS_CUH */
