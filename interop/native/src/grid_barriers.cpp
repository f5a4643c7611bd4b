// grid_barriers.cpp: see grid_barriers.h.
#include "grid_barriers.h"

#include "device_context.h"

#include <vector>

namespace fr {
namespace {
constexpr unsigned kSlots = 256;
constexpr size_t kSlotBytes = 8;  // fr_grid_barrier_state: count, generation
}  // namespace

fr_status grid_barrier_slot(fr_context context, void** slot) {
    std::lock_guard<std::mutex> lock(context->grid_barriers_mutex);
    if (context->grid_barriers == nullptr) {
        void* ring = nullptr;
        fr_status status = fr_malloc(context, kSlots * kSlotBytes, &ring);
        if (status != FR_OK) return status;
        const std::vector<unsigned char> zeros(kSlots * kSlotBytes, 0);
        status = fr_memcpy_to_device(context, ring, zeros.data(), zeros.size());
        if (status != FR_OK) {
            fr_free(context, ring);
            return status;
        }
        context->grid_barriers = ring;
    }
    *slot = static_cast<unsigned char*>(context->grid_barriers) + (context->next_grid_barrier++ % kSlots) * kSlotBytes;
    return FR_OK;
}

void release_grid_barriers(fr_context context) {
    std::lock_guard<std::mutex> lock(context->grid_barriers_mutex);
    if (context->grid_barriers != nullptr) fr_free(context, context->grid_barriers);
    context->grid_barriers = nullptr;
}

}  // namespace fr
