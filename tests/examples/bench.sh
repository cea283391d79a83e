#!/usr/bin/env bash
# Checks how the benchmarks ($BIN/bench/*, built by `make bench`) treat their data:
# a missing data set is skipped (exit 0: `make bench` runs every benchmark on a fresh
# clone), data that is there but does not load is an error (exit 1 with a message, not
# "skipped"), and bench/mnist hands any --data path to bin/mnist intact (an apostrophe
# used to break its shell command). Skipped when the benchmarks are not built.
# $BIN = the bin directory. Takes a few seconds (tiny synthetic data).
set -u
B="${BIN:?BIN must name the bin directory}/bench"
fail() { echo "FAIL: $*"; exit 1; }
if [ ! -d "$B" ]; then
  echo "bench.sh: $B not built (make bench), skipped"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bad"

# bench/stdp_mnist: SNN_MNIST_DIR without the files, then with files that are not IDX
if [ -x "$B/stdp_mnist" ]; then
  SNN_MNIST_DIR="$tmp/none" "$B/stdp_mnist" >"$tmp/o" 2>"$tmp/e"
  rc=$?
  [ $rc -eq 0 ] && grep -q "skipped" "$tmp/o" || fail "stdp_mnist without data: exit $rc, $(cat "$tmp/o" "$tmp/e")"
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte; do echo "not an IDX file" >"$tmp/bad/$f"; done
  SNN_MNIST_DIR="$tmp/bad" "$B/stdp_mnist" >"$tmp/o" 2>"$tmp/e"
  rc=$?
  [ $rc -eq 1 ] || fail "stdp_mnist with broken data: exit $rc, want 1: $(cat "$tmp/o" "$tmp/e")"
  grep -q "skipped" "$tmp/o" && fail "stdp_mnist: broken data reported as skipped"
  grep -q "cannot load" "$tmp/e" || fail "stdp_mnist with broken data: message $(cat "$tmp/e")"
fi

# bench/spikeprop (XOR first, a fraction of a second): SNN_UCI_DIR without the CSV files,
# then with an iris.csv cut short (its header announces 150 rows)
if [ -x "$B/spikeprop" ]; then
  SNN_UCI_DIR="$tmp/none" "$B/spikeprop" >"$tmp/o" 2>"$tmp/e"
  rc=$?
  [ $rc -eq 0 ] || fail "spikeprop without data: exit $rc: $(cat "$tmp/o" "$tmp/e")"
  [ "$(grep -c "skipped" "$tmp/o")" -eq 3 ] || fail "spikeprop without data: $(cat "$tmp/o")"
  mkdir "$tmp/uci"
  printf '150,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n7.0,3.2,4.7,1.4,1\n' >"$tmp/uci/iris.csv"
  SNN_UCI_DIR="$tmp/uci" "$B/spikeprop" >"$tmp/o" 2>"$tmp/e"
  rc=$?
  [ $rc -eq 1 ] || fail "spikeprop with a truncated iris.csv: exit $rc, want 1: $(cat "$tmp/o" "$tmp/e")"
  grep -q "^iris .*skipped" "$tmp/o" && fail "spikeprop: a broken iris.csv reported as skipped"
  grep -q "iris.csv" "$tmp/e" || fail "spikeprop with a truncated iris.csv: message $(cat "$tmp/e")"
  grep -q "^wbc .*skipped" "$tmp/o" || fail "spikeprop: the missing wbc set not skipped: $(cat "$tmp/o")"
fi

# bench/mnist: a --data directory with an apostrophe in its name reaches bin/mnist (part
# (a), --quick on a tiny synthetic set; no PyTorch); broken data exits 1
if [ -x "$B/mnist" ] && [ -x "$B/../mnist" ] && command -v python3 >/dev/null 2>&1; then
  python3 "$(dirname "$0")/lib/make_idx.py" "$tmp/it's data" 7 4 10 20 240 60
  "$B/mnist" --data "$tmp/it's data" --quick --skip-rate --no-torch --threads 1 >"$tmp/o" 2>"$tmp/e"
  rc=$?
  [ $rc -eq 0 ] || fail "bench/mnist --data \"it's data\": exit $rc: $(cat "$tmp/o" "$tmp/e")"
  grep -q "^(a) RESULT default" "$tmp/o" || fail "bench/mnist --data \"it's data\": $(cat "$tmp/o")"
  head -c 100 "$tmp/it's data/train-images-idx3-ubyte" >"$tmp/bad/train-images-idx3-ubyte"
  "$B/mnist" --data "$tmp/bad" --quick --skip-rate --no-torch --threads 1 >"$tmp/o" 2>"$tmp/e"
  rc=$?
  [ $rc -eq 1 ] || fail "bench/mnist with broken data: exit $rc, want 1"
fi
echo "bench.sh: ok"
