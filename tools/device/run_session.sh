#!/usr/bin/env bash
# The whole GPU session in one call: every prepared check in the order of what the open issues still lack, each under
# a cap of its own and the time the session has left, so a short loan still returns the most important answers first
# and a check that hangs (a grid or cluster barrier running on hardware for the first time) cannot eat the rest.
# Steps (each in its own folder, with its log and files):
#   native-gpu   the native GPU test group (launches, every fused regime the card has, fr_device.cuh against hardware)
#   rnn          issues 7 and 8: recurrent forward and backward against float64 and torch, headline timings (quick matrix)
#   scan         issue 4: the scan kernels against float64, timings beside a torch loop and the copy bandwidth
#   scan-sweep   issue 4's calibration data: the scan at T 16384 over hand-built plans beside the planner's (decision 0022)
#   parity       (issue 10, closed) the CLI against torch itself (one layer, stacks, bidirectional, proj_size, lengths)
#   ilgpu        (issue 6, closed) ILGPU's CUDA backend against the reference
#   bench        issue 9: the benchmark comparison (our GPU suites, cuDNN and torch peers, merged CSV/markdown/plots):
#                minutes (about eight, unmeasured), so last; it needs a call of its own, and a loan of fifteen minutes
#                with the machine's start included leaves one call of ten: FR_SESSION_STEPS=bench in a later loan
# FR_SESSION_BUDGET_S (default 540): seconds for all steps together; FR_SESSION_STEPS: a space-separated subset, in
# the order given. A step starts only with at least its minimum left, and runs under `timeout` with the lesser of its
# cap and what is left.
# What comes back: the device tool returns at most 8 files from $OUT, 2 folders down. So the steps write under
# /tmp/fr-session, and after every step $OUT/session.tar.gz is remade from it (files over 4 MiB left out and listed),
# beside $OUT/session.log and $OUT/session.txt (the closing table: step, status, seconds). A kill still leaves the
# archive of every step before it.
# Carry: .device (tools/device/prepare.sh) and build/native (./build.sh here).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
out="${OUT:-/tmp/out}"
work=/tmp/fr-session
rm -rf "$work"  # a warm machine keeps /tmp: no earlier call's results in this one's archive
mkdir -p "$out" "$work"
budget="${FR_SESSION_BUDGET_S:-540}"
steps="${FR_SESSION_STEPS:-native-gpu rnn scan scan-sweep parity ilgpu bench}"
start=$(date +%s)
summary=()

# name -> the minimum seconds worth starting it with, and the most it may take
minimum() {
    case "$1" in
        native-gpu) echo 30 ;; rnn) echo 90 ;; scan) echo 45 ;; parity) echo 45 ;; bench) echo 180 ;; ilgpu) echo 60 ;;
        scan-sweep) echo 60 ;;
        *) echo -1 ;;
    esac
}
cap() {
    case "$1" in
        native-gpu) echo 150 ;; rnn) echo 270 ;; scan) echo 90 ;; parity) echo 90 ;; ilgpu) echo 90 ;; scan-sweep) echo 90 ;;
        *) echo 600 ;;
    esac
}
# its command (run from the repository root, with OUT its folder)
command_of() {
    case "$1" in
        native-gpu) echo 'FR_SKIP_NATIVE_GPU_GROUP=1 source tools/device/native_run_setup.sh && build/native/interop/native/tests/fastrecurrence_native_tests gpu' ;;
        rnn) echo 'RNN_CHECK_QUICK=1 FR_SKIP_NATIVE_GPU_GROUP=1 bash tools/device/run_rnn_check.sh' ;;
        scan) echo 'SCAN_PLAN_SWEEP=0 FR_SKIP_NATIVE_GPU_GROUP=1 bash tools/device/run_scan_check.sh' ;;
        scan-sweep) echo 'SCAN_PLAN_SWEEP=only FR_SKIP_NATIVE_GPU_GROUP=1 bash tools/device/run_scan_check.sh' ;;
        parity) echo 'bash tools/device/run_pytorch_parity.sh' ;;
        bench) echo 'bash tools/device/run_bench_compare.sh' ;;
        ilgpu) echo 'bash tools/device/run_ilgpu_check.sh' ;;
    esac
}

