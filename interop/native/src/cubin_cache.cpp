// cubin_cache.cpp: see cubin_cache.h.
#include "cubin_cache.h"

#include "dynamic_library.h"
#include "errors.h"
#include "sha256.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

#if defined(_WIN32)
#include <process.h>
#else
#include <unistd.h>
#endif

namespace fr {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'F', 'R', 'C', 'U', 'B', 'I', 'N', '1'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kKeyLength = 64;
constexpr size_t kChecksumOffset = 8 + 4 + 4 + 8 + kKeyLength;
constexpr size_t kHeaderBytes = kChecksumOffset + 32;
constexpr uint64_t kMaxCubinBytes = uint64_t(1) << 30;  // a sanity bound: no kernel cubin comes near 1 GiB
constexpr uint32_t kMaxKernels = 8;                      // fr_compile_result holds 8

static_assert(sizeof(fr_kernel_report) == 148, "the cache stores fr_kernel_report as is; bump kFormatVersion");

template <class T>
void put(std::string* out, const T& value) {
    out->append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <class T>
T get(const std::string& bytes, size_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

Sha256::Digest checksum_of(const std::string& bytes) {
    Sha256 hash;
    hash.update(bytes.data(), kChecksumOffset);
    hash.update(bytes.data() + kHeaderBytes, bytes.size() - kHeaderBytes);
    return hash.finish();
}

int process_id() {
#if defined(_WIN32)
    return _getpid();
#else
    return static_cast<int>(getpid());
#endif
}

// A name no other writer uses: the process id (other processes), a counter (other threads of this one),
// and random bits (a recycled pid of a crashed writer whose temporary file is still there).
std::string temporary_name(const std::string& key) {
    static std::atomic<uint64_t> counter{0};
    std::random_device random;
    const uint64_t noise = (uint64_t(random()) << 32) ^ random() ^
                           uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
    std::ostringstream name;
    name << key << ".cubin.tmp." << process_id() << "." << counter.fetch_add(1) << "." << std::hex << noise;
    return name.str();
}

bool read_file(const std::string& path, std::string* bytes) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return false;
    std::ostringstream content;
    content << file.rdbuf();
    if (file.bad()) return false;
    *bytes = content.str();
    return true;
}

}  // namespace

fr_status resolve_cache_dir(const char* requested, const char* argument, std::string* dir) {
    if (requested != nullptr) {
        if (requested[0] == '\0') {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "%s: expected NULL (the default folder) or a folder path, got an empty string.", argument);
        }
        *dir = requested;
        return FR_OK;
    }
    // Empty variables count as unset, as the XDG base directory specification asks.
    const std::string from_environment = environment("FR_CACHE_DIR");
    if (!from_environment.empty()) {
        *dir = from_environment;
        return FR_OK;
    }
#if defined(_WIN32)
    const std::string local_app_data = environment("LOCALAPPDATA");
    if (!local_app_data.empty()) {
        *dir = (fs::path(local_app_data) / "fastrecurrence").string();
        return FR_OK;
    }
#endif
    const std::string xdg = environment("XDG_CACHE_HOME");
    if (!xdg.empty()) {
        *dir = (fs::path(xdg) / "fastrecurrence").string();
        return FR_OK;
    }
    const std::string home = environment("HOME");
    if (!home.empty()) {
        *dir = (fs::path(home) / ".cache" / "fastrecurrence").string();
        return FR_OK;
    }
    return fail(FR_ERROR_CACHE,
                "no cache folder: FR_CACHE_DIR, XDG_CACHE_HOME and HOME are all unset; set one, pass "
                "options.cache_dir, or set options.use_cache = 0");
}

std::string cache_file_path(const std::string& dir, const std::string& key) {
    return (fs::path(dir) / (key + ".cubin")).string();
}

std::string encode_cache_file(const std::string& key, const CachedCubin& entry) {
    std::string bytes;
    bytes.reserve(kHeaderBytes + entry.kernels.size() * sizeof(fr_kernel_report) + entry.cubin.size());
    bytes.append(kMagic, sizeof kMagic);
    put(&bytes, kFormatVersion);
    put(&bytes, static_cast<uint32_t>(entry.kernels.size()));
    put(&bytes, static_cast<uint64_t>(entry.cubin.size()));
    std::string padded_key = key;
    padded_key.resize(kKeyLength, '\0');
    bytes.append(padded_key);
    bytes.append(32, '\0');  // the checksum, filled below
    for (const fr_kernel_report& report : entry.kernels) put(&bytes, report);
    bytes.append(entry.cubin.data(), entry.cubin.size());
    const Sha256::Digest checksum = checksum_of(bytes);
    std::memcpy(&bytes[kChecksumOffset], checksum.data(), checksum.size());
    return bytes;
}

