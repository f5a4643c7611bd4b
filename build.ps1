#!/usr/bin/env pwsh
# Builds everything this machine can build, and optionally runs the tests or the default benchmark.
#   ./build.ps1          restore and build (managed projects; the native library when CMake and a C++ compiler exist)
#   ./build.ps1 test     build, then run every test (native: CTest; managed: results (TRX) land in TestResults/)
#   ./build.ps1 test-sanitized
#                        the native library, the CPU emulator and the emulated kernels under AddressSanitizer and
#                        UndefinedBehaviorSanitizer (build/sanitize; GCC or Clang), as build.sh test-sanitized
#   ./build.ps1 bench    build, then run the default benchmark suite
#   ./build.ps1 pack     build, then pack the NuGet packages into artifacts/packages, as build.sh pack
# $env:CONFIGURATION = 'Debug' builds Debug instead of Release.
param(
    [ValidateSet('build', 'test', 'test-sanitized', 'bench', 'pack')]
    [string] $Action = 'build',
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $BenchArguments = @()
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$configuration = if ($env:CONFIGURATION) { $env:CONFIGURATION } else { 'Release' }
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Checked([string] $command, [string[]] $arguments) {
    & $command @arguments
    if ($LASTEXITCODE -ne 0) { throw "$command $($arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Build-Native {
    # The native library needs no CUDA toolkit: libcuda and libnvrtc are loaded at run time.
    # It lands in build/native/lib, where the managed resolver looks.
    $compiler = (Get-Command c++ -ErrorAction SilentlyContinue) ?? (Get-Command cl -ErrorAction SilentlyContinue)
    if (-not (Get-Command cmake -ErrorAction SilentlyContinue) -or -not $compiler) {
        Write-Warning 'build.ps1: cmake or a C++ compiler is missing; skipping the native library (managed projects still build).'
        return
    }
    try {
        Invoke-Checked cmake @('-S', '.', '-B', 'build/native', "-DCMAKE_BUILD_TYPE=$configuration")
        Invoke-Checked cmake @('--build', 'build/native', '--config', $configuration, '--parallel')
    }
    catch {
        throw "build.ps1: the native library (interop/native) failed to configure or build; see the CMake output above. ($_)"
    }
}

# Runs the native tests (CTest); returns $false when one fails. Groups that need NVRTC or a GPU skip without them.
function Test-Native {
    if (-not (Test-Path 'build/native/CTestTestfile.cmake')) { return $true }
    New-Item -ItemType Directory -Force TestResults | Out-Null
    # JUnit results beside the managed TRX files, as build.sh writes them.
    & ctest --test-dir build/native --build-config $configuration --output-on-failure --output-junit (Join-Path $PWD 'TestResults/native-ctest.junit.xml') | Out-Host
    if ($LASTEXITCODE -ne 0) {
        Write-Warning 'build.ps1: native tests failed (ctest --test-dir build/native --output-on-failure shows them again).'
        return $false
    }
    return $true
}

# The sanitizer job: the library and (FR_EMULATION_DEFAULT_SANITIZE) the kernels it compiles for the emulator.
function Test-Sanitized {
    if (-not (Get-Command cmake -ErrorAction SilentlyContinue) -or -not (Get-Command c++ -ErrorAction SilentlyContinue)) {
        throw 'build.ps1: cmake or a GCC / Clang C++ compiler is missing; the sanitizer job needs both.'
    }
    Invoke-Checked cmake @('-S', '.', '-B', 'build/sanitize', '-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DFR_SANITIZE=address,undefined')
    Invoke-Checked cmake @('--build', 'build/sanitize', '--parallel', '--target', 'fastrecurrence_native_tests', 'fastrecurrence_abi_c_test')
    New-Item -ItemType Directory -Force TestResults | Out-Null
    & ctest --test-dir build/sanitize -R '^native_(unit|validation|fuzz|emulation|emulation_scan|emulation_rnn|emulation_rnn_backward|abi_c)$' --output-on-failure `
        --output-junit (Join-Path $PWD 'TestResults/native-sanitized-ctest.junit.xml') | Out-Host
    if ($LASTEXITCODE -ne 0) { throw 'build.ps1: sanitized native tests failed (ctest --test-dir build/sanitize --output-on-failure).' }
}

function Build-Managed {
    Invoke-Checked dotnet @('restore', 'FastRecurrence.sln')
    Invoke-Checked dotnet @('build', 'FastRecurrence.sln', '--no-restore', '-c', $configuration)
}

# The packages (decision 0042), as build.sh pack: the solution's projects that set IsPackable; FastRecurrence.Interop
# carries this machine's native library. Each pack has a version of its own (0.1.0-dev.<UTC time>), as in build.sh.
function Pack-Managed {
    $suffix = 'dev.' + (Get-Date).ToUniversalTime().ToString('yyyyMMddHHmmss')
    Invoke-Checked dotnet @('pack', 'FastRecurrence.sln', '--no-build', '-c', $configuration,
        "-p:PackageOutputPath=$(Join-Path $PWD 'artifacts/packages')", "-p:VersionSuffix=$suffix")
    Write-Host "build.ps1: packages in $(Join-Path $PWD 'artifacts/packages') (add that folder as a NuGet source to install them)"
}

switch ($Action) {
    'build' { Build-Native; Build-Managed }
    'test' {
        Build-Native
        Build-Managed
        if (Test-Path TestResults) { Remove-Item -Recurse -Force TestResults }
        $nativePassed = Test-Native
        Invoke-Checked dotnet @('test', 'FastRecurrence.sln', '--no-build', '-c', $configuration,
            '--logger', 'trx', '--logger', 'console;verbosity=minimal', '--results-directory', 'TestResults')
        if (-not $nativePassed) { throw 'build.ps1: native tests failed.' }
    }
    'test-sanitized' { Test-Sanitized }
    'pack' { Build-Native; Build-Managed; Pack-Managed }
    'bench' {
        Build-Native
        Invoke-Checked dotnet (@('run', '-c', 'Release', '--project', 'bench', '--') + $BenchArguments)
    }
}
