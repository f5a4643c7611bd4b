#!/usr/bin/env bash
# Runs every native test group on a GPU machine in one go (see ../shared/docs/device.md): builds
# libfastrecurrence and its tests there (or uses a carried build/native when the machine has no C++ compiler),
# then runs CTest, then the GPU group again with its full output. Logs go to $OUT (or /tmp/fr-native-gpu).
#   interop/native/tests/run_on_gpu.sh
set -uo pipefail
cd "$(dirname "$0")/../../.."
out="${OUT:-/tmp/fr-native-gpu}"
mkdir -p "$out"

{
    nvidia-smi || true
    command -v nvcc && nvcc --version
    ldconfig -p | grep -E "libcuda.so|libnvrtc" || true
} >"$out/machine.txt" 2>&1
head -n 20 "$out/machine.txt"

# NVRTC of a CUDA toolkit is often outside the loader's default path.
if ! ldconfig -p | grep -q "libnvrtc.so"; then
    for dir in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
        [ -d "$dir" ] && export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    done
fi
export FR_CACHE_DIR="$(mktemp -d)"

build=build/gpu
if command -v cmake >/dev/null && command -v c++ >/dev/null; then
    generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    if ! { cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release &&
           cmake --build "$build" --parallel; } >"$out/build.log" 2>&1; then
        tail -n 40 "$out/build.log"
        echo "run_on_gpu: the native build failed here (log: build.log); trying the carried build/native"
        build=build/native
    fi
else
    echo "run_on_gpu: no cmake / C++ compiler here; using the carried build/native"
    build=build/native
fi

tests="$build/interop/native/tests/fastrecurrence_native_tests"
status=0
for group in unit validation compile scan_compile no_driver no_nvrtc gpu; do
    case "$group" in
        no_driver) env FR_CUDA_LIBRARY=/nonexistent/libcuda.so.1 "$tests" "$group" >"$out/$group.log" 2>&1 ;;
        no_nvrtc) env FR_NVRTC_LIBRARY=/nonexistent/libnvrtc.so "$tests" "$group" >"$out/$group.log" 2>&1 ;;
        *) "$tests" "$group" >"$out/$group.log" 2>&1 ;;
    esac
    code=$?
    case "$code" in
        0) result=passed ;;
        77) result=skipped ;;
        *) result="FAILED ($code)"; status=1 ;;
    esac
    echo "== $group: $result"
    [ "$code" -ne 0 ] && [ "$code" -ne 77 ] && tail -n 30 "$out/$group.log"
done
echo "== compile timings"; grep -E "NVRTC|cache:|sm_[89]0:" "$out/compile.log"
echo "== gpu"; cat "$out/gpu.log"
exit "$status"
