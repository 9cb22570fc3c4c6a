#!/usr/bin/env bash
# Builds and tests Maru.Sdk. `./build.sh test` is the test command of the README and of .ci/run:
# on a Debian or Ubuntu machine that has only the .NET SDK it first installs the packages the tests use.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  echo "usage: ./build.sh test      install the Debian packages the tests need (when missing), then dotnet test Maru.Sdk.sln" >&2
  echo "       ./build.sh packages  only install those packages" >&2
  exit 2
}

# bsdutils: script(1), which drives maru repl in a pseudo-terminal; llvm, lld: llvm-mc, ld.lld, ld64.lld (osx-*)
packages=(binutils gcc libc6-dev bsdutils llvm lld)
packages+=(binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu qemu-user)  # linux-arm64, run under qemu
packages+=(binutils-mingw-w64-x86-64 gcc-mingw-w64-x86-64 wine64)        # win-x64: DLLs, the harness, running it under wine

install_packages() {
  if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "build.sh: apt-get is not available, so the packages the tests need cannot be installed here." >&2
    echo "build.sh: install the equivalents of: ${packages[*]} (see docs/prerequisites.md), then run: dotnet test Maru.Sdk.sln" >&2
    exit 1
  fi
  local missing=() p
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "build.sh: missing packages ${missing[*]}, and not root and no sudo to install them." >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  echo "build.sh: installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

[ $# -eq 1 ] || usage
case "$1" in
  packages) install_packages ;;
  test)
    install_packages
    export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
    exec dotnet test Maru.Sdk.sln ;;
  *) usage ;;
esac
