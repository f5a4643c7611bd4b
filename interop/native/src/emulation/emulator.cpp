// emulator.cpp: see emulator.h.
#include "emulation/emulator.h"

#include "emulation/fiber.h"
#include "emulation/mma_layout.h"
#include "errors.h"
#include "kernel_launch.h"

#include "fr_emulation_abi.h"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define FR_EMU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FR_EMU_ASAN 1
#endif
#endif
#if defined(FR_EMU_ASAN)
#include <sanitizer/asan_interface.h>
#define FR_POISON(address, bytes) ASAN_POISON_MEMORY_REGION(address, bytes)
#define FR_UNPOISON(address, bytes) ASAN_UNPOISON_MEMORY_REGION(address, bytes)
#else
#define FR_POISON(address, bytes) ((void)(address), (void)(bytes))
#define FR_UNPOISON(address, bytes) ((void)(address), (void)(bytes))
#endif

namespace fr::emu {
namespace {

constexpr unsigned kFullMask = 0xffffffffu;
// Threads that run together (a cooperative grid, a cluster). Every thread has its own stack of two mappings (stack
// and guard page), and Linux allows 65530 mappings per process by default, shared by every worker's stacks.
constexpr size_t kMaxGroupThreads = 16384;
constexpr unsigned long long kMaxBlocks = 1ull << 24;  // blocks of one launch the emulator will schedule
constexpr size_t kSiteRedzone = 64;          // bytes left between two shared arrays (poisoned under ASan)
constexpr unsigned kPoisonWord = 0xffffffffu; // what a shuffle reads from a lane outside its mask: a NaN

struct Thread;
struct Group;

struct Warp {
    fr_emu_warp_op* pending[32] = {};
    Thread* threads[32] = {};
    unsigned present = 0;
    unsigned exited = 0;
};

// A block's shared memory: static arrays at the launch's offsets, then dynamic; 0xff bytes at the start.
struct SharedArena {
    std::vector<unsigned char> bytes;
    void create(size_t size) {
        bytes.assign(size, 0xff);
        if (size != 0) FR_POISON(bytes.data(), size);
    }
    ~SharedArena() {
        if (!bytes.empty()) FR_UNPOISON(bytes.data(), bytes.size());
    }
};

struct Block {
    unsigned index[3] = {};
    size_t cluster = 0;        // index in Group::clusters
    unsigned cluster_rank = 0;
    std::vector<Thread*> threads;
    std::vector<Warp> warps;
    unsigned barrier_arrived = 0;
    std::vector<Thread*> barrier_waiters;
    unsigned exited = 0;
    SharedArena static_shared;  // kStaticSharedLimit bytes, created at first use
    SharedArena dynamic_shared;
};

struct Cluster {
    std::vector<Block*> blocks;
    size_t threads = 0;
    size_t arrived = 0;
    size_t exited = 0;
    std::vector<Thread*> waiters;
};

struct Thread {
    fr_emu_thread_info info{};
    unsigned linear = 0;
    Block* block = nullptr;
    Fiber fiber;
    const char* waiting = nullptr;  // what it waits at, for deadlock reports
};

struct Site {
    size_t offset = 0;
    size_t bytes = 0;
};

// What every group of one launch shares.
struct LaunchState {
    const KernelEntry* kernel = nullptr;
    const LaunchShape* shape = nullptr;
    void** params = nullptr;
    const EmulatedDevice* device = nullptr;
    std::mutex sites_mutex;
    std::map<const void*, Site> sites;  // static shared arrays by declaration site: one layout for every block
    size_t static_cursor = 0;
    std::atomic<bool> failed{false};
    std::mutex error_mutex;
    std::string error;
    fr_status error_status = FR_ERROR_KERNEL_FAULT;

