// abi_device.cpp: the ABI's entry points that need the CUDA driver: devices, contexts, memory, modules,
// launches. Each validates its arguments first (so bad input is FR_ERROR_INVALID_ARGUMENT on any machine),
// then loads the driver (FR_ERROR_NO_DRIVER / FR_ERROR_NO_DEVICE without one).
#include "fastrecurrence.h"

#include "compile_request.h"
#include "cuda_driver.h"
#include "device_context.h"
#include "emulated_memory.h"
#include "emulation/emulation_state.h"
#include "linear_ops.h"
#include "errors.h"
#include "kernel_launch.h"
#include "loaded_module.h"
#include "packed_recurrent_registry.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

using namespace fr;

namespace {

fr_status check_ordinal(int ordinal) {
    if (ordinal < 0) return fail(FR_ERROR_INVALID_ARGUMENT, "ordinal: expected >= 0, got %d.", ordinal);
    return FR_OK;
}

// cuda-emulated "device" memory: host memory, 256-byte aligned like cuMemAlloc's, tracked per context (by the bytes
// asked for; the block itself is rounded up to 256: emulated_memory.h), all bits set when allocated and when freed
fr_status emulated_malloc(emu::EmulationState& state, size_t bytes, void** device_pointer) {
    if (bytes > SIZE_MAX - 255) {  // the rounding below would wrap to a tiny block
        return fail(FR_ERROR_OUT_OF_MEMORY, "bytes: expected at most %zu on the emulated device, got %zu.",
                    static_cast<size_t>(SIZE_MAX - 255), bytes);
    }
    const size_t rounded = emulated_block_bytes(bytes);
    void* allocation = std::aligned_alloc(256, rounded);
    if (allocation == nullptr) {
        return fail(FR_ERROR_OUT_OF_MEMORY, "bytes: the emulated device could not allocate %zu bytes of host memory.",
                    bytes);
    }
    // NaN in every dtype, as a freed block: cuMemAlloc's memory holds whatever was there, and fresh host pages are zero,
    // which would let an output element a kernel never writes pass a test whose expected value is zero
    std::memset(allocation, 0xff, rounded);
    std::lock_guard<std::mutex> lock(state.mutex);
    state.allocations.emplace(allocation, bytes);
    *device_pointer = allocation;
    return FR_OK;
}

fr_status emulated_free(emu::EmulationState& state, void* device_pointer) {
    size_t bytes = 0;
    {
        std::lock_guard<std::mutex> lock(state.mutex);
        const auto allocation = state.allocations.find(device_pointer);
        if (allocation == state.allocations.end()) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "device_pointer: expected a live allocation of this emulated context (fr_malloc), got %p.",
                        device_pointer);
        }
        bytes = allocation->second;
        state.allocations.erase(allocation);
    }
    forget_packed_recurrent(device_pointer, bytes);  // released memory holds no packed R
    // NaN in every dtype (all bits set): a kernel still reading the block (freed during a launch) gives NaN, which no
    // test passes, instead of the stale values the heap leaves behind
    std::memset(device_pointer, 0xff, emulated_block_bytes(bytes));
    std::free(device_pointer);
    return FR_OK;
}

cu::CUdeviceptr device_address(const void* pointer) {
    return static_cast<cu::CUdeviceptr>(reinterpret_cast<uintptr_t>(pointer));
}

}  // namespace

