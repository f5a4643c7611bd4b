// nvrtc_compile.h: one NVRTC compilation of a request to a cubin, with the ptxas report parsed from the log.
#ifndef FR_NVRTC_COMPILE_H
#define FR_NVRTC_COMPILE_H

#include "compile_request.h"
#include "cubin_cache.h"
#include "nvrtc_library.h"

namespace fr {

// FR_OK with the cubin and per-kernel reports, or FR_ERROR_COMPILE with NVRTC's log in the message.
fr_status compile_with_nvrtc(const NvrtcLibrary& nvrtc, const CompileRequest& request, CachedCubin* output);

}  // namespace fr

#endif
