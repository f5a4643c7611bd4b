#!/usr/bin/env bash
# Runs on the lent GPU machine (which has PyTorch but no dotnet): unpacks the .NET runtime and the published CLI
# carried in .device/ (made by tools/device/prepare.sh on the development machine), then runs pytorch_parity.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The --backend cuda stack cases load the carried native build (FR_NATIVE_LIBRARY, set by the setup).
FR_SKIP_NATIVE_GPU_GROUP=1 source tools/device/native_run_setup.sh
$cli devices 2>&1 | tee "$out/cli_devices.txt"
python3 tools/device/pytorch_parity.py "$cli" "$out" 2>&1 | tee "$out/pytorch_parity.log"
