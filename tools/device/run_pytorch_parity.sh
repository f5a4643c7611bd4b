#!/usr/bin/env bash
# Runs on the lent GPU machine (which has PyTorch but no dotnet): unpacks the .NET runtime and the published CLI
# carried in .device/ (made by tools/device/prepare.sh on the development machine), then runs pytorch_parity.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-/tmp/out}"
mkdir -p "$out" /tmp/dotnet
export PYTHONUNBUFFERED=1
# The GPU image may lack libicu: the CLI needs no culture data, so run .NET without it.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! tar -C /tmp/dotnet -xJf .device/dotnet-rt.tar.xz 2>/dev/null; then
  echo "tar -J failed (no xz?); unpacking with Python's tarfile"
  python3 -c 'import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' .device/dotnet-rt.tar.xz /tmp/dotnet
fi
{ date -u; nvidia-smi || true; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv || true; } 2>&1 | tee "$out/gpu.txt"
# The --backend cuda stack cases load the carried native build (the resolver also finds it by walking up from
# .device/cli; named here so a missing build fails by name) and cache their cubins outside the home folder.
if [ -f build/native/lib/libfastrecurrence.so ]; then
  export FR_NATIVE_LIBRARY="$PWD/build/native/lib/libfastrecurrence.so" FR_CACHE_DIR=/tmp/fr-cache
fi
cli="/tmp/dotnet/dotnet .device/cli/FastRecurrence.Cli.dll"
$cli devices 2>&1 | tee "$out/cli_devices.txt"
python3 tools/device/pytorch_parity.py "$cli" "$out" 2>&1 | tee "$out/pytorch_parity.log"
