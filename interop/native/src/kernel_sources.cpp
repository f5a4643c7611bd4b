// kernel_sources.cpp: see kernel_sources.h.
#include "kernel_sources.h"

#include "embedded_kernels.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace fr {
namespace {

struct Registry {
    std::mutex mutex;
    std::vector<std::unique_ptr<KernelFile>> files;  // unique_ptr: pointers handed out stay valid as it grows
};

void sort_files(std::vector<std::unique_ptr<KernelFile>>* files) {
    std::stable_sort(files->begin(), files->end(), [](const auto& left, const auto& right) {
        if (left->is_header != right->is_header) return !left->is_header;
        return left->name < right->name;
    });
}

Registry& registry() {
    static Registry* instance = [] {
        auto* loaded = new Registry();
        for (int i = 0; i < kEmbeddedKernelFileCount; ++i) {
            const EmbeddedKernelFile& embedded = kEmbeddedKernelFiles[i];
            auto file = std::make_unique<KernelFile>();
            file->name = embedded.name;
            file->file_name = embedded.file_name;
            file->is_header = embedded.is_header;
            for (const char* const* chunk = embedded.chunks; *chunk != nullptr; ++chunk) file->text += *chunk;
            loaded->files.push_back(std::move(file));
        }
        sort_files(&loaded->files);
        return loaded;
    }();
    return *instance;
}

}  // namespace

std::vector<const KernelFile*> kernel_files() {
    Registry& files = registry();
    std::lock_guard<std::mutex> lock(files.mutex);
    std::vector<const KernelFile*> result;
    for (const auto& file : files.files) result.push_back(file.get());
    return result;
}

const KernelFile* find_kernel_source(const std::string& name) {
    for (const KernelFile* file : kernel_files()) {
        if (!file->is_header && file->name == name) return file;
    }
    return nullptr;
}

std::vector<const KernelFile*> kernel_headers() {
    std::vector<const KernelFile*> headers;
    for (const KernelFile* file : kernel_files()) {
        if (file->is_header) headers.push_back(file);
    }
    return headers;
}

std::string kernel_source_names() {
    std::string names;
    for (const KernelFile* file : kernel_files()) {
        if (file->is_header) continue;
        if (!names.empty()) names += ", ";
        names += file->name;
    }
    return names.empty() ? std::string("none (kernels/ had no .cu file when the library was built)") : names;
}

void add_kernel_file_for_testing(const std::string& name, const std::string& text, bool is_header) {
    Registry& files = registry();
    std::lock_guard<std::mutex> lock(files.mutex);
    for (const auto& file : files.files) {
        // Replacing a file would invalidate text pointers already handed out (fr_kernel_source).
        if (file->name == name) throw std::invalid_argument("kernel file " + name + " exists already");
    }
    auto file = std::make_unique<KernelFile>();
    file->name = name;
    file->file_name = is_header ? name : name + ".cu";
    file->is_header = is_header;
    file->text = text;
    files.files.push_back(std::move(file));
    sort_files(&files.files);
}

}  // namespace fr
