// memory_overlap.h: whether two strided layouts share a byte of memory, decided exactly (the test behind
// check_outputs_alone, which refuses in-place calls).
#ifndef FR_MEMORY_OVERLAP_H
#define FR_MEMORY_OVERLAP_H

#include <cstdint>
#include <utility>
#include <vector>

namespace fr {

// Elements of element_bytes bytes at base + sum_k stride_k * i_k for every 0 <= i_k < extent_k (strides in bytes, any
// sign). Every extent at least 1; a layout with no dimensions is one element (a plain byte range).
struct ByteLayout {
    uintptr_t base;
    int64_t element_bytes;
    std::vector<std::pair<int64_t, int64_t>> dims;  // (stride in bytes, extent)
};

enum class Overlap {
    kDisjoint,   // no byte of one is a byte of the other
    kShared,     // some element of one shares a byte with some element of the other
    kUndecided,  // the search ran past its budget (layouts far from any a tensor library makes); treated as disjoint
};

// The lowest byte any element of the layout touches, and one past the highest.
std::pair<uintptr_t, uintptr_t> byte_span(const ByteLayout& layout);

// Exact: an element of `a` and one of `b` overlap when a's address minus b's lies in (-a.element_bytes,
// b.element_bytes), a bounded integer combination of the strides of both. The search fixes one stride's
// coefficient at a time, largest stride first, keeping only those the remaining strides can still complete (a few per
// dimension for the layouts tensors have, interleaved slices of one buffer included), after a gcd test that settles
// most interleavings at once. `budget` bounds the coefficients tried. Layouts must reach less than 2^56 bytes
// (check_tensor's limits give at most 2^51).
Overlap overlap(const ByteLayout& a, const ByteLayout& b, int64_t budget = int64_t{1} << 16);

}  // namespace fr

#endif
