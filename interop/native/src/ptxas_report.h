// ptxas_report.h: reads the per-kernel resource lines that ptxas prints with -v (NVRTC passes them through in
// the program log), e.g.
//   ptxas info    : Compiling entry function 'fr_scan_forward' for 'sm_80'
//   ptxas info    : Function properties for fr_scan_forward
//   ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
//   ptxas info    : Used 40 registers, 128 bytes smem, 360 bytes cmem[0]
#ifndef FR_PTXAS_REPORT_H
#define FR_PTXAS_REPORT_H

#include "fastrecurrence.h"

#include <string>
#include <vector>

namespace fr {

// One report per entry function, in the order ptxas compiled them. Functions that are not entries (device
// functions ptxas kept out of line) have their own stack and spill lines; since the log does not say which
// kernel calls them, their spill bytes are added to every kernel, so a "0 spill bytes" check never misses them.
std::vector<fr_kernel_report> parse_ptxas_report(const std::string& log);

}  // namespace fr

#endif
