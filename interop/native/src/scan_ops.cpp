// scan_ops.cpp: see scan_ops.h.
#include "scan_ops.h"

#include "compile_request.h"
#include "emulated_memory.h"
#include "errors.h"
#include "kernel_launch.h"
#include "plan_operation.h"
#include "tensor_checks.h"

#include "fr_scan_args.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fr {
namespace {

enum class Layout { sequence, state };  // [B, T, H, D] with strides, or contiguous [B or num_seqs, H, D]

struct Tensor {
    const char* name;
    const fr_tensor* tensor;
    Layout layout;
    bool required;
    bool output;
};

// The strides over (B, T, H); an extent-1 dimension's is never stepped and check_tensor leaves it unbounded, so the
// kernel gets 0 (no multiple of it, even by an index it does not dereference, can overflow).
void copy_strides(const fr_tensor* tensor, fr_i64 strides[3]) {
    for (int i = 0; i < 3; ++i) {
        strides[i] = tensor != nullptr && tensor->shape[i] != 1 ? static_cast<fr_i64>(tensor->strides[i]) : 0;
    }
}

CallMemory call_memory(const std::vector<Tensor>& tensors, const int64_t* cu_seqlens, int num_seqs) {
    CallMemory memory;
    for (const Tensor& t : tensors) (t.output ? memory.outputs : memory.inputs).push_back({t.name, t.tensor});
    memory.arrays = {{"cu_seqlens", cu_seqlens, cu_seqlens != nullptr ? (static_cast<size_t>(num_seqs) + 1) * sizeof(int64_t) : 0}};
    return memory;
}

fr_status check_tensors(const std::vector<Tensor>& tensors, int dtype, const int64_t* cu_seqlens, int num_seqs,
                        std::vector<int64_t>* shape) {
    const fr_tensor* a = tensors[0].tensor;
    fr_status status = check_tensor("a", a, 4);
    if (status != FR_OK) return status;
    *shape = std::vector<int64_t>(a->shape, a->shape + 4);
    const int64_t batch = (*shape)[0];
    const int64_t heads = (*shape)[2];
    const int64_t dim = (*shape)[3];

    if (cu_seqlens != nullptr) {
        if (batch != 1) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "a.shape[0]: expected B = 1 with cu_seqlens (packed sequences along T), got %lld.",
                        static_cast<long long>(batch));
        }
        if (num_seqs < 1) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "num_seqs: expected >= 1 with cu_seqlens, got %d.", num_seqs);
        }
        if (reinterpret_cast<uintptr_t>(cu_seqlens) % alignof(int64_t) != 0) {
            // a misaligned load is a sticky fault of the whole CUDA context, the caller's framework's included
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "cu_seqlens: expected NULL or 8-byte aligned device memory of num_seqs + 1 int64, got %p.",
                        static_cast<const void*>(cu_seqlens));
        }
    } else if (num_seqs != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "num_seqs: expected 0 without cu_seqlens, got %d.", num_seqs);
    }
    const std::vector<int64_t> state_shape = {cu_seqlens != nullptr ? num_seqs : batch, heads, dim};
    const std::string why = "the plan's FR_DTYPE=" + std::to_string(dtype);

    for (const Tensor& t : tensors) {
        if (t.tensor == nullptr) {
            if (t.required) return fail(FR_ERROR_INVALID_ARGUMENT, "%s: expected a tensor, got NULL.", t.name);
            continue;
        }
        const bool sequence = t.layout == Layout::sequence;
        status = check_tensor(t.name, t.tensor, sequence ? 4 : 3);
        if (status != FR_OK) return status;
        status = check_same_shape(t.name, t.tensor, sequence ? *shape : state_shape);
        if (status != FR_OK) return status;
        status = check_dtype(t.name, t.tensor, dtype, why.c_str());
        if (status != FR_OK) return status;
        if (sequence) {
            status = check_unit_last_stride(t.name, t.tensor);
            if (status == FR_OK && t.output) status = check_no_overlap(t.name, t.tensor);
        } else {
            status = check_contiguous(t.name, t.tensor);
        }
        if (status != FR_OK) return status;
    }
    return check_outputs_alone(call_memory(tensors, cu_seqlens, num_seqs));
}

fr_status check_grid(const fr_plan& plan, const std::vector<int64_t>& shape, int64_t lanes, const int64_t* cu_seqlens,
                     int num_seqs) {
    const int64_t heads = shape[2];
    const int64_t dim = shape[3];
    const int64_t sequences = cu_seqlens != nullptr ? num_seqs : shape[0];
    if (plan.grid.y != heads) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.grid.y: expected H = %lld (a.shape[2]), got %u; plan for this shape.",
                    static_cast<long long>(heads), plan.grid.y);
    }
    // past the grid's limit the sequences run in slices of kMaxGridYZ (run_scan)
    const int64_t grid_z = sequences < kMaxGridYZ ? sequences : kMaxGridYZ;
    if (plan.grid.z != grid_z) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.grid.z: expected %s%s%s = %lld, got %u; plan for this shape.",
                    sequences > kMaxGridYZ ? "min(65535, " : "", cu_seqlens != nullptr ? "num_seqs" : "B (a.shape[0])",
                    sequences > kMaxGridYZ ? ")" : "", static_cast<long long>(grid_z), plan.grid.z);
    }
    if (static_cast<int64_t>(plan.grid.x) * lanes < dim) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.grid.x: expected grid.x * FR_SCAN_LANES >= D = %lld, got %u * %lld; plan for this shape.",
                    static_cast<long long>(dim), plan.grid.x, static_cast<long long>(lanes));
    }
    return FR_OK;
}

}  // namespace

