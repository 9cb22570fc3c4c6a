#!/usr/bin/env bash
# Maru.Sdk benchmarks: each program in bench/NAME.l (compiled by maru), in
# bench/c/NAME.c (compiled by gcc -O2, clang -O2, gcc -O0 and tcc) and in
# bench/cs/ (C#, run by RyuJIT and compiled by NativeAOT), all run, checked
# for the same checksum line, timed, and summarised as a markdown table.
#
# usage: bench/run.sh [-n RUNS] [--rid RID] [PROGRAM...]
#   -n RUNS   time each variant RUNS times and keep the best (default 3)
#   --rid RID linux-x64 (default) or linux-arm64 (on an x86-64 host: built by
#             aarch64-linux-gnu-gcc and maru, run under qemu-aarch64; no clang, tcc or C#)
#   PROGRAM   only these programs (default: all of them)
# environment: CLANG (default clang) and TCC (default tcc) name those
# compilers; a column whose tool is missing shows n/a, with a note.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
out=$here/out
runs=3
programs=(fib tak sieve collatz loops fnv matmul nqueens nbody spectral mandelbrot dotaxpy)
clang=${CLANG:-clang}
tcc=${TCC:-tcc}
rid=linux-x64
cc=gcc          # the C compiler of the gcc variants and of the driver
runner=()       # what runs the programs: nothing natively, an emulator for another architecture
cflags=(-Wall -ffp-contract=off)   # never fuse a multiply and an add: neither Maru nor C# does
notes=()        # why a column is empty, printed with the table

usage() { sed -n '7,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
selected=()
while (($#)); do
    case $1 in
        -n) runs=${2:?-n needs a number}; shift 2 ;;
        --rid) rid=${2:?--rid needs a runtime identifier}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) selected+=("$1"); shift ;;
    esac
done
((${#selected[@]})) && programs=("${selected[@]}")
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: -n wants a positive number, not '$runs'" >&2; exit 2; }
for p in "${programs[@]}"; do
    [[ -f $here/$p.l && -f $here/c/$p.c ]] || { echo "run.sh: no program '$p' (needs $p.l and c/$p.c)" >&2; exit 2; }
done

note() { notes+=("$1"); echo "note: $1" >&2; }

# gcc -O2 runs first: its output is the reference every other variant must match
variants=(gcc-O2 maru clang-O2 gcc-O0 tcc cs-jit cs-aot)
case $rid in
    linux-x64) ;;
    linux-arm64)
        if [[ $(uname -m) != aarch64 ]]; then
            # Under emulation only the ratios mean something, not the seconds.
            cc=aarch64-linux-gnu-gcc
            runner=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
            variants=(gcc-O2 maru gcc-O0)
            note "clang, tcc and C# are not run for linux-arm64 under emulation: their columns are n/a."
        fi ;;
    *) echo "run.sh: --rid is linux-x64 or linux-arm64, not '$rid'" >&2; exit 2 ;;
esac
has() { [[ " ${variants[*]} " == *" $1 "* ]]; }
drop() { local v kept=(); for v in "${variants[@]}"; do [[ $v == "$1" ]] || kept+=("$v"); done; variants=("${kept[@]}"); }
if has clang-O2 && ! command -v "$clang" >/dev/null; then
    note "$clang not found: the clang column is n/a (apt-get install clang)."
    drop clang-O2
fi
if has tcc && ! command -v "$tcc" >/dev/null; then
    note "$tcc not found: the tcc column is n/a (apt-get install tcc)."
    drop tcc
fi

mkdir -p "$out"
step() { echo "== $*" >&2; }

# ---- build -----------------------------------------------------------------

step "building the maru CLI (dotnet build -c Release)"
if ! dotnet build -c Release "$repo/src/Maru.Cli" -nologo -v quiet >"$out/dotnet-build.log" 2>&1; then
    cat "$out/dotnet-build.log" >&2
    echo "run.sh: building the maru CLI failed (log: $out/dotnet-build.log)" >&2
    exit 1
fi
maru=(dotnet "$repo/src/Maru.Cli/bin/Release/net10.0/maru.dll")

if has cs-jit; then
    step "building the C# programs for RyuJIT (dotnet build -c Release)"
    if ! dotnet build -c Release "$here/cs" --artifacts-path "$out/cs" -o "$out/cs/jit" -nologo -v quiet \
            >"$out/cs-build.log" 2>&1; then
        cat "$out/cs-build.log" >&2
        echo "run.sh: building bench/cs failed (log: $out/cs-build.log)" >&2
        exit 1
    fi
fi
if has cs-aot; then
    step "building the C# programs with NativeAOT (dotnet publish -c Release -r $rid -p:PublishAot=true)"
    if ! dotnet publish -c Release -r "$rid" -p:PublishAot=true "$here/cs" --artifacts-path "$out/cs" \
            -o "$out/cs/aot" -nologo -v quiet >"$out/cs-publish.log" 2>&1; then
        note "the NativeAOT publish of bench/cs failed: the C# AOT column is n/a (log: $out/cs-publish.log)."
        drop cs-aot
    fi
fi

step "building the driver"
"$cc" -O2 -Wall -o "$out/driver" "$here/driver.c" -ldl

