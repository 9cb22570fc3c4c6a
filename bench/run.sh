#!/usr/bin/env bash
# Maru.Sdk benchmarks: each program in bench/NAME.l (compiled by maru) and in
# bench/c/NAME.c (compiled by gcc -O2, gcc -O0 and tcc), all run, checked
# for the same checksum line, timed, and summarised as a markdown table.
#
# usage: bench/run.sh [-n RUNS] [--rid RID] [PROGRAM...]
#   -n RUNS   time each variant RUNS times and keep the best (default 3)
#   --rid RID linux-x64 (default) or linux-arm64 (on an x86-64 host: built by
#             aarch64-linux-gnu-gcc and maru, run under qemu-aarch64, no tcc)
#   PROGRAM   only these programs (default: all of them)
# environment: TCC (default tcc) names the tcc binary; if it is not found,
# the tcc column is skipped with a note.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
out=$here/out
runs=3
programs=(fib tak sieve collatz loops fnv)
tcc=${TCC:-tcc}
rid=linux-x64
cc=gcc          # the C compiler of every C variant and of the driver
runner=()       # what runs the programs: nothing natively, an emulator for another architecture

usage() { sed -n '6,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
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

# gcc -O2 runs first: its output is the reference every other variant must match
variants=(gcc-O2 maru gcc-O0 tcc)
case $rid in
    linux-x64) ;;
    linux-arm64)
        if [[ $(uname -m) != aarch64 ]]; then
            # Under emulation only the ratios mean something, not the seconds.
            cc=aarch64-linux-gnu-gcc
            runner=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
            variants=(gcc-O2 maru gcc-O0)
        fi ;;
    *) echo "run.sh: --rid is linux-x64 or linux-arm64, not '$rid'" >&2; exit 2 ;;
esac
if [[ " ${variants[*]} " == *" tcc "* ]] && ! command -v "$tcc" >/dev/null; then
    echo "note: $tcc not found; the tcc column is skipped (apt-get install tcc)" >&2
    variants=(gcc-O2 maru gcc-O0)
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

step "building the driver"
"$cc" -O2 -Wall -o "$out/driver" "$here/driver.c" -ldl

for p in "${programs[@]}"; do
    step "building $p"
    "${maru[@]}" build --rid "$rid" "$here/$p.l" -o "$out/lib$p.so" ||
        { echo "run.sh: maru could not build $p.l" >&2; exit 1; }
    "$cc" -O2 -Wall -o "$out/$p.gcc-O2" "$here/c/$p.c"
    "$cc" -O0 -Wall -o "$out/$p.gcc-O0" "$here/c/$p.c"
    if [[ " ${variants[*]} " == *" tcc "* ]]; then
        "$tcc" -o "$out/$p.tcc" "$here/c/$p.c"
    fi
done

# ---- run -------------------------------------------------------------------

# runs program $1 as built by variant $2
run_variant() {
    if [[ $2 == maru ]]; then
        "${runner[@]}" "$out/driver" "$out/lib$1.so"
    else
        "${runner[@]}" "$out/$1.$2"
    fi
}

# microseconds since the epoch, without starting a process
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$((10#$t))"; }

results=$out/results.tsv       # program, variant, best time in microseconds
: >"$results"
for p in "${programs[@]}"; do
    expected=""                # what gcc -O2 printed: every variant must agree
    for v in "${variants[@]}"; do
        best=""
        for ((i = 1; i <= runs; i++)); do
            start=$(now_us)
            run_variant "$p" "$v" >"$out/$p.$v.stdout" || {
                echo "run.sh: FAILED: $p ($v) exited with status $? (output: $out/$p.$v.stdout)" >&2
                exit 1
            }
            elapsed=$(($(now_us) - start))
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
            if [[ -z $best ]] || ((elapsed < best)); then best=$elapsed; fi
        done
        step "$p $v: $(awk -v us="$best" 'BEGIN { printf "%.3f s", us / 1e6 }')  ($got)"
        printf '%s\t%s\t%s\n' "$p" "$v" "$best" >>"$results"
    done
done

# ---- report ----------------------------------------------------------------

{
    echo
    echo "Best of $runs runs, seconds. $rid$( ((${#runner[@]})) && echo " under ${runner[0]}") on $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')."
    echo "$("$cc" --version | head -1); $( ([[ " ${variants[*]} " == *" tcc "* ]] && "$tcc" -v) || echo 'no tcc')."
    echo
    awk -F'\t' -v have_tcc="$([[ " ${variants[*]} " == *" tcc "* ]] && echo 1 || echo 0)" '
        { t[$1, $2] = $3 / 1e6; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
        function cell(x)  { return x == "" ? "n/a" : sprintf("%.3f", x) }
        function ratio(a, b) { return (a == "" || b == "") ? "n/a" : sprintf("%.2f", a / b) }
        END {
            print "| program | maru | gcc -O2 | gcc -O0 | tcc | maru/gcc-O2 | maru/gcc-O0 | maru/tcc |"
            print "|---|---:|---:|---:|---:|---:|---:|---:|"
            split("maru gcc-O2 gcc-O0 tcc", vs, " ")
            for (i = 0; i < n; i++) {
                p = order[i]
                for (j = 1; j <= 4; j++) {
                    x[j] = ((p, vs[j]) in t) ? t[p, vs[j]] : ""
                    if (x[j] != "") { logsum[j] += log(x[j]); count[j]++ }
                }
                printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", p,
                    cell(x[1]), cell(x[2]), cell(x[3]), cell(x[4]),
                    ratio(x[1], x[2]), ratio(x[1], x[3]), ratio(x[1], x[4])
            }
            for (j = 1; j <= 4; j++) g[j] = count[j] ? exp(logsum[j] / count[j]) : ""
            printf "| **geometric mean** | %s | %s | %s | %s | %s | %s | %s |\n",
                cell(g[1]), cell(g[2]), cell(g[3]), cell(g[4]),
                ratio(g[1], g[2]), ratio(g[1], g[3]), ratio(g[1], g[4])
            if (!have_tcc) print "\nThe tcc column is empty: tcc was not installed, or there is none for this architecture."
        }' "$results"
} | tee "$out/results.md"
