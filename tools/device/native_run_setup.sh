# shellcheck shell=bash
# Sourced (from the repository root) by the device scripts that check libfastrecurrence's kernels on the lent GPU
# (run_scan_check.sh, run_rnn_check.sh): $out, the carried .NET runtime unpacked, the library's environment, the card's
# facts in $out/gpu.txt, and the native GPU group first (launches, scans, the recurrent forward in every regime the card
# has, fr_linear, and the fr_device.cuh helpers the CPU emulator reimplements from the PTX ISA: the hardware's answer)
# unless FR_SKIP_NATIVE_GPU_GROUP=1 (the benchmark comparison, which spends its device time on timings).
out="${OUT:-/tmp/out}"
mkdir -p "$out" /tmp/dotnet
[ -x /tmp/dotnet/dotnet ] || tar -C /tmp/dotnet -xJf .device/dotnet-rt.tar.xz
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 PYTHONUNBUFFERED=1
export FR_NATIVE_LIBRARY="$PWD/build/native/lib/libfastrecurrence.so" FR_CACHE_DIR=/tmp/fr-cache
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/gpu.txt" || true
if [ "${FR_SKIP_NATIVE_GPU_GROUP:-0}" != 1 ] && [ -x build/native/interop/native/tests/fastrecurrence_native_tests ]; then
    build/native/interop/native/tests/fastrecurrence_native_tests gpu 2>&1 | tee "$out/native_gpu.log" || true
fi
