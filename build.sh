#!/usr/bin/env bash
# Builds everything this machine can build, and optionally runs the tests or the default benchmark.
#   ./build.sh          restore and build (managed projects; the native library when CMake and a C++ compiler exist)
#   ./build.sh test     build, then run every test; results (TRX) land in TestResults/
#   ./build.sh bench    build, then run the default benchmark suite (same as: dotnet run -c Release --project bench)
# CONFIGURATION=Debug ./build.sh ... builds Debug instead of Release.
set -euo pipefail
cd "$(dirname "$0")"

action="${1:-build}"
configuration="${CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

build_native() {
    # The native library (interop/native) is built by the top-level CMakeLists.txt. It needs no CUDA toolkit:
    # libcuda and libnvrtc are loaded at run time.
    if ! command -v cmake >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1; then
        echo "build.sh: cmake or a C++ compiler is missing; skipping the native library (managed projects still build)." >&2
        return 0
    fi
    cmake -S . -B build/native -DCMAKE_BUILD_TYPE="$configuration" >/dev/null
    cmake --build build/native --config "$configuration" --parallel
}

build_managed() {
    dotnet restore FastRecurrence.sln
    dotnet build FastRecurrence.sln --no-restore -c "$configuration"
}

case "$action" in
    build)
        build_native
        build_managed
        ;;
    test)
        build_native
        build_managed
        rm -rf TestResults
        dotnet test FastRecurrence.sln --no-build -c "$configuration" \
            --logger "trx" --logger "console;verbosity=minimal" --results-directory TestResults
        ;;
    bench)
        build_native
        dotnet run -c Release --project bench -- "${@:2}"
        ;;
    *)
        echo "usage: ./build.sh [build|test|bench]" >&2
        exit 2
        ;;
esac
