// nvrtc_identity.cpp: see nvrtc_identity.h.
#include "nvrtc_identity.h"

#include "dynamic_library.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

#include <sys/stat.h>
#if !defined(_WIN32)
#include <unistd.h>
#endif

namespace fr {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFileName = "nvrtc-identity";

struct Identity {
    int major = 0, minor = 0;
    std::string file;
    long long size = -1, mtime = -1;
    std::string override_path, ld_library_path;
};

std::string encode(const Identity& id) {
    std::ostringstream text;
    text << "version " << id.major << "." << id.minor << "\n"
         << "file " << id.file << "\n"
         << "size " << id.size << "\n"
         << "mtime " << id.mtime << "\n"
         << "override " << id.override_path << "\n"
         << "ld_library_path " << id.ld_library_path << "\n";
    return text.str();
}

bool stat_file(const std::string& file, long long* size, long long* mtime) {
    struct stat info {};
    if (file.empty() || stat(file.c_str(), &info) != 0) return false;
    *size = static_cast<long long>(info.st_size);
    *mtime = static_cast<long long>(info.st_mtime);
    return true;
}

bool read_identity(const std::string& dir, Identity* id) {
    std::ifstream in(fs::path(dir) / kFileName);
    if (!in) return false;
    std::string line;
    int fields = 0;
    while (std::getline(in, line)) {
        const size_t space = line.find(' ');
        const std::string key = line.substr(0, space);
        const std::string value = space == std::string::npos ? std::string() : line.substr(space + 1);
        try {
            if (key == "version") {
                const size_t dot = value.find('.');
                if (dot == std::string::npos) return false;
                id->major = std::stoi(value.substr(0, dot));
                id->minor = std::stoi(value.substr(dot + 1));
            } else if (key == "file") {
                id->file = value;
            } else if (key == "size") {
                id->size = std::stoll(value);
            } else if (key == "mtime") {
                id->mtime = std::stoll(value);
            } else if (key == "override") {
                id->override_path = value;
            } else if (key == "ld_library_path") {
                id->ld_library_path = value;
            } else {
                continue;
            }
        } catch (const std::exception&) {
            return false;  // a damaged record is ignored, and replaced by the next load
        }
        ++fields;
    }
    return fields == 6 && id->major > 0;
}

}  // namespace

bool recorded_nvrtc_version(const std::string& dir, int* major, int* minor) {
    Identity id;
    if (!read_identity(dir, &id)) return false;
    if (id.override_path != environment("FR_NVRTC_LIBRARY") || id.ld_library_path != environment("LD_LIBRARY_PATH")) return false;
    long long size = 0, mtime = 0;
    if (!stat_file(id.file, &size, &mtime) || size != id.size || mtime != id.mtime) return false;
    *major = id.major;
    *minor = id.minor;
    return true;
}

void record_nvrtc_identity(const std::string& dir, const NvrtcLibrary& nvrtc) {
    Identity id;
    id.major = nvrtc.major;
    id.minor = nvrtc.minor;
    id.file = nvrtc.file;
    id.override_path = environment("FR_NVRTC_LIBRARY");
    id.ld_library_path = environment("LD_LIBRARY_PATH");
    if (!stat_file(id.file, &id.size, &id.mtime)) return;  // unknown file: nothing a later process could check
    const std::string text = encode(id);
    Identity existing;
    if (read_identity(dir, &existing) && encode(existing) == text) return;

    static std::atomic<unsigned long long> counter{0};
    std::ostringstream temporary;
    temporary << kFileName << ".tmp." <<
#if defined(_WIN32)
        0
#else
        getpid()
#endif
              << "." << counter.fetch_add(1) << "." << std::random_device{}();
    const fs::path temp = fs::path(dir) / temporary.str();
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) {
            std::error_code ignored;
            fs::remove(temp, ignored);
            return;
        }
    }
    std::error_code error;
    fs::rename(temp, fs::path(dir) / kFileName, error);
    if (error) fs::remove(temp, error);
}

}  // namespace fr
