// test_compile.cpp: NVRTC compilation and the disk cache (needs libnvrtc, no driver or GPU). Skips when no NVRTC
// can be loaded.
#include "case_modules.h"
#include "emulation_kernels.h"
#include "test_support.h"

#include "nvrtc_identity.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace frtest {
namespace {

namespace fs = std::filesystem;

const fr_kernel_report* find_kernel(const fr_compile_result& result, const char* name) {
    for (int i = 0; i < result.kernel_count; ++i) {
        if (std::string(result.kernels[i].name) == name) return &result.kernels[i];
    }
    return nullptr;
}

bool same_report(const fr_compile_result& left, const fr_compile_result& right) {
    return left.kernel_count == right.kernel_count && left.cubin_bytes == right.cubin_bytes &&
           std::string(left.cache_key) == right.cache_key &&
           std::memcmp(left.kernels, right.kernels, sizeof(fr_kernel_report) * left.kernel_count) == 0;
}

int count_with_suffix(const TempDir& dir, const std::string& suffix) {
    int count = 0;
    for (const std::string& name : dir.files()) {
        if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
            ++count;
        }
    }
    return count;
}

// Restores an environment variable at scope end.
class EnvironmentOverride {
public:
    explicit EnvironmentOverride(const char* name) : name_(name) {
        const char* value = std::getenv(name);
        had_value_ = value != nullptr;
        if (had_value_) value_ = value;
    }
    ~EnvironmentOverride() {
        if (had_value_) setenv(name_, value_.c_str(), 1); else unsetenv(name_);
    }

private:
    const char* name_;
    bool had_value_ = false;
    std::string value_;
};

bool has_temporary_files(const TempDir& dir) {
    for (const std::string& name : dir.files()) {
        if (name.find(".tmp.") != std::string::npos) return true;
    }
    return false;
}

void test_compile_test_source(const char* arch) {
    fr_compile_options options = compile_options(kTestSourceName, arch);
    fr_compile_result result = compile_result();
    CHECK_STATUS(fr_compile(&options, &result), FR_OK);
    CHECK(result.cache_hit == 0);
    CHECK(result.cubin_bytes > 0);
    CHECK(result.nvrtc_major >= 11);
    CHECK(std::strlen(result.cache_key) == 64);
    CHECK(result.kernel_count == 6);
    if (result.kernel_count != 6) {
        for (int i = 0; i < result.kernel_count; ++i) std::fprintf(stderr, "  kernel %d: %s\n", i, result.kernels[i].name);
    }
    for (const char* name : {"fr_test_fill", "fr_test_static_shared", "fr_test_dynamic_shared", "fr_test_cluster_rank",
                             "fr_scan_forward", "fr_scan_backward"}) {
        const fr_kernel_report* report = find_kernel(result, name);
        CHECK(report != nullptr);
        if (report == nullptr) continue;
        CHECK(report->registers > 0 && report->registers <= 255);
        CHECK(report->spill_store_bytes == 0 && report->spill_load_bytes == 0);
    }
    const fr_kernel_report* shared = find_kernel(result, "fr_test_static_shared");
    CHECK(shared != nullptr && shared->shared_bytes == 1024);
    std::printf("  %s: %s in %.1f ms, %zu bytes of cubin, fr_scan_forward %d registers\n", arch, kTestSourceName,
                result.milliseconds, result.cubin_bytes,
                find_kernel(result, "fr_scan_forward") ? find_kernel(result, "fr_scan_forward")->registers : -1);
}

