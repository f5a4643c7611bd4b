#!/usr/bin/env bash
# On the development machine: puts what the GPU machine needs into .device/ (git-ignored, carried by the device
# tool): a .NET runtime taken from the local SDK and a framework-dependent publish of the CLI.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .device && mkdir -p .device
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
tar -C "$dotnet_root" -cJf .device/dotnet-rt.tar.xz dotnet host shared/Microsoft.NETCore.App
dotnet publish tools/FastRecurrence.Cli -c Release -o .device/cli --no-self-contained >.device/publish.log 2>&1 \
  || { cat .device/publish.log; exit 1; }
# The benchmark, for run_bench_compare.sh (its GPU suites time our kernels; BenchmarkDotNet runs in-process, no SDK).
dotnet publish bench -c Release -o .device/bench --no-self-contained >>.device/publish.log 2>&1 \
  || { cat .device/publish.log; exit 1; }
# Once a publish exited 0 and left no .device/cli behind: check the result, and that the carried runtime runs it.
test -f .device/cli/FastRecurrence.Cli.dll || { cat .device/publish.log; echo "publish left no .device/cli/FastRecurrence.Cli.dll" >&2; exit 1; }
check="$(mktemp -d)"
tar -C "$check" -xJf .device/dotnet-rt.tar.xz
DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$check/dotnet" .device/cli/FastRecurrence.Cli.dll devices | grep '^reference ' >/dev/null \
  || { echo "the carried runtime could not run the CLI's devices command" >&2; rm -rf "$check"; exit 1; }
DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$check/dotnet" .device/bench/FastRecurrence.Bench.dll --list flat | grep -q CpuRecurrentBenchmarks \
  || { echo "the carried runtime could not run the benchmark" >&2; rm -rf "$check"; exit 1; }
rm -rf "$check"
du -sh .device
