// cublas_library.cpp: see cublas_library.h.
#include "cublas_library.h"

#include "errors.h"

#include <mutex>

namespace fr {
namespace {

struct LoadState {
    fr_status status = FR_OK;
    std::string message;
    CublasLibrary library;
};

template <class F>
void resolve(const DynamicLibrary& library, const char* name, F* target, std::string* missing) {
    *target = reinterpret_cast<F>(library.symbol(name));
    if (*target == nullptr) *missing += std::string(missing->empty() ? "" : ", ") + name;
}

void load(LoadState* state) {
    const std::string override_path = environment("FR_CUBLAS_LIBRARY");
    if (override_path == "none") {
        state->status = FR_ERROR_UNSUPPORTED;
        state->message = "cuBLAS is turned off (FR_CUBLAS_LIBRARY=none)";
        return;
    }
    const std::vector<std::string> names = override_path.empty()
        ? std::vector<std::string>{"libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"}
        : std::vector<std::string>{override_path};
    std::string tried;
    CublasLibrary& lib = state->library;
    lib.library = DynamicLibrary::open_first(names, &lib.name, &tried);
    if (!lib.library.is_open()) {
        state->status = FR_ERROR_UNSUPPORTED;
        state->message = "no cuBLAS: tried " + tried;
        return;
    }
    std::string missing;
    resolve(lib.library, "cublasCreate_v2", &lib.create, &missing);
    resolve(lib.library, "cublasDestroy_v2", &lib.destroy, &missing);
    resolve(lib.library, "cublasSetStream_v2", &lib.set_stream, &missing);
    resolve(lib.library, "cublasGemmEx", &lib.gemm_ex, &missing);
    if (!missing.empty()) {
        state->status = FR_ERROR_UNSUPPORTED;
        state->message = lib.name + " lacks " + missing + " (cuBLAS 11 or newer is needed)";
    }
}

}  // namespace

fr_status load_cublas(const CublasLibrary** library) {
    static LoadState state;
    static std::once_flag once;
    std::call_once(once, [] { load(&state); });
    *library = nullptr;
    if (state.status != FR_OK) return fail(state.status, "%s.", state.message.c_str());
    *library = &state.library;
    return FR_OK;
}

}  // namespace fr