log() { echo "$*" | tee -a "$work/session.log"; }

# $out/session.tar.gz from $work, without files over 4 MiB (named in session.log instead), and the loose log. The
# archive is built beside $work (a kill mid-tar leaves no extra file in $out) and, should it pass 15 MiB (the device
# tool returns files up to 16), rebuilt without the largest files until it fits.
pack() {
    local large part=/tmp/fr-session.tar.gz dropped=""
    large="$(cd "$work" && find . -type f -size +4M -printf '%P\n')"
    [ -n "$large" ] && log "left out of session.tar.gz (over 4 MiB): $(echo "$large" | tr '\n' ' ')"
    (cd "$work" && find . -type f -size -4097k -printf '%s %P\n' | sort -n | cut -d' ' -f2- > /tmp/fr-session.files)
    while :; do
        (cd "$work" && tar -czf "$part" -T /tmp/fr-session.files) || return 0
        [ "$(stat -c %s "$part")" -le $(( 15 * 1048576 )) ] && break
        dropped="$dropped $(tail -n 1 /tmp/fr-session.files)"
        sed -i '$d' /tmp/fr-session.files
    done
    [ -n "$dropped" ] && log "left out of session.tar.gz (to stay under 15 MiB):$dropped"
    mv "$part" "$out/session.tar.gz"
    cp "$work/session.log" "$out/session.log"
}

# Which build this is, before anything is measured with it.
log "SESSION $(date -u +%FT%TZ) budget ${budget}s, steps: $steps"
[ -f .device/prepared.txt ] && tee -a "$work/session.log" < .device/prepared.txt
library=build/native/lib/libfastrecurrence.so
log "library carried $(sha256sum "$library" 2>/dev/null | cut -d' ' -f1)"
python3 - "$library" interop/native/include/fastrecurrence.h <<'EOF' 2>&1 | tee -a "$work/session.log"
import re, sys
sys.path.insert(0, "tools/python")
import fastrecurrence_ctypes as fr
lib = fr.load(sys.argv[1])
header = int(re.search(r"#define FR_ABI_VERSION (\d+)", open(sys.argv[2]).read()).group(1))
built = lib.fr_abi_version()
print(lib.fr_version_string().decode(), "| header ABI", header, "| MISMATCH: rebuild and prepare again" if built != header else "| matches")
EOF
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | tee -a "$work/session.log"
pack

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
    limit=$(cap "$step")
    [ "$limit" -gt "$left" ] && limit=$left
    mkdir -p "$work/$step"
    log "=== $step (up to ${limit}s of ${left}s left) ==="
    began=$(date +%s)
    OUT="$work/$step" timeout --kill-after=10 "$limit" bash -c "set -uo pipefail; $(command_of "$step")" > "$work/$step/step.log" 2>&1
    rc=$?
    took=$(( $(date +%s) - began ))
    case "$rc" in
        0) status="passed" ;; 77) status="skipped (rc 77)" ;; 124|137) status="timed out" ;; *) status="failed (rc $rc)" ;;
    esac
    tail -n 25 "$work/$step/step.log" >> "$work/session.log"
    tail -n 8 "$work/$step/step.log"
    summary+=("$(printf '%-10s %-22s %6s' "$step" "$status" "${took}s")")
    pack
done

{
    echo "SESSION $(date -u +%FT%TZ) budget ${budget}s, used $(( $(date +%s) - start ))s"
    printf '%-10s %-22s %6s\n' step status time
    printf '%s\n' "${summary[@]}"
} | tee "$out/session.txt" >> "$work/session.log"
cat "$out/session.txt"
pack
