// emulator.h: runs one kernel launch of an emulated module on the CPU. Every GPU thread is a fiber; the blocks that
// must run together (one block; a cluster's blocks; every block of a cooperative launch) share one scheduler on one
// OS thread, which switches fibers only where a thread waits for others (block / warp / cluster / grid barrier,
// shuffle, vote, mma) or spins (fr_nanosleep). Independent groups may run on several OS threads.
//
// Faithful to the execution model where it matters for correctness: a block barrier releases only when every thread
// of the block has arrived; a warp operation only when every lane of its mask has, with the same operation and mask;
// shared memory starts as 0xff bytes (NaN as floats) in every block. Breaking a rule the GPU leaves undefined (a
// barrier after some threads exited, a warp operation whose lanes disagree, a mask naming a lane that does not exist,
// a deadlock) ends the launch with FR_ERROR_KERNEL_FAULT and a message naming the block, thread and operation.
//
// Schedules: in order (first come, first run: the runnable threads in the order they became runnable, starting with
// thread 0; reproducible), or random from a seed: the next thread to
// run is drawn among the runnable ones, so the threads between two synchronisation points run in a different order
// per seed, and a read of a value another thread has not yet written (a missing barrier) shows up as a mismatch.
#ifndef FR_EMULATION_EMULATOR_H
#define FR_EMULATION_EMULATOR_H

#include "fastrecurrence.h"
#include "fr_emulation_abi.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace fr {
struct LaunchShape;  // kernel_launch.h
}

namespace fr::emu {

struct KernelEntry {
    std::string name;
    void (*entry)(void** params) = nullptr;  // fr_emu_entry_<name>
    int max_threads = 0;                     // the kernel's launch bound
};

enum class Schedule { in_order = 0, random = 1 };

// The emulated device: what it allows, and how launches are scheduled.
struct EmulatedDevice {
    std::string arch = "sm_90";
    int compute = 90;
    uint32_t max_dynamic_shared = 227 * 1024;  // sm_90's opt-in limit per block
    Schedule schedule = Schedule::in_order;
    uint64_t seed = 0;
    int workers = 1;                           // OS threads running independent groups
    size_t stack_bytes = 256 * 1024;
};

// Validates the launch against the device and the kernel, then runs it to completion.
fr_status run_launch(const KernelEntry& kernel, const LaunchShape& shape, void** params, const EmulatedDevice& device);

// The function table emulated modules call (fr_emu_bind).
const ::fr_emu_runtime* runtime_table();

// Static shared memory per block (the CUDA limit without opt-in).
constexpr size_t kStaticSharedLimit = 48 * 1024;

}  // namespace fr::emu

#endif
