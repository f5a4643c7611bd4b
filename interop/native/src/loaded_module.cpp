// loaded_module.cpp: see loaded_module.h.
#include "loaded_module.h"

#include "errors.h"

namespace fr {

LoadedModule::~LoadedModule() {
    if (module_ == nullptr) return;
    CurrentContext current;
    if (current.push(*driver_, context_) == FR_OK) driver_->cuModuleUnload(module_);
}

std::unique_ptr<LoadedModule> LoadedModule::from_emulated(std::shared_ptr<emu::EmulationState> state,
                                                         const DeviceInfo& device,
                                                         std::unique_ptr<emu::EmulatedModule> emulated) {
    std::unique_ptr<LoadedModule> loaded(new LoadedModule());
    loaded->device_ = device;
    loaded->emulation_ = std::move(state);
    loaded->emulated_ = std::move(emulated);
    return loaded;
}

fr_status LoadedModule::load(const CudaDriver& driver, cu::CUcontext context, const DeviceInfo& device,
                             const std::vector<char>& cubin, std::unique_ptr<LoadedModule>* module) {
    CurrentContext current;
    fr_status status = current.push(driver, context);
    if (status != FR_OK) return status;
    std::unique_ptr<LoadedModule> loaded(new LoadedModule());
    loaded->driver_ = &driver;
    loaded->context_ = context;
    loaded->device_ = device;
    status = check_cuda(driver, driver.cuModuleLoadData(&loaded->module_, cubin.data()), "cuModuleLoadData");
    if (status != FR_OK) return status;
    *module = std::move(loaded);
    return FR_OK;
}

fr_status LoadedModule::prepare(const char* name, uint32_t shared_bytes, bool large_cluster,
                                cu::CUfunction* function) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = kernels_.find(name);
    if (found == kernels_.end()) {
        Kernel kernel;
        const cu::CUresult result = driver_->cuModuleGetFunction(&kernel.function, module_, name);
        if (result == cu::CUDA_ERROR_NOT_FOUND) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "name: the module has no kernel called \"%s\".", name);
        }
        fr_status status = check_cuda(*driver_, result, "cuModuleGetFunction");
        if (status != FR_OK) return status;
        found = kernels_.emplace(name, kernel).first;
    }
    Kernel& kernel = found->second;
    if (shared_bytes > kernel.shared_opt_in) {
        fr_status status = check_cuda(
            *driver_,
            driver_->cuFuncSetAttribute(kernel.function, cu::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                        static_cast<int>(shared_bytes)),
            "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)");
        if (status != FR_OK) return status;
        kernel.shared_opt_in = shared_bytes;
    }
    if (large_cluster && !kernel.large_cluster) {
        fr_status status = check_cuda(
            *driver_,
            driver_->cuFuncSetAttribute(kernel.function, cu::CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1),
            "cuFuncSetAttribute(NON_PORTABLE_CLUSTER_SIZE_ALLOWED)");
        if (status != FR_OK) return status;
        kernel.large_cluster = true;
    }
    *function = kernel.function;
    return FR_OK;
}

fr_status compile_and_load(fr_context context, const CompileRequest& request, const CacheSettings& cache,
                           std::unique_ptr<LoadedModule>* module) {
    if (context->emulation != nullptr) {
        // what compile_kernel checks before NVRTC on a GPU, so an emulated device refuses the same plans
        if (fr_status status = check_arch_supports(request); status != FR_OK) return status;
        emu::EmulationState& state = *context->emulation;
        CacheSettings settings = cache;
        if (settings.dir == nullptr && state.has_cache_dir) settings.dir = state.cache_dir.c_str();
        std::unique_ptr<emu::EmulatedModule> emulated;
        bool cache_hit = false;
        fr_status status = emu::EmulatedModule::load(request, settings, state.compiler, &emulated, &cache_hit);
        if (status != FR_OK) return status;
        *module = LoadedModule::from_emulated(context->emulation, context->device, std::move(emulated));
        return FR_OK;
    }
    CompiledKernel compiled;
    fr_status status = compile_kernel(request, cache, &compiled);
    if (status == FR_ERROR_CACHE && !compiled.binary.cubin.empty()) {
        clear_error();  // the cubin is complete; an unusable cache costs time on the next run, not this launch
    } else if (status != FR_OK) {
        return status;
    }
    return LoadedModule::load(*context->driver, context->primary.get(), context->device, compiled.binary.cubin,
                              module);
}

fr_status cached_module(fr_context context, const CompileRequest& request, LoadedModule** module) {
    const std::string key = request.process_key();
    // One lock for lookup and load: two threads asking for the same new module compile it once.
    std::lock_guard<std::mutex> lock(context->modules_mutex);
    auto found = context->modules.find(key);
    if (found == context->modules.end()) {
        std::unique_ptr<LoadedModule> loaded;
        fr_status status = compile_and_load(context, request, CacheSettings{}, &loaded);
        if (status != FR_OK) return status;
        found = context->modules.emplace(key, std::move(loaded)).first;
    }
    *module = found->second.get();
    return FR_OK;
}

}  // namespace fr
