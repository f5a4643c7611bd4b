// cubin_cache.h: the disk cache of compiled kernels, one file per cache key: <dir>/<key>.cubin.
//
// File layout (native byte order; the cache belongs to one machine):
//   char     magic[8]        "FRCUBIN1"
//   uint32   format          kFormatVersion
//   uint32   kernel_count    ptxas reports that follow (0..8)
//   uint64   cubin_bytes
//   char     key[64]         the hex key, so a file under the wrong name is not trusted
//   uint8    checksum[32]    SHA-256 of every other byte of the file
//   fr_kernel_report[kernel_count], then the cubin.
// A file that is short, long, or fails any check is treated as absent: the caller recompiles and replaces it.
// Writers write a unique temporary file in the same folder and rename it over the final name, so readers see
// either the old file or the complete new one, and two processes filling the cache at once are safe.
#ifndef FR_CUBIN_CACHE_H
#define FR_CUBIN_CACHE_H

#include "fastrecurrence.h"

#include <string>
#include <vector>

namespace fr {

struct CachedCubin {
    std::vector<char> cubin;
    std::vector<fr_kernel_report> kernels;
};

enum class CacheLookup { hit, missing, corrupt };

// Whether and where a compilation uses the cache.
struct CacheSettings {
    bool enabled = true;
    const char* dir = nullptr;  // NULL: the default folder (see resolve_cache_dir)
    const char* argument = "options.cache_dir";
};

// The folder to use: `requested` if not NULL, else $FR_CACHE_DIR, else $XDG_CACHE_HOME/fastrecurrence, else
// $HOME/.cache/fastrecurrence (on Windows %LOCALAPPDATA%\fastrecurrence). Does not create it.
fr_status resolve_cache_dir(const char* requested, const char* argument, std::string* dir);

std::string cache_file_path(const std::string& dir, const std::string& key);

// Reads <dir>/<key>.cubin. `why` says what was wrong with a corrupt file.
CacheLookup read_cached_cubin(const std::string& dir, const std::string& key, CachedCubin* entry, std::string* why);

// Creates the folder if needed and stores the entry atomically; FR_ERROR_CACHE with the path and reason on failure.
fr_status write_cached_cubin(const std::string& dir, const std::string& key, const CachedCubin& entry);

// The file's bytes, and their inverse; exposed for tests.
std::string encode_cache_file(const std::string& key, const CachedCubin& entry);
bool decode_cache_file(const std::string& bytes, const std::string& key, CachedCubin* entry, std::string* why);

}  // namespace fr

#endif
