#!/usr/bin/env bash
# Quick test of bin/mnist on a tiny synthetic IDX dataset (3 separable patterns,
# 28x28, 240 training and 60 test images, a few KiB): trains, prints valid JSON,
# is deterministic, rejects bad arguments (exit 2) and missing data (exit 1).
# Run by `make test-examples` with $BIN = the bin directory. Takes a few seconds.
set -euo pipefail
BIN=${BIN:-$(cd "$(dirname "$0")/../.." && pwd)/bin}
MNIST="$BIN/mnist"
[ -x "$MNIST" ] || { echo "mnist.sh: $MNIST not built"; exit 1; }
PY=$(command -v python3 || true)
[ -n "$PY" ] || { echo "mnist.sh: python3 is needed to generate the test data"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# ---- synthetic dataset: class 0 horizontal bar, 1 vertical bar, 2 square ring,
# at a random position, with a little pixel noise; big-endian IDX headers.
"$PY" "$(dirname "$0")/lib/make_idx.py" "$tmp/data" 7 4 10 20 240 60

common=(--data "$tmp/data" --arch 784-48-3 --steps 6 --epochs 4 --batch 16 --lr 5e-3 --seed 3 --quiet)

# ---- trains, valid JSON with the documented keys
"$MNIST" "${common[@]}" --json --log-batches 5 >"$tmp/out.json" 2>"$tmp/err.txt" ||
  fail "training run failed: $(cat "$tmp/err.txt")"
[ "$(wc -l <"$tmp/out.json")" -eq 1 ] || fail "--json: stdout is not one line: $(cat "$tmp/out.json")"
grep -q "^epoch 1 batch 5/" "$tmp/err.txt" || fail "--log-batches 5 printed no batch line"
"$PY" - "$tmp/out.json" <<'EOF' || fail "bad JSON: $(cat "$tmp/out.json")"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("test_accuracy", "train_seconds", "epochs", "peak_rss_mb", "spikes_per_sample",
          "synops_per_sample", "seed", "arch", "encoding", "steps"):
    assert k in d, "missing key " + k
assert d["epochs"] == 4 and d["seed"] == 3 and d["steps"] == 6, d
assert d["encoding"] == "direct" and d["arch"] == "784-48-3", d
assert d["train_seconds"] > 0 and d["peak_rss_mb"] > 0, d
assert d["test_accuracy"] >= 85.0, "did not learn: %.2f%%" % d["test_accuracy"]
EOF

# ---- same seed -> identical result, also with another thread count
acc() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["test_accuracy"])' "$1"; }
"$MNIST" "${common[@]}" --json --threads 1 >"$tmp/t1.json" || fail "--threads 1 run failed"
[ "$(acc "$tmp/out.json")" = "$(acc "$tmp/t1.json")" ] ||
  fail "not reproducible: $(acc "$tmp/out.json") vs $(acc "$tmp/t1.json") (threads default vs 1)"

# ---- other encodings, losses and a small convolutional network run
"$MNIST" --data "$tmp/data" --arch 784-32-3 --encoding rate --loss count --steps 8 --epochs 1 \
  --batch 16 --quiet >/dev/null || fail "rate/count run failed"
"$MNIST" --data "$tmp/data" --arch 784-32-3 --encoding latency --loss mem-steps --steps 8 \
  --epochs 1 --batch 16 --quiet >/dev/null || fail "latency/mem-steps run failed"
"$MNIST" --data "$tmp/data" --arch 784-4c5-mp2-3 --steps 4 --epochs 1 --batch 16 --train-limit 64 \
  --quiet >/dev/null || fail "convolutional run failed"

