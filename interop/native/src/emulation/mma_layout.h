// mma_layout.h: the tensor-core mma of one warp, from the 32 lanes' fragment registers to theirs of D, using the
// per-lane fragment layouts of the PTX ISA (mma.m16n8k16 with .bf16 / .f16 and mma.m16n8k8 with .tf32, .row.col,
// f32 accumulators). The emulator's warp_op calls it once all 32 lanes have arrived.
#ifndef FR_EMULATION_MMA_LAYOUT_H
#define FR_EMULATION_MMA_LAYOUT_H

#include "fr_emulation_abi.h"

namespace fr::emu {

// lanes[l] is lane l's operation (kind FR_EMU_MMA_*; in[0..3] = a, in[4..5] = b, c); fills every lane's d.
// Products are exact and the sum is formed in double, then rounded to float (exact unless the terms' exponents are
// far apart, where the double sum rounds once more). The hardware
// accumulates in its own order and precision, so a GPU may differ from this in the last bits.
void emulate_mma(fr_emu_warp_op* const lanes[32]);

}  // namespace fr::emu

#endif
