#!/usr/bin/env bash
# bin/spikeprop: XOR converges for a fixed seed and prints a JSON line with the
# documented fields; deterministic for a seed; the CSV path (Iris layout) runs
# on a tiny generated file; --save / --load reproduce a trained network's
# accuracy; bad arguments exit 2.
set -euo pipefail
BIN=${BIN:-$(cd "$(dirname "$0")/../.." && pwd)/bin}
PROG="$BIN/spikeprop"
[ -x "$PROG" ] || { echo "spikeprop.sh: $PROG not built"; exit 1; }
fail() { echo "FAIL: $*"; exit 1; }

out=$("$PROG" --dataset xor --seed 2 --json) || fail "xor run failed: $out"
line=$(echo "$out" | tail -n 1)
for k in train_accuracy test_accuracy epochs seconds converged_epoch; do
  echo "$line" | grep -q "\"$k\":" || fail "no $k in: $line"
done
conv=$(echo "$line" | sed -n 's/.*"converged_epoch":\([0-9]*\).*/\1/p')
[ -n "$conv" ] && [ "$conv" -gt 0 ] || fail "XOR did not converge: $line"
echo "$line" | grep -q '"train_accuracy":1.000000' || fail "XOR not fully learned: $line"
[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "--json printed more than one line"
again=$("$PROG" --dataset xor --seed 2 --json | sed 's/"seconds":[0-9.]*//')
[ "$again" = "$(echo "$line" | sed 's/"seconds":[0-9.]*//')" ] || fail "not deterministic"

# tiny Iris-layout CSV: header "n,features,names...", two separable classes
TMP=$(mktemp -d "${TMPDIR:-/tmp}/spikeprop-sh.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
{
  echo "40,4,a,b"
  for i in $(seq 0 39); do
    c=$((i % 2))
    awk -v i="$i" -v c="$c" 'BEGIN { srand(i + 1); b = c ? 6.5 : 4.5;
      printf "%.2f,%.2f,%.2f,%.2f,%d\n", b + rand(), b - 1 + rand(), b + 1 + rand(), b / 3 + rand() / 5, c }'
  done
} > "$TMP/iris.csv"
# 30 epochs (the Iris default): with RProp on batches of 10, 20 training samples make only
# 2 updates per epoch
line=$("$PROG" --dataset iris --data "$TMP" --epochs 30 --folds 2 --seed 1 --json 2>/dev/null | tail -n 1)
echo "$line" | grep -q '"folds":2' || fail "iris: no folds in: $line"
acc=$(echo "$line" | sed -n 's/.*"test_accuracy":\([0-9.]*\).*/\1/p')
awk -v a="$acc" 'BEGIN { exit !(a >= 0.9) }' || fail "iris (tiny, separable): test accuracy $acc < 0.9"

# a network no better than the majority class is retrained, at most SPIKEPROP_RETRIES more
# times per fold: 3 epochs (2 RProp updates each) leave every network at the majority class
n=$(SPIKEPROP_RETRIES=2 "$PROG" --dataset iris --data "$TMP" --epochs 3 --folds 2 --seed 4 2>&1 \
  >/dev/null | grep -c '^fold [12], network [12]: scored 0.6000, no better than the majority') || true
[ "$n" = 4 ] || fail "SPIKEPROP_RETRIES=2: $n retraining lines, want 2 per fold"
n=$(SPIKEPROP_RETRIES=0 "$PROG" --dataset iris --data "$TMP" --epochs 3 --folds 2 --seed 4 2>&1 \
  >/dev/null | grep -c 'majority') || true
[ "$n" = 0 ] || fail "SPIKEPROP_RETRIES=0 still retrained"
n=$("$PROG" --dataset iris --data "$TMP" --epochs 30 --folds 2 --seed 1 2>&1 >/dev/null |
  grep -c 'majority') || true
[ "$n" = 0 ] || fail "a network that learnt was retrained"

# --save / --load: a saved learner reproduces its accuracy (XOR; the tiny CSV's last fold)
"$PROG" --dataset xor --seed 2 --save "$TMP/xor.snn" --json >/dev/null || fail "xor --save failed"
line=$("$PROG" --dataset xor --load "$TMP/xor.snn" --json) || fail "xor --load failed: $line"
echo "$line" | grep -q '"train_accuracy":1.000000' || fail "loaded XOR net not exact: $line"
echo "$line" | grep -q '"converged_epoch":1' || fail "loaded XOR net not within 1 ms: $line"
"$PROG" --dataset iris --data "$TMP" --epochs 3 --folds 2 --seed 4 --save "$TMP/iris.snn" \
  >/dev/null 2>"$TMP/save.log" || fail "iris --save failed"
want=$(sed -n 's/^fold 2: //p' "$TMP/save.log")
got=$("$PROG" --dataset iris --data "$TMP" --folds 2 --seed 4 --load "$TMP/iris.snn" 2>&1 >/dev/null \
  | sed -n 's/^fold 2: //p')
[ -n "$want" ] && [ "$want" = "$got" ] || fail "iris --load: '$got', saved run: '$want'"

# a CSV cut at a row boundary loads, but disagrees with its header "n_samples,n_features,...":
# refused (exit 1, a message) instead of training on part of the data
mkdir "$TMP/cut" "$TMP/nohdr"
head -n 40 "$TMP/iris.csv" > "$TMP/cut/iris.csv"
sed 1d "$TMP/iris.csv" > "$TMP/nohdr/iris.csv"
for d in cut nohdr; do
  rc=0
  "$PROG" --dataset iris --data "$TMP/$d" --epochs 3 --folds 2 >/dev/null 2>"$TMP/$d.err" || rc=$?
  [ "$rc" -eq 1 ] || fail "iris.csv ($d) exited $rc, want 1"
done
grep -q "header announces 40 samples of 4 features, the file holds 39 of 4" "$TMP/cut.err" ||
  fail "truncated CSV: message $(cat "$TMP/cut.err")"
grep -q "not scikit-learn's header" "$TMP/nohdr.err" || fail "CSV without header: $(cat "$TMP/nohdr.err")"

# --help: usage on stdout, exit 0; stdout that cannot be written: exit 1 with a message
"$PROG" --help >"$TMP/h.out" 2>"$TMP/h.err" || fail "--help exited non-zero"
grep -q '^usage: spikeprop' "$TMP/h.out" && [ ! -s "$TMP/h.err" ] || fail "--help not on stdout"
if [ -w /dev/full ]; then
  rc=0
  "$PROG" --dataset xor --seed 2 --json >/dev/full 2>"$TMP/full.err" || rc=$?
  [ "$rc" -eq 1 ] || fail "spikeprop >/dev/full exited $rc, want 1"
  grep -q "cannot write standard output" "$TMP/full.err" || fail ">/dev/full: no message"
fi

set +e
"$PROG" --dataset xor --load "$TMP/none.snn" >/dev/null 2>&1; [ $? -eq 1 ] || fail "missing --load file should exit 1"
"$PROG" --dataset xor --save a --load b >/dev/null 2>&1; [ $? -eq 2 ] || fail "--save with --load should exit 2"
"$PROG" --dataset nope >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown dataset should exit 2"
"$PROG" --dataset xor --epochs 0 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--epochs 0 should exit 2"
"$PROG" --dataset xor --folds 4294967298 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--folds 2^32+2 should exit 2"
"$PROG" --dataset xor --epochs 18446744073709551617 >/dev/null 2>&1; [ $? -eq 2 ] ||
  fail "--epochs beyond unsigned long should exit 2"
SPIKEPROP_EPOCHS=0 SPIKEPROP_VAL=0.2 "$PROG" --dataset iris --data "$TMP" --folds 2 >/dev/null 2>&1
[ $? -eq 1 ] || fail "SPIKEPROP_EPOCHS=0 should exit 1 (it trained from uninitialised weights)"
"$PROG" --dataset xor --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option should exit 2"
"$PROG" --dataset wbc --data "$TMP/none" >/dev/null 2>&1; [ $? -eq 1 ] || fail "missing data should exit 1"
"$PROG" --dataset wbc-original --data "$TMP/none" >/dev/null 2>&1; [ $? -eq 1 ] ||
  fail "missing wbc-original data should exit 1"
set -e
echo "spikeprop.sh: ok"