    void record(const std::string& message, fr_status status = FR_ERROR_KERNEL_FAULT) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (error.empty()) {
            error = message;
            error_status = status;
        }
        failed = true;
    }
};

struct Group {
    LaunchState* launch = nullptr;
    std::vector<std::unique_ptr<Block>> blocks;
    std::vector<Cluster> clusters;
    std::vector<std::unique_ptr<Thread>> threads;
    std::vector<Thread*> runnable;
    bool random = false;
    std::mt19937_64 rng;
    size_t live = 0;
    size_t grid_arrived = 0;
    std::vector<Thread*> grid_waiters;
    Thread* current = nullptr;
    bool failed = false;
};

thread_local Group* tl_group = nullptr;

std::string format(const char* pattern, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
std::string format(const char* pattern, ...) {
    char buffer[1024];
    va_list args;
    va_start(args, pattern);
    std::vsnprintf(buffer, sizeof buffer, pattern, args);
    va_end(args);
    return buffer;
}

std::string where(const Thread& t) {
    return format("block (%u, %u, %u) thread (%u, %u, %u)", t.info.block[0], t.info.block[1], t.info.block[2],
                  t.info.thread[0], t.info.thread[1], t.info.thread[2]);
}

Thread& current() { return *tl_group->current; }

// Ends the launch from inside a fiber: the message is recorded and the fiber never runs again. printf-style into a
// buffer on this frame, not a std::string: the fiber's frames are abandoned, never unwound, so nothing on them may own
// heap memory.
[[noreturn]] void fault_here(const char* pattern, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
[[noreturn]] void fault_here(const char* pattern, ...) {
    char message[1024];
    va_list args;
    va_start(args, pattern);
    std::vsnprintf(message, sizeof message, pattern, args);
    va_end(args);
    Group& group = *tl_group;
    Thread& t = current();
    group.launch->record("emulated kernel " + group.launch->kernel->name + ", " + where(t) + ": " + message);
    group.failed = true;
    t.fiber.suspend();
    std::abort();  // unreachable: a failed group's fibers are never resumed
}

void make_runnable(Thread* t) { tl_group->runnable.push_back(t); }

void wait_at(const char* what) {
    Thread& t = current();
    t.waiting = what;
    t.fiber.suspend();
    t.waiting = nullptr;
}

const char* warp_op_name(int kind) {
    switch (kind) {
        case FR_EMU_SHFL_IDX: return "fr_shfl";
        case FR_EMU_SHFL_UP: return "fr_shfl_up";
        case FR_EMU_SHFL_DOWN: return "fr_shfl_down";
        case FR_EMU_SHFL_XOR: return "fr_shfl_xor";
        case FR_EMU_SYNCWARP: return "fr_syncwarp";
        case FR_EMU_BALLOT: return "fr_ballot";
        case FR_EMU_ANY: return "fr_any";
        case FR_EMU_ALL: return "fr_all";
        case FR_EMU_MMA_BF16: return "fr_mma_m16n8k16_bf16";
        case FR_EMU_MMA_F16: return "fr_mma_m16n8k16_f16";
        case FR_EMU_MMA_TF32: return "fr_mma_m16n8k8_tf32";
        default: return "an unknown warp operation";
    }
}

// ---- the runtime table's functions (called from kernel code, inside a fiber)

const fr_emu_thread_info* rt_self() { return &current().info; }

void rt_block_barrier() {
    Thread& t = current();
    Block& block = *t.block;
    if (block.exited != 0) {
        fault_here("fr_syncthreads: %u of the block's %zu threads had exited before this block barrier; every "
                          "thread of the block must reach it",
                          block.exited, block.threads.size());
    }
    block.barrier_waiters.push_back(&t);
    if (++block.barrier_arrived == block.threads.size()) {
        for (Thread* waiter : block.barrier_waiters) make_runnable(waiter);
        block.barrier_waiters.clear();
        block.barrier_arrived = 0;
    }
    wait_at("a block barrier (fr_syncthreads)");
}

void complete_warp_op(Warp& warp, unsigned mask) {
    fr_emu_warp_op* const* ops = warp.pending;
    const int kind = ops[__builtin_ctz(mask)]->kind;
    if (kind >= FR_EMU_MMA_BF16) {
        emulate_mma(warp.pending);
    } else {
        unsigned votes = 0;
        for (int lane = 0; lane < 32; ++lane) {
            if ((mask >> lane & 1u) != 0 && ops[lane]->arg != 0) votes |= 1u << lane;
        }
        for (int lane = 0; lane < 32; ++lane) {
            if ((mask >> lane & 1u) == 0) continue;
            fr_emu_warp_op& op = *ops[lane];
            int source = lane;
            switch (kind) {
                // deltas and masks as the unsigned 5-bit fields shfl.sync reads (width 32)
                case FR_EMU_SHFL_IDX: source = op.arg & 31; break;
                case FR_EMU_SHFL_UP: source = static_cast<unsigned>(op.arg) <= static_cast<unsigned>(lane) ? lane - op.arg : lane; break;
                case FR_EMU_SHFL_DOWN: source = static_cast<unsigned>(op.arg) <= static_cast<unsigned>(31 - lane) ? lane + op.arg : lane; break;
                case FR_EMU_SHFL_XOR: source = lane ^ (op.arg & 31); break;
                default: break;
            }
            switch (kind) {
                case FR_EMU_SHFL_IDX:
                case FR_EMU_SHFL_UP:
                case FR_EMU_SHFL_DOWN:
                case FR_EMU_SHFL_XOR:
                    // a source lane outside the mask is undefined on the GPU: a NaN here, so it cannot pass unseen
                    op.out[0] = (mask >> source & 1u) != 0 ? ops[source]->in[0] : kPoisonWord;
                    break;
                case FR_EMU_BALLOT: op.out[0] = votes; break;
                case FR_EMU_ANY: op.out[0] = votes != 0 ? 1u : 0u; break;
                case FR_EMU_ALL: op.out[0] = votes == mask ? 1u : 0u; break;
                default: op.out[0] = 0; break;
            }
        }
    }
    for (int lane = 0; lane < 32; ++lane) {
        if ((mask >> lane & 1u) == 0) continue;
        warp.pending[lane] = nullptr;
        make_runnable(warp.threads[lane]);
    }
}

void rt_warp_op(fr_emu_warp_op* op) {
    Thread& t = current();
    Warp& warp = t.block->warps[t.info.warp];
    const unsigned lane = t.info.lane;
    const unsigned bit = 1u << lane;
    const char* name = warp_op_name(op->kind);
    if (op->kind < FR_EMU_SHFL_IDX || op->kind > FR_EMU_MMA_TF32) fault_here("warp operation %d is unknown", op->kind);
    if ((op->mask & bit) == 0) {
        fault_here("%s: mask 0x%08x does not include the calling lane %u", name, op->mask, lane);
    }
    if ((op->mask & ~warp.present) != 0) {
        fault_here("%s: mask 0x%08x names lanes that do not exist in warp %u (its lanes: 0x%08x)", name,
                          op->mask, t.info.warp, warp.present);
    }
    if ((op->mask & warp.exited) != 0) {
        fault_here("%s: mask 0x%08x names lanes that have exited (0x%08x)", name, op->mask,
                          op->mask & warp.exited);
    }
    if (op->kind >= FR_EMU_MMA_BF16 && tl_group->launch->device->compute < 80) {
        fault_here("%s: mma.m16n8k16 / m16n8k8 need sm_80; the emulated device is %s", name,
                          tl_group->launch->device->arch.c_str());
    }
    if (op->kind >= FR_EMU_MMA_BF16 && op->mask != kFullMask) {
        fault_here("%s: an mma needs all 32 lanes of the warp, got mask 0x%08x", name, op->mask);
    }
    for (unsigned other = 0; other < 32; ++other) {
        const fr_emu_warp_op* waiting = warp.pending[other];
        if (waiting == nullptr) continue;
        const bool related = (waiting->mask & bit) != 0 || (op->mask >> other & 1u) != 0;
        if (related && (waiting->kind != op->kind || waiting->mask != op->mask)) {
            fault_here("warp %u diverged: lane %u waits at %s with mask 0x%08x, lane %u arrives at %s with mask "
                              "0x%08x",
                              t.info.warp, other, warp_op_name(waiting->kind), waiting->mask, lane, name, op->mask);
        }
    }
    warp.pending[lane] = op;
    bool complete = true;
    for (unsigned other = 0; other < 32 && complete; ++other) {
        if ((op->mask >> other & 1u) != 0 && warp.pending[other] == nullptr) complete = false;
    }
    if (complete) complete_warp_op(warp, op->mask);
    wait_at(name);
}

void rt_grid_barrier() {
    Group& group = *tl_group;
    if (group.launch->shape->kind != FR_LAUNCH_COOPERATIVE) {
        fault_here("fr_grid_sync: a grid barrier needs a cooperative launch (FR_LAUNCH_COOPERATIVE); this launch "
                   "does not keep every block resident");
    }
    if (group.live != group.threads.size()) {
        fault_here("fr_grid_sync: %zu threads of the grid had exited before this grid barrier",
                          group.threads.size() - group.live);
    }
    group.grid_waiters.push_back(&current());
    if (++group.grid_arrived == group.threads.size()) {
        for (Thread* waiter : group.grid_waiters) make_runnable(waiter);
        group.grid_waiters.clear();
        group.grid_arrived = 0;
    }
    wait_at("a grid barrier (fr_grid_sync)");
}

void rt_cluster_barrier() {
    Group& group = *tl_group;
    Thread& t = current();
    if (group.launch->device->compute < 90) {
        fault_here("fr_cluster_sync: clusters need sm_90; the emulated device is %s",
                          group.launch->device->arch.c_str());
    }
    Cluster& cluster = group.clusters[t.block->cluster];
    if (cluster.exited != 0) {
        fault_here("fr_cluster_sync: %zu threads of the cluster had exited before this cluster barrier",
                          cluster.exited);
    }
    cluster.waiters.push_back(&t);
    if (++cluster.arrived == cluster.threads) {
        for (Thread* waiter : cluster.waiters) make_runnable(waiter);
        cluster.waiters.clear();
        cluster.arrived = 0;
    }
    wait_at("a cluster barrier (fr_cluster_sync)");
}

unsigned char* static_arena(Block& block) {
    if (block.static_shared.bytes.empty()) block.static_shared.create(kStaticSharedLimit);
    return block.static_shared.bytes.data();
}

void* rt_static_shared(const void* site, unsigned long long bytes, unsigned long long alignment) {
    Group& group = *tl_group;
    LaunchState& launch = *group.launch;
    Site placed;
    {
        std::lock_guard<std::mutex> lock(launch.sites_mutex);
        auto found = launch.sites.find(site);
        if (found == launch.sites.end()) {
            size_t offset = launch.static_cursor == 0 ? 0 : launch.static_cursor + kSiteRedzone;
            const size_t align = alignment == 0 ? 1 : static_cast<size_t>(alignment);
            offset = (offset + align - 1) / align * align;
            if (offset + bytes + launch.shape->shared_bytes > launch.device->max_dynamic_shared) {
                const unsigned long long total = offset + bytes + launch.shape->shared_bytes;
                launch.sites_mutex.unlock();
                fault_here("shared memory: %llu bytes static and dynamic together, above the %u-byte limit per block of "
                           "the emulated %s",
                           total, launch.device->max_dynamic_shared, launch.device->arch.c_str());
            }
            if (offset + bytes > kStaticSharedLimit) {
                launch.sites_mutex.unlock();
                fault_here("FR_SHARED_ARRAY: static shared memory would reach %llu bytes, above the %zu-byte limit "
                           "per block (larger arrays belong in dynamic shared memory)",
                           static_cast<unsigned long long>(offset + bytes), kStaticSharedLimit);
            }
            found = launch.sites.emplace(site, Site{offset, static_cast<size_t>(bytes)}).first;
            launch.static_cursor = offset + bytes;
        } else if (found->second.bytes != bytes) {
            const size_t earlier = found->second.bytes;
            launch.sites_mutex.unlock();
            fault_here("FR_SHARED_ARRAY: one declaration asked for %llu bytes, earlier %zu",
                       static_cast<unsigned long long>(bytes), earlier);
        }
        placed = found->second;
    }
    unsigned char* address = static_arena(*current().block) + placed.offset;
    FR_UNPOISON(address, placed.bytes);
    return address;
}

void* rt_dynamic_shared() {
    Block& block = *current().block;
    return block.dynamic_shared.bytes.data();
}

void* rt_map_shared(const void* address, unsigned rank) {
    Group& group = *tl_group;
    Thread& t = current();
    Cluster& cluster = group.clusters[t.block->cluster];
    if (group.launch->device->compute < 90) {
        fault_here("fr_cluster_map_shared: clusters need sm_90; the emulated device is %s",
                          group.launch->device->arch.c_str());
    }
    if (rank >= cluster.blocks.size()) {
        fault_here("fr_cluster_map_shared: rank %u is outside the cluster of %zu blocks", rank,
                          cluster.blocks.size());
    }
    Block& target = *cluster.blocks[rank];
    const auto* p = static_cast<const unsigned char*>(address);
    const std::vector<unsigned char>& own_static = t.block->static_shared.bytes;
    const std::vector<unsigned char>& own_dynamic = t.block->dynamic_shared.bytes;
    if (!own_static.empty() && p >= own_static.data() && p < own_static.data() + own_static.size()) {
        unsigned char* mapped = static_arena(target) + (p - own_static.data());
        std::lock_guard<std::mutex> lock(group.launch->sites_mutex);
        for (const auto& site : group.launch->sites) FR_UNPOISON(static_arena(target) + site.second.offset, site.second.bytes);
        return mapped;
    }
    if (!own_dynamic.empty() && p >= own_dynamic.data() && p < own_dynamic.data() + own_dynamic.size()) {
        return target.dynamic_shared.bytes.data() + (p - own_dynamic.data());
    }
    fault_here("fr_cluster_map_shared: the address is not in this block's shared memory");
}

void rt_yield() {
    make_runnable(&current());
    wait_at("a spin-wait step (fr_nanosleep)");
}

void rt_fault(const char* message) { fault_here("fr_trap: %s", message != nullptr ? message : ""); }

const fr_emu_runtime kRuntime = {
    FR_EMU_ABI_VERSION, rt_self, rt_block_barrier, rt_warp_op, rt_grid_barrier, rt_cluster_barrier,
    rt_static_shared,   rt_dynamic_shared, rt_map_shared, rt_yield, rt_fault};

// Inside the fiber, after the kernel body returned.
void thread_exit(Thread& t) {
    Group& group = *tl_group;
    Block& block = *t.block;
    Warp& warp = block.warps[t.info.warp];
    ++block.exited;
    --group.live;
    warp.exited |= 1u << t.info.lane;
    Cluster& cluster = group.clusters[block.cluster];
    ++cluster.exited;
    if (block.barrier_arrived != 0) {
        fault_here("exited while %u threads of its block wait at a block barrier (fr_syncthreads) it will never "
                          "reach",
                          block.barrier_arrived);
    }
    for (int lane = 0; lane < 32; ++lane) {
        const fr_emu_warp_op* waiting = warp.pending[lane];
        if (waiting != nullptr && (waiting->mask >> t.info.lane & 1u) != 0) {
            fault_here("exited while lane %d of its warp waits for it at %s (mask 0x%08x)", lane,
                              warp_op_name(waiting->kind), waiting->mask);
        }
    }
    if (cluster.arrived != 0) fault_here("exited while threads of its cluster wait at a cluster barrier");
    if (group.grid_arrived != 0) fault_here("exited while threads of the grid wait at a grid barrier");
}

std::string deadlock_report(const Group& group) {
    std::map<std::string, size_t> waits;
    for (const auto& t : group.threads) {
        if (t->fiber.finished()) continue;
        const std::string key = format("block (%u, %u, %u) at %s", t->info.block[0], t->info.block[1],
                                       t->info.block[2], t->waiting != nullptr ? t->waiting : "an unknown point");
        ++waits[key];
    }
    std::string report = "emulated kernel " + group.launch->kernel->name +
                         ": deadlock, no thread can proceed; waiting:";
    size_t listed = 0;
    for (const auto& wait : waits) {
        if (listed++ == 8) {
            report += " ...";
            break;
        }
        report += format(" %zu thread(s) in ", wait.second) + wait.first + ";";
    }
    return report;
}

uint64_t mix(uint64_t x) {  // splitmix64: independent streams per group from one seed
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// The linear index of the cluster holding block `linear_block` (x fastest), for clusters of `cluster_dim` blocks.
unsigned cluster_key(const LaunchShape& shape, const fr_dim3& cluster_dim, unsigned linear_block) {
    const unsigned x = linear_block % shape.grid.x / cluster_dim.x;
    const unsigned y = linear_block / shape.grid.x % shape.grid.y / cluster_dim.y;
    const unsigned z = linear_block / (shape.grid.x * shape.grid.y) / cluster_dim.z;
    return (z * (shape.grid.y / cluster_dim.y) + y) * (shape.grid.x / cluster_dim.x) + x;
}

// The blocks of one group, by linear block index.
struct GroupPlan {
    std::vector<unsigned> blocks;
};

void run_group(LaunchState& launch, const GroupPlan& plan, uint64_t group_seed, std::vector<FiberStack>& stacks) {
    const LaunchShape& shape = *launch.shape;
    const EmulatedDevice& device = *launch.device;
    const unsigned threads_per_block = shape.block.x * shape.block.y * shape.block.z;
    const unsigned warps_per_block = (threads_per_block + 31) / 32;
    const fr_dim3 cluster_dim = shape.kind == FR_LAUNCH_CLUSTER ? shape.cluster : fr_dim3{1, 1, 1};
    const unsigned cluster_size = cluster_dim.x * cluster_dim.y * cluster_dim.z;

    Group group;
    group.launch = &launch;
    group.random = device.schedule == Schedule::random;
    group.rng.seed(group_seed);
    std::map<unsigned, size_t> cluster_of;  // first-block key -> index in group.clusters
    const size_t total_threads = plan.blocks.size() * threads_per_block;
    while (stacks.size() < total_threads) {
        stacks.emplace_back();
        if (!stacks.back().allocate(device.stack_bytes)) {
            stacks.pop_back();
            launch.record(format("emulator: cannot map a %zu-byte fiber stack for thread %zu of %zu (memory or the "
                                 "process's mapping limit, vm.max_map_count)",
                                 device.stack_bytes, stacks.size() + 1, total_threads),
                          FR_ERROR_OUT_OF_MEMORY);
            return;
        }
    }
    group.threads.reserve(total_threads);
    for (unsigned linear_block : plan.blocks) {
        auto block = std::make_unique<Block>();
        block->index[0] = linear_block % shape.grid.x;
        block->index[1] = linear_block / shape.grid.x % shape.grid.y;
        block->index[2] = linear_block / (shape.grid.x * shape.grid.y);
        const unsigned key = cluster_key(shape, cluster_dim, linear_block);
        auto found = cluster_of.find(key);
        if (found == cluster_of.end()) {
            found = cluster_of.emplace(key, group.clusters.size()).first;
            group.clusters.emplace_back();
        }
        block->cluster = found->second;
        block->cluster_rank = (block->index[2] % cluster_dim.z * cluster_dim.y + block->index[1] % cluster_dim.y) *
                                  cluster_dim.x +
                              block->index[0] % cluster_dim.x;
        block->warps.resize(warps_per_block);
        if (shape.shared_bytes != 0) block->dynamic_shared.create(shape.shared_bytes);
        if (shape.shared_bytes != 0) FR_UNPOISON(block->dynamic_shared.bytes.data(), shape.shared_bytes);
        Cluster& cluster = group.clusters[block->cluster];
        cluster.threads += threads_per_block;
        for (unsigned linear = 0; linear < threads_per_block; ++linear) {
            auto t = std::make_unique<Thread>();
            t->linear = linear;
            t->block = block.get();
            fr_emu_thread_info& info = t->info;
            info.thread[0] = linear % shape.block.x;
            info.thread[1] = linear / shape.block.x % shape.block.y;
            info.thread[2] = linear / (shape.block.x * shape.block.y);
            std::memcpy(info.block, block->index, sizeof info.block);
            info.block_dim[0] = shape.block.x;
            info.block_dim[1] = shape.block.y;
            info.block_dim[2] = shape.block.z;
            info.grid_dim[0] = shape.grid.x;
            info.grid_dim[1] = shape.grid.y;
            info.grid_dim[2] = shape.grid.z;
            info.cluster_dim[0] = cluster_dim.x;
            info.cluster_dim[1] = cluster_dim.y;
            info.cluster_dim[2] = cluster_dim.z;
            info.cluster_rank = block->cluster_rank;
            info.cluster_size = cluster_size;
            info.lane = linear % 32;
            info.warp = linear / 32;
            Warp& warp = block->warps[info.warp];
            warp.present |= 1u << info.lane;
            warp.threads[info.lane] = t.get();
            block->threads.push_back(t.get());
            group.threads.push_back(std::move(t));
        }
        group.blocks.push_back(std::move(block));
    }
    // cluster rank order: blocks[rank]
    for (Cluster& cluster : group.clusters) cluster.blocks.assign(cluster_size, nullptr);
    for (const auto& block : group.blocks) group.clusters[block->cluster].blocks[block->cluster_rank] = block.get();

    void (*entry)(void**) = launch.kernel->entry;
    void** params = launch.params;
    for (size_t i = 0; i < group.threads.size(); ++i) {
        Thread* t = group.threads[i].get();
        t->fiber.start(&stacks[i], [t, entry, params] {
            // Nothing may unwind out of a fiber (its first frame has no caller to unwind into): an exception from the
            // emulator's own allocations ends the launch with a status instead.
            const char* problem = nullptr;
            fr_status status = FR_ERROR_INTERNAL;
            try {
                entry(params);
                thread_exit(*t);
                return;
            } catch (const std::bad_alloc&) {
                problem = "emulator: host memory exhausted inside a kernel launch";
                status = FR_ERROR_OUT_OF_MEMORY;
            } catch (...) {
                problem = "emulator: an exception escaped the emulated kernel";
            }
            tl_group->launch->record(problem, status);
            tl_group->failed = true;
            t->fiber.suspend();  // never resumed: the group has failed
        });
        group.runnable.push_back(t);
    }
    group.live = group.threads.size();

    Group* previous = tl_group;
    tl_group = &group;
    while (!group.failed && !launch.failed) {
        if (group.runnable.empty()) {
            if (group.live != 0) launch.record(deadlock_report(group));
            break;
        }
        size_t pick = 0;
        if (group.random) pick = static_cast<size_t>(group.rng() % group.runnable.size());
        Thread* t = group.runnable[pick];
        if (group.random) {
            group.runnable[pick] = group.runnable.back();
            group.runnable.pop_back();
        } else {
            group.runnable.erase(group.runnable.begin());
        }
        group.current = t;
        t->fiber.resume();
        group.current = nullptr;
    }
    tl_group = previous;
}

fr_status check_launch(const KernelEntry& kernel, const LaunchShape& shape, const EmulatedDevice& device) {
    const uint64_t threads = static_cast<uint64_t>(shape.block.x) * shape.block.y * shape.block.z;
    if (threads > 1024 || shape.block.z > 64) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "block: expected at most 1024 threads (and z <= 64), got (%u, %u, %u) = %llu threads.", shape.block.x,
                    shape.block.y, shape.block.z, static_cast<unsigned long long>(threads));
    }
    if (threads > static_cast<uint64_t>(kernel.max_threads)) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "block: kernel %s was compiled for at most %d threads per block (its launch bound), got %llu.",
                    kernel.name.c_str(), kernel.max_threads, static_cast<unsigned long long>(threads));
    }
    if (shape.grid.y > 65535 || shape.grid.z > 65535) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "grid: expected y and z at most 65535, got (%u, %u, %u).", shape.grid.x,
                    shape.grid.y, shape.grid.z);
    }
    if (shape.shared_bytes > device.max_dynamic_shared) {
        return fail(FR_ERROR_INVALID_ARGUMENT,
                    "shared_bytes: expected at most %u bytes of dynamic shared memory on the emulated %s, got %u.",
                    device.max_dynamic_shared, device.arch.c_str(), shape.shared_bytes);
    }
    const uint64_t blocks = static_cast<uint64_t>(shape.grid.x) * shape.grid.y * shape.grid.z;
    if (shape.grid.x > 0x7fffffffu) {
        return fail(FR_ERROR_INVALID_ARGUMENT, "grid: expected x at most 2147483647, got %u.", shape.grid.x);
    }
    if (blocks > kMaxBlocks) {
        return fail(FR_ERROR_UNSUPPORTED, "grid: the emulator schedules at most %llu blocks per launch, got %llu.",
                    kMaxBlocks, static_cast<unsigned long long>(blocks));
    }
    if (shape.kind == FR_LAUNCH_CLUSTER) {
        if (device.compute < 90) {
            return fail(FR_ERROR_UNSUPPORTED, "kind: thread-block clusters need sm_90 or newer; the emulated device is %s.",
                        device.arch.c_str());
        }
        const unsigned size = shape.cluster.x * shape.cluster.y * shape.cluster.z;
        if (size > 16) {
            return fail(FR_ERROR_INVALID_ARGUMENT, "cluster: expected at most 16 blocks per cluster, got %u.", size);
        }
        if (static_cast<uint64_t>(size) * threads > kMaxGroupThreads) {
            return fail(FR_ERROR_UNSUPPORTED, "cluster: the emulator runs at most %zu threads together, got %llu.",
                        kMaxGroupThreads, static_cast<unsigned long long>(size * threads));
        }
    }
    if (shape.kind == FR_LAUNCH_COOPERATIVE && blocks * threads > kMaxGroupThreads) {
        return fail(FR_ERROR_UNSUPPORTED,
                    "grid: a cooperative launch runs every thread together; the emulator allows %zu, got %llu.",
                    kMaxGroupThreads, static_cast<unsigned long long>(blocks * threads));
    }
    return FR_OK;
}

}  // namespace

