#!/usr/bin/env bash
# Runs every tests/examples/*.sh against the built example programs.
set -u
BIN=${BIN:-$(cd "$(dirname "$0")/.." && pwd)/bin}
export BIN
pass=0 fail=0
for t in "$(dirname "$0")"/../tests/examples/*.sh; do
  [ -e "$t" ] || continue
  name=$(basename "$t" .sh)
  if out=$(bash "$t" 2>&1); then
    pass=$((pass + 1)); echo "PASS example $name"
  else
    fail=$((fail + 1)); echo "FAIL example $name"; echo "$out" | sed 's/^/    /' | tail -n 30
  fi
done
echo "examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
