#!/usr/bin/env bash
# Builds everything this machine can build, and optionally runs the tests or the default benchmark.
#   ./build.sh          restore and build (managed projects; the native library when CMake and a C++ compiler exist)
#   ./build.sh test     build, then run every test (native: CTest; managed: results (TRX) land in TestResults/)
#   ./build.sh test-sanitized
#                       the native library, the CPU emulator and the emulated kernels under AddressSanitizer and
#                       UndefinedBehaviorSanitizer (build/sanitize), running the native unit, validation, fuzz and emulation
#                       tests (CI runs this after `test`; results land in TestResults/native-sanitized-ctest.junit.xml)
#   ./build.sh bench    build, then run the default benchmark suite (same as: dotnet run -c Release --project bench)
#   ./build.sh pack     build, then pack the NuGet packages FastRecurrence, FastRecurrence.Interop (with this machine's
#                       native library under runtimes/<rid>/native) and FastRecurrence.Ilgpu into artifacts/packages
# CONFIGURATION=Debug ./build.sh ... builds Debug instead of Release.
set -euo pipefail
cd "$(dirname "$0")"

action="${1:-build}"
configuration="${CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

build_native() {
    # The native library (interop/native) is built by the top-level CMakeLists.txt. It needs no CUDA toolkit:
    # libcuda and libnvrtc are loaded at run time. It lands in build/native/lib, where the managed resolver looks.
    if ! command -v cmake >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1; then
        echo "build.sh: cmake or a C++ compiler is missing; skipping the native library (managed projects still build)." >&2
        return 0
    fi
    if ! cmake -S . -B build/native -DCMAKE_BUILD_TYPE="$configuration" >/dev/null; then
        echo "build.sh: configuring the native library (interop/native) failed; see the CMake errors above." >&2
        exit 1
    fi
    if ! cmake --build build/native --config "$configuration" --parallel; then
        echo "build.sh: building the native library (interop/native) failed; see the compiler errors above." >&2
        exit 1
    fi
}

# Runs the native tests (CTest); prints why and returns non-zero when one fails. Groups that need NVRTC or a GPU
# report themselves as skipped where those are missing.
test_native() {
    if [ ! -f build/native/CTestTestfile.cmake ]; then
        return 0
    fi
    mkdir -p TestResults
    # JUnit results beside the managed TRX files, so .ci/run counts the native tests too.
    if ! ctest --test-dir build/native --build-config "$configuration" --output-on-failure --parallel "$(nproc 2>/dev/null || echo 2)" \
        --output-junit "$PWD/TestResults/native-ctest.junit.xml"; then
        echo "build.sh: native tests failed (ctest --test-dir build/native --output-on-failure shows them again)." >&2
        return 1
    fi
}

# The sanitizer job: the library is built with -fsanitize=address,undefined, and so (FR_EMULATION_DEFAULT_SANITIZE)
# are the kernels it compiles for the emulator, which the sanitized test process then loads and runs.
test_sanitized() {
    if ! command -v cmake >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1; then
        echo "build.sh: cmake or a C++ compiler is missing; the sanitizer job needs both." >&2
        return 1
    fi
    cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFR_SANITIZE=address,undefined >/dev/null
    cmake --build build/sanitize --parallel --target fastrecurrence_native_tests fastrecurrence_abi_c_test
    mkdir -p TestResults
    if ! ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
        ctest --test-dir build/sanitize -R '^native_(unit|validation|fuzz|emulation|emulation_scan|emulation_rnn|emulation_rnn_backward|abi_c)$' \
        --output-on-failure --parallel "$(nproc 2>/dev/null || echo 2)" \
        --output-junit "$PWD/TestResults/native-sanitized-ctest.junit.xml"; then
        echo "build.sh: sanitized native tests failed (ctest --test-dir build/sanitize --output-on-failure)." >&2
        return 1
    fi
}

build_managed() {
    dotnet restore FastRecurrence.sln
    dotnet build FastRecurrence.sln --no-restore -c "$configuration"
}

# The packages (decision 0042): the solution's projects that set IsPackable (tests/FastRecurrence.Tests/Packaging packs
# them the same way and installs them in an app). Each pack has a version of its own (0.1.0-dev.<UTC time>): NuGet never
# extracts a version it has cached again, so a second pack under the same version would leave applications on the first.
pack_managed() {
    dotnet pack FastRecurrence.sln --no-build -c "$configuration" -p:PackageOutputPath="$PWD/artifacts/packages" \
        -p:VersionSuffix="dev.$(date -u +%Y%m%d%H%M%S)"
    echo "build.sh: packages in $PWD/artifacts/packages (add that folder as a NuGet source to install them)"
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
        native_status=0
        test_native || native_status=$?
        dotnet test FastRecurrence.sln --no-build -c "$configuration" \
            --logger "trx" --logger "console;verbosity=minimal" --results-directory TestResults
        if [ "$native_status" -ne 0 ]; then
            exit "$native_status"
        fi
        ;;
    test-sanitized)
        test_sanitized
        ;;
    bench)
        build_native
        dotnet run -c Release --project bench -- "${@:2}"
        ;;
    pack)
        build_native
        build_managed
        pack_managed
        ;;
    *)
        echo "usage: ./build.sh [build|test|test-sanitized|bench|pack]" >&2
        exit 2
        ;;
esac