// The plan's constants the host relies on: the storage type and the lanes per block (for the grid check).
fr_status read_scan_plan_constants(const CompileRequest& request, const fr_dim3& plan_block, bool backward, int64_t* dtype,
                                   int64_t* lanes) {
    // the library's other sources (a test may register a scan under another name, so only these are refused by name)
    for (const char* other : {"linear", "rnn_forward", "rnn_backward", "rnn_alternating", "rnn_gradients"}) {
        if (request.source->name == other) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "plan.source_name: expected \"scan\" for fr_scan_%s, got \"%s\".",
                        backward ? "backward" : "forward", other);
        }
    }
    if (!find_define(request, "FR_DTYPE", dtype)) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected FR_DTYPE (the storage type), got none.");
    }
    if (*dtype < FR_DTYPE_FLOAT32 || *dtype > FR_DTYPE_FLOAT64) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected FR_DTYPE in 0..3, got %lld.",
                    static_cast<long long>(*dtype));
    }
    if (!find_define(request, "FR_SCAN_LANES", lanes)) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected FR_SCAN_LANES (d-lanes per block), got none.");
    }
    // The kernel's own limits (kernels/scan.cu static_asserts), checked here so a bad plan is named before any compile.
    if (*lanes < 1 || *lanes > 64 || (*lanes & (*lanes - 1)) != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected FR_SCAN_LANES a power of two in 1..64, got %lld.",
                    static_cast<long long>(*lanes));
    }
    int64_t threads = 0;
    const bool has_threads = find_define(request, "FR_SCAN_THREADS", &threads);
    if (!has_threads || threads < 32 || threads > 1024 || threads % 32 != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: expected FR_SCAN_THREADS a multiple of 32 in 32..1024 (threads per block), got %s.",
                    has_threads ? std::to_string(threads).c_str() : "none");
    }
    if (threads % *lanes != 0) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected FR_SCAN_LANES to divide FR_SCAN_THREADS = %lld, got %lld.",
                    static_cast<long long>(threads), static_cast<long long>(*lanes));
    }
    int64_t items = 0;
    const bool has_items = find_define(request, "FR_SCAN_ITEMS", &items);
    if (!has_items || items < 1 || items > 64) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected FR_SCAN_ITEMS in 1..64 (steps per thread), got %s.",
                    has_items ? std::to_string(items).c_str() : "none");
    }
    if (plan_block.x != static_cast<uint32_t>(threads) || plan_block.y != 1 || plan_block.z != 1) {
        // The kernel's segments and slots are laid out for exactly FR_SCAN_THREADS threads: any other block would
        // leave part of the output unwritten (smaller) or fail at launch (larger).
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.block: expected (%lld, 1, 1) = FR_SCAN_THREADS, got (%u, %u, %u).",
                    static_cast<long long>(threads), plan_block.x, plan_block.y, plan_block.z);
    }
    int64_t chunk = 0;  // optional; when given, kernels/scan.cu static_asserts it
    if (find_define(request, "FR_SCAN_CHUNK", &chunk) && chunk != threads / *lanes * items) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "plan.defines: expected FR_SCAN_CHUNK = (FR_SCAN_THREADS / FR_SCAN_LANES) * FR_SCAN_ITEMS = %lld, got %lld.",
                    static_cast<long long>(threads / *lanes * items), static_cast<long long>(chunk));
    }
    int64_t direction = 0;
    if (find_define(request, "FR_BACKWARD", &direction) && (direction != 0) != backward) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "plan.defines: expected FR_BACKWARD=%d for fr_scan_%s, got %lld.",
                    backward ? 1 : 0, backward ? "backward" : "forward", static_cast<long long>(direction));
    }
    return FR_OK;
}