// The GPU side of every fr_device.cuh helper (shuffles, votes, mma, tf32, grid barrier, clusters, atomics, acquire /
// release, nanosleep, trap) through NVRTC and ptxas: the emulation tests' kernels, which a GPU runs as they are.
void test_compile_emulation_source(const char* arch) {
    fr_compile_options options = compile_options(kEmulationSourceName, arch);
    fr_compile_result result = compile_result();
    CHECK_STATUS(fr_compile(&options, &result), FR_OK);
    CHECK(result.kernel_count == 8);
    for (const char* name : {"fr_test_warp_ops", "fr_test_mma", "fr_test_tf32", "fr_test_grid_sync",
                             "fr_test_cluster_shared", "fr_test_atomics", "fr_test_neighbour", "fr_test_fault"}) {
        const fr_kernel_report* report = find_kernel(result, name);
        CHECK(report != nullptr);
        if (report != nullptr) CHECK(report->spill_store_bytes == 0 && report->spill_load_bytes == 0);
    }
    std::printf("  %s: %s compiled (%d kernels) in %.1f ms\n", arch, kEmulationSourceName, result.kernel_count,
                result.milliseconds);
}

// kernels/rnn_forward.cu through NVRTC and ptxas for a few plans of each regime (register and shared R tiles, K split;
// fp32 FMA path and tf32, bf16 / fp16 mma; single block, grid barrier, and clusters on sm_90) and
// kernels/rnn_alternating.cu (forward and backward kernels) and kernels/rnn_gradients.cu (the reductions): compiles,
// spills nothing. (Every fused planner plan is compiled by the managed compile gate.)
void test_compile_rnn_forward(const char* arch) {
    struct Plan {
        int cell, dtype, d, heads, hb, warps, ks, bt, rt, st, p, regime, tf32;
    };
    const bool clusters = std::string(arch) >= "sm_90";
    std::vector<Plan> plans = {{0, 1, 64, 12, 1, 8, 1, 16, 2, 0, 1, 1, 0}, {0, 0, 64, 12, 1, 8, 1, 16, 1, 1, 1, 1, 0},
                               {1, 2, 32, 4, 1, 6, 2, 8, 1, 1, 1, 1, 0},   {2, 1, 64, 4, 1, 16, 2, 8, 0, 2, 1, 1, 0},
                               {3, 0, 128, 1, 1, 8, 1, 8, 1, 0, 1, 1, 0},  {0, 0, 64, 12, 1, 8, 1, 16, 1, 1, 1, 1, 1},
                               {0, 1, 256, 1, 1, 4, 1, 8, 0, 2, 8, 3, 0}};
    plans.push_back({2, 2, 256, 1, 1, 8, 2, 8, 1, 0, 16, 2, 0});  // a cluster plan: refused before sm_90
    const bool mma = std::string(arch) >= "sm_80";  // before sm_80 (V100, T4) only fp32 exact plans exist
    for (const Plan& p : plans) {
        const bool needs_mma = p.dtype != 0 || p.tf32 != 0;
        const int gates = p.cell == 0 || p.cell == 2 ? 4 : p.cell == 1 ? 3 : 1;
        const int states = p.cell == 0 ? 2 : p.cell == 2 ? 4 : 1;
        fr_define defines[] = {
            {"FR_CELL", p.cell}, {"FR_GATES", gates}, {"FR_STATES", states}, {"FR_DTYPE", p.dtype}, {"FR_BACKWARD", 0},
            {"FR_HEAD_SIZE", p.d}, {"FR_HEAD_SIZE_PADDED", (p.d + 15) / 16 * 16}, {"FR_HEADS", p.heads},
            {"FR_HEADS_PER_BLOCK", p.hb}, {"FR_BLOCKS_PER_HEAD", p.p}, {"FR_WARPS", p.warps}, {"FR_K_SPLIT", p.ks},
            {"FR_BATCH_TILE", p.bt}, {"FR_REGISTER_ROW_TILES", p.rt}, {"FR_SHARED_ROW_TILES", p.st},
            {"FR_REGIME", p.regime}, {"FR_TF32", p.tf32},
        };
        fr_compile_options options = compile_options("rnn_forward", arch);
        options.defines = defines;
        options.define_count = static_cast<int>(sizeof defines / sizeof defines[0]);
        fr_compile_result result = compile_result();
        if (!mma && needs_mma) {
            // a valid plan the arch cannot run: refused before NVRTC (not the kernel's static_assert as a compile error)
            CHECK_FAILS(fr_compile(&options, &result), FR_ERROR_UNSUPPORTED,
                        p.tf32 != 0 ? "options.arch: expected sm_80 or newer for a tf32 plan"
                                    : "options.arch: expected sm_80 or newer for a bf16 / fp16 recurrent plan");
            continue;
        }
        if (!clusters && p.regime == 2) {
            CHECK_FAILS(fr_compile(&options, &result), FR_ERROR_UNSUPPORTED,
                        "options.arch: expected sm_90 or newer for a cluster plan");
            continue;
        }
        CHECK_STATUS(fr_compile(&options, &result), FR_OK);
        const fr_kernel_report* report = find_kernel(result, "fr_rnn_forward");
        CHECK(report != nullptr);
        if (report == nullptr) continue;
        CHECK(report->spill_store_bytes == 0 && report->spill_load_bytes == 0);
        std::printf("  %s: rnn_forward cell %d dtype %d%s D %d regime %d P %d W %d Ks %d RT %d ST %d: %d registers, "
                    "%d+%d spill bytes, %.0f ms\n",
                    arch, p.cell, p.dtype, p.tf32 ? " (tf32)" : "", p.d, p.regime, p.p, p.warps, p.ks, p.rt, p.st,
                    report->registers, report->spill_store_bytes, report->spill_load_bytes, result.milliseconds);
    }
    // the alternating fallback: every kernel of one compilation
    for (int dtype : {0, 1, 2}) {
        fr_define defines[] = {
            {"FR_CELL", 0}, {"FR_GATES", 4}, {"FR_STATES", 2}, {"FR_DTYPE", dtype}, {"FR_BACKWARD", 0},
            {"FR_HEAD_SIZE", 2560}, {"FR_HEAD_SIZE_PADDED", 2560}, {"FR_HEADS", 1}, {"FR_TILE_M", 128},
            {"FR_TILE_N", 16}, {"FR_TILE_K", 64}, {"FR_WARPS", 8}, {"FR_STAGES", 1}, {"FR_POINTWISE_THREADS", 256},
        };
        fr_compile_options options = compile_options("rnn_alternating", arch);
        options.defines = defines;
        options.define_count = static_cast<int>(sizeof defines / sizeof defines[0]);
        fr_compile_result result = compile_result();
        if (!mma && dtype != 0) {
            CHECK_FAILS(fr_compile(&options, &result), FR_ERROR_UNSUPPORTED,
                        "options.arch: expected sm_80 or newer for a bf16 / fp16 recurrent plan");
            continue;
        }
        CHECK_STATUS(fr_compile(&options, &result), FR_OK);
        for (const char* kernel : {"fr_rnn_alternating_matmul", "fr_rnn_alternating_pointwise", "fr_rnn_alternating_backward_matmul",
                                   "fr_rnn_alternating_backward_pointwise", "fr_rnn_alternating_backward_finish"}) {
            const fr_kernel_report* report = find_kernel(result, kernel);
            CHECK(report != nullptr);
            if (report == nullptr) continue;
            CHECK(report->spill_store_bytes == 0 && report->spill_load_bytes == 0);
            std::printf("  %s: rnn_alternating dtype %d %s: %d registers, %d+%d spill bytes\n", arch, dtype, kernel,
                        report->registers, report->spill_store_bytes, report->spill_load_bytes);
        }
    }
    // kernels/rnn_gradients.cu, the reductions every backward launches (one module per cell and type): each cell, each
    // type the architecture has fused plans for, fp32 exact and in tf32
    struct Reduction {
        int cell, dtype, tf32;
    };
    for (const Reduction& r : {Reduction{0, 0, 0}, Reduction{1, 0, 1}, Reduction{2, 1, 0}, Reduction{3, 2, 0}}) {
        if (!mma && (r.dtype != 0 || r.tf32 != 0)) continue;
        std::vector<fr_define> defines = {{"FR_CELL", r.cell}, {"FR_DTYPE", r.dtype}};
        if (r.tf32 != 0) defines.push_back({"FR_TF32", 1});
        fr_compile_options options = compile_options("rnn_gradients", arch);
        options.defines = defines.data();
        options.define_count = static_cast<int>(defines.size());
        fr_compile_result result = compile_result();
        CHECK_STATUS(fr_compile(&options, &result), FR_OK);
        CHECK(result.kernel_count == 3);
        for (const char* kernel : {"fr_rnn_backward_weights", "fr_rnn_backward_bias", "fr_rnn_gate_products"}) {
            const fr_kernel_report* report = find_kernel(result, kernel);
            CHECK(report != nullptr);
            if (report == nullptr) continue;
            CHECK(report->spill_store_bytes == 0 && report->spill_load_bytes == 0);
            std::printf("  %s: rnn_gradients cell %d dtype %d%s %s: %d registers, %d+%d spill bytes\n", arch, r.cell, r.dtype,
                        r.tf32 != 0 ? " (tf32)" : "", kernel, report->registers, report->spill_store_bytes,
                        report->spill_load_bytes);
        }
    }
}

