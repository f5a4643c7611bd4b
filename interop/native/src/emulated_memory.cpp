// emulated_memory.cpp: see emulated_memory.h.
#include "emulated_memory.h"

#include "device_context.h"
#include "errors.h"
#include "memory_overlap.h"

#include <cstdint>
#include <mutex>

namespace fr {

namespace {

struct Block {
    uintptr_t start = 0;
    size_t bytes = 0;  // asked for; the block's rounding past them is not the caller's

    // What is left of the block from `pointer` (inside it or its rounding): 0 from its end on.
    size_t left_from(const void* pointer) const {
        const size_t offset = static_cast<size_t>(reinterpret_cast<uintptr_t>(pointer) - start);
        return offset < bytes ? bytes - offset : 0;
    }
};

// The fr_malloc block (with its rounding) that `pointer` lies in; false if none.
bool find_block(emu::EmulationState& state, const void* pointer, Block* block) {
    std::lock_guard<std::mutex> lock(state.mutex);
    auto found = state.allocations.upper_bound(pointer);
    if (found == state.allocations.begin()) return false;
    --found;
    const uintptr_t start = reinterpret_cast<uintptr_t>(found->first), at = reinterpret_cast<uintptr_t>(pointer);
    if (at - start >= emulated_block_bytes(found->second)) return false;  // past it and its rounding: not the context's
    *block = {start, found->second};
    return true;
}

}  // namespace

size_t emulated_block_bytes(size_t bytes) { return (bytes + 255) / 256 * 256; }

fr_status check_emulated_range(emu::EmulationState& state, const void* pointer, size_t bytes, const char* name) {
    Block block;
    if (!find_block(state, pointer, &block)) return FR_OK;
    const size_t left = block.left_from(pointer);
    if (bytes > left) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "bytes: expected at most %zu (what is left of the fr_malloc block of %zu bytes at %p from %s %p), got %zu.",
                    left, block.bytes, reinterpret_cast<void*>(block.start), name, pointer, bytes);
    }
    return FR_OK;
}

fr_status check_emulated_call_memory(fr_context context, const CallMemory& memory) {
    fr_status status = check_live_context(context);
    if (status != FR_OK || context->emulation == nullptr) return status;
    emu::EmulationState& state = *context->emulation;
    for (const auto* group : {&memory.outputs, &memory.inputs}) {
        for (const NamedTensor& t : *group) {
            if (t.tensor == nullptr) continue;
            Block block;
            if (!find_block(state, t.tensor->data, &block)) continue;
            // the element at index 0 anchors the tensor; a negative stride reaches below it
            const auto span = byte_span(tensor_byte_layout(t.tensor));
            if (span.first < block.start || span.second > block.start + block.bytes) {
                return fail(FR_ERROR_INVALID_ARGUMENT,
                            "%s: expected its elements inside the fr_malloc block of %zu bytes at %p that %s.data %p "
                            "lies in, got bytes [%p, %p) (shape %s, strides %s).",
                            t.name, block.bytes, reinterpret_cast<void*>(block.start), t.name, t.tensor->data,
                            reinterpret_cast<void*>(span.first), reinterpret_cast<void*>(span.second),
                            shape_text(t.tensor->shape, t.tensor->rank).c_str(),
                            shape_text(t.tensor->strides, t.tensor->rank).c_str());
            }
        }
    }
    for (const NamedBytes& a : memory.arrays) {
        if (a.data == nullptr || a.bytes == 0) continue;
        Block block;
        if (!find_block(state, a.data, &block)) continue;
        const size_t left = block.left_from(a.data);
        if (a.bytes > left) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "%s: expected %zu bytes inside the fr_malloc block of %zu bytes at %p that it starts in, got %p "
                        "with %zu bytes left.",
                        a.name, a.bytes, block.bytes, reinterpret_cast<void*>(block.start), a.data, left);
        }
    }
    return FR_OK;
}

}  // namespace fr
