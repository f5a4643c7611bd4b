# shellcheck shell=bash
# Sourced (from the repository root) by every device script: the carried environment on the lent GPU machine.
# Sets $out (mkdir'd), unpacks the carried .NET runtime into /tmp/dotnet and the published CLI and benchmark into
# /tmp/fr-apps (tools/device/prepare.sh made both; Python's tarfile where the image has no xz), and exports
#   $cli        the CLI as one command line ("/tmp/dotnet/dotnet /tmp/fr-apps/cli/FastRecurrence.Cli.dll")
#   $bench_dll  the published benchmark, run with /tmp/dotnet/dotnet
# plus the library's environment (the carried build/native, cubins cached in /tmp/fr-cache), the card's facts in
# $out/gpu.txt, and the native GPU group first (launches, scans, the recurrent forward in every regime the card has,
# fr_linear, and the fr_device.cuh helpers the CPU emulator reimplements from the PTX ISA: the hardware's answer)
# unless FR_SKIP_NATIVE_GPU_GROUP=1 (run_session.sh runs it as a step of its own).
out="${OUT:-/tmp/out}"
mkdir -p "$out" /tmp/dotnet /tmp/fr-apps
# archive folder: unpacked again whenever the archive differs from the one unpacked there (a warm machine keeps /tmp
# between calls, and a rerun after prepare.sh must not run the old apps); the checksum is written last, so an unpack
# cut short is redone
fr_unpack() {
    local sum
    sum="$(sha256sum "$1" | cut -d' ' -f1)"
    [ "$(cat "$2/.unpacked" 2>/dev/null)" = "$sum" ] && return 0
    rm -rf "$2" && mkdir -p "$2"
    tar -C "$2" -xJf "$1" 2>/dev/null \
      || python3 -c 'import tarfile, sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"
    echo "$sum" > "$2/.unpacked"
}
fr_unpack .device/dotnet-rt.tar.xz /tmp/dotnet
fr_unpack .device/apps.tar.xz /tmp/fr-apps
# The GPU image may lack libicu: nothing here needs culture data.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PYTHONUNBUFFERED=1
export FR_NATIVE_LIBRARY="$PWD/build/native/lib/libfastrecurrence.so" FR_CACHE_DIR=/tmp/fr-cache
cli="/tmp/dotnet/dotnet /tmp/fr-apps/cli/FastRecurrence.Cli.dll"
bench_dll=/tmp/fr-apps/bench/FastRecurrence.Bench.dll
export cli bench_dll
[ -f "$out/gpu.txt" ] || nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,temperature.gpu,power.draw \
    --format=csv 2>&1 | tee "$out/gpu.txt" || true
if [ "${FR_SKIP_NATIVE_GPU_GROUP:-0}" != 1 ] && [ -x build/native/interop/native/tests/fastrecurrence_native_tests ]; then
    build/native/interop/native/tests/fastrecurrence_native_tests gpu 2>&1 | tee "$out/native_gpu.log" || true
fi
