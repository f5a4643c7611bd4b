// fiber.h: a cooperatively scheduled execution context with its own stack, the emulator's GPU thread: our own stack
// switch on x86-64 Linux (no system call per switch), ucontext elsewhere.
// Under AddressSanitizer every switch is announced (__sanitizer_start/finish_switch_fiber), so ASan follows the
// stack changes instead of reporting them as overflows.
#ifndef FR_EMULATION_FIBER_H
#define FR_EMULATION_FIBER_H

#include <cstddef>
#include <functional>

namespace fr::emu {

// A stack for fibers: an anonymous mapping (touched pages only cost memory) with an inaccessible guard page below
// it, so an overflow faults at once instead of overwriting a neighbour.
class FiberStack {
public:
    FiberStack() = default;
    ~FiberStack();
    FiberStack(FiberStack&& other) noexcept;
    FiberStack& operator=(FiberStack&& other) noexcept;
    FiberStack(const FiberStack&) = delete;
    FiberStack& operator=(const FiberStack&) = delete;

    // false when the mapping fails (address space or memory exhausted)
    bool allocate(size_t bytes);
    void* base() const { return base_; }
    size_t size() const { return size_; }

private:
    void* mapping_ = nullptr;
    size_t mapping_bytes_ = 0;
    void* base_ = nullptr;  // lowest usable address
    size_t size_ = 0;
};

// The scheduler's side of the switches: it runs on the OS thread's own stack.
class SchedulerContext;

// One fiber: `body` runs on `stack` from the first resume() until it returns; switch_to_scheduler() suspends it.
class Fiber {
public:
    Fiber();
    ~Fiber();
    Fiber(const Fiber&) = delete;
    Fiber& operator=(const Fiber&) = delete;

    // Prepares the fiber to run `body` from the start on `stack` (the stack outlives every run).
    void start(FiberStack* stack, std::function<void()> body);
    // Runs the fiber until it suspends or finishes. Called from the scheduler (not from a fiber).
    void resume();
    // From inside the fiber: back to the scheduler that resumed it.
    void suspend();
    bool finished() const { return finished_; }

    // The fiber's first frame (own-switch builds): runs the body and leaves for the scheduler. Not for callers.
    void finish_from_entry();

private:
    void run_body();
    struct State;
    State* state_;
    bool finished_ = true;
    std::function<void()> body_;
    static void trampoline(unsigned low, unsigned high);
};

}  // namespace fr::emu

#endif