bool decode_cache_file(const std::string& bytes, const std::string& key, CachedCubin* entry, std::string* why) {
    if (bytes.size() < kHeaderBytes) {
        *why = "shorter than its header (" + std::to_string(bytes.size()) + " bytes)";
        return false;
    }
    if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
        *why = "wrong magic";
        return false;
    }
    if (get<uint32_t>(bytes, 8) != kFormatVersion) {
        *why = "format " + std::to_string(get<uint32_t>(bytes, 8)) + ", expected " + std::to_string(kFormatVersion);
        return false;
    }
    const uint32_t kernel_count = get<uint32_t>(bytes, 12);
    const uint64_t cubin_bytes = get<uint64_t>(bytes, 16);
    if (kernel_count > kMaxKernels || cubin_bytes > kMaxCubinBytes) {
        *why = "implausible header (kernel count or cubin size)";
        return false;
    }
    const uint64_t expected = kHeaderBytes + uint64_t(kernel_count) * sizeof(fr_kernel_report) + cubin_bytes;
    if (bytes.size() != expected) {
        *why = std::to_string(bytes.size()) + " bytes, header says " + std::to_string(expected) + " (truncated?)";
        return false;
    }
    std::string padded_key = key;
    padded_key.resize(kKeyLength, '\0');
    if (bytes.compare(24, kKeyLength, padded_key) != 0) {
        *why = "it holds another key";
        return false;
    }
    const Sha256::Digest checksum = checksum_of(bytes);
    if (std::memcmp(bytes.data() + kChecksumOffset, checksum.data(), checksum.size()) != 0) {
        *why = "checksum mismatch";
        return false;
    }
    entry->kernels.resize(kernel_count);
    size_t offset = kHeaderBytes;
    for (uint32_t i = 0; i < kernel_count; ++i, offset += sizeof(fr_kernel_report)) {
        entry->kernels[i] = get<fr_kernel_report>(bytes, offset);
        entry->kernels[i].name[sizeof entry->kernels[i].name - 1] = '\0';
    }
    entry->cubin.assign(bytes.begin() + static_cast<std::ptrdiff_t>(offset), bytes.end());
    return true;
}

CacheLookup read_cached_cubin(const std::string& dir, const std::string& key, CachedCubin* entry, std::string* why) {
    std::string bytes;
    if (!read_file(cache_file_path(dir, key), &bytes)) return CacheLookup::missing;
    return decode_cache_file(bytes, key, entry, why) ? CacheLookup::hit : CacheLookup::corrupt;
}

fr_status write_cached_cubin(const std::string& dir, const std::string& key, const CachedCubin& entry) {
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) {
        return fail(FR_ERROR_CACHE, "cache folder %s cannot be created: %s", dir.c_str(), error.message().c_str());
    }
    const std::string bytes = encode_cache_file(key, entry);
    const std::string final_path = cache_file_path(dir, key);
    const std::string temporary_path = (fs::path(dir) / temporary_name(key)).string();

    // "x": exclusive creation, so this writer never truncates a file another writer is filling.
    std::FILE* file = std::fopen(temporary_path.c_str(), "wbx");
    if (file == nullptr) {
        return fail(FR_ERROR_CACHE, "cache file %s cannot be created: %s", temporary_path.c_str(), std::strerror(errno));
    }
    const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
    const bool closed = std::fclose(file) == 0;
    if (!written || !closed) {
        std::remove(temporary_path.c_str());
        return fail(FR_ERROR_CACHE, "cache file %s cannot be written (disk full?)", temporary_path.c_str());
    }
    // No fsync: after a crash a file may be short or garbled, and the checksum turns that into a recompile.
    fs::rename(temporary_path, final_path, error);
    if (error) {
        std::remove(temporary_path.c_str());
        // Windows refuses to replace a file another process has open; if that process wrote a valid entry,
        // the cache holds what we wanted.
        CachedCubin existing;
        std::string why;
        if (read_cached_cubin(dir, key, &existing, &why) == CacheLookup::hit) return FR_OK;
        return fail(FR_ERROR_CACHE, "cache file %s cannot be replaced: %s", final_path.c_str(), error.message().c_str());
    }
    return FR_OK;
}

}  // namespace fr
