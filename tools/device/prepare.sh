#!/usr/bin/env bash
# On the development machine: puts what the GPU machine needs into .device/ (git-ignored, carried by the device
# tool): a .NET runtime taken from the local SDK and a framework-dependent publish of the CLI.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .device && mkdir -p .device
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
tar -C "$dotnet_root" -cJf .device/dotnet-rt.tar.xz dotnet host shared/Microsoft.NETCore.App
dotnet publish tools/FastRecurrence.Cli -c Release -o .device/cli --no-self-contained >/dev/null
du -sh .device
