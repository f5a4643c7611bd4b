// plan_modules.h: which kernel modules a call with a plan loads (fr_plan_module_count / fr_plan_module), and the one
// rule for the backward's companion module, which the operations load through the same functions.
#ifndef FR_PLAN_MODULES_H
#define FR_PLAN_MODULES_H

#include "compile_request.h"
#include "fastrecurrence.h"

#include <vector>

namespace fr {

// The compile requests (source and defines; no arch) a call with `plan` loads, in load order: the plan's own source,
// as the calls with per-sequence lengths build it where `lengths` (the fused kernels' FR_LENGTHS = 1), then a backward
// plan's reductions. The plan's constants are checked as the operation checks them (a scan plan's by
// read_scan_plan_constants), and no module has more than FR_MAX_DEFINES defines.
fr_status plan_modules(const fr_plan* plan, bool lengths, std::vector<CompileRequest>* modules);

// The backward's reductions (kernels/rnn_gradients.cu): the plan's cell and storage type, and FR_TF32 = 1 where the
// plan multiplies fp32 in tf32, nothing else (D and NH are arguments), so every backward plan of that cell and type on
// a device shares one compilation (decision 0028).
fr_status gradients_request(int64_t cell, int64_t dtype, bool tf32, CompileRequest* request);

// fr_plan_module: module `index` of plan_modules as an fr_plan's source_name and defines (launch fields zero), the
// define names pointing at the plan's own strings or the library's static ones.
fr_status plan_module(const fr_plan* plan, bool lengths, int index, fr_plan* module);

// fr_plan_prepare: every module of plan_modules compiled (through the disk cache) and loaded into the context's
// module cache, where the operations find them (load_planned), so the call itself only launches.
fr_status prepare_plan(fr_context context, const fr_plan* plan, bool lengths);

}  // namespace fr

#endif
