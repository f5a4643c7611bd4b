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
    kUndecided,  // the search ran past its budget; check_outputs_alone lets such a pair through
};

// The lowest byte any element of the layout touches, and one past the highest.
std::pair<uintptr_t, uintptr_t> byte_span(const ByteLayout& layout);

// Exact: an element of `a` and one of `b` overlap when a's address minus b's lies in (-a.element_bytes,
// b.element_bytes), a bounded integer combination of the strides of both. After the span test and a gcd test (no
// multiple of the strides' gcd in that interval), two coefficients are solved exactly as a linear Diophantine
// equation for each choice of the others, which are enumerated largest stride first, keeping only values the rest can
// still complete. The two are the pair that leaves the least to enumerate (an estimate over all pairs): for nested
// layouts (slices of one tensor) the smallest strides, a few values per other dimension; for long dimensions at
// unrelated strides the longest two, the product of the short ones. `budget` bounds the values tried: past it the
// answer is kUndecided (three or more long dimensions whose strides do not nest, as slices and transposes of one
// tensor do). Layouts must reach less than 2^56 bytes (check_tensor's limits give at most 2^51).
Overlap overlap(const ByteLayout& a, const ByteLayout& b, int64_t budget = int64_t{1} << 16);

}  // namespace fr

#endif
