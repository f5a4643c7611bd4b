/*
 * fr_rnn_cells.cuh: the pointwise part of each cell for one unit, in fp32 (math.md sections 2 and 3; the same
 * formulas as src/FastRecurrence/Cells). FR_CELL codes: 0 LSTM (gates i, f, z, o; states y, c), 1 GRU (r, z, n;
 * biases r, z, n_input, n_hidden; state y), 2 sLSTM (i, f, z, o; states y, c, n, m; log-space stabiliser m),
 * 3 Elman (tanh; state y). pre[g] = Wx + R y without the bias; the cell adds the biases (GRU's n_hidden inside the
 * reset product). state[] is updated in place; state[0] is y.
 * backward<Cell>: the step's gradients from the totals dnext reaching its output states (math.md section 3):
 * dwx[G] (dL/dWx), dslot[Gb] (dL/d bias; the gradient on the recurrent product R_g y_{t-1} is dslot[recurrent_slot(g)]:
 * GRU's n_hidden slot differs from its n_input slot) and dprev[S] (the pointwise part of dL/d prev states; the caller
 * adds R^T dg to state 0). sLSTM holds m constant, as the reference does.
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

/* x f' for the sLSTM, where an exact zero x stays zero though f' overflowed: from a zero state (m = g~_i) a very
 * negative g~_i makes f' exceed float's range, and inf * 0 would give NaN (the reference's SLstmCell does the same) */
