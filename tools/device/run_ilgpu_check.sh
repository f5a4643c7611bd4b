#!/usr/bin/env bash
# Runs on the lent GPU machine: the ILGPU backend through ILGPU's PTX backend (`--backend ilgpu-cuda`) against the
# reference backend for every cell and the scan, with --repeat timings beside torch's modules (cuDNN).
# Carry: .device (tools/device/prepare.sh: a .NET runtime and the published CLI, which includes the ILGPU backends).
set -euo pipefail
cd "$(dirname "$0")/../.."
FR_SKIP_NATIVE_GPU_GROUP=1 source tools/device/native_run_setup.sh
$cli devices | tee "$out/devices.txt"
python3 tools/device/ilgpu_check.py "$cli" "$out" 2>&1 | tee "$out/ilgpu_check.log"
