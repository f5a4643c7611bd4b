#!/usr/bin/env bash
# Runs on the lent GPU machine: the side-by-side comparison of issue 9. The card's facts first (copy bandwidth, matmul
# rates), then our kernels through the project's benchmark (its GPU suites: native kernels on device buffers in fp32
# and bf16, ILGPU's CUDA kernels; BENCH_FULL=1 runs the full sweep), then torch's peers on the same shapes (cuDNN
# modules, their input GEMMs, a torch step loop), merged into $out/bench_compare.{csv,md} and plotted beside the CSV.
# Carry: .device (tools/device/prepare.sh, which publishes the CLI and the benchmark) and build/native (./build.sh).
# About 8 minutes for the quick suite on an H100 (an estimate: 54 benchmark cases of a few seconds, then the torch
# step loops, the slowest peers); give it a timeout of 600 s and read $out/bench.log if it runs out.
set -euo pipefail
cd "$(dirname "$0")/../.."
FR_SKIP_NATIVE_GPU_GROUP=1 source tools/device/native_run_setup.sh
dotnet=/tmp/dotnet/dotnet
python3 tools/device/bench_compare.py card "$out" 2>&1 | tee "$out/card.log"
export FR_BENCH_RESULTS="$out/bench"
"$dotnet" "$bench_dll" --filter '*Gpu*' ${BENCH_FULL:+--full} 2>&1 | tee "$out/bench.log" \
    | grep -E '^\||// results:|rror' || true
ours="$(ls -t "$out"/bench/fastrecurrence-*.csv | head -n 1)"
python3 tools/device/bench_compare.py peers "$ours" "$out" 2>&1 | tee "$out/peers.log"
python3 tools/device/bench_compare.py merge "$ours" "$out/peers.csv" "$out/card.json" "$out/bench_compare"
"$dotnet" "$bench_dll" --plot "$out/bench_compare.csv"
