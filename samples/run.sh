#!/usr/bin/env bash
# Packs Maru.Sdk into artifacts/packages, then builds the sample samples/Hello with dotnet build and runs it.
# Arguments go to the sample (e.g. samples/run.sh 35).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# A package cache of our own, so a repacked Maru.Sdk 0.1.0 is never served stale from ~/.nuget/packages.
export NUGET_PACKAGES="$root/artifacts/nuget-packages"
rm -rf "$NUGET_PACKAGES/maru.sdk"
dotnet pack "$root/sdk/Maru.Sdk" -c Release -o "$root/artifacts/packages" -v:q -nologo
dotnet build "$root/samples/Hello" -v:q -nologo
dotnet "$root/samples/Hello/bin/Debug/net10.0/Hello.dll" "$@"
