// emulation_kernels.h: the test-only kernels that exercise every helper of fr_device.cuh (warp operations, mma,
// grid and cluster barriers, distributed shared memory, atomics) and every rule the emulator enforces. Registered as
// the embedded source "fr_test_emulation": the emulation tests run it on the CPU, the compile tests compile it with
// NVRTC for sm_80 and sm_90 (so the GPU side of each helper is assembled by ptxas in CI), and a GPU runs it as is.
#ifndef FR_TEST_EMULATION_KERNELS_H
#define FR_TEST_EMULATION_KERNELS_H

namespace frtest {

extern const char* const kEmulationSourceName;  // "fr_test_emulation"
extern const char* const kEmulationKernels;

// What fr_test_fault does for each `which`.
enum FaultCase {
    kExitBeforeBarrier = 0,  // threads 16.. return, the others reach a block barrier
    kDivergedWarp = 1,       // half a warp shuffles, the other half syncs
    kDeadlock = 2,           // lane 0 shuffles with lane 1, which waits at a block barrier
    kMaskWithoutCaller = 3,  // a shuffle whose mask leaves out the calling lane
    kTrap = 4,               // thread 5 traps
    kStaticSharedTooLarge = 5  // 64 KB of static shared memory (emulator only: a GPU compile refuses it)
};

}  // namespace frtest

#endif
