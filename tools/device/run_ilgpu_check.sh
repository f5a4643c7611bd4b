#!/usr/bin/env bash
# Runs on the lent GPU machine: the ILGPU backend through ILGPU's PTX backend (`--backend ilgpu-cuda`) against the
# reference backend for every cell and the scan, with --repeat timings beside torch's modules (cuDNN).
# Carry: .device (tools/device/prepare.sh: a .NET runtime and the published CLI, which includes the ILGPU backends).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-/tmp/out}"
mkdir -p "$out" /tmp/dotnet
[ -x /tmp/dotnet/dotnet ] || tar -C /tmp/dotnet -xJf .device/dotnet-rt.tar.xz
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu_ilgpu.txt" || true
/tmp/dotnet/dotnet .device/cli/FastRecurrence.Cli.dll devices | tee "$out/devices.txt"
python3 tools/device/ilgpu_check.py "/tmp/dotnet/dotnet .device/cli/FastRecurrence.Cli.dll" "$out" 2>&1 | tee "$out/ilgpu_check.log"
