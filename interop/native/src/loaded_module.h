// loaded_module.h: a cubin loaded into a context (cuModuleLoadData), its kernels looked up once by name, and
// the per-kernel launch attributes already set (the dynamic shared memory opt-in above 48 KB). fr_module is one
// of these that also holds its own reference on the primary context, so the caller may destroy its fr_context
// first.
#ifndef FR_LOADED_MODULE_H
#define FR_LOADED_MODULE_H

#include "cuda_driver.h"
#include "device_context.h"
#include "emulation/emulated_module.h"
#include "emulation/emulation_state.h"
#include "kernel_compiler.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fr {

class LoadedModule {
public:
    ~LoadedModule();
    LoadedModule(const LoadedModule&) = delete;
    LoadedModule& operator=(const LoadedModule&) = delete;

    // An emulated module (cuda-emulated): launches run on the CPU emulator with the state's device settings.
    static std::unique_ptr<LoadedModule> from_emulated(std::shared_ptr<emu::EmulationState> state,
                                                       const DeviceInfo& device,
                                                       std::unique_ptr<emu::EmulatedModule> emulated);

    static fr_status load(const CudaDriver& driver, cu::CUcontext context, const DeviceInfo& device,
                          const std::vector<char>& cubin, std::unique_ptr<LoadedModule>* module);

    // The kernel `name`, ready for a launch with `shared_bytes` of dynamic shared memory and, for clusters of
    // more than 8 blocks, the non-portable cluster size allowed. FR_ERROR_INVALID_ARGUMENT names a missing kernel.
    fr_status prepare(const char* name, uint32_t shared_bytes, bool large_cluster, cu::CUfunction* function);

    emu::EmulatedModule* emulated() const { return emulated_.get(); }
    emu::EmulationState* emulation() const { return emulation_.get(); }
    const CudaDriver& driver() const { return *driver_; }
    cu::CUcontext context() const { return context_; }
    const DeviceInfo& device() const { return device_; }

private:
    struct Kernel {
        cu::CUfunction function = nullptr;
        uint32_t shared_opt_in = 48 * 1024;  // every kernel may use 48 KB of dynamic shared memory without opting in
        bool large_cluster = false;
    };

    LoadedModule() = default;

    const CudaDriver* driver_ = nullptr;
    cu::CUcontext context_ = nullptr;
    cu::CUmodule module_ = nullptr;
    std::shared_ptr<emu::EmulationState> emulation_;
    std::unique_ptr<emu::EmulatedModule> emulated_;
    DeviceInfo device_;
    std::mutex mutex_;
    std::map<std::string, Kernel> kernels_;
};

// Compiles (through the disk cache) and loads a request into `context`. A cubin that compiled but could not be
// stored in the cache still loads: the cache only saves time.
fr_status compile_and_load(fr_context context, const CompileRequest& request, const CacheSettings& cache,
                           std::unique_ptr<LoadedModule>* module);

// The module of `request` in `context`'s in-process cache, loading it on first use (the operations' path:
// repeated calls do not recompile or reload).
fr_status cached_module(fr_context context, const CompileRequest& request, LoadedModule** module);

}  // namespace fr

struct fr_module_s {
    fr::PrimaryContext primary;  // declared first: destroyed after the module is unloaded
    std::unique_ptr<fr::LoadedModule> module;
};

#endif