void test_compile_errors() {
    fr_compile_result result = compile_result();
    fr_compile_options broken = compile_options("fr_test_broken", "sm_80");
    CHECK_FAILS(fr_compile(&broken, &result), FR_ERROR_COMPILE, "fr_test_broken.cu");
    CHECK(error_contains("error"));
    CHECK(result.cubin_bytes == 0);

    // An architecture this NVRTC does not know is reported as such, not as a compile error.
    fr_compile_options future = compile_options(kTestSourceName, "sm_990");
    CHECK_FAILS(fr_compile(&future, &result), FR_ERROR_UNSUPPORTED, "sm_990");
    CHECK(error_contains("options.arch: NVRTC"));
    // One NVRTC knows but the kernels do not target: refused before NVRTC, not the kernels' #error as a compile error.
    fr_compile_options old = compile_options(kTestSourceName, "sm_35");
    CHECK_FAILS(fr_compile(&old, &result), FR_ERROR_UNSUPPORTED, "options.arch: expected sm_70 or newer for every kernel");
    // NVRTC lists base architectures only: an arch-specific target before NVRTC 12.0 is unsupported, not a compile error
    fr_compile_options specific = compile_options(kTestSourceName, "sm_90a");
    result = compile_result();
    const fr_status specific_status = fr_compile(&specific, &result);
    if (result.nvrtc_major >= 12) {
        CHECK_STATUS(specific_status, FR_OK);
    } else {
        CHECK(specific_status == FR_ERROR_UNSUPPORTED && error_contains("options.arch: NVRTC") &&
              error_contains("'a' targets need NVRTC 12.0 or newer"));
    }

    fr_define define = {"FR_TEST_SYNTAX", 1};
    fr_compile_options with_define = compile_options(kTestSourceName, "sm_80");
    with_define.defines = &define;
    with_define.define_count = 1;
    CHECK_STATUS(fr_compile(&with_define, &result), FR_OK);
}

