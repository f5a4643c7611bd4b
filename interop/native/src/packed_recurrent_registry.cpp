// packed_recurrent_registry.cpp: see packed_recurrent_registry.h.
#include "packed_recurrent_registry.h"

#include "errors.h"

#include <cstdint>
#include <iterator>
#include <map>
#include <mutex>

namespace fr {
namespace {

struct PackedRange {
    uintptr_t end = 0;
    std::string layout;
};

// A process that keeps more packed buffers alive than this is not expected; past it the least recently packed or used
// is dropped (a forward on it then asks for a new pack: an error, never garbage), so a program that packs into fresh
// memory it frees elsewhere (a framework's allocator) cannot grow this without bound.
constexpr size_t kMaxRemembered = 4096;

struct Registry {
    std::mutex mutex;
    std::map<uintptr_t, PackedRange> ranges;  // by start address; never overlapping
    std::map<uint64_t, uintptr_t> order;      // use number -> start, least recently packed or used first
    std::map<uintptr_t, uint64_t> number;     // start -> use number
    uint64_t next = 0;
};

Registry& registry() {
    static Registry* instance = new Registry();  // never destroyed: callable from other objects' destructors at exit
    return *instance;
}

void erase_locked(Registry& r, std::map<uintptr_t, PackedRange>::iterator it) {
    const auto n = r.number.find(it->first);
    if (n != r.number.end()) {
        r.order.erase(n->second);
        r.number.erase(n);
    }
    r.ranges.erase(it);
}

void forget_locked(Registry& r, uintptr_t start, uintptr_t end) {
    auto it = r.ranges.lower_bound(start);
    if (it != r.ranges.begin()) {
        const auto before = std::prev(it);
        if (before->second.end > start) it = before;
    }
    while (it != r.ranges.end() && it->first < end) {
        const auto next = std::next(it);
        erase_locked(r, it);
        it = next;
    }
}

void touch_locked(Registry& r, uintptr_t start) {
    const auto n = r.number.find(start);
    if (n != r.number.end()) r.order.erase(n->second);
    r.order[r.next] = start;
    r.number[start] = r.next;
    ++r.next;
}

uintptr_t end_of(const void* data, size_t bytes) {
    const uintptr_t start = reinterpret_cast<uintptr_t>(data);
    return bytes > UINTPTR_MAX - start ? UINTPTR_MAX : start + bytes;
}

}  // namespace

void remember_packed_recurrent(const void* data, size_t bytes, const std::string& layout) {
    if (data == nullptr || bytes == 0) return;
    Registry& r = registry();
    const uintptr_t start = reinterpret_cast<uintptr_t>(data), end = end_of(data, bytes);
    std::lock_guard<std::mutex> lock(r.mutex);
    forget_locked(r, start, end);
    while (r.ranges.size() >= kMaxRemembered && !r.order.empty()) {
        const auto oldest = r.order.begin();
        const auto it = r.ranges.find(oldest->second);
        if (it != r.ranges.end()) {
            erase_locked(r, it);
        } else {  // only after an allocation failed half-way through a remember
            r.number.erase(oldest->second);
            r.order.erase(oldest);
        }
    }
    r.ranges[start] = PackedRange{end, layout};
    touch_locked(r, start);
}

void forget_packed_recurrent(const void* data, size_t bytes) {
    if (data == nullptr || bytes == 0) return;
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    forget_locked(r, reinterpret_cast<uintptr_t>(data), end_of(data, bytes));
}

fr_status check_packed_recurrent(const char* name, const void* data, size_t bytes, const std::string& layout) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    const auto it = r.ranges.find(reinterpret_cast<uintptr_t>(data));
    if (it == r.ranges.end()) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "%s: a rank-1 (packed) R must be what fr_rnn_pack_recurrent last wrote at this address, with a plan "
                    "of this layout; nothing was packed at %p (or it was overwritten or released since): pack R with "
                    "fr_rnn_pack_recurrent, or pass it as [G, NH, D, D].",
                    name, data);
    }
    if (it->second.end != end_of(data, bytes)) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "%s: %llu bytes were packed at %p (layout: %s), this plan reads %zu (layout: %s); pack R again with "
                    "fr_rnn_pack_recurrent for this plan.",
                    name, static_cast<unsigned long long>(it->second.end - it->first), data, it->second.layout.c_str(),
                    bytes, layout.c_str());
    }
    if (it->second.layout != layout) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "%s: packed for another layout (%s) than this plan's (%s); pack R again with fr_rnn_pack_recurrent "
                    "for this plan.",
                    name, it->second.layout.c_str(), layout.c_str());
    }
    touch_locked(r, it->first);
    return FR_OK;
}

size_t remembered_packed_recurrent_count() {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    return r.ranges.size();
}

}  // namespace fr
