#!/usr/bin/env bash
# Runs on the lent GPU machine: the scan kernels through the C ABI (ctypes on torch tensors) against a float64
# reference, with timings beside a torch loop and the card's copy bandwidth. Carry: .device (tools/device/prepare.sh)
# and build/native (./build.sh here), since the GPU machine has no dotnet and may lack a C++ compiler.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-/tmp/out}"
mkdir -p "$out" /tmp/dotnet
tar -C /tmp/dotnet -xJf .device/dotnet-rt.tar.xz
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 PYTHONUNBUFFERED=1
export FR_NATIVE_LIBRARY="$PWD/build/native/lib/libfastrecurrence.so" FR_CACHE_DIR=/tmp/fr-cache
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/gpu.txt" || true
# The native GPU group first: launches, the scans against float64, and the fr_device.cuh helpers (shuffles, votes,
# mma fragment layouts, tf32) that the CPU emulator (cuda-emulated) implements from the PTX ISA: the hardware's answer.
if [ -x build/native/interop/native/tests/fastrecurrence_native_tests ]; then
    build/native/interop/native/tests/fastrecurrence_native_tests gpu 2>&1 | tee "$out/native_gpu.log" || true
fi
python3 tools/device/scan_check.py "/tmp/dotnet/dotnet .device/cli/FastRecurrence.Cli.dll" "$out" 2>&1 | tee "$out/scan_check.log"
