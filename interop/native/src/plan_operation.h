// plan_operation.h: what every plan-driven operation (fr_scan_*, fr_rnn_forward) does around its own checks: read
// the fr_plan into a compile request and a launch shape (validated, no device needed), and at the end load the plan's
// module into the context once and launch its kernel.
#ifndef FR_PLAN_OPERATION_H
#define FR_PLAN_OPERATION_H

#include "compile_request.h"
#include "fastrecurrence.h"
#include "kernel_launch.h"

namespace fr {

// plan: not NULL, struct_size, an embedded source, valid defines; and its launch shape. Messages name "plan...".
fr_status read_plan(const fr_plan* plan, CompileRequest* request, LaunchShape* shape);

// Checks the context, compiles (through the disk cache) and loads the request for the context's device once.
fr_status load_planned(fr_context context, CompileRequest& request, LoadedModule** module);

// load_planned, then launches `kernel` with `params` (one pointer per kernel argument).
fr_status launch_planned(fr_context context, CompileRequest& request, const char* kernel, const LaunchShape& shape,
                         void* stream, void** params);

}  // namespace fr

#endif
