#!/usr/bin/env bash
# Runs on the lent GPU machine (which has PyTorch but no dotnet): unpacks the .NET runtime and the published CLI
# carried in .device/ (made by tools/device/prepare.sh on the development machine), then runs pytorch_parity.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-/tmp/out}"
mkdir -p "$out" /tmp/dotnet
tar -C /tmp/dotnet -xJf .device/dotnet-rt.tar.xz
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt" || true
python3 tools/device/pytorch_parity.py "/tmp/dotnet/dotnet .device/cli/FastRecurrence.Cli.dll" "$out" 2>&1 | tee "$out/pytorch_parity.log"
