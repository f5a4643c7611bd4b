#!/usr/bin/env bash
# On the development machine: puts what the GPU machine needs into .device/ (git-ignored, carried by the device
# tool): a .NET runtime taken from the local SDK, and the CLI and the benchmark published framework-dependent for
# linux-x64, packed (.device/apps.tar.xz; native_run_setup.sh unpacks both on the GPU machine). Run ./build.sh first:
# build/native travels beside .device, and .device/prepared.txt records which build it was.
# Everything that travels (the tree, .device, build/native) must stay under the device tool's 64 MiB: checked here.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .device && mkdir -p .device
stage="$(mktemp -d)"
check="$(mktemp -d)"
trap 'rm -rf "$stage" "$check"' EXIT
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
tar -C "$dotnet_root" -cJf .device/dotnet-rt.tar.xz dotnet host shared/Microsoft.NETCore.App
# One runtime identifier: a portable publish carries every platform's native libraries (SkiaSharp's alone are
# over 100 MB) and would not travel.
for app in cli:tools/FastRecurrence.Cli bench:bench; do
    dotnet publish "${app#*:}" -c Release -r linux-x64 --no-self-contained -o "$stage/${app%%:*}" >>.device/publish.log 2>&1 \
      || { cat .device/publish.log; exit 1; }
done
# Once a publish exited 0 and left nothing behind: check the result, and that the carried runtime runs it.
for dll in cli/FastRecurrence.Cli.dll bench/FastRecurrence.Bench.dll; do
    test -f "$stage/$dll" || { cat .device/publish.log; echo "publish left no $dll" >&2; exit 1; }
done
XZ_OPT=-9 tar -C "$stage" -cJf .device/apps.tar.xz cli bench
tar -C "$check" -xJf .device/dotnet-rt.tar.xz
tar -C "$check" -xJf .device/apps.tar.xz
DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$check/dotnet" "$check/cli/FastRecurrence.Cli.dll" devices | grep '^reference ' >/dev/null \
  || { echo "the carried runtime could not run the CLI's devices command" >&2; exit 1; }
DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$check/dotnet" "$check/bench/FastRecurrence.Bench.dll" --list flat | grep -q CpuRecurrentBenchmarks \
  || { echo "the carried runtime could not run the benchmark" >&2; exit 1; }

# What the GPU session prints first (run_session.sh), so results are never read against another build.
library=build/native/lib/libfastrecurrence.so
test -f "$library" || { echo "no $library: run ./build.sh first (build/native travels beside .device)" >&2; exit 1; }
{
    echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)')"
    echo "prepared $(date -u +%FT%TZ)"
    echo "library $(sha256sum "$library" | cut -d' ' -f1)"
} > .device/prepared.txt

# The native tests' cubin caches (build/native/interop/native/tests/cache) are the tests' own and remade on use.
rm -rf build/native/interop/native/tests/cache
# The device tool refuses a working tree over 64 MiB (tracked and untracked-not-ignored files plus the carried paths).
tree_bytes=$(git ls-files -z --cached --others --exclude-standard \
    | python3 -c 'import os, sys; print(sum(os.path.getsize(p) for p in sys.stdin.read().split("\0") if os.path.isfile(p)))')
carried_bytes=$(du -cb .device build/native | tail -n 1 | cut -f1)
total_mib=$(( (tree_bytes + carried_bytes) / 1048576 ))
cat .device/prepared.txt
du -sh .device/* build/native
echo "travels: ${total_mib} MiB of the device tool's 64 (tree $(( tree_bytes / 1048576 )), .device + build/native $(( carried_bytes / 1048576 )))"
if [ "$total_mib" -ge 62 ]; then
    echo "too large to travel: the device tool refuses more than 64 MiB" >&2
    exit 1
fi