for p in "${programs[@]}"; do
    step "building $p"
    "${maru[@]}" build --rid "$rid" "$here/$p.l" -o "$out/lib$p.so" ||
        { echo "run.sh: maru could not build $p.l" >&2; exit 1; }
    "$cc" -O2 "${cflags[@]}" -o "$out/$p.gcc-O2" "$here/c/$p.c" -lm
    "$cc" -O0 "${cflags[@]}" -o "$out/$p.gcc-O0" "$here/c/$p.c" -lm
    if has clang-O2; then "$clang" -O2 "${cflags[@]}" -o "$out/$p.clang-O2" "$here/c/$p.c" -lm; fi
    if has tcc; then "$tcc" -o "$out/$p.tcc" "$here/c/$p.c" -lm; fi
done

# ---- run -------------------------------------------------------------------

# runs program $1 as built by variant $2
run_variant() {
    case $2 in
        maru) "${runner[@]}" "$out/driver" "$out/lib$1.so" ;;
        cs-jit) dotnet "$out/cs/jit/bench.dll" "$1" ;;
        cs-aot) "$out/cs/aot/bench" "$1" ;;
        *) "${runner[@]}" "$out/$1.$2" ;;
    esac
}

# microseconds since the epoch, without starting a process
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$((10#$t))"; }

results=$out/results.tsv       # program, variant, best time in microseconds
: >"$results"
for p in "${programs[@]}"; do
    expected=""                # what gcc -O2 printed: every variant must agree
    declare -A best=()
    # round after round of every variant, so that a change in the machine's load falls on all of them alike
    for ((i = 1; i <= runs; i++)); do
        for v in "${variants[@]}"; do
            start=$(now_us)
            run_variant "$p" "$v" >"$out/$p.$v.stdout" 2>"$out/$p.$v.stderr" || {
                echo "run.sh: FAILED: $p ($v) exited with status $? (output: $out/$p.$v.stdout, $out/$p.$v.stderr)" >&2
                exit 1
            }
            elapsed=$(($(now_us) - start))
            if [[ $v == cs-jit ]]; then
                # the program's own Stopwatch time: without the runtime's start-up
                elapsed=$(sed -n 's/^elapsed-us \([0-9]*\)$/\1/p' "$out/$p.$v.stderr")
                [[ -n $elapsed ]] || { echo "run.sh: $p ($v) reported no elapsed-us (see $out/$p.$v.stderr)" >&2; exit 1; }
            fi
            got=$(cat "$out/$p.$v.stdout")
            [[ -n $expected ]] || expected=$got
            if [[ $got != "$expected" ]]; then
                {
                    echo "run.sh: CHECKSUM MISMATCH in $p"
                    echo "  gcc-O2 printed: $expected"
                    echo "  $v printed: $got"
                } >&2
                exit 1
            fi
            if [[ -z ${best[$v]:-} ]] || ((elapsed < ${best[$v]})); then best[$v]=$elapsed; fi
        done
    done
    step "$got"
    for v in "${variants[@]}"; do
        step "  $v: $(awk -v us="${best[$v]}" 'BEGIN { printf "%.3f s", us / 1e6 }')"
        printf '%s\t%s\t%s\n' "$p" "$v" "${best[$v]}" >>"$results"
    done
    unset best
done

# ---- report ----------------------------------------------------------------

versions="$("$cc" --version | head -1)"
if has clang-O2; then versions+="; $("$clang" --version | head -1)"; fi
if has tcc; then versions+="; $("$tcc" -v)"; fi
if has cs-jit; then versions+="; .NET SDK $(dotnet --version)"; fi
{
    echo
    echo "Best of $runs runs, seconds. $rid$( ((${#runner[@]})) && echo " under ${runner[0]}") on $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')."
    echo "$versions."
    echo
    awk -F'\t' '
        { t[$1, $2] = $3 / 1e6; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
        function cell(x)  { return x == "" ? "n/a" : sprintf("%.3f", x) }
        function ratio(a, b) { return (a == "" || b == "") ? "n/a" : sprintf("%.2f", a / b) }
        END {
            # column 1 is maru; every other column gets a ratio maru/column
            m = split("maru gcc-O2 clang-O2 gcc-O0 tcc cs-jit cs-aot", vs, " ")
            split("maru|gcc -O2|clang -O2|gcc -O0|tcc|C# RyuJIT|C# AOT", label, "|")
            split("maru|gcc-O2|clang-O2|gcc-O0|tcc|C#-RyuJIT|C#-AOT", short, "|")
            head = "| program"; rule = "|---"
            for (j = 1; j <= m; j++) { head = head " | " label[j]; rule = rule "|---:" }
            for (j = 2; j <= m; j++) { head = head " | maru/" short[j]; rule = rule "|---:" }
            print head " |"; print rule "|"
            for (i = 0; i < n; i++) {
                p = order[i]
                line = "| " p
                for (j = 1; j <= m; j++) {
                    x[j] = ((p, vs[j]) in t) ? t[p, vs[j]] : ""
                    if (x[j] != "") { logsum[j] += log(x[j]); count[j]++ }
                    line = line " | " cell(x[j])
                }
                for (j = 2; j <= m; j++) line = line " | " ratio(x[1], x[j])
                print line " |"
            }
            line = "| **geometric mean**"
            for (j = 1; j <= m; j++) { g[j] = count[j] ? exp(logsum[j] / count[j]) : ""; line = line " | " cell(g[j]) }
            for (j = 2; j <= m; j++) line = line " | " ratio(g[1], g[j])
            print line " |"
        }' "$results"
    if ((${#notes[@]})); then
        echo
        printf '%s\n' "${notes[@]}"
    fi
    if has cs-jit; then
        echo
        echo "C# RyuJIT times are the program's own Stopwatch time (no runtime start-up); every other time is wall-clock."
    fi
} | tee "$out/results.md"
