// grid_barriers.h: the zeroed barrier states of kernels that synchronise their whole grid (fr_grid_sync in
// kernels/fr_device.cuh), owned per context. fr_grid_sync leaves its state zeroed again when the last block passes
// (count back to 0; the generation only has to differ between rounds), so a state is reusable after its launch
// completes. A ring of slots lets launches on different streams overlap without sharing one.
#ifndef FR_GRID_BARRIERS_H
#define FR_GRID_BARRIERS_H

#include "fastrecurrence.h"

namespace fr {

// The device address of a zeroed fr_grid_barrier_state for one launch on `context` (the ring is allocated on
// first use: 256 slots, so 256 launches in flight at once would be needed before two shared one).
fr_status grid_barrier_slot(fr_context context, void** slot);

// Frees the context's ring (fr_context_destroy, while the context is still live).
void release_grid_barriers(fr_context context);

}  // namespace fr

#endif
