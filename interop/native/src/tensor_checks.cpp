// tensor_checks.cpp: see tensor_checks.h.
#include "tensor_checks.h"

#include "errors.h"
#include "memory_overlap.h"
#include "packed_recurrent_registry.h"

#include <algorithm>
#include <climits>
#include <utility>

namespace fr {

const char* dtype_name(int dtype) {
    switch (dtype) {
        case FR_DTYPE_FLOAT32: return "float32";
        case FR_DTYPE_BFLOAT16: return "bfloat16";
        case FR_DTYPE_FLOAT16: return "float16";
        case FR_DTYPE_FLOAT64: return "float64";
    }
    return "unknown";
}

std::string shape_text(const int64_t* shape, int rank) {
    std::string text = "[";
    for (int i = 0; i < rank; ++i) text += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
    return text + "]";
}

bool product_within(std::initializer_list<int64_t> factors, int64_t limit, int64_t* product) {
    int64_t result = 1;
    for (int64_t factor : factors) {
        if (factor < 0 || __builtin_mul_overflow(result, factor, &result) || result > limit) return false;
    }
    *product = result;
    return true;
}

size_t element_bytes(int dtype) { return dtype == FR_DTYPE_FLOAT32 ? 4 : dtype == FR_DTYPE_FLOAT64 ? 8 : 2; }

fr_status check_tensor(const char* name, const fr_tensor* tensor, int rank, int64_t max_extent) {
    if (tensor == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "%s: expected a tensor, got NULL.", name);
    if (tensor->data == nullptr) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s.data: expected a device pointer, got NULL.", name);
    }
    const int dtype = enum_value(tensor->dtype);
    if (dtype < FR_DTYPE_FLOAT32 || dtype > FR_DTYPE_FLOAT64) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s.dtype: expected an fr_dtype (0..3), got %d.", name, dtype);
    }
    if (tensor->rank != rank) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s.rank: expected %d, got %d.", name, rank, tensor->rank);
    }
    for (int i = 0; i < rank; ++i) {
        if (tensor->shape[i] < 1 || tensor->shape[i] > max_extent) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "%s.shape[%d]: expected 1..%lld, got %lld.", name, i,
                        static_cast<long long>(max_extent), static_cast<long long>(tensor->shape[i]));
        }
    }
    // Every size the library derives from the shapes (scratch, reserve, packed lengths: a few small factors times a
    // tensor's count) and every offset a kernel computes from the strides then fits int64 with room to spare.
    int64_t count = 1, reach = 0;
    bool too_large = false;
    for (int i = 0; i < rank && !too_large; ++i) {
        const int64_t stride = tensor->strides[i];
        const int64_t magnitude = stride < 0 ? (stride == INT64_MIN ? INT64_MAX : -stride) : stride;
        int64_t step = 0;
        too_large = __builtin_mul_overflow(count, tensor->shape[i], &count) || count > kMaxTensorElements ||
                    __builtin_mul_overflow(magnitude, tensor->shape[i] - 1, &step) ||
                    __builtin_add_overflow(reach, step, &reach) || reach >= kMaxTensorElements;
    }
    if (too_large) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "%s: expected at most 2^48 elements, spanned by its strides too, got shape %s with strides %s.", name,
                    shape_text(tensor->shape, rank).c_str(), shape_text(tensor->strides, rank).c_str());
    }
    const size_t element = element_bytes(dtype);
    if (reinterpret_cast<uintptr_t>(tensor->data) % element != 0) {
        // a misaligned load is a sticky fault of the whole CUDA context, the caller's framework's included
        return fail(FR_ERROR_INVALID_ARGUMENT, "%s.data: expected %zu-byte aligned device memory (%s), got %p.", name,
                    element, dtype_name(dtype), tensor->data);
    }
    return FR_OK;
}

fr_status check_same_shape(const char* name, const fr_tensor* tensor, const std::vector<int64_t>& expected) {
    const int rank = static_cast<int>(expected.size());
    if (tensor->rank == rank && std::equal(expected.begin(), expected.end(), tensor->shape)) return FR_OK;
    return fail(FR_ERROR_INVALID_ARGUMENT, "%s: expected shape %s, got %s.", name,
                shape_text(expected.data(), rank).c_str(), shape_text(tensor->shape, tensor->rank).c_str());
}

fr_status check_dtype(const char* name, const fr_tensor* tensor, int expected, const char* why) {
    const int dtype = enum_value(tensor->dtype);
    if (dtype == expected) return FR_OK;
    return fail(FR_ERROR_INVALID_ARGUMENT, "%s.dtype: expected %s (%s), got %s.", name, dtype_name(expected), why,
                dtype_name(dtype));
}

fr_status check_unit_last_stride(const char* name, const fr_tensor* tensor) {
    const int last = tensor->rank - 1;
    if (tensor->shape[last] == 1 || tensor->strides[last] == 1) return FR_OK;
    return fail(FR_ERROR_INVALID_ARGUMENT, "%s.strides[%d]: expected 1 (the last dimension dense), got %lld.", name,
                last, static_cast<long long>(tensor->strides[last]));
}

