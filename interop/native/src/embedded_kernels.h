// embedded_kernels.h: the table that cmake/embed_kernels.cmake generates from kernels/ at build time.
// Each file is an array of string chunks ending with nullptr; kernel_sources.cpp joins them once.
#ifndef FR_EMBEDDED_KERNELS_H
#define FR_EMBEDDED_KERNELS_H

namespace fr {

struct EmbeddedKernelFile {
    const char* name;       // "scan" for kernels/scan.cu; the file name for headers ("fr_scan_args.h")
    const char* file_name;  // "scan.cu"
    bool is_header;         // .cuh / .h: passed to NVRTC as a named header, not compiled on its own
    const char* const* chunks;
};

extern const EmbeddedKernelFile kEmbeddedKernelFiles[];
extern const int kEmbeddedKernelFileCount;

}  // namespace fr

#endif