extern "C" {

FR_API fr_status fr_device_count(int* count) {
    return guarded([&] {
        if (count == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "count: expected a pointer, got NULL.");
        *count = 0;
        const CudaDriver* driver = nullptr;
        fr_status status = load_cuda_driver(&driver);
        if (status != FR_OK) return status;
        if (driver->init_result == cu::CUDA_ERROR_NO_DEVICE) return FR_OK;  // a driver without a GPU: zero devices
        return check_cuda(*driver, driver->cuDeviceGetCount(count), "cuDeviceGetCount");
    });
}

FR_API fr_status fr_device_name(int ordinal, char* buffer, size_t capacity) {
    return guarded([&] {
        if (buffer == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "buffer: expected a character buffer, got NULL.");
        if (capacity == 0) return fail(FR_ERROR_INVALID_ARGUMENT, "capacity: expected >= 1, got 0.");
        buffer[0] = '\0';
        fr_status status = check_ordinal(ordinal);
        if (status != FR_OK) return status;
        const CudaDriver* driver = nullptr;
        cu::CUdevice device = 0;
        status = cuda_device(ordinal, &driver, &device);
        if (status != FR_OK) return status;
        char name[256] = {};
        status = check_cuda(*driver, driver->cuDeviceGetName(name, sizeof name - 1, device), "cuDeviceGetName");
        if (status != FR_OK) return status;
        const size_t needed = std::strlen(name) + 1;
        std::strncpy(buffer, name, capacity - 1);
        buffer[capacity - 1] = '\0';
        if (needed > capacity) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "capacity: expected at least %zu bytes for \"%s\", got %zu.", needed,
                        name, capacity);
        }
        return FR_OK;
    });
}

FR_API fr_status fr_device_attribute(int ordinal, int cu_device_attribute, int* value) {
    return guarded([&] {
        if (value == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "value: expected a pointer, got NULL.");
        *value = 0;
        fr_status status = check_ordinal(ordinal);
        if (status != FR_OK) return status;
        if (cu_device_attribute < 1) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "cu_device_attribute: expected a CUdevice_attribute (>= 1), got %d.", cu_device_attribute);
        }
        const CudaDriver* driver = nullptr;
        cu::CUdevice device = 0;
        status = cuda_device(ordinal, &driver, &device);
        if (status != FR_OK) return status;
        const cu::CUresult result = driver->cuDeviceGetAttribute(value, cu_device_attribute, device);
        if (result == cu::CUDA_ERROR_INVALID_VALUE) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "cu_device_attribute: expected an attribute this driver knows, got %d.", cu_device_attribute);
        }
        return check_cuda(*driver, result, "cuDeviceGetAttribute");
    });
}

FR_API fr_status fr_context_create(int ordinal, fr_context* context) {
    return guarded([&] {
        if (context == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "context: expected a pointer, got NULL.");
        *context = nullptr;
        fr_status status = check_ordinal(ordinal);
        if (status != FR_OK) return status;
        const CudaDriver* driver = nullptr;
        cu::CUdevice device = 0;
        status = cuda_device(ordinal, &driver, &device);
        if (status != FR_OK) return status;
        auto created = std::make_unique<fr_context_s>();
        created->driver = driver;
        status = PrimaryContext::retain(*driver, device, &created->primary);
        if (status != FR_OK) return status;
        status = query_device_info(*driver, ordinal, device, &created->device);
        if (status != FR_OK) return status;
        register_handle(created.get(), HandleKind::context);
        *context = created.release();
        return FR_OK;
    });
}

FR_API fr_status fr_context_destroy(fr_context context) {
    return guarded([&] {
        fr_status status = check_live_context(context);
        if (status != FR_OK) return status;
        release_cublas_handle(context);
        unregister_handle(context);
        delete context;  // unloads its cached modules, then releases the primary context
        return FR_OK;
    });
}

FR_API fr_status fr_malloc(fr_context context, size_t bytes, void** device_pointer) {
    return guarded([&] {
        fr_status status = check_live_context(context);
        if (status != FR_OK) return status;
        if (device_pointer == nullptr) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "device_pointer: expected a pointer, got NULL.");
        }
        *device_pointer = nullptr;
        if (bytes == 0) return fail(FR_ERROR_INVALID_ARGUMENT, "bytes: expected >= 1, got 0.");
        if (context->emulation != nullptr) {
            status = emulated_malloc(*context->emulation, bytes, device_pointer);
            if (status == FR_OK) forget_packed_recurrent(*device_pointer, bytes);  // fresh memory holds no packed R
            return status;
        }
        const CudaDriver& driver = *context->driver;
        CurrentContext current;
        status = current.push(driver, context->primary.get());
        if (status != FR_OK) return status;
        cu::CUdeviceptr allocation = 0;
        status = check_cuda(driver, driver.cuMemAlloc(&allocation, bytes), "cuMemAlloc");
        if (status != FR_OK) return status;
        *device_pointer = reinterpret_cast<void*>(static_cast<uintptr_t>(allocation));
        forget_packed_recurrent(*device_pointer, bytes);
        return FR_OK;
    });
}

