// device_context.h: the driver-side objects behind the ABI's handles. fr_context is a retained primary context
// (the one the CUDA runtime, PyTorch and JAX use too, so device pointers and streams from them are valid here)
// plus the facts launches need about its device, and an in-process cache of the modules the operations load.
#ifndef FR_DEVICE_CONTEXT_H
#define FR_DEVICE_CONTEXT_H

#include "cuda_driver.h"
#include "fastrecurrence.h"

#include <atomic>
#include <map>
#include <memory>

namespace fr::emu {
struct EmulationState;
}
#include <mutex>
#include <string>

namespace fr {

class LoadedModule;

// One reference on a device's primary context, released when this object dies.
class PrimaryContext {
public:
    PrimaryContext() = default;
    ~PrimaryContext();
    PrimaryContext(PrimaryContext&& other) noexcept;
    PrimaryContext& operator=(PrimaryContext&&) = delete;
    PrimaryContext(const PrimaryContext&) = delete;
    PrimaryContext& operator=(const PrimaryContext&) = delete;

    static fr_status retain(const CudaDriver& driver, cu::CUdevice device, PrimaryContext* context);
    cu::CUcontext get() const { return context_; }
    cu::CUdevice device() const { return device_; }

private:
    const CudaDriver* driver_ = nullptr;
    cu::CUdevice device_ = 0;
    cu::CUcontext context_ = nullptr;
};

// Makes a context current on this thread for a scope and restores the previous one after, so the library
// never changes what the caller (e.g. PyTorch) has current.
class CurrentContext {
public:
    CurrentContext() = default;
    ~CurrentContext();
    CurrentContext(const CurrentContext&) = delete;
    CurrentContext& operator=(const CurrentContext&) = delete;
    fr_status push(const CudaDriver& driver, cu::CUcontext context);

private:
    const CudaDriver* driver_ = nullptr;
};

struct DeviceInfo {
    int ordinal = 0;
    int major = 0;
    int minor = 0;
    std::string arch;  // "sm_90"
    bool cooperative_launch = false;
    bool cluster_launch = false;
    bool emulated = false;  // the cuda-emulated device: kernels run on the CPU emulator
};

fr_status query_device_info(const CudaDriver& driver, int ordinal, cu::CUdevice device, DeviceInfo* info);

// Handles given out through the ABI are registered while alive, so a stale, foreign or garbage handle is
// reported as FR_ERROR_INVALID_ARGUMENT instead of being dereferenced.
enum class HandleKind { context, module };
void register_handle(const void* handle, HandleKind kind);
void unregister_handle(const void* handle);
bool is_live_handle(const void* handle, HandleKind kind);
// The argument checks every entry point taking a handle makes: NULL, unknown and destroyed handles are
// FR_ERROR_INVALID_ARGUMENT with the same message wherever they are passed.
fr_status check_live_context(fr_context context);
fr_status check_live_module(fr_module module);

}  // namespace fr

struct fr_context_s {
    const fr::CudaDriver* driver = nullptr;                 // NULL for an emulated context
    std::shared_ptr<fr::emu::EmulationState> emulation;     // set for an emulated context
    fr::PrimaryContext primary;  // declared before `modules`: modules unload while the context is still alive
    fr::DeviceInfo device;
    std::mutex modules_mutex;
    std::map<std::string, std::unique_ptr<fr::LoadedModule>> modules;  // by CompileRequest::process_key()
    std::mutex cublas_mutex;         // linear_ops.h: the context's cuBLAS handle, made on first use
    void* cublas_handle = nullptr;
    std::atomic<bool> cublas_unusable{false};  // cuBLAS failed on this context once: fr_linear uses our kernel after

    ~fr_context_s();
};

#endif