void test_cache_key() {
    fr_define first[] = {{"FR_TEST_OFFSET", 1}, {"FR_OTHER", -5}};
    fr_define swapped[] = {{"FR_OTHER", -5}, {"FR_TEST_OFFSET", 1}};
    fr_define other[] = {{"FR_TEST_OFFSET", 2}, {"FR_OTHER", -5}};
    auto key_of = [](const fr_define* defines, const char* arch) {
        fr_compile_options options = compile_options(kTestSourceName, arch);
        options.defines = defines;
        options.define_count = 2;
        fr_compile_result result = compile_result();
        CHECK_STATUS(fr_compile(&options, &result), FR_OK);
        return std::string(result.cache_key);
    };
    const std::string key = key_of(first, "sm_80");
    CHECK(key == key_of(swapped, "sm_80"));  // defines are sorted before hashing
    CHECK(key != key_of(other, "sm_80"));
    CHECK(key != key_of(first, "sm_90"));
}

void test_cache_miss_hit_and_recovery() {
    TempDir dir;
    fr_compile_options options = compile_options(kTestSourceName, "sm_80");
    options.use_cache = 1;
    options.cache_dir = dir.path().c_str();

    fr_compile_result miss = compile_result();
    CHECK_STATUS(fr_compile(&options, &miss), FR_OK);
    CHECK(miss.cache_hit == 0);
    const std::string file = (fs::path(dir.path()) / (std::string(miss.cache_key) + ".cubin")).string();
    CHECK(fs::exists(file));
    CHECK(!has_temporary_files(dir));

    fr_compile_result hit = compile_result();
    CHECK_STATUS(fr_compile(&options, &hit), FR_OK);
    CHECK(hit.cache_hit == 1);
    CHECK(same_report(miss, hit));  // the ptxas report comes back from the cache unchanged
    std::printf("  cache: miss %.1f ms, hit %.2f ms\n", miss.milliseconds, hit.milliseconds);
    // The "< 10 ms from the disk cache" goal is a measurement (docs/PERFORMANCE.md), not a unit-test assertion: on a
    // loaded machine an absolute bound fails for no fault of the cache (15 ms seen with 2 busy cores). What must hold
    // whatever the load is that the hit did not compile: cache_hit above, and far less time than the NVRTC miss.
    CHECK(hit.milliseconds < miss.milliseconds);

    const std::string good = read_file(file);
    const std::vector<std::pair<const char*, std::string>> corruptions = {
        {"truncated", good.substr(0, good.size() / 2)},
        {"empty", std::string()},
        {"flipped byte", [&] { std::string s = good; s[s.size() - 10] ^= 1; return s; }()},
        {"garbage", std::string(good.size(), 'x')},
        {"trailing bytes", good + "extra"}};
    for (const auto& corruption : corruptions) {
        write_file(file, corruption.second);
        fr_compile_result recovered = compile_result();
        CHECK_STATUS(fr_compile(&options, &recovered), FR_OK);
        if (recovered.cache_hit != 0) std::fprintf(stderr, "  corrupt cache file (%s) was used\n", corruption.first);
        CHECK(recovered.cache_hit == 0);
        CHECK(same_report(miss, recovered));
        CHECK(read_file(file) == good);  // replaced by a valid file
        fr_compile_result again = compile_result();
        CHECK_STATUS(fr_compile(&options, &again), FR_OK);
        CHECK(again.cache_hit == 1);
    }

    // Another key's valid file under this name is not trusted either.
    fr_define define = {"FR_TEST_OFFSET", 3};
    fr_compile_options other = options;
    other.defines = &define;
    other.define_count = 1;
    fr_compile_result other_result = compile_result();
    CHECK_STATUS(fr_compile(&other, &other_result), FR_OK);
    const std::string other_file = (fs::path(dir.path()) / (std::string(other_result.cache_key) + ".cubin")).string();
    write_file(file, read_file(other_file));
    fr_compile_result renamed = compile_result();
    CHECK_STATUS(fr_compile(&options, &renamed), FR_OK);
    CHECK(renamed.cache_hit == 0);
    CHECK(same_report(miss, renamed));
    CHECK(!has_temporary_files(dir));
}