FR_API fr_status fr_free(fr_context context, void* device_pointer) {
    return guarded([&] {
        fr_status status = check_live_context(context);
        if (status != FR_OK) return status;
        if (device_pointer == nullptr) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "device_pointer: expected a pointer from fr_malloc, got NULL.");
        }
        if (context->emulation != nullptr) return emulated_free(*context->emulation, device_pointer);
        const CudaDriver& driver = *context->driver;
        CurrentContext current;
        status = current.push(driver, context->primary.get());
        if (status != FR_OK) return status;
        // the allocation's extent, so a pack anywhere in it is forgotten with it (without cuMemGetAddressRange: the
        // pack at its start)
        cu::CUdeviceptr base = device_address(device_pointer);
        size_t bytes = 1;
        if (driver.cuMemGetAddressRange != nullptr && driver.cuMemGetAddressRange(&base, &bytes, device_address(device_pointer)) != cu::CUDA_SUCCESS) {
            base = device_address(device_pointer);
            bytes = 1;
        }
        status = check_cuda(driver, driver.cuMemFree(device_address(device_pointer)), "cuMemFree");
        if (status == FR_OK) forget_packed_recurrent(reinterpret_cast<void*>(static_cast<uintptr_t>(base)), bytes);
        return status;
    });
}

FR_API fr_status fr_memcpy_to_device(fr_context context, void* device_pointer, const void* host, size_t bytes) {
    return guarded([&] {
        fr_status status = check_live_context(context);
        if (status != FR_OK) return status;
        if (device_pointer == nullptr) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "device_pointer: expected a device pointer, got NULL.");
        }
        if (host == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "host: expected a host pointer, got NULL.");
        if (bytes == 0) return FR_OK;
        forget_packed_recurrent(device_pointer, bytes);
        if (context->emulation != nullptr) {
            if ((status = check_emulated_range(*context->emulation, device_pointer, bytes, "device_pointer")) != FR_OK) return status;
            if ((status = check_emulated_range(*context->emulation, host, bytes, "host")) != FR_OK) return status;
            std::memmove(device_pointer, host, bytes);  // emulated "device" memory is host memory: the two may overlap
            return FR_OK;
        }
        const CudaDriver& driver = *context->driver;
        CurrentContext current;
        status = current.push(driver, context->primary.get());
        if (status != FR_OK) return status;
        return check_cuda(driver, driver.cuMemcpyHtoD(device_address(device_pointer), host, bytes), "cuMemcpyHtoD");
    });
}

FR_API fr_status fr_memcpy_to_host(fr_context context, void* host, const void* device_pointer, size_t bytes) {
    return guarded([&] {
        fr_status status = check_live_context(context);
        if (status != FR_OK) return status;
        if (host == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "host: expected a host pointer, got NULL.");
        if (device_pointer == nullptr) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "device_pointer: expected a device pointer, got NULL.");
        }
        if (bytes == 0) return FR_OK;
        // host memory may hold a packed R too: emulated "device" memory, or managed memory on a GPU
        forget_packed_recurrent(host, bytes);
        if (context->emulation != nullptr) {
            if ((status = check_emulated_range(*context->emulation, device_pointer, bytes, "device_pointer")) != FR_OK) return status;
            if ((status = check_emulated_range(*context->emulation, host, bytes, "host")) != FR_OK) return status;
            std::memmove(host, device_pointer, bytes);
            return FR_OK;
        }
        const CudaDriver& driver = *context->driver;
        CurrentContext current;
        status = current.push(driver, context->primary.get());
        if (status != FR_OK) return status;
        return check_cuda(driver, driver.cuMemcpyDtoH(host, device_address(device_pointer), bytes), "cuMemcpyDtoH");
    });
}

