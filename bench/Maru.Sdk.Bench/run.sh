#!/usr/bin/env bash
# Packs Maru.Sdk from this repository into a temporary feed, copies this benchmark beside it (with a NuGet.config and a
# global.json that select that package) and runs it in Release. Arguments go to BenchmarkDotNet, e.g. --filter '*'.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props")

dotnet pack "$root/sdk/Maru.Sdk" -c Release -o "$work/feed" -v:q -nodeReuse:false
mkdir "$work/bench"
cp "$here"/*.csproj "$here"/*.cs "$here"/*.l "$work/bench/"
cat > "$work/NuGet.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="maru-bench" value="$work/feed" />
  </packageSources>
</configuration>
XML
cat > "$work/global.json" <<JSON
{
  "sdk": { "version": "10.0.100", "rollForward": "latestFeature" },
  "msbuild-sdks": { "Maru.Sdk": "$version" }
}
JSON
if [ $# -eq 0 ]; then set -- --filter '*'; fi
cd "$work/bench"
export NUGET_PACKAGES="$work/packages"
dotnet build -c Release -nodeReuse:false -v:q
dotnet run -c Release --no-build -- "$@"
mkdir -p "$here/BenchmarkDotNet.Artifacts"
cp -r "$work/bench/BenchmarkDotNet.Artifacts/results" "$here/BenchmarkDotNet.Artifacts/"
