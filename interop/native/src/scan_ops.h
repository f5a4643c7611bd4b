// scan_ops.h: fr_scan_forward / fr_scan_backward: validate the plan and every tensor, fill fr_scan_args
// (kernels/fr_scan_args.h, shared with the kernels), load the plan's module once per context, launch.
#ifndef FR_SCAN_OPS_H
#define FR_SCAN_OPS_H

#include "compile_request.h"
#include "fastrecurrence.h"

#include <cstdint>

namespace fr {

struct ScanTensors {
    const fr_tensor* a = nullptr;
    const fr_tensor* b = nullptr;  // forward
    const fr_tensor* h0 = nullptr;
    const fr_tensor* h = nullptr;
    const fr_tensor* h_last = nullptr;  // forward
    const fr_tensor* dh = nullptr;       // backward
    const fr_tensor* dh_last = nullptr;  // backward
    const fr_tensor* da = nullptr;       // backward
    const fr_tensor* db = nullptr;       // backward
    const fr_tensor* dh0 = nullptr;      // backward
};

// A scan plan's constants against the kernel's limits and the plan's block (named before any compile): the storage type
// and the lanes per block into *dtype, *lanes. plan_modules checks scan plans with it too.
fr_status read_scan_plan_constants(const CompileRequest& request, const fr_dim3& plan_block, bool backward, int64_t* dtype,
                                   int64_t* lanes);

fr_status run_scan(bool backward, fr_context context, const fr_plan* plan, const ScanTensors& tensors,
                   const int64_t* cu_seqlens, int num_seqs, void* stream);

}  // namespace fr

#endif