void test_cache_disabled_and_default_folder() {
    TempDir dir;
    fr_compile_options options = compile_options(kTestSourceName, "sm_80");
    options.use_cache = 0;
    options.cache_dir = dir.path().c_str();
    fr_compile_result result = compile_result();
    CHECK_STATUS(fr_compile(&options, &result), FR_OK);
    CHECK_STATUS(fr_compile(&options, &result), FR_OK);
    CHECK(result.cache_hit == 0);
    CHECK(dir.files().empty());

    // NULL cache_dir: $FR_CACHE_DIR, else $XDG_CACHE_HOME/fastrecurrence, else $HOME/.cache/fastrecurrence.
    const EnvironmentOverride fr_cache("FR_CACHE_DIR"), xdg("XDG_CACHE_HOME"), home("HOME");
    TempDir from_environment;
    setenv("FR_CACHE_DIR", from_environment.path().c_str(), 1);
    options.use_cache = 1;
    options.cache_dir = nullptr;
    CHECK_STATUS(fr_compile(&options, &result), FR_OK);
    CHECK(count_with_suffix(from_environment, ".cubin") == 1);

    TempDir xdg_dir;
    unsetenv("FR_CACHE_DIR");
    setenv("XDG_CACHE_HOME", xdg_dir.path().c_str(), 1);
    CHECK_STATUS(fr_compile(&options, &result), FR_OK);
    CHECK(fs::exists(fs::path(xdg_dir.path()) / "fastrecurrence" / (std::string(result.cache_key) + ".cubin")));

    TempDir home_dir;
    setenv("XDG_CACHE_HOME", "", 1);  // empty counts as unset
    setenv("HOME", home_dir.path().c_str(), 1);
    CHECK_STATUS(fr_compile(&options, &result), FR_OK);
    CHECK(fs::exists(fs::path(home_dir.path()) / ".cache" / "fastrecurrence" / (std::string(result.cache_key) + ".cubin")));

    // No folder at all: FR_ERROR_CACHE naming the variables, with the compilation done and reported anyway.
    unsetenv("HOME");
    result = compile_result();
    CHECK_FAILS(fr_compile(&options, &result), FR_ERROR_CACHE, "FR_CACHE_DIR");
    CHECK(result.cubin_bytes > 0 && result.kernel_count == 6 && result.cache_hit == 0);
}

