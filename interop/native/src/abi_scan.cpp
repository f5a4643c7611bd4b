// abi_scan.cpp: the scan operations' entry points (the work is in scan_ops.cpp).
#include "fastrecurrence.h"

#include "errors.h"
#include "scan_ops.h"

using namespace fr;

extern "C" {

FR_API fr_status fr_scan_forward(fr_context context, const fr_plan* plan, const fr_tensor* a, const fr_tensor* b,
                                 const fr_tensor* h0, const fr_tensor* h, const fr_tensor* h_last,
                                 const int64_t* cu_seqlens, int num_seqs, void* stream) {
    return guarded([&] {
        ScanTensors tensors;
        tensors.a = a;
        tensors.b = b;
        tensors.h0 = h0;
        tensors.h = h;
        tensors.h_last = h_last;
        return run_scan(false, context, plan, tensors, cu_seqlens, num_seqs, stream);
    });
}

FR_API fr_status fr_scan_backward(fr_context context, const fr_plan* plan, const fr_tensor* a, const fr_tensor* h,
                                  const fr_tensor* h0, const fr_tensor* dh, const fr_tensor* dh_last,
                                  const fr_tensor* da, const fr_tensor* db, const fr_tensor* dh0,
                                  const int64_t* cu_seqlens, int num_seqs, void* stream) {
    return guarded([&] {
        ScanTensors tensors;
        tensors.a = a;
        tensors.h = h;
        tensors.h0 = h0;
        tensors.dh = dh;
        tensors.dh_last = dh_last;
        tensors.da = da;
        tensors.db = db;
        tensors.dh0 = dh0;
        return run_scan(true, context, plan, tensors, cu_seqlens, num_seqs, stream);
    });
}

}  // extern "C"
