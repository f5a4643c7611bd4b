// linear_ops.h: fr_linear: y = x w^T (the layer API's input projection), through cuBLAS when it is loaded and allowed,
// else kernels/linear.cu; argument checks shared by both.
#ifndef FR_LINEAR_OPS_H
#define FR_LINEAR_OPS_H

#include "fastrecurrence.h"

namespace fr {

fr_status run_linear(fr_context context, const fr_tensor* x, const fr_tensor* w, const fr_tensor* y, int allow_cublas,
                     int* used_cublas, void* stream);

// Destroys the context's cuBLAS handle, if one was made (fr_context_destroy, while the context is still live).
void release_cublas_handle(fr_context context);

}  // namespace fr

#endif
