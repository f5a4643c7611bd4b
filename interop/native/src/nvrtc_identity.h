// nvrtc_identity.h: the NVRTC version a cache folder's cubins were keyed with, recorded beside them, so a fresh
// process can look a cubin up without loading libnvrtc (tens of milliseconds for a 50+ MB library) just to learn
// its version. File: <cache>/nvrtc-identity, lines "version M.m", "file /resolved/libnvrtc.so.X", "size N",
// "mtime N", "override <FR_NVRTC_LIBRARY>", "ld_library_path <LD_LIBRARY_PATH>".
// The record is trusted only while nothing that decides which NVRTC this process would load has changed: the same
// FR_NVRTC_LIBRARY and LD_LIBRARY_PATH, and the recorded file still there with the same size and modification time.
// (A newer libnvrtc installed elsewhere on the loader's path is noticed at the next compilation that misses: until
// then hits return cubins the recorded NVRTC built, which are valid for the same source, defines and arch.)
#ifndef FR_NVRTC_IDENTITY_H
#define FR_NVRTC_IDENTITY_H

#include "nvrtc_library.h"

#include <string>

namespace fr {

// The recorded version, when the record exists and still holds (see above).
bool recorded_nvrtc_version(const std::string& dir, int* major, int* minor);

// Writes (atomically) the record for the loaded NVRTC, if it differs from what is there. Best effort: a folder that
// cannot be written only costs the next process the NVRTC load.
void record_nvrtc_identity(const std::string& dir, const NvrtcLibrary& nvrtc);

}  // namespace fr

#endif
