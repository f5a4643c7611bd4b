// abi_emulation.cpp: the ABI's cuda-emulated entry points: emulated contexts and their schedule.
#include "fastrecurrence.h"

#include "compile_request.h"
#include "device_context.h"
#include "emulation/emulated_module.h"
#include "emulation/emulation_state.h"
#include "errors.h"
#include "loaded_module.h"
#include "packed_recurrent_registry.h"

#include <cstdlib>
#include <cstring>
#include <memory>

using namespace fr;

namespace fr::emu {

EmulationState::~EmulationState() {
    for (const auto& allocation : allocations) {
        forget_packed_recurrent(allocation.first, allocation.second);
        std::free(const_cast<void*>(allocation.first));
    }
}

bool emulated_device_for(int compute, EmulatedDevice* device) {
    // dynamic shared memory per block with opt-in, as the CUDA programming guide's table lists per compute capability
    uint32_t shared = 0;
    switch (compute) {
        case 70: case 72: shared = 96 * 1024; break;
        case 75: shared = 64 * 1024; break;
        case 80: case 87: shared = 163 * 1024; break;
        case 86: case 89: shared = 99 * 1024; break;
        case 90: shared = 227 * 1024; break;
        default: return false;
    }
    device->compute = compute;
    device->arch = "sm_" + std::to_string(compute);
    device->max_dynamic_shared = shared;
    return true;
}

}  // namespace fr::emu

namespace {

fr_status check_schedule(int schedule, const char* argument) {
    if (schedule != FR_SCHEDULE_IN_ORDER && schedule != FR_SCHEDULE_RANDOM) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "%s: expected FR_SCHEDULE_IN_ORDER (0) or FR_SCHEDULE_RANDOM (1), got %d.", argument, schedule);
    }
    return FR_OK;
}

}  // namespace

extern "C" {

FR_API fr_status fr_emulation_context_create(const fr_emulation_options* options, fr_context* context) {
    return guarded([&] {
        if (context == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "context: expected a pointer, got NULL.");
        *context = nullptr;
        if (options == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "options: expected emulation options, got NULL.");
        if (options->struct_size < sizeof(fr_emulation_options)) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "options.struct_size: expected at least %zu (sizeof(fr_emulation_options)), got %zu.",
                        sizeof(fr_emulation_options), options->struct_size);
        }
        std::string arch = "sm_90";
        int number = 90;
        if (options->arch != nullptr) {
            fr_status status = parse_arch(options->arch, "options.arch", &arch, &number);
            if (status != FR_OK) return status;
        }
        auto state = std::make_shared<emu::EmulationState>();
        if (!emu::emulated_device_for(number, &state->device)) {
            return fail(FR_ERROR_UNSUPPORTED,
                        "options.arch: the emulator knows sm_70, sm_72, sm_75, sm_80, sm_86, sm_87, sm_89 and sm_90, got "
                        "\"%s\".",
                        arch.c_str());
        }
        fr_status status = check_schedule(enum_value(options->schedule), "options.schedule");
        if (status != FR_OK) return status;
        // every worker keeps stacks for up to 1024 threads: 16 workers stay well inside the process's mapping limit
        if (options->workers < 0 || options->workers > 16) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "options.workers: expected 0..16, got %d.", options->workers);
        }
        if (options->cache_dir != nullptr && options->cache_dir[0] == '\0') {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "options.cache_dir: expected NULL (the default folder) or a folder path, got an empty string.");
        }
        status = emu::find_host_compiler(options->compiler, &state->compiler);
        if (status != FR_OK) return status;
        state->device.schedule = static_cast<emu::Schedule>(enum_value(options->schedule));
        state->device.seed = options->seed;
        state->device.workers = options->workers == 0 ? 1 : options->workers;
        const std::string stack_kb = environment("FR_EMULATION_STACK_KB");
        if (!stack_kb.empty()) {
            const long kb = std::strtol(stack_kb.c_str(), nullptr, 10);
            if (kb >= 64 && kb <= 65536) state->device.stack_bytes = static_cast<size_t>(kb) * 1024;
        }
        if (options->cache_dir != nullptr) {
            state->has_cache_dir = true;
            state->cache_dir = options->cache_dir;
        }

        auto created = std::make_unique<fr_context_s>();
        created->emulation = state;
        created->device.ordinal = -1;
        created->device.major = number / 10;
        created->device.minor = number % 10;
        created->device.arch = state->device.arch;
        created->device.cooperative_launch = true;
        created->device.cluster_launch = number >= 90;
        created->device.emulated = true;
        register_handle(created.get(), HandleKind::context);
        *context = created.release();
        return FR_OK;
    });
}

FR_API fr_status fr_emulation_configure(fr_context context, fr_schedule schedule, uint64_t seed) {
    return guarded([&] {
        fr_status status = check_live_context(context);
        if (status != FR_OK) return status;
        if (context->emulation == nullptr) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "context: expected an emulated context (fr_emulation_context_create), got a GPU context.");
        }
        status = check_schedule(enum_value(schedule), "schedule");
        if (status != FR_OK) return status;
        std::lock_guard<std::mutex> lock(context->emulation->mutex);
        context->emulation->device.schedule = static_cast<emu::Schedule>(enum_value(schedule));
        context->emulation->device.seed = seed;
        return FR_OK;
    });
}

FR_API fr_status fr_context_is_emulated(fr_context context, int* emulated) {
    return guarded([&] {
        if (emulated == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "emulated: expected a pointer, got NULL.");
        *emulated = 0;
        fr_status status = check_live_context(context);
        if (status != FR_OK) return status;
        *emulated = context->emulation != nullptr ? 1 : 0;
        return FR_OK;
    });
}

FR_API fr_status fr_emulation_compiler(char* buffer, size_t capacity) {
    return guarded([&] {
        if (buffer == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "buffer: expected a character buffer, got NULL.");
        if (capacity == 0) return fail(FR_ERROR_INVALID_ARGUMENT, "capacity: expected >= 1, got 0.");
        buffer[0] = '\0';
        emu::HostCompiler compiler;
        fr_status status = emu::find_host_compiler(nullptr, &compiler);
        if (status != FR_OK) return status;
        if (compiler.path.size() + 1 > capacity) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "capacity: expected at least %zu bytes for \"%s\", got %zu.",
                        compiler.path.size() + 1, compiler.path.c_str(), capacity);
        }
        std::memcpy(buffer, compiler.path.c_str(), compiler.path.size() + 1);
        return FR_OK;
    });
}

}  // extern "C"