FR_DEVICE_INLINE float times_forget_gate(float x, float f_gate)
{
    return x == 0.0f && f_gate > 3.402823466e+38f ? 0.0f : x * f_gate;
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
    /* NaN propagates into m as into c, n and y (fmaxf would drop it), as the reference's Max does */
    const float m = state[2] == 0.0f ? gi : gi != gi || log_f != log_f ? gi + log_f : fmaxf(gi, log_f);
    const float i_gate = fr_exp(gi - m);
    const float f_gate = fr_exp(log_f - m);
    const float c = times_forget_gate(state[1], f_gate) + i_gate * z;
    const float n = times_forget_gate(state[2], f_gate) + i_gate;
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

/* training: what the backward reads, in fp32, into the reserve (fr_rnn_args.reserve): the gate products R_g y_{t-1}
 * [B, T, G, NH, D] when `products`, then the states after the step [S, B, T, NH, D] */
template <int G, int NS>
FR_DEVICE_INLINE void save_reserve(float* reserve, bool products, int batch_count, int steps, int heads, int head_size,
                                   int b, int step, int head, int unit, const float* rh, const float* state)
{
    const long long per_state = (long long)batch_count * steps * heads * head_size;
    const long long at = (((long long)b * steps + step) * heads + head) * head_size + unit;
    if (products) {
#pragma unroll
        for (int gate = 0; gate < G; ++gate)
            reserve[((((long long)b * steps + step) * G + gate) * heads + head) * head_size + unit] = rh[gate];
    }
    float* states = reserve + (products ? per_state * G : 0);
#pragma unroll
    for (int s = 0; s < NS; ++s) states[s * per_state + at] = state[s];
}

/* the bias slot whose gradient is the gradient on R_g y_{t-1} */
template <int Cell>
FR_DEVICE_INLINE constexpr int recurrent_slot(int g) { return Cell == 1 && g == 2 ? 3 : g; }

template <int Cell>
FR_DEVICE_INLINE void backward(const float* wx, const float* rh, const float* bias, const float* prev, const float* next,
                               const float* dnext, float* dwx, float* dslot, float* dprev);

template <>
FR_DEVICE_INLINE void backward<0>(const float* wx, const float* rh, const float* bias, const float* prev, const float* next,
                                  const float* dnext, float* dwx, float* dslot, float* dprev)
{
    const float i = sigmoid(wx[0] + rh[0] + bias[0]);
    const float f = sigmoid(wx[1] + rh[1] + bias[1]);
    const float z = fr_tanh(wx[2] + rh[2] + bias[2]);
    const float o = sigmoid(wx[3] + rh[3] + bias[3]);
    const float tanh_c = fr_tanh(next[1]);
    const float dh = dnext[0];
    const float dc = dnext[1] + dh * o * (1.0f - tanh_c * tanh_c);
    dwx[0] = dc * z * i * (1.0f - i);
    dwx[1] = dc * prev[1] * f * (1.0f - f);
    dwx[2] = dc * i * (1.0f - z * z);
    dwx[3] = dh * tanh_c * o * (1.0f - o);
#pragma unroll
    for (int k = 0; k < 4; ++k) dslot[k] = dwx[k];
    dprev[0] = 0.0f;
    dprev[1] = dc * f;
}

template <>
FR_DEVICE_INLINE void backward<1>(const float* wx, const float* rh, const float* bias, const float* prev, const float* next,
                                  const float* dnext, float* dwx, float* dslot, float* dprev)
{
    const float r = sigmoid(wx[0] + rh[0] + bias[0]);
    const float u = sigmoid(wx[1] + rh[1] + bias[1]);
    const float hidden_n = rh[2] + bias[3];
    const float n = fr_tanh(wx[2] + bias[2] + r * hidden_n);
    const float dh = dnext[0];
    const float d_pre_n = dh * (1.0f - u) * (1.0f - n * n);
    const float d_pre_u = dh * (prev[0] - n) * u * (1.0f - u);
    const float d_pre_r = d_pre_n * hidden_n * r * (1.0f - r);
    dwx[0] = d_pre_r;
    dwx[1] = d_pre_u;
    dwx[2] = d_pre_n;
    dslot[0] = d_pre_r;
    dslot[1] = d_pre_u;
    dslot[2] = d_pre_n;
    dslot[3] = d_pre_n * r;
    dprev[0] = dh * u;
    (void)next;
}

template <>
FR_DEVICE_INLINE void backward<2>(const float* wx, const float* rh, const float* bias, const float* prev, const float* next,
                                  const float* dnext, float* dwx, float* dslot, float* dprev)
{
    const float gi = wx[0] + rh[0] + bias[0];
    const float gf = wx[1] + rh[1] + bias[1];
    const float z = fr_tanh(wx[2] + rh[2] + bias[2]);
    const float o = sigmoid(wx[3] + rh[3] + bias[3]);
    const float log_f = log_sigmoid(gf) + prev[3];
    const float m = next[3];
    const float i_gate = fr_exp(gi - m);
    const float f_gate = fr_exp(log_f - m);
    const float c = next[1], n = next[2];
    const float dy = dnext[0];
    const float dc = dnext[1] + dy * o / n;
    const float dn = dnext[2] - dy * o * c / (n * n);
    const float d_i_gate = dc * z + dn;
    const float d_f_gate = dc * prev[1] + dn * prev[2];
    const float d_log_f = times_forget_gate(d_f_gate, f_gate);
    dwx[0] = d_i_gate * i_gate;
    dwx[1] = d_log_f * (1.0f - sigmoid(gf));
    dwx[2] = dc * i_gate * (1.0f - z * z);
    dwx[3] = dy * (c / n) * o * (1.0f - o);
#pragma unroll
    for (int k = 0; k < 4; ++k) dslot[k] = dwx[k];
    dprev[0] = 0.0f;
    dprev[1] = times_forget_gate(dc, f_gate);
    dprev[2] = times_forget_gate(dn, f_gate);
    dprev[3] = d_log_f;
}

template <>
FR_DEVICE_INLINE void backward<3>(const float* wx, const float* rh, const float* bias, const float* prev, const float* next,
                                  const float* dnext, float* dwx, float* dslot, float* dprev)
{
    const float h = next[0];
    dwx[0] = dnext[0] * (1.0f - h * h);
    dslot[0] = dwx[0];
    dprev[0] = 0.0f;
    (void)wx;
    (void)rh;
    (void)bias;
    (void)prev;
}

} /* namespace fr_cells */

#endif /* FR_RNN_CELLS_CUH */
