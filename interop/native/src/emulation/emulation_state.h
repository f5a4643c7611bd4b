// emulation_state.h: what an emulated fr_context holds: the emulated device (limits and schedule, changeable
// between launches), the host compiler, the cache folder for modules, and the "device" allocations (host memory,
// tracked so that freeing a foreign pointer is an error, not a crash). Shared by the context and its modules.
#ifndef FR_EMULATION_EMULATION_STATE_H
#define FR_EMULATION_EMULATION_STATE_H

#include "emulation/emulated_module.h"
#include "emulation/emulator.h"

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace fr::emu {

struct EmulationState {
    HostCompiler compiler;
    bool has_cache_dir = false;
    std::string cache_dir;

    EmulationState() = default;
    EmulationState(const EmulationState&) = delete;
    EmulationState& operator=(const EmulationState&) = delete;
    ~EmulationState();  // frees the allocations still live: they die with the emulated device, as on a GPU

    EmulatedDevice device_snapshot() {
        std::lock_guard<std::mutex> lock(mutex);
        return device;
    }

    std::mutex mutex;  // guards device and allocations
    EmulatedDevice device;
    std::map<const void*, size_t> allocations;  // start -> bytes asked for
};

// The emulated device for an architecture ("sm_70" .. "sm_90"): its dynamic shared memory limit. FALSE for others.
bool emulated_device_for(int compute, EmulatedDevice* device);

}  // namespace fr::emu

#endif
