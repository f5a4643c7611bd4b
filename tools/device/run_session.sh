#!/usr/bin/env bash
# The whole GPU session in one call: every prepared check in the order of what the open issues still lack, each under
# the time the session has left, so a short loan still returns the most important answers first and a check that hangs
# cannot eat the rest. Steps (each in $out/<step>/, its own log and files):
#   native-gpu   the native GPU test group (launches, every fused regime the card has, fr_device.cuh against hardware)
#   rnn          issues 7 and 8: recurrent forward and backward against float64 and torch, headline timings (quick matrix)
#   scan         issue 4: the scan kernels against float64, timings beside a torch loop and the copy bandwidth
#   parity       issue 10: the CLI against torch itself (one layer, stacks, bidirectional, proj_size, packed lengths)
#   bench        issue 9: the benchmark comparison (our GPU suites, cuDNN and torch peers, merged CSV/markdown/plots)
#   ilgpu        ILGPU's CUDA backend against the reference
#   scan-sweep   issue 4's calibration data: the scan at T 16384 over hand-built plans beside the planner's (decision 0022)
# FR_SESSION_BUDGET_S (default 540): seconds for all steps together; FR_SESSION_STEPS: a space-separated subset, in
# the order given. A step starts only with at least its minimum left, and runs under `timeout` with what is left.
# The closing table (step, status, seconds) is printed last and saved as $out/session.txt.
# Carry: .device (tools/device/prepare.sh) and build/native (./build.sh here).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
out="${OUT:-/tmp/out}"
mkdir -p "$out"
budget="${FR_SESSION_BUDGET_S:-540}"
steps="${FR_SESSION_STEPS:-native-gpu rnn scan parity bench ilgpu scan-sweep}"
start=$(date +%s)
summary=()

# name -> the minimum seconds worth starting it with, and its command (run from the repository root).
minimum() {
    case "$1" in
        native-gpu) echo 30 ;; rnn) echo 90 ;; scan) echo 45 ;; parity) echo 45 ;; bench) echo 180 ;; ilgpu) echo 60 ;;
        scan-sweep) echo 60 ;;
        *) echo -1 ;;
    esac
}
command_of() {
    case "$1" in
        native-gpu) echo 'FR_SKIP_NATIVE_GPU_GROUP=1 source tools/device/native_run_setup.sh && build/native/interop/native/tests/fastrecurrence_native_tests gpu 2>&1 | tee "$out/native_gpu.log"' ;;
        rnn) echo 'RNN_CHECK_QUICK=1 FR_SKIP_NATIVE_GPU_GROUP=1 bash tools/device/run_rnn_check.sh' ;;
        scan) echo 'SCAN_PLAN_SWEEP=0 FR_SKIP_NATIVE_GPU_GROUP=1 bash tools/device/run_scan_check.sh' ;;
        scan-sweep) echo 'SCAN_PLAN_SWEEP=only FR_SKIP_NATIVE_GPU_GROUP=1 bash tools/device/run_scan_check.sh' ;;
        parity) echo 'bash tools/device/run_pytorch_parity.sh' ;;
        bench) echo 'bash tools/device/run_bench_compare.sh' ;;
        ilgpu) echo 'bash tools/device/run_ilgpu_check.sh' ;;
    esac
}

for step in $steps; do
    need=$(minimum "$step")
    if [ "$need" -lt 0 ]; then
        summary+=("$(printf '%-10s %-22s %6s' "$step" "unknown step" "-")")
        continue
    fi
    left=$(( budget - ($(date +%s) - start) ))
    if [ "$left" -lt "$need" ]; then
        summary+=("$(printf '%-10s %-22s %6s' "$step" "skipped (${left}s left)" "-")")
        continue
    fi
    mkdir -p "$out/$step"
    echo "=== $step (up to ${left}s) ===" | tee -a "$out/session.log"
    began=$(date +%s)
    OUT="$out/$step" timeout --kill-after=10 "$left" bash -c "set -uo pipefail; $(command_of "$step")" > "$out/$step/step.log" 2>&1
    rc=$?
    took=$(( $(date +%s) - began ))
    case "$rc" in
        0) status="passed" ;; 124|137) status="timed out" ;; *) status="failed (rc $rc)" ;;
    esac
    tail -n 25 "$out/$step/step.log" | tee -a "$out/session.log"
    summary+=("$(printf '%-10s %-22s %6s' "$step" "$status" "${took}s")")
done

{
    echo "SESSION $(date -u +%FT%TZ) budget ${budget}s, used $(( $(date +%s) - start ))s"
    printf '%-10s %-22s %6s\n' step status time
    printf '%s\n' "${summary[@]}"
} | tee "$out/session.txt"