void test_cache_folder_not_writable() {
    TempDir dir;
    const std::string blocker = (fs::path(dir.path()) / "a_file").string();
    write_file(blocker, "not a folder");
    const std::string below_a_file = blocker + "/cache";
    fr_compile_options options = compile_options(kTestSourceName, "sm_80");
    options.use_cache = 1;
    options.cache_dir = below_a_file.c_str();
    fr_compile_result result = compile_result();
    CHECK_FAILS(fr_compile(&options, &result), FR_ERROR_CACHE, "a_file");
    CHECK(result.cubin_bytes > 0);  // the compilation itself succeeded and is reported
    CHECK(result.kernel_count == 6);
    if (result.kernel_count != 6) {
        for (int i = 0; i < result.kernel_count; ++i) std::fprintf(stderr, "  kernel %d: %s\n", i, result.kernels[i].name);
    }
}

// Many writers of one key at once (threads here, processes below): every call succeeds, one file remains,
// no temporary file is left behind.
void test_concurrent_writers_threads() {
    TempDir dir;
    std::vector<std::thread> threads;
    std::vector<fr_status> statuses(8, FR_ERROR_INTERNAL);
    for (size_t i = 0; i < statuses.size(); ++i) {
        threads.emplace_back([&, i] {
            fr_define define = {"FR_TEST_OFFSET", 42};
            fr_compile_options options = compile_options(kTestSourceName, "sm_80");
            options.defines = &define;
            options.define_count = 1;
            options.use_cache = 1;
            options.cache_dir = dir.path().c_str();
            fr_compile_result result = compile_result();
            statuses[i] = fr_compile(&options, &result);
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (fr_status status : statuses) CHECK(status == FR_OK);
    CHECK(count_with_suffix(dir, ".cubin") == 1);
    CHECK(!has_temporary_files(dir));
}

void test_concurrent_writers_processes(const char* self) {
    TempDir dir;
    std::vector<pid_t> children;
    for (int i = 0; i < 6; ++i) {
        pid_t child = 0;
        char* argv[] = {const_cast<char*>(self), const_cast<char*>("cache_writer"), const_cast<char*>(dir.path().c_str()),
                        nullptr};
        if (posix_spawn(&child, self, nullptr, nullptr, argv, environ) == 0) children.push_back(child);
    }
    CHECK(children.size() == 6);
    for (pid_t child : children) {
        int status = 0;
        waitpid(child, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK(count_with_suffix(dir, ".cubin") == 1);
    CHECK(!has_temporary_files(dir));
}

}  // namespace

int run_cache_writer(const char* dir);

namespace {

// A cache hit in a fresh process: the version recorded beside the cubins keys the lookup, so the child never loads
// libnvrtc, and the call takes well under 10 ms (issue 4). The parent (NVRTC loaded) fills the cache first.
void test_fresh_process_cache_hit(const char* self) {
    TempDir dir;
    CHECK(run_cache_writer(dir.path().c_str()) == 0);
    CHECK(read_file(dir.path() + "/nvrtc-identity").find("version ") == 0);
    pid_t child = 0;
    char* argv[] = {const_cast<char*>(self), const_cast<char*>("cache_hit_probe"), const_cast<char*>(dir.path().c_str()), nullptr};
    CHECK(posix_spawn(&child, self, nullptr, nullptr, argv, environ) == 0);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    // A record whose file no longer matches is not trusted: the next process loads NVRTC (and rewrites it).
    std::string record = read_file(dir.path() + "/nvrtc-identity");
    const size_t size_at = record.find("\nsize ");
    CHECK(size_at != std::string::npos);
    if (size_at != std::string::npos) {
        record.insert(size_at + 6, "9");
        write_file(dir.path() + "/nvrtc-identity", record);
        int recorded_major = 0, recorded_minor = 0;
        CHECK(!fr::recorded_nvrtc_version(dir.path(), &recorded_major, &recorded_minor));
    }
}

}  // namespace

// The compilation the cache-writer processes and the fresh-process probe share: one key, cached in `dir`.
fr_status compile_shared_key(const char* dir, fr_compile_result* result) {
    fr_define define = {"FR_TEST_OFFSET", 4242};
    fr_compile_options options = compile_options(kTestSourceName, "sm_80");
    options.defines = &define;
    options.define_count = 1;
    options.use_cache = 1;
    options.cache_dir = dir;
    *result = compile_result();
    return fr_compile(&options, result);
}

// The child of test_fresh_process_cache_hit: one fr_compile that must hit without loading libnvrtc.
int run_cache_hit_probe(const char* dir) {
    fr_compile_result result;
    const fr_status status = compile_shared_key(dir, &result);
    const bool nvrtc_mapped = read_file("/proc/self/maps").find("libnvrtc") != std::string::npos;
    std::printf("  fresh process: %s, cache_hit %d, %.3f ms, NVRTC %d.%d, libnvrtc %s\n", fr_status_name(status),
                result.cache_hit, result.milliseconds, result.nvrtc_major, result.nvrtc_minor,
                nvrtc_mapped ? "loaded" : "not loaded");
    // The time is printed (the "< 10 ms" goal is recorded in docs/PERFORMANCE.md), not asserted: what must hold on any
    // machine, loaded or not, is a hit that never loaded libnvrtc.
    return status == FR_OK && result.cache_hit == 1 && !nvrtc_mapped && result.nvrtc_major >= 11 ? 0 : 1;
}

// One process of test_concurrent_writers_processes.
int run_cache_writer(const char* dir) {
    fr_compile_result result;
    const fr_status status = compile_shared_key(dir, &result);
    if (status != FR_OK) std::fprintf(stderr, "cache writer: %s: %s\n", fr_status_name(status), fr_last_error());
    return status == FR_OK ? 0 : 1;
}

int run_compile_tests(const char* self) {
    int major = 0;
    int minor = 0;
    if (fr_nvrtc_version(&major, &minor) == FR_ERROR_NO_NVRTC) {
        std::printf("skipped: %s\n", fr_last_error());
        return kSkip;
    }
    std::printf("  NVRTC %d.%d\n", major, minor);
    test_compile_test_source("sm_80");
    test_compile_test_source("sm_90");
    test_compile_emulation_source("sm_80");
    test_compile_emulation_source("sm_90");
    test_fresh_process_cache_hit(self);
    test_compile_rnn_forward("sm_70");
    test_compile_rnn_forward("sm_75");
    test_compile_rnn_forward("sm_80");
    test_compile_rnn_forward("sm_90");
    {
        // the GPU group's recurrent cases, every module, as an H100 / H200 compiles them first (nowhere else before a
        // GPU run does NVRTC see these hand-written plans)
        TempDir cases_cache;
        CHECK(compile_case_modules("sm_90", true, std::max(2u, std::thread::hardware_concurrency()), cases_cache.path().c_str()) == 0);
    }
    test_compile_errors();
    test_cache_key();
    test_cache_miss_hit_and_recovery();
    test_cache_disabled_and_default_folder();
    test_cache_folder_not_writable();
    test_concurrent_writers_threads();
    test_concurrent_writers_processes(self);
    return 0;
}

// Every variant of kernels/scan.cu a plan can ask for compiles for sm_80 and sm_90, without spills.
int run_scan_compile_tests() {
    int major = 0;
    int minor = 0;
    if (fr_nvrtc_version(&major, &minor) == FR_ERROR_NO_NVRTC) {
        std::printf("skipped: %s\n", fr_last_error());
        return kSkip;
    }
    bool embedded = false;
    for (int i = 0; i < fr_kernel_source_count(); ++i) {
        const char* name = nullptr;
        const char* text = nullptr;
        if (fr_kernel_source(i, &name, &text) == FR_OK && std::string(name) == "scan") embedded = true;
    }
    if (!embedded) {
        std::printf("skipped: kernels/scan.cu was not embedded when this library was built\n");
        return kSkip;
    }
    // Without the plan's constants the kernel refuses to compile, with its own message.
    fr_compile_options bare = compile_options("scan", "sm_80");
    fr_compile_result result = compile_result();
    CHECK_FAILS(fr_compile(&bare, &result), FR_ERROR_COMPILE, "FR_SCAN_LANES");

    std::printf("  %-6s %-5s %-5s %-6s %-7s %-6s %5s %6s %6s %7s\n", "arch", "dir", "dtype", "lanes", "threads", "items",
                "regs", "smem", "spill", "ms");
    struct Variant { int lanes, threads, items; };
    // Shapes the planner can produce: lanes >= 32 / sizeof(storage) (one 32-byte sector), or 1 for D = 1.
    const Variant variants[] = {{32, 256, 4}, {64, 512, 8}, {16, 128, 16}, {16, 1024, 1}, {1, 32, 2}};
    for (const char* arch : {"sm_80", "sm_90"}) {
        for (int backward = 0; backward <= 1; ++backward) {
            for (int dtype = 0; dtype <= 3; ++dtype) {
                for (const Variant& v : variants) {
                    const fr_define defines[] = {{"FR_DTYPE", dtype},
                                                 {"FR_BACKWARD", backward},
                                                 {"FR_SCAN_LANES", v.lanes},
                                                 {"FR_SCAN_THREADS", v.threads},
                                                 {"FR_SCAN_ITEMS", v.items},
                                                 {"FR_SCAN_CHUNK", (v.threads / v.lanes) * v.items}};
                    fr_compile_options options = compile_options("scan", arch);
                    options.defines = defines;
                    options.define_count = 6;
                    result = compile_result();
                    CHECK_STATUS(fr_compile(&options, &result), FR_OK);
                    const char* kernel = backward ? "fr_scan_backward" : "fr_scan_forward";
                    const fr_kernel_report* report = find_kernel(result, kernel);
                    CHECK(report != nullptr);
                    if (report == nullptr) {
                        for (int i = 0; i < result.kernel_count; ++i) {
                            std::fprintf(stderr, "  kernel %d: %s\n", i, result.kernels[i].name);
                        }
                        continue;
                    }
                    CHECK(report->spill_store_bytes == 0 && report->spill_load_bytes == 0);
                    std::printf("  %-6s %-5s %-5d %-6d %-7d %-6d %5d %6d %6d %7.1f\n", arch, backward ? "bwd" : "fwd",
                                dtype, v.lanes, v.threads, v.items, report->registers, report->shared_bytes,
                                report->spill_store_bytes + report->spill_load_bytes, result.milliseconds);
                }
            }
        }
    }
    return 0;
}

}  // namespace frtest