# ---- --loss-png (only when gnuplot is installed)
is_png() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e47" ]; }
quick=(--data "$tmp/data" --arch 784-16-3 --steps 4 --epochs 1 --batch 16 --train-limit 64 --quiet)
if command -v gnuplot >/dev/null 2>&1; then
  "$MNIST" "${common[@]}" --epochs 2 --loss-png "$tmp/curve.png" >/dev/null ||
    fail "--loss-png run failed"
  is_png "$tmp/curve.png" || fail "--loss-png did not write a PNG"
  # a file name is not gnuplot code: gnuplot runs `commands` even in double-quoted strings
  name='c`touch BQ`.png'
  (cd "$tmp" && "$MNIST" "${quick[@]}" --loss-png "$name" >/dev/null 2>"$tmp/bq.err") ||
    fail "--loss-png with a backquote in the name failed: $(cat "$tmp/bq.err")"
  [ ! -e "$tmp/BQ" ] || fail "the --loss-png file name ran a command"
  is_png "$tmp/$name" || fail "--loss-png with a backquote in the name wrote no PNG under that name"
fi
# a stand-in gnuplot that fails after writing image bytes to its stdout (no gnuplot
# needed): an existing file is left as it was (it used to be emptied), nothing reaches
# stdout (the JSON line), and the message says that gnuplot failed
echo keep >"$tmp/keep.png"
rc=0
PATH="$(cd "$(dirname "$0")" && pwd)/lib/failing-gnuplot:$PATH" "$MNIST" "${quick[@]}" --json --loss-png "$tmp/keep.png" \
  >"$tmp/fg.json" 2>"$tmp/fg.err" || rc=$?
[ "$rc" -eq 1 ] || fail "failing gnuplot: exit $rc, want 1"
[ "$(cat "$tmp/keep.png")" = keep ] || fail "a failed --loss-png changed the existing file"
LC_ALL=C grep -q PNG "$tmp/fg.json" && fail "gnuplot's stdout reached mnist's stdout"
grep -q "gnuplot failed" "$tmp/fg.err" || fail "failing gnuplot: message $(cat "$tmp/fg.err")"

# ---- Ctrl-C: training stops, the weights reached are evaluated (exit 1), and --save is
# not overwritten with the partly trained network
cp "$tmp/keep.png" "$tmp/keep.snn"
"$MNIST" "${common[@]}" --epochs 100000 --log-batches 1 --save "$tmp/keep.snn" \
  >"$tmp/int.out" 2>"$tmp/int.err" &
pid=$!
for _ in $(seq 200); do
  grep -q "^epoch 1 batch 1/" "$tmp/int.out" 2>/dev/null && break
  sleep 0.05
done
grep -q "^epoch 1 batch 1/" "$tmp/int.out" || { kill "$pid"; fail "training did not start"; }
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 1 ] || fail "interrupted training exited $rc, want 1: $(cat "$tmp/int.err")"
grep -q "^test accuracy" "$tmp/int.out" || fail "interrupted training did not evaluate"
[ "$(cat "$tmp/keep.snn")" = keep ] || fail "interrupted training overwrote --save"
grep -q "not saved" "$tmp/int.err" || fail "interrupted training: no 'not saved' message"

# ---- --save / --load / --eval round trip: same predictions
"$MNIST" "${common[@]}" --epochs 1 --json --save "$tmp/model.snn" >"$tmp/s.json" ||
  fail "--save run failed"
[ -s "$tmp/model.snn" ] || fail "--save wrote nothing"
"$MNIST" --data "$tmp/data" --load "$tmp/model.snn" --eval --json --quiet >"$tmp/l.json" ||
  fail "--load --eval failed"
[ "$(acc "$tmp/s.json")" = "$(acc "$tmp/l.json")" ] ||
  fail "loaded model scores $(acc "$tmp/l.json") instead of $(acc "$tmp/s.json")"
expect_load() { "$MNIST" --data "$tmp/data" --load "$tmp/data/t10k-labels-idx1-ubyte" --eval >/dev/null 2>&1; }
rc=0; expect_load || rc=$?
[ "$rc" -eq 1 ] || fail "--load of a non-model file exited $rc, expected 1"

