/*
 * fr_storage.cuh: the storage type of the recurrent and linear kernels (rnn_forward.cu, rnn_alternating.cu,
 * linear.cu), chosen by the plan's FR_DTYPE: 0 fp32, 1 bf16, 2 fp16; arithmetic is fp32 in every case. Include after
 * fr_device.cuh.
 */
#ifndef FR_STORAGE_CUH
#define FR_STORAGE_CUH

#if !defined(FR_DTYPE)
#error "fr_storage.cuh needs FR_DTYPE"
#endif

namespace fr_storage {
#if FR_DTYPE == 0
typedef float S;
constexpr bool kHalf = false;
#elif FR_DTYPE == 1
typedef fr_bf16 S;
constexpr bool kHalf = true;
#elif FR_DTYPE == 2
typedef fr_f16 S;
constexpr bool kHalf = true;
#else
#error "FR_DTYPE must be 0 (fp32), 1 (bf16) or 2 (fp16) for the recurrent and linear kernels"
#endif
} /* namespace fr_storage */

#endif /* FR_STORAGE_CUH */
