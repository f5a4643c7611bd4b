#!/usr/bin/env bash
# Runs on the lent GPU machine: the recurrent forward kernels (fused in every regime the planner picks, and the
# alternating fallback) through the C ABI (ctypes on torch tensors) against a float64 reference over the correctness
# matrix, against torch nn.LSTM / nn.GRU / nn.RNN on the same weights, and timed beside cuDNN (tools/device/rnn_check.py).
# Carry: .device (tools/device/prepare.sh) and build/native (./build.sh here). RNN_CHECK_QUICK=1 runs a reduced matrix.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-/tmp/out}"
mkdir -p "$out" /tmp/dotnet
tar -C /tmp/dotnet -xJf .device/dotnet-rt.tar.xz
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 PYTHONUNBUFFERED=1
export FR_NATIVE_LIBRARY="$PWD/build/native/lib/libfastrecurrence.so" FR_CACHE_DIR=/tmp/fr-cache
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/gpu.txt" || true
# The native GPU group first: launches, helpers against the hardware (mma layouts, tf32), the fused cases.
if [ -x build/native/interop/native/tests/fastrecurrence_native_tests ]; then
    build/native/interop/native/tests/fastrecurrence_native_tests gpu 2>&1 | tee "$out/native_gpu.log" || true
fi
python3 tools/device/rnn_check.py "/tmp/dotnet/dotnet .device/cli/FastRecurrence.Cli.dll" "$out" \
    ${RNN_CHECK_QUICK:+--quick} 2>&1 | tee "$out/rnn_check.log"