# ---- usage errors: exit 2 with a message
expect() { # expect CODE PATTERN ARGS...
  local code=$1 pat=$2 rc=0
  shift 2
  "$MNIST" "$@" >"$tmp/o.txt" 2>"$tmp/e.txt" || rc=$?
  [ "$rc" -eq "$code" ] || fail "mnist $* exited $rc, expected $code: $(cat "$tmp/e.txt")"
  grep -qi -- "$pat" "$tmp/e.txt" || fail "mnist $*: message lacks '$pat': $(cat "$tmp/e.txt")"
}
expect 2 "unknown option" --bogus
expect 2 "steps" --steps 0
expect 2 "steps" --steps abc
expect 2 "encoding" --encoding morse
expect 2 "loss" --loss hinge
expect 2 "beta" --beta 1.5
expect 2 "needs a value" --epochs
expect 2 "arch" --data "$tmp/data" --arch 784-x-3
expect 2 "unexpected argument" stray
for h in --help -h; do
  "$MNIST" $h >"$tmp/h.out" 2>"$tmp/h.err" || fail "$h exited non-zero: $(cat "$tmp/h.err")"
  grep -q "^usage: mnist" "$tmp/h.out" && [ ! -s "$tmp/h.err" ] || fail "$h: usage not on stdout"
done
# stdout that cannot be written: exit 1 with a message, not success
if [ -w /dev/full ]; then
  rc=0
  "$MNIST" "${quick[@]}" --json >/dev/full 2>"$tmp/e.txt" || rc=$?
  [ "$rc" -eq 1 ] || fail "mnist >/dev/full exited $rc, want 1"
  grep -q "cannot write standard output" "$tmp/e.txt" || fail ">/dev/full: no message"
  rc=0
  "$MNIST" --help >/dev/full 2>/dev/null || rc=$?
  [ "$rc" -eq 1 ] || fail "mnist --help >/dev/full exited $rc, want 1"
fi

# ---- examples/python/mnist.py takes bin/mnist's ranges: exit 2 with a message (needs NumPy;
# --epochs 0: an accepted value only evaluates the tiny test set)
PYNP=""
for p in /usr/bin/python3 "$PY"; do
  if [ -x "$p" ] && "$p" -c 'import numpy' 2>/dev/null; then PYNP=$p; break; fi
done
if [ -n "$PYNP" ]; then
  MNIST_PY="$(cd "$(dirname "$0")/../.." && pwd)/examples/python/mnist.py"
  if [ -e "$BIN/../lib/libsnn.so.0" ]; then export SNN_LIBRARY="$BIN/../lib/libsnn.so.0"; fi
  for bad in "--batch 0" "--hidden 0" "--train-limit -5" "--test-limit 0" "--shift -3" \
             "--shift 9" "--steps 0" "--beta 1" "--lr 0" "--lr-decay 0" "--slope -1" "--seed -1"; do
    rc=0
    # shellcheck disable=SC2086
    "$PYNP" "$MNIST_PY" --data "$tmp/data" --epochs 0 --quiet $bad >/dev/null 2>"$tmp/e.txt" || rc=$?
    [ "$rc" -eq 2 ] || fail "mnist.py $bad exited $rc, want 2"
    grep -q -- "error: ${bad% *}: expected" "$tmp/e.txt" || fail "mnist.py $bad: $(cat "$tmp/e.txt")"
  done
  "$PYNP" "$MNIST_PY" --data "$tmp/data" --arch 784-16-3 --epochs 1 --batch 16 --train-limit 64 \
    --test-limit 30 --json --quiet >"$tmp/py.json" 2>"$tmp/e.txt" || fail "mnist.py: $(cat "$tmp/e.txt")"
  grep -q '"train_samples": 64, "test_samples": 30' "$tmp/py.json" || fail "mnist.py: $(cat "$tmp/py.json")"
fi

# ---- runtime errors: exit 1 with a message
expect 1 "make data" --data "$tmp/nonexistent"
mkdir "$tmp/empty"
expect 1 "missing" --data "$tmp/empty"
head -c 100 "$tmp/data/t10k-images-idx3-ubyte" >"$tmp/empty/t10k-images-idx3-ubyte"
cp "$tmp/data/t10k-labels-idx1-ubyte" "$tmp/data/train-"* "$tmp/empty/"
expect 1 "cannot load" --data "$tmp/empty" --epochs 1
expect 1 "input size" --data "$tmp/data" --arch 100-10
echo "mnist example: ok"
