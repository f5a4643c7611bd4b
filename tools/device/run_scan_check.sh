#!/usr/bin/env bash
# Runs on the lent GPU machine: the scan kernels through the C ABI (ctypes on torch tensors) against a float64
# reference, with timings beside a torch loop and the card's copy bandwidth. Carry: .device (tools/device/prepare.sh)
# and build/native (./build.sh here), since the GPU machine has no dotnet and may lack a C++ compiler.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/device/native_run_setup.sh
python3 tools/device/scan_check.py "$cli" "$out" 2>&1 | tee "$out/scan_check.log"
