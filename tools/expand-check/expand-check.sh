#!/usr/bin/env bash
# Compares `maru expand` with Maru's own expander (tools/expand-check/README.md).
#
#   tools/expand-check/expand-check.sh MARU-CHECKOUT FILE.l...
#
# Runs in the current folder, so that (load "...") finds what it finds in a build from here. For each FILE, prints
# "same: FILE" or a unified diff (--- Maru's expander, +++ maru expand) and exits with 1 if any file differs or
# either side fails.
#   EVALL  the reference interpreter; default MARU-CHECKOUT/bin/evall, else built from MARU-CHECKOUT/obj/eval.ll
#   MARU   the maru command; default this repository's Debug build, else maru on PATH
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -lt 2 ]; then
    echo "usage: $0 MARU-CHECKOUT FILE.l..." >&2
    exit 2
fi
checkout=$(cd "$1" && pwd) || exit 2
shift

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

evall=${EVALL:-}
if [ -z "$evall" ]; then
    if [ -x "$checkout/bin/evall" ]; then
        evall=$checkout/bin/evall
    else
        echo "building the reference interpreter from $checkout/obj/eval.ll" >&2
        clang-14 -mllvm -opaque-pointers -x ir -O2 "$checkout/obj/eval.ll" -o "$work/evall" -lm || exit 2
        evall=$work/evall
    fi
fi

maru=${MARU:-}
if [ -z "$maru" ]; then
    maru=$here/../../src/Maru.Cli/bin/Debug/net10.0/maru
    [ -x "$maru" ] || maru=maru
fi

status=0
for file in "$@"; do
    # Maru's side: boot.l, then the harness, with -O as the compiler makes structure accessors. Its last line on
    # stderr is the collector's statistics, not an error.
    if ! "$evall" -O "$checkout/src/boot.l" "$here/expand.l" "$file" >"$work/maru.txt" 2>"$work/maru.err"; then
        echo "Maru's expander failed on $file:" >&2
        cat "$work/maru.err" >&2
        status=1
    fi
    if ! "$maru" expand "$file" >"$work/ours.txt" 2>"$work/ours.err"; then
        echo "maru expand failed on $file:" >&2
        cat "$work/ours.err" >&2
        status=1
    fi
    if diff -u --label "Maru's expander: $file" --label "maru expand: $file" "$work/maru.txt" "$work/ours.txt"; then
        echo "same: $file ($(wc -l <"$work/ours.txt") forms)"
    else
        status=1
    fi
done
exit $status