fr_status run_scan(bool backward, fr_context context, const fr_plan* plan, const ScanTensors& in,
                   const int64_t* cu_seqlens, int num_seqs, void* stream) {
    // Everything that needs no device is checked before the context, so argument validation behaves (and is
    // tested) the same on machines without a GPU.
    CompileRequest request;
    LaunchShape shape;
    fr_status status = read_plan(plan, &request, &shape);
    if (status != FR_OK) return status;
    int64_t dtype = 0;
    int64_t lanes = 0;
    status = read_scan_plan_constants(request, plan->block, backward, &dtype, &lanes);
    if (status != FR_OK) return status;
    status = validate_launch_shape("plan", shape);
    if (status != FR_OK) return status;

    const Layout seq = Layout::sequence;
    const Layout state = Layout::state;
    // `a` first: its shape is the one the others must match.
    const std::vector<Tensor> tensors =
        backward ? std::vector<Tensor>{{"a", in.a, seq, true, false},
                                       {"h", in.h, seq, true, false},
                                       {"dh", in.dh, seq, true, false},
                                       {"da", in.da, seq, true, true},
                                       {"db", in.db, seq, true, true},
                                       {"h0", in.h0, state, false, false},
                                       {"dh_last", in.dh_last, state, false, false},
                                       {"dh0", in.dh0, state, false, true}}
                 : std::vector<Tensor>{{"a", in.a, seq, true, false},
                                       {"b", in.b, seq, true, false},
                                       {"h", in.h, seq, true, true},
                                       {"h0", in.h0, state, false, false},
                                       {"h_last", in.h_last, state, false, true}};
    std::vector<int64_t> sizes;
    status = check_tensors(tensors, static_cast<int>(dtype), cu_seqlens, num_seqs, &sizes);
    if (status != FR_OK) return status;
    status = check_grid(*plan, sizes, lanes, cu_seqlens, num_seqs);
    if (status != FR_OK) return status;
    fr_scan_args args{};
    args.a = in.a->data;
    args.h = in.h->data;
    args.h0 = in.h0 != nullptr ? in.h0->data : nullptr;
    if (backward) {
        args.dh = in.dh->data;
        args.dh_last = in.dh_last != nullptr ? in.dh_last->data : nullptr;
        args.da = in.da->data;
        args.db = in.db->data;
        args.dh0 = in.dh0 != nullptr ? in.dh0->data : nullptr;
    } else {
        args.b = in.b->data;
        args.h_last = in.h_last != nullptr ? in.h_last->data : nullptr;
    }
    args.cu_seqlens = reinterpret_cast<const fr_i64*>(cu_seqlens);
    args.batch = static_cast<int>(sizes[0]);
    args.steps = static_cast<int>(sizes[1]);
    args.heads = static_cast<int>(sizes[2]);
    args.dim = static_cast<int>(sizes[3]);
    args.num_seqs = cu_seqlens != nullptr ? num_seqs : args.batch;
    copy_strides(in.a, args.a_stride);
    copy_strides(in.b, args.b_stride);
    copy_strides(in.h, args.h_stride);
    copy_strides(in.dh, args.dh_stride);
    copy_strides(in.da, args.da_stride);
    copy_strides(in.db, args.db_stride);

    status = check_emulated_call_memory(context, call_memory(tensors, cu_seqlens, num_seqs));
    if (status != FR_OK) return status;
    // More sequences than a grid holds in z: consecutive launches on the stream, each over a slice of the sequences,
    // its tensors starting at the slice's first (the kernel sees a smaller batch). Slices share no memory, so the
    // result is the one launch's, bit for bit.
    const int64_t sequences = args.num_seqs, slice = plan->grid.z;
    const int64_t element = static_cast<int64_t>(element_bytes(static_cast<int>(dtype)));
    const fr_scan_args whole = args;
    const char* const kernel = backward ? "fr_scan_backward" : "fr_scan_forward";
    for (int64_t first = 0; first < sequences; first += slice) {
        const int64_t count = sequences - first < slice ? sequences - first : slice;
        const auto at = [&](const void* base, int64_t elements) -> void* {
            return base == nullptr ? nullptr
                                   : static_cast<unsigned char*>(const_cast<void*>(base)) + elements * element;
        };
        // sequence tensors move by batch rows (with cu_seqlens every sequence lies in batch row 0: the offsets move);
        // state tensors [sequences, H, D] by rows
        const int64_t rows = cu_seqlens != nullptr ? 0 : first;
        const int64_t first_state = first * args.heads * int64_t{args.dim};
        args.a = at(whole.a, rows * args.a_stride[0]);
        args.h = at(whole.h, rows * args.h_stride[0]);
        args.h0 = at(whole.h0, first_state);
        if (backward) {
            args.dh = at(whole.dh, rows * args.dh_stride[0]);
            args.da = at(whole.da, rows * args.da_stride[0]);
            args.db = at(whole.db, rows * args.db_stride[0]);
            args.dh_last = at(whole.dh_last, first_state);
            args.dh0 = at(whole.dh0, first_state);
        } else {
            args.b = at(whole.b, rows * args.b_stride[0]);
            args.h_last = at(whole.h_last, first_state);
        }
        if (cu_seqlens != nullptr) {
            args.cu_seqlens = whole.cu_seqlens + first;
            args.num_seqs = static_cast<int>(count);
        } else {
            args.batch = static_cast<int>(count);
            args.num_seqs = static_cast<int>(count);
        }
        LaunchShape part = shape;
        part.grid.z = static_cast<unsigned>(count);
        void* params[] = {&args};
        if ((status = launch_planned(context, request, kernel, part, stream, params)) != FR_OK) return status;
    }
    return FR_OK;
}

}  // namespace fr
