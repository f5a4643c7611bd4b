// cublas_library.h: libcublas loaded at run time where present (like libcuda and libnvrtc: the library builds and
// runs without it), for the layer API's input projection. Probes $FR_CUBLAS_LIBRARY, then libcublas.so.13 / .12 /
// .11 / libcublas.so; FR_CUBLAS_LIBRARY=none turns it off. Only the four calls fr_linear makes are resolved.
#ifndef FR_CUBLAS_LIBRARY_H
#define FR_CUBLAS_LIBRARY_H

#include "dynamic_library.h"
#include "fastrecurrence.h"

#include <cstdint>
#include <string>

namespace fr {

namespace cublas {
using Handle = struct cublasContext*;
using Status = int;  // cublasStatus_t: 0 = CUBLAS_STATUS_SUCCESS
constexpr int kOpN = 0, kOpT = 1;                                    // cublasOperation_t
constexpr int kR32F = 0, kR16F = 2, kR16BF = 14;                     // cudaDataType_t
constexpr int kCompute32F = 68;                                      // cublasComputeType_t CUBLAS_COMPUTE_32F
constexpr int kGemmDefault = -1;                                     // cublasGemmAlgo_t
using PFN_Create = Status (*)(Handle* handle);                       // cublasCreate_v2
using PFN_Destroy = Status (*)(Handle handle);                       // cublasDestroy_v2
using PFN_SetStream = Status (*)(Handle handle, void* stream);       // cublasSetStream_v2
using PFN_GemmEx = Status (*)(Handle handle, int transa, int transb, int m, int n, int k, const void* alpha,
                              const void* a, int a_type, int lda, const void* b, int b_type, int ldb, const void* beta,
                              void* c, int c_type, int ldc, int compute_type, int algo);  // cublasGemmEx (11+)
}  // namespace cublas

struct CublasLibrary {
    DynamicLibrary library;
    std::string name;  // the file that opened
    cublas::PFN_Create create = nullptr;
    cublas::PFN_Destroy destroy = nullptr;
    cublas::PFN_SetStream set_stream = nullptr;
    cublas::PFN_GemmEx gemm_ex = nullptr;
};

// The loaded library, or nullptr after recording FR_ERROR_UNSUPPORTED with what was tried. Loads on the first call;
// the outcome is kept for the process.
fr_status load_cublas(const CublasLibrary** library);

}  // namespace fr

#endif