// Products of shapes saturate instead of overflowing (each dimension is checked positive before this runs); a
// saturated expectation simply never equals a real stride.
static int64_t saturating_product(int64_t a, int64_t b) {
    if (a <= 0 || b <= 0) return a * b;
    return a > INT64_MAX / b ? INT64_MAX : a * b;
}

fr_status check_contiguous(const char* name, const fr_tensor* tensor) {
    int64_t expected = 1;
    for (int i = tensor->rank - 1; i >= 0; --i) {
        if (tensor->shape[i] != 1 && tensor->strides[i] != expected) {
            std::vector<int64_t> dense(static_cast<size_t>(tensor->rank));
            int64_t stride = 1;
            for (int j = tensor->rank - 1; j >= 0; --j) {
                dense[j] = stride;
                stride = saturating_product(stride, tensor->shape[j]);
            }
            return fail(FR_ERROR_INVALID_ARGUMENT, "%s.strides: expected contiguous %s, got %s.", name,
                        shape_text(dense.data(), tensor->rank).c_str(),
                        shape_text(tensor->strides, tensor->rank).c_str());
        }
        expected = saturating_product(expected, tensor->shape[i]);
    }
    return FR_OK;
}

fr_status check_no_overlap(const char* name, const fr_tensor* tensor) {
    // Sorted by stride, each dimension must step over everything the smaller ones span: then no two index
    // tuples reach the same element.
    std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, extent) of dimensions with extent > 1
    for (int i = 0; i < tensor->rank; ++i) {
        if (tensor->shape[i] == 1) continue;
        if (tensor->strides[i] < 1) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "%s.strides[%d]: expected a positive stride for an output, got %lld.", name, i,
                        static_cast<long long>(tensor->strides[i]));
        }
        dims.emplace_back(tensor->strides[i], tensor->shape[i]);
    }
    std::sort(dims.begin(), dims.end());
    int64_t span = 1;  // elements covered by the dimensions so far
    for (const auto& dim : dims) {
        if (dim.first < span) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "%s.strides: expected an output layout without overlapping elements, got strides %s for "
                        "shape %s.",
                        name, shape_text(tensor->strides, tensor->rank).c_str(),
                        shape_text(tensor->shape, tensor->rank).c_str());
        }
        span = dim.first > INT64_MAX / dim.second ? INT64_MAX : dim.first * dim.second;
    }
    return FR_OK;
}

ByteLayout tensor_byte_layout(const fr_tensor* tensor) {
    const int64_t element = static_cast<int64_t>(element_bytes(enum_value(tensor->dtype)));
    ByteLayout layout{reinterpret_cast<uintptr_t>(tensor->data), element, {}};
    for (int i = 0; i < tensor->rank; ++i) {
        if (tensor->shape[i] != 1) layout.dims.emplace_back(tensor->strides[i] * element, tensor->shape[i]);
    }
    return layout;
}

fr_status check_outputs_alone(const std::vector<NamedTensor>& outputs, const std::vector<NamedTensor>& inputs,
                              const std::vector<NamedBytes>& arrays) {
    // every tensor and array given, as a layout in bytes; the first outputs.size() are the outputs
    struct Named {
        const char* name;
        bool given;
        ByteLayout layout;
    };
    std::vector<Named> all;
    for (const auto* group : {&outputs, &inputs}) {
        for (const NamedTensor& t : *group) {
            all.push_back(t.tensor != nullptr ? Named{t.name, true, tensor_byte_layout(t.tensor)} : Named{t.name, false, {}});
        }
    }
    for (const NamedBytes& a : arrays) {
        const bool given = a.data != nullptr && a.bytes != 0;
        all.push_back({a.name, given, {reinterpret_cast<uintptr_t>(a.data), static_cast<int64_t>(a.bytes), {}}});
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
        if (!all[i].given) continue;
        for (size_t j = 0; j < all.size(); ++j) {
            if (j == i || !all[j].given) continue;
            Overlap found = overlap(all[i].layout, all[j].layout);
            if (found == Overlap::kUndecided) found = overlap(all[j].layout, all[i].layout);  // the other order's search
            if (found != Overlap::kShared) continue;
            // the spans: for a strided view with gaps, from its lowest to past its highest element
            const auto mine = byte_span(all[i].layout), theirs = byte_span(all[j].layout);
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "%s: expected memory of its own (an output shares no byte with another tensor of the call), "
                        "got bytes [%p, %p) overlapping %s's [%p, %p).",
                        all[i].name, reinterpret_cast<void*>(mine.first), reinterpret_cast<void*>(mine.second),
                        all[j].name, reinterpret_cast<void*>(theirs.first), reinterpret_cast<void*>(theirs.second));
        }
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
        if (!all[i].given) continue;
        const auto span = byte_span(all[i].layout);
        forget_packed_recurrent(reinterpret_cast<const void*>(span.first), static_cast<size_t>(span.second - span.first));
    }
    return FR_OK;
}

fr_status check_outputs_alone(const CallMemory& memory) {
    return check_outputs_alone(memory.outputs, memory.inputs, memory.arrays);
}

}  // namespace fr
