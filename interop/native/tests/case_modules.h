// case_modules.h: the recurrent cases' kernel modules compiled ahead for an arch (case_modules.cpp).
#ifndef FR_TEST_CASE_MODULES_H
#define FR_TEST_CASE_MODULES_H

namespace frtest {

// Compiles every distinct module the forward and backward cases' calls load for `arch` (clusters: with the cluster
// cases, sm_90 and newer), `threads` at a time, into `cache_dir` (NULL: $FR_CACHE_DIR or the default, as the calls
// read it). Prints a summary and each failure; returns the number of modules that failed to compile.
int compile_case_modules(const char* arch, bool clusters, unsigned threads, const char* cache_dir);

}  // namespace frtest

#endif
