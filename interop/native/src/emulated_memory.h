// emulated_memory.h: the cuda-emulated backend's "device" memory (host memory from fr_malloc) and what keeps a call
// inside it. On a GPU the driver refuses a copy past an allocation, and a kernel that runs past one faults the context;
// on the emulator either would read or write the process's own heap (silent garbage, or a crash later). So every
// copy, and every tensor and array of a kernel-launching call, that starts in an fr_malloc block must end inside it.
// Memory the context did not allocate (host memory an emulated context reads as device memory) is the caller's to size.
#ifndef FR_EMULATED_MEMORY_H
#define FR_EMULATED_MEMORY_H

#include "emulation/emulation_state.h"
#include "fastrecurrence.h"
#include "tensor_checks.h"

#include <cstddef>

namespace fr {

// The block fr_malloc takes for `bytes`: rounded up to 256, aligned like cuMemAlloc's.
size_t emulated_block_bytes(size_t bytes);

// [pointer, pointer + bytes): inside the block it starts in, if it starts in one. `name` is the argument's.
fr_status check_emulated_range(emu::EmulationState& state, const void* pointer, size_t bytes, const char* name);

// Checks the context (check_live_context); then, on an emulated context, every tensor of `memory` whose first element
// lies in an fr_malloc block has all its elements (lowest to highest byte, whatever the strides' signs) in that block,
// and so has every array. A GPU context passes: its driver has the allocations and the kernel's faults.
fr_status check_emulated_call_memory(fr_context context, const CallMemory& memory);

}  // namespace fr

#endif
