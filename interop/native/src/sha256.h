// sha256.h: SHA-256 (FIPS 180-4), for the cubin cache's keys and its files' checksums. Small and dependency-free
// on purpose: the library links nothing but the C++ runtime and the loader.
#ifndef FR_SHA256_H
#define FR_SHA256_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace fr {

class Sha256 {
public:
    using Digest = std::array<uint8_t, 32>;

    Sha256();
    void update(const void* data, size_t size);
    void update(const std::string& text) { update(text.data(), text.size()); }
    Digest finish();  // the object is spent afterwards

    static Digest of(const void* data, size_t size);
    static std::string hex(const Digest& digest);

private:
    void compress(const uint8_t* block);

    uint32_t state_[8];
    uint8_t buffer_[64];
    size_t buffered_ = 0;
    uint64_t total_bytes_ = 0;
};

}  // namespace fr

#endif
