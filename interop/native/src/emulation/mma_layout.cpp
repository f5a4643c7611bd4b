// mma_layout.cpp: see mma_layout.h. Fragment layouts (PTX ISA, "Matrix Fragments for mma.m16n8k16" and
// "... for mma.m16n8k8" with .tf32), with g = laneid >> 2 and t = laneid % 4:
//   m16n8k16 A (16 x 16, row-major): register r holds elements 2r (low half) and 2r + 1 (high half);
//            element i: row = g + 8 * ((i / 2) % 2), col = 2t + (i % 2) + 8 * (i / 4)
//   m16n8k16 B (16 x 8, K x N):     element i (0..3): row = 2t + (i % 2) + 8 * (i / 2), col = g
//   m16n8k8  A (16 x 8) tf32:        register i: row = g + 8 * (i % 2), col = t + 4 * (i / 2)
//   m16n8k8  B (8 x 8) tf32:         register i: row = t + 4 * i, col = g
//   C / D (16 x 8, f32):             element i: row = g + 8 * (i / 2), col = 2t + (i % 2)
#include "emulation/mma_layout.h"

#include <cstdint>
#include <cstring>

namespace fr::emu {
namespace {

float float_bits(uint32_t u) {
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

// the 16-bit element in half `h` (0: low, 1: high) of a register, widened exactly
double half_value(int kind, uint32_t reg, int h) {
    const uint32_t bits = h == 0 ? (reg & 0xffffu) : (reg >> 16);
    if (kind == FR_EMU_MMA_BF16) return float_bits(bits << 16);
    // IEEE binary16
    const uint32_t sign = bits >> 15, exponent = (bits >> 10) & 0x1fu, mantissa = bits & 0x3ffu;
    double value;
    if (exponent == 0x1fu) {
        value = mantissa != 0 ? static_cast<double>(float_bits(0x7fc00000u)) : static_cast<double>(float_bits(0x7f800000u));
    } else if (exponent == 0) {
        value = static_cast<double>(mantissa) * (1.0 / 16777216.0);  // m * 2^-24
    } else {
        value = (1.0 + mantissa / 1024.0);
        int e = static_cast<int>(exponent) - 15;
        while (e > 0) { value *= 2.0; --e; }
        while (e < 0) { value *= 0.5; ++e; }
    }
    return sign != 0 ? -value : value;
}

// a tf32 operand: the hardware reads the register's 19 high bits
double tf32_value(uint32_t reg) { return static_cast<double>(float_bits(reg & 0xffffe000u)); }

}  // namespace

void emulate_mma(fr_emu_warp_op* const lanes[32]) {
    const int kind = lanes[0]->kind;
    const bool tf32 = kind == FR_EMU_MMA_TF32;
    const int depth = tf32 ? 8 : 16;
    double a[16][16] = {};
    double b[16][8] = {};
    double c[16][8] = {};
    for (int lane = 0; lane < 32; ++lane) {
        const fr_emu_warp_op& op = *lanes[lane];
        const int g = lane >> 2, t = lane & 3;
        if (tf32) {
            for (int i = 0; i < 4; ++i) a[g + 8 * (i % 2)][t + 4 * (i / 2)] = tf32_value(op.in[i]);
            for (int i = 0; i < 2; ++i) b[t + 4 * i][g] = tf32_value(op.in[4 + i]);
        } else {
            for (int i = 0; i < 8; ++i) {
                a[g + 8 * ((i / 2) % 2)][2 * t + (i % 2) + 8 * (i / 4)] = half_value(kind, op.in[i / 2], i % 2);
            }
            for (int i = 0; i < 4; ++i) b[2 * t + (i % 2) + 8 * (i / 2)][g] = half_value(kind, op.in[4 + i / 2], i % 2);
        }
        for (int i = 0; i < 4; ++i) c[g + 8 * (i / 2)][2 * t + (i % 2)] = op.c[i];
    }
    for (int lane = 0; lane < 32; ++lane) {
        const int g = lane >> 2, t = lane & 3;
        for (int i = 0; i < 4; ++i) {
            const int row = g + 8 * (i / 2), col = 2 * t + (i % 2);
            double sum = c[row][col];
            for (int k = 0; k < depth; ++k) sum += a[row][k] * b[k][col];
            lanes[lane]->d[i] = static_cast<float>(sum);
        }
    }
}

}  // namespace fr::emu
