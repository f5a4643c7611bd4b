// kernel_sources.h: the kernel sources and headers the library carries (embedded from kernels/ at build time),
// in a stable order: compilable sources (.cu) first, then headers, each group sorted by name.
#ifndef FR_KERNEL_SOURCES_H
#define FR_KERNEL_SOURCES_H

#include <string>
#include <vector>

namespace fr {

struct KernelFile {
    std::string name;       // "scan", or a header's file name "fr_scan_args.h"
    std::string file_name;  // "scan.cu": the name NVRTC reports in diagnostics
    bool is_header = false;
    std::string text;
};

// Every file, valid for the life of the process (the vector only grows, through the testing hook below).
std::vector<const KernelFile*> kernel_files();

// The compilable source called `name`, or nullptr.
const KernelFile* find_kernel_source(const std::string& name);

// Every header, sorted by name: NVRTC gets all of them, so any source may include any header by its file name.
std::vector<const KernelFile*> kernel_headers();

// "scan, ..." for messages that list what exists.
std::string kernel_source_names();

// Tests only: adds a source or header as if it had been embedded (a tiny kernel to compile before
// kernels/scan.cu exists). Not exported from the shared library.
void add_kernel_file_for_testing(const std::string& name, const std::string& text, bool is_header);

}  // namespace fr

#endif
