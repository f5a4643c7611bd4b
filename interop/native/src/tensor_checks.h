// tensor_checks.h: validation of fr_tensor descriptors with the one message format of the project:
//   "{name}: expected {what}, got {actual}."  e.g. "h: expected shape [2, 16, 4, 64], got [2, 16, 4, 32]."
#ifndef FR_TENSOR_CHECKS_H
#define FR_TENSOR_CHECKS_H

#include "fastrecurrence.h"
#include "memory_overlap.h"

#include <climits>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace fr {

const char* dtype_name(int dtype);

// Bytes of one element of an fr_dtype: 4, 2, 2, 8.
size_t element_bytes(int dtype);

// "[2, 16, 4, 64]"
std::string shape_text(const int64_t* shape, int rank);

// More elements than any device holds (2^48): the limit on a tensor's count and on the offset its strides reach.
constexpr int64_t kMaxTensorElements = int64_t{1} << 48;

// The product of non-negative `factors` into *product; false (and *product unset) when it would exceed `limit`.
bool product_within(std::initializer_list<int64_t> factors, int64_t limit, int64_t* product);

// Non-null descriptor and data aligned to the dtype's size, a valid dtype, rank `rank`, every extent in 1..INT32_MAX
// (the kernels index with 32-bit extents and 64-bit strides), at most kMaxTensorElements elements, and strides whose
// furthest offset stays below that too (so sizes and offsets computed from a checked tensor never overflow int64).
// `max_extent`: flat buffers the kernels index with 64-bit offsets only (a reserve, a packed R) may pass INT32_MAX, up
// to kMaxTensorElements.
fr_status check_tensor(const char* name, const fr_tensor* tensor, int rank, int64_t max_extent = INT32_MAX);

// Same shape as `expected` (its extents).
fr_status check_same_shape(const char* name, const fr_tensor* tensor, const std::vector<int64_t>& expected);

fr_status check_dtype(const char* name, const fr_tensor* tensor, int expected, const char* why);

// Stride 1 over the last dimension (ignored where that extent is 1).
fr_status check_unit_last_stride(const char* name, const fr_tensor* tensor);

// Dense row-major strides (PyTorch's is_contiguous: strides of extent-1 dimensions do not matter).
fr_status check_contiguous(const char* name, const fr_tensor* tensor);

// For outputs: positive strides that never map two elements to one address (a broadcast or overlapping view
// would make blocks race on the same memory).
fr_status check_no_overlap(const char* name, const fr_tensor* tensor);

// An operation's tensor under its argument's name (NULL: an optional tensor not given).
struct NamedTensor {
    const char* name;
    const fr_tensor* tensor;
};

// Every output against every other tensor of the call, outputs and inputs (each already checked by check_tensor),
// and against the device arrays it reads:
// an output that shares memory with one is refused, both named. The kernels read inputs while other blocks write
// outputs, so in place or overlapping calls would return garbage, not an error. Strided views are compared by their
// elements (memory_overlap.h): two interleaved slices of one buffer that share no element are let through.
// `arrays`: the call's raw device arrays the kernels read (lengths, cu_seqlens), compared as byte ranges.
// On success the outputs are memory the call means to write: a packed R remembered there is forgotten
// (packed_recurrent_registry.h), whether or not a later check stops the call.
struct NamedBytes {
    const char* name;
    const void* data;  // NULL: not given
    size_t bytes;
};
fr_status check_outputs_alone(const std::vector<NamedTensor>& outputs, const std::vector<NamedTensor>& inputs,
                              const std::vector<NamedBytes>& arrays = {});

// All the memory one call reads or writes, named: what check_outputs_alone compares and, on an emulated context,
// check_emulated_call_memory (emulated_memory.h) holds to the context's allocations.
struct CallMemory {
    std::vector<NamedTensor> outputs;
    std::vector<NamedTensor> inputs;
    std::vector<NamedBytes> arrays;
};
fr_status check_outputs_alone(const CallMemory& memory);

// A checked tensor's elements as a layout in bytes (memory_overlap.h).
ByteLayout tensor_byte_layout(const fr_tensor* tensor);

}  // namespace fr

#endif
