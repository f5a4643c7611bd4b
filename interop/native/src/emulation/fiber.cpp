// fiber.cpp: see fiber.h.
#include "emulation/fiber.h"

#include <cstdint>
#include <utility>

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define FR_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FR_FIBER_ASAN 1
#endif
#endif
#if defined(FR_FIBER_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

namespace fr::emu {

struct Fiber::State {
    ucontext_t fiber{};
    ucontext_t scheduler{};
    FiberStack* stack = nullptr;
    // ASan: the scheduler thread's stack, learnt at the first switch into a fiber
    const void* scheduler_bottom = nullptr;
    size_t scheduler_size = 0;
    void* fake_stack = nullptr;
};

FiberStack::~FiberStack() {
    if (mapping_ != nullptr) munmap(mapping_, mapping_bytes_);
}

FiberStack::FiberStack(FiberStack&& other) noexcept
    : mapping_(std::exchange(other.mapping_, nullptr)),
      mapping_bytes_(std::exchange(other.mapping_bytes_, 0)),
      base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

FiberStack& FiberStack::operator=(FiberStack&& other) noexcept {
    if (this != &other) {
        if (mapping_ != nullptr) munmap(mapping_, mapping_bytes_);
        mapping_ = std::exchange(other.mapping_, nullptr);
        mapping_bytes_ = std::exchange(other.mapping_bytes_, 0);
        base_ = std::exchange(other.base_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

bool FiberStack::allocate(size_t bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t usable = (bytes + page - 1) / page * page;
    void* mapping = mmap(nullptr, usable + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                         -1, 0);
    if (mapping == MAP_FAILED) return false;
    mprotect(mapping, page, PROT_NONE);  // the guard page: stacks grow down into it
    if (mapping_ != nullptr) munmap(mapping_, mapping_bytes_);
    mapping_ = mapping;
    mapping_bytes_ = usable + page;
    base_ = static_cast<char*>(mapping) + page;
    size_ = usable;
    return true;
}

Fiber::Fiber() : state_(new State()) {}

Fiber::~Fiber() { delete state_; }

void Fiber::start(FiberStack* stack, std::function<void()> body) {
    body_ = std::move(body);
    finished_ = false;
    state_->stack = stack;
    getcontext(&state_->fiber);
    state_->fiber.uc_stack.ss_sp = stack->base();
    state_->fiber.uc_stack.ss_size = stack->size();
    state_->fiber.uc_link = &state_->scheduler;  // returning from the trampoline resumes the scheduler
    const auto self = reinterpret_cast<uintptr_t>(this);
    makecontext(&state_->fiber, reinterpret_cast<void (*)()>(&Fiber::trampoline), 2,
                static_cast<unsigned>(self & 0xffffffffu), static_cast<unsigned>(static_cast<uint64_t>(self) >> 32));
}

void Fiber::trampoline(unsigned low, unsigned high) {
    auto* fiber = reinterpret_cast<Fiber*>(static_cast<uintptr_t>((static_cast<uint64_t>(high) << 32) | low));
#if defined(FR_FIBER_ASAN)
    __sanitizer_finish_switch_fiber(nullptr, &fiber->state_->scheduler_bottom, &fiber->state_->scheduler_size);
#endif
    fiber->body_();
    fiber->finished_ = true;
#if defined(FR_FIBER_ASAN)
    // leaving for good: no fake stack to keep
    __sanitizer_start_switch_fiber(nullptr, fiber->state_->scheduler_bottom, fiber->state_->scheduler_size);
#endif
    // returns into uc_link: the scheduler
}

void Fiber::resume() {
#if defined(FR_FIBER_ASAN)
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(&fake, state_->stack->base(), state_->stack->size());
#endif
    swapcontext(&state_->scheduler, &state_->fiber);
#if defined(FR_FIBER_ASAN)
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
}

void Fiber::suspend() {
#if defined(FR_FIBER_ASAN)
    __sanitizer_start_switch_fiber(&state_->fake_stack, state_->scheduler_bottom, state_->scheduler_size);
#endif
    swapcontext(&state_->fiber, &state_->scheduler);
#if defined(FR_FIBER_ASAN)
    __sanitizer_finish_switch_fiber(state_->fake_stack, &state_->scheduler_bottom, &state_->scheduler_size);
#endif
}

}  // namespace fr::emu
