// scratch_memory.h: device memory an operation needs for the duration of one call on one stream (the alternating
// RNN's pre-activations and states), released when the call's work is done. On a GPU it is stream-ordered
// (cuMemAllocAsync / cuMemFreeAsync: no synchronisation, and the memory is not reused before the stream's kernels
// finish); with an older driver it is allocated, and freed after synchronising the stream. On an emulated context the
// launches have finished when they return, so it is plain host memory.
#ifndef FR_SCRATCH_MEMORY_H
#define FR_SCRATCH_MEMORY_H

#include "fastrecurrence.h"

#include <cstddef>

namespace fr {

class ScratchMemory {
public:
    ScratchMemory() = default;
    ~ScratchMemory();
    ScratchMemory(const ScratchMemory&) = delete;
    ScratchMemory& operator=(const ScratchMemory&) = delete;

    // `bytes` (> 0) on `stream` of `context`; FR_ERROR_OUT_OF_MEMORY or the driver's status with a message. Where the
    // device has no memory pools (cuMemAllocAsync: CUDA_ERROR_NOT_SUPPORTED) the synchronous path is taken instead.
    fr_status allocate(fr_context context, size_t bytes, void* stream);
    // Zeroes the allocation, ordered on the stream before the kernels launched after it.
    fr_status zero();
    void* get() const { return pointer_; }

private:
    fr_context context_ = nullptr;
    void* stream_ = nullptr;
    void* pointer_ = nullptr;
    size_t bytes_ = 0;
    bool stream_ordered_ = false;
};

}  // namespace fr

#endif