FR_API fr_status fr_memset_zero(fr_context context, void* device_pointer, size_t bytes, void* stream) {
    return guarded([&] {
        if (device_pointer == nullptr) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "device_pointer: expected a device pointer, got NULL.");
        }
        fr_status status = check_live_context(context);
        if (status != FR_OK) return status;
        if (bytes == 0) return FR_OK;
        forget_packed_recurrent(device_pointer, bytes);
        if (context->emulation != nullptr) {
            if ((status = check_emulated_range(*context->emulation, device_pointer, bytes, "device_pointer")) != FR_OK) return status;
            std::memset(device_pointer, 0, bytes);  // emulated launches run when called: nothing is in flight
            return FR_OK;
        }
        const CudaDriver& driver = *context->driver;
        CurrentContext current;
        status = current.push(driver, context->primary.get());
        if (status != FR_OK) return status;
        return check_cuda(driver,
                          driver.cuMemsetD8Async(device_address(device_pointer), 0, bytes, static_cast<cu::CUstream>(stream)),
                          "cuMemsetD8Async");
    });
}

FR_API fr_status fr_synchronize(fr_context context, void* stream) {
    return guarded([&] {
        fr_status status = check_live_context(context);
        if (status != FR_OK) return status;
        if (context->emulation != nullptr) return FR_OK;  // emulated launches finish before they return
        const CudaDriver& driver = *context->driver;
        CurrentContext current;
        status = current.push(driver, context->primary.get());
        if (status != FR_OK) return status;
        return check_cuda(driver, driver.cuStreamSynchronize(static_cast<cu::CUstream>(stream)),
                          "cuStreamSynchronize");
    });
}

FR_API fr_status fr_module_load(fr_context context, const fr_compile_options* options, fr_module* module) {
    return guarded([&] {
        if (module == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "module: expected a pointer, got NULL.");
        *module = nullptr;
        fr_status status = check_live_context(context);
        if (status != FR_OK) return status;
        CompileRequest request;
        CacheSettings cache;
        // options->arch may be NULL (the device's); a different arch would load as CUDA_ERROR_NO_BINARY_FOR_GPU.
        status = read_compile_options(options, context->device.arch.c_str(), &request, &cache);
        if (status != FR_OK) return status;
        if (request.arch != context->device.arch) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "options.arch: expected NULL or \"%s\" (%s), got \"%s\".",
                        context->device.arch.c_str(),
                        context->emulation != nullptr ? "the emulated device"
                                                      : ("device " + std::to_string(context->device.ordinal)).c_str(),
                        request.arch.c_str());
        }
        auto loaded = std::make_unique<fr_module_s>();
        if (context->emulation == nullptr) {
            status = PrimaryContext::retain(*context->driver, context->primary.device(), &loaded->primary);
            if (status != FR_OK) return status;
        }
        status = compile_and_load(context, request, cache, &loaded->module);
        if (status != FR_OK) return status;
        register_handle(loaded.get(), HandleKind::module);
        *module = loaded.release();
        return FR_OK;
    });
}

FR_API fr_status fr_module_unload(fr_module module) {
    return guarded([&] {
        fr_status status = check_live_module(module);
        if (status != FR_OK) return status;
        unregister_handle(module);
        delete module;
        return FR_OK;
    });
}

FR_API fr_status fr_launch(fr_module module, const char* name, const fr_launch_config* config, void** args) {
    return guarded([&] {
        fr_status status = check_live_module(module);
        if (status != FR_OK) return status;
        if (name == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "name: expected a kernel name, got NULL.");
        if (config == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "config: expected a launch config, got NULL.");
        if (config->struct_size < sizeof(fr_launch_config)) {
            return fail(FR_ERROR_INVALID_ARGUMENT,
                        "config.struct_size: expected at least %zu (sizeof(fr_launch_config)), got %zu.",
                        sizeof(fr_launch_config), config->struct_size);
        }
        LaunchShape shape;
        shape.grid = config->grid;
        shape.block = config->block;
        shape.cluster = config->cluster;
        shape.shared_bytes = config->shared_bytes;
        shape.kind = enum_value(config->kind);
        status = validate_launch_shape("config", shape);
        if (status != FR_OK) return status;
        if (args == nullptr) return fail(FR_ERROR_INVALID_ARGUMENT, "args: expected the kernel's argument pointers, got NULL.");
        return launch_kernel(*module->module, name, shape, config->stream, args);
    });
}

}  // extern "C"
