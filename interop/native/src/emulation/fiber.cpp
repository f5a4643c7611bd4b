// fiber.cpp: see fiber.h.
#include "emulation/fiber.h"

#include <cstdint>
#include <cstdlib>
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
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

// x86-64 (System V): our own switch, which saves only what the ABI says a callee preserves (rbx, rbp, r12-r15, the
// SSE control word, the x87 control word) and makes no system call; ucontext's swapcontext saves the signal mask
// with a system call per switch, which dominated the emulator's time. Elsewhere: ucontext.
#if defined(__x86_64__) && defined(__linux__)
#define FR_FIBER_OWN_SWITCH 1
extern "C" void fr_emu_switch_stack(void** save_sp, void* load_sp);
extern "C" void fr_emu_fiber_entry();
asm(R"(
    .text
    .globl fr_emu_switch_stack
    .hidden fr_emu_switch_stack
    .type fr_emu_switch_stack, @function
fr_emu_switch_stack:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size fr_emu_switch_stack, .-fr_emu_switch_stack

    .globl fr_emu_fiber_entry
    .hidden fr_emu_fiber_entry
    .type fr_emu_fiber_entry, @function
fr_emu_fiber_entry:
    movq %rbx, %rdi
    call fr_emu_fiber_main
    ud2
    .size fr_emu_fiber_entry, .-fr_emu_fiber_entry
)");
#endif

namespace fr::emu {

struct Fiber::State {
    void* fiber_sp = nullptr;      // own switch: the saved stack pointers
    void* scheduler_sp = nullptr;
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
    // the guard page: stacks grow down into it (each stack is two mappings then: see kMaxGroupThreads)
    if (mprotect(mapping, page, PROT_NONE) != 0) {
        munmap(mapping, usable + page);
        return false;
    }
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
#if defined(FR_FIBER_ASAN)
    // A reused stack may carry the shadow poison of an earlier fiber's frames that never returned (a faulted launch
    // abandons its fibers); ucontext's interceptor clears it, our own switch must.
    ASAN_UNPOISON_MEMORY_REGION(stack->base(), stack->size());
#endif
#if defined(FR_FIBER_OWN_SWITCH)
    // The new stack as fr_emu_switch_stack leaves a suspended one: control words, r15..r12, rbx = this, rbp, and the
    // return address fr_emu_fiber_entry, which calls fr_emu_fiber_main(this) with the stack 16-byte aligned.
    auto* top = reinterpret_cast<uint64_t*>(
        (reinterpret_cast<uintptr_t>(stack->base()) + stack->size()) & ~static_cast<uintptr_t>(15));
    uint64_t* sp = top;
    *--sp = reinterpret_cast<uint64_t>(&fr_emu_fiber_entry);
    *--sp = 0;                                   // rbp
    *--sp = reinterpret_cast<uint64_t>(this);    // rbx
    for (int i = 0; i < 4; ++i) *--sp = 0;       // r12 .. r15
    uint32_t mxcsr = 0;
    uint16_t fpu = 0;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    asm volatile("fnstcw %0" : "=m"(fpu));
    *--sp = static_cast<uint64_t>(mxcsr) | (static_cast<uint64_t>(fpu) << 32);
    state_->fiber_sp = sp;
    return;
#endif
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
    fiber->run_body();
    // returns into uc_link: the scheduler
}

void Fiber::run_body() {
#if defined(FR_FIBER_ASAN)
    __sanitizer_finish_switch_fiber(nullptr, &state_->scheduler_bottom, &state_->scheduler_size);
#endif
    body_();
    finished_ = true;
#if defined(FR_FIBER_ASAN)
    __sanitizer_start_switch_fiber(nullptr, state_->scheduler_bottom, state_->scheduler_size);
#endif
}

void Fiber::resume() {
#if defined(FR_FIBER_ASAN)
    void* fake = nullptr;
    __sanitizer_start_switch_fiber(&fake, state_->stack->base(), state_->stack->size());
#endif
#if defined(FR_FIBER_OWN_SWITCH)
    fr_emu_switch_stack(&state_->scheduler_sp, state_->fiber_sp);
#else
    swapcontext(&state_->scheduler, &state_->fiber);
#endif
#if defined(FR_FIBER_ASAN)
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
}

void Fiber::suspend() {
#if defined(FR_FIBER_ASAN)
    __sanitizer_start_switch_fiber(&state_->fake_stack, state_->scheduler_bottom, state_->scheduler_size);
#endif
#if defined(FR_FIBER_OWN_SWITCH)
    fr_emu_switch_stack(&state_->fiber_sp, state_->scheduler_sp);
#else
    swapcontext(&state_->fiber, &state_->scheduler);
#endif
#if defined(FR_FIBER_ASAN)
    __sanitizer_finish_switch_fiber(state_->fake_stack, &state_->scheduler_bottom, &state_->scheduler_size);
#endif
}

#if defined(FR_FIBER_OWN_SWITCH)
// The first frame of every fiber (from fr_emu_fiber_entry): runs the body, then returns to the scheduler for good.
extern "C" void fr_emu_fiber_main(Fiber* fiber) { fiber->finish_from_entry(); }

void Fiber::finish_from_entry() {
    run_body();
    void* unused = nullptr;
    fr_emu_switch_stack(&unused, state_->scheduler_sp);
    // Never resumed. Deliberately not marked as unreachable or followed by abort(): the compiler would then treat
    // this function as no-return, and under ASan call __asan_handle_no_return before it, on the fiber's first entry,
    // while ASan still believes the scheduler's stack is current.
}
#endif

}  // namespace fr::emu