fr_status run_launch(const KernelEntry& kernel, const LaunchShape& shape, void** params, const EmulatedDevice& device) {
    fr_status status = check_launch(kernel, shape, device);
    if (status != FR_OK) return status;

    // the groups: blocks that run together (check_launch bounded the count)
    const unsigned blocks = static_cast<unsigned>(static_cast<unsigned long long>(shape.grid.x) * shape.grid.y * shape.grid.z);
    std::vector<GroupPlan> groups;
    if (shape.kind == FR_LAUNCH_COOPERATIVE) {
        groups.emplace_back();
        for (unsigned b = 0; b < blocks; ++b) groups.back().blocks.push_back(b);
    } else if (shape.kind == FR_LAUNCH_CLUSTER) {
        std::map<unsigned, size_t> index;
        for (unsigned b = 0; b < blocks; ++b) {
            const unsigned key = cluster_key(shape, shape.cluster, b);
            auto found = index.find(key);
            if (found == index.end()) {
                found = index.emplace(key, groups.size()).first;
                groups.emplace_back();
            }
            groups[found->second].blocks.push_back(b);
        }
    } else {
        groups.resize(blocks);
        for (unsigned b = 0; b < blocks; ++b) groups[b].blocks.push_back(b);
    }
    std::vector<size_t> order(groups.size());
    for (size_t g = 0; g < order.size(); ++g) order[g] = g;
    if (device.schedule == Schedule::random) {
        std::mt19937_64 rng(mix(device.seed));
        std::shuffle(order.begin(), order.end(), rng);
    }

    LaunchState launch;
    launch.kernel = &kernel;
    launch.shape = &shape;
    launch.params = params;
    launch.device = &device;
    std::atomic<size_t> next{0};
    auto worker = [&] {
        try {
            std::vector<FiberStack> stacks;
            for (;;) {
                if (launch.failed) return;
                const size_t slot = next++;
                if (slot >= order.size()) return;
                const size_t g = order[slot];
                run_group(launch, groups[g], mix(device.seed ^ mix(g + 1)), stacks);
            }
        } catch (const std::bad_alloc&) {
            launch.record("emulator: host memory exhausted", FR_ERROR_OUT_OF_MEMORY);
        } catch (const std::exception& e) {
            launch.record(std::string("emulator: ") + e.what(), FR_ERROR_INTERNAL);
        }
    };
    const size_t workers = std::min<size_t>(std::max(device.workers, 1), groups.size());
    if (workers <= 1) {
        worker();
    } else {
        std::vector<std::thread> pool;
        try {
            for (size_t w = 0; w < workers; ++w) pool.emplace_back(worker);
        } catch (const std::system_error& e) {
            launch.record(std::string("emulator: cannot start a worker thread: ") + e.what(), FR_ERROR_OUT_OF_MEMORY);
        }
        for (std::thread& thread : pool) thread.join();
    }
    if (launch.failed) return fail_text(launch.error_status, launch.error);
    return FR_OK;
}

const fr_emu_runtime* runtime_table() { return &kRuntime; }

}  // namespace fr::emu
