// packed_recurrent_registry.h: which memory holds an R that fr_rnn_pack_recurrent wrote, and in which fragment layout,
// so fr_rnn_forward refuses a rank-1 r that no pack wrote, or one packed for another plan's layout, by name, instead of
// reading it as fragments (same element count, other layout: silent garbage). Process-wide: device pointers are unique
// across a process's devices (unified addressing), and emulated ones are host memory.
//
// What it cannot see: memory written behind the library's back (a framework's own copy into a packed buffer, or a
// buffer freed and reused by another allocator). Every operation's outputs (check_outputs_alone), fr_malloc, fr_free,
// fr_memcpy_to_device and fr_memset_zero forget what they overwrite or release. Decision 0035.
#ifndef FR_PACKED_RECURRENT_REGISTRY_H
#define FR_PACKED_RECURRENT_REGISTRY_H

#include "fastrecurrence.h"

#include <cstddef>
#include <string>

namespace fr {

// [data, data + bytes) now holds R in `layout` (a description that names the plan's layout constants); what was
// remembered for memory overlapping it is forgotten.
void remember_packed_recurrent(const void* data, size_t bytes, const std::string& layout);

// [data, data + bytes) no longer holds what was packed there (written or reallocated).
void forget_packed_recurrent(const void* data, size_t bytes);

// FR_OK when [data, data + bytes) is exactly what a pack in `layout` wrote last (and it counts as recently used);
// otherwise FR_ERROR_INVALID_ARGUMENT naming `name`, and the layout it was packed in where that is the difference.
fr_status check_packed_recurrent(const char* name, const void* data, size_t bytes, const std::string& layout);

// How many packs are remembered (tests).
size_t remembered_packed_recurrent_count();

}  // namespace fr

#endif
