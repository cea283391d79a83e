#!/usr/bin/env bash
# bin/rstdp learns its two-pattern reward task (exit 0 only if it learned),
# prints a learning curve, and is deterministic for a seed.
set -euo pipefail
BIN=${BIN:-$(cd "$(dirname "$0")/../.." && pwd)/bin}
PROG="$BIN/rstdp"
[ -x "$PROG" ] || { echo "rstdp.sh: $PROG not built"; exit 1; }
tmp_out=$(mktemp) tmp_err=$(mktemp)
trap 'rm -f "$tmp_out" "$tmp_err"' EXIT
out=$("$PROG") || { echo "$out"; echo "FAIL: rstdp did not learn"; exit 1; }
echo "$out" | grep -q '^learned' || { echo "$out"; echo "FAIL: no 'learned' line"; exit 1; }
[ "$(echo "$out" | grep -c '%')" -ge 10 ] || { echo "$out"; echo "FAIL: no learning curve"; exit 1; }
[ "$out" = "$("$PROG")" ] || { echo "FAIL: not deterministic"; exit 1; }
for s in 1 2; do "$PROG" --seed $s --quiet > /dev/null || { echo "FAIL: seed $s did not learn"; exit 1; }; done
# malformed numbers are refused (atoi/strtoul used to run 40 trials or seed 0 silently)
for bad in "--trials abc" "--trials -5" "--trials 3000000000" "--trials 12x" "--seed xyz" "--seed -1"; do
  set +e
  # shellcheck disable=SC2086
  "$PROG" $bad --quiet > /dev/null 2>&1
  rc=$?
  set -e
  [ "$rc" -eq 2 ] || { echo "FAIL: rstdp $bad exited $rc, want 2"; exit 1; }
done
# --help: usage on stdout, exit 0; stdout that cannot be written: exit 1 with a message
"$PROG" --help > "$tmp_out" 2> "$tmp_err" || { echo "FAIL: --help exited non-zero"; exit 1; }
grep -q '^usage: rstdp' "$tmp_out" && [ ! -s "$tmp_err" ] || { echo "FAIL: --help not on stdout"; exit 1; }
if [ -w /dev/full ]; then
  rc=0
  "$PROG" --quiet > /dev/full 2> "$tmp_err" || rc=$?
  [ "$rc" -eq 1 ] || { echo "FAIL: rstdp > /dev/full exited $rc, want 1"; exit 1; }
  grep -q "cannot write standard output" "$tmp_err" || { echo "FAIL: > /dev/full: no message"; exit 1; }
fi
echo "rstdp.sh: ok"
