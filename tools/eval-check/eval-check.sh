#!/usr/bin/env bash
# Builds Maru's own evaluator (eval.l of melvinzhang/maru) with Maru.Sdk and checks it against the reference build:
# the two real bugs of eval.l are errors at their lines; with them fixed (and nothing else changed) the native
# interpreter Maru.Sdk makes runs the repository's tests with the reference's output, and running emit.l on eval.l it
# writes the reference's assembly byte for byte. Not run in CI (eval.l is not ours to commit); see README.md.
#
#     tools/eval-check/eval-check.sh MARU-CHECKOUT
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
checkout=$(cd "${1:?usage: eval-check.sh MARU-CHECKOUT}" && pwd)
maru=${MARU:-$repo/src/Maru.Cli/bin/Debug/net10.0/maru}
[ -x "$maru" ] || { echo "no maru at $maru: run 'dotnet build' first, or set MARU" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The reference interpreter: the checkout's own, else one built from its obj/eval.ll (LLVM 14 needs opaque pointers on).
evall=${EVALL:-$checkout/bin/evall}
if [ ! -x "$evall" ]; then
  evall=$work/evall
  clang-14 -mllvm -opaque-pointers -x ir -O2 "$checkout/obj/eval.ll" -o "$evall" -lm 2>/dev/null
fi

# A copy of the checkout whose eval.l has its two bugs fixed: do_print called with one argument (line 432), and a
# misplaced parenthesis that gives set three operands (line 1222).
cp -r "$checkout" "$work/fixed"
python3 - "$work/fixed/src/eval.l" <<'EOF'
import sys
path = sys.argv[1]
lines = open(path).read().split('\n')
def fix(number, old, new):
    assert old in lines[number - 1], f"line {number} is not what eval-check expects: {lines[number - 1]!r}"
    lines[number - 1] = lines[number - 1].replace(old, new)
fix(432, '(do_print (get <variable> name obj))', '(do_print (get <variable> name obj) storing)')
fix(1222, '(or (set p (malloc size) (return ())))', '(or (set p (malloc size)) (return ()))')
open(path, 'w').write('\n'.join(lines))
EOF

failed=0
check() { # name, command...: prints ok or FAILED
  local name=$1; shift
  if "$@"; then echo "ok: $name"; else echo "FAILED: $name"; failed=1; fi
}

# The floating-point helpers eval.l declares as externs are doubles.c's, linked into the interpreter: process externs.
process_externs=()
for name in $(sed -n 's/^int64_t \([a-z0-9]*\)(.*/\1/p' "$here/doubles.c"); do process_externs+=(--process-extern "$name"); done

# 1. The unfixed eval.l: exactly the two bugs, at their lines.
errors=$(cd "$checkout" && "$maru" build src/eval.l -o "$work/unfixed.so" "${process_externs[@]}" 2>&1 || true)
expected_errors() {
  [ "$(grep -c 'error MARU' <<<"$errors")" = 2 ] \
    && grep -q '^src/eval.l(432,[0-9]*): error MARU0103' <<<"$errors" \
    && grep -q '^src/eval.l(1222,[0-9]*): error MARU0104' <<<"$errors"
}
check "eval.l as published: MARU0103 at line 432 and MARU0104 at line 1222, nothing else" expected_errors
[ "$failed" = 0 ] || printf '%s\n' "$errors"

# 2. The fixed eval.l builds, from the checkout's root (it loads src/gc-marksweep.l from there).
start=$(date +%s%N)
(cd "$work/fixed" && "$maru" build src/eval.l -o "$work/libeval.so" "${process_externs[@]}")
echo "maru build src/eval.l: $(( ($(date +%s%N) - start) / 1000000 )) ms (a new process, the compiler not yet compiled by .NET)"

# The interpreter: eval.l's main, with the floating-point helpers emit-x64.l would have appended (doubles.c).
gcc -O2 -rdynamic -o "$work/eval" "$here/doubles.c" "$work/libeval.so" -lm -Wl,-rpath,"$work"

# 3. The repository's tests (its Makefile's "tests"), with the reference's output.
for t in test-subr-logical test-subr-relation test-subr-binary test-subr test-fsubr test-boot test-double; do
  (cd "$work/fixed" && "$evall" src/boot.l "test/$t.l" > "$work/$t.reference" 2>&1) || true
  (cd "$work/fixed" && "$work/eval" src/boot.l "test/$t.l" > "$work/$t.maru" 2>&1) || true
  check "test/$t.l gives the reference's output" cmp -s "$work/$t.reference" "$work/$t.maru"
done

# 4. emit.l on eval.l: the reference build's assembly, byte for byte (and the same list of definitions on stderr).
emit=(-O src/boot.l src/osdefs.linux.k src/emit-shared.l src/emit-x64.l src/eval.l)
(cd "$work/fixed" && "$evall" "${emit[@]}" > "$work/eval.reference.s" 2> "$work/eval.reference.err")
(cd "$work/fixed" && "$work/eval" "${emit[@]}" > "$work/eval.maru.s" 2> "$work/eval.maru.err")
check "emit.l run by the Maru.Sdk-built interpreter writes the reference's assembly ($(wc -l < "$work/eval.reference.s") lines)" \
  cmp -s "$work/eval.reference.s" "$work/eval.maru.s"
check "... and the same messages" cmp -s "$work/eval.reference.err" "$work/eval.maru.err"

exit "$failed"
