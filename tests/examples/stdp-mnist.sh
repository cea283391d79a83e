#!/usr/bin/env bash
# Quick test of bin/stdp-mnist on a tiny synthetic IDX dataset (3 separable
# patterns, 28x28, 150 training and 60 test images): trains, labels, prints
# valid JSON with the documented fields, is deterministic for a seed, saves
# the learner in one model file and reloads it to the same accuracy (--load
# --epochs 0), continues training from it, draws the weights with gnuplot when it is
# installed, rejects bad arguments (exit 2) and missing data (exit 1).
# Run by `make test-examples` with $BIN = the bin directory. Takes a few seconds.
set -euo pipefail
BIN=${BIN:-$(cd "$(dirname "$0")/../.." && pwd)/bin}
PROG="$BIN/stdp-mnist"
[ -x "$PROG" ] || { echo "stdp-mnist.sh: $PROG not built"; exit 1; }
PY=$(command -v python3 || true)
[ -n "$PY" ] || { echo "stdp-mnist.sh: python3 is needed to generate the test data"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$PY" "$(dirname "$0")/lib/make_idx.py" "$tmp/data" 11 6 9 0 150 60

args=(--neurons 12 --train-limit 150 --label-limit 60 --test-limit 60 --data "$tmp/data" --seed 3)
"$PROG" "${args[@]}" --json --quiet --save "$tmp/model.snn" > "$tmp/out1" 2> "$tmp/err1" \
  || { cat "$tmp/err1"; fail "run 1 exited non-zero"; }
"$PROG" "${args[@]}" --json --quiet > "$tmp/out2" 2>/dev/null || fail "run 2 exited non-zero"
[ ! -s "$tmp/err1" ] || { cat "$tmp/err1"; fail "stderr not empty with --quiet and no TTY"; }
"$PY" - "$tmp/out1" "$tmp/out2" <<'PYEOF' || fail "JSON check"
import json, sys
lines = [open(p).read().strip().splitlines()[-1] for p in sys.argv[1:3]]
a, b = (json.loads(l) for l in lines)
for k in ("test_accuracy", "train_seconds", "neurons", "epochs", "examples"):
    assert k in a, k
assert a["neurons"] == 12 and a["epochs"] == 1 and a["examples"] == 150, a
assert a["test_accuracy"] >= 0.8, a
assert a["test_accuracy"] == b["test_accuracy"], (a, b)  # deterministic for a seed
PYEOF
[ -s "$tmp/model.snn" ] || fail "--save wrote no model"
[ ! -e "$tmp/model.snn.stdp" ] || fail "--save wrote a side file"
head -c 8 "$tmp/model.snn" | grep -q SNNMODEL || fail "--save did not write a model file"
# reload: the same labels and test accuracy as the run that saved it
"$PROG" "${args[@]}" --epochs 0 --load "$tmp/model.snn" --json --quiet > "$tmp/out3" 2>"$tmp/err3" \
  || { cat "$tmp/err3"; fail "--load --epochs 0 exited non-zero"; }
"$PY" - "$tmp/out1" "$tmp/out3" <<'PYEOF' || fail "reloaded model differs"
import json, sys
a, b = (json.loads(open(p).read().strip().splitlines()[-1]) for p in sys.argv[1:3])
assert b["neurons"] == 12 and b["epochs"] == 0, b
assert a["test_accuracy"] == b["test_accuracy"], (a, b)
assert a["seed"] == 3 and b["seed"] is None, (a, b)  # --load: the file's options apply
assert a["t_infer_ms"] == 350 and b["t_infer_ms"] == 350, (a, b)  # default: t_present
PYEOF
# a model saved with another inference time carries it: --load reports and uses it,
# --t-infer overrides it
"$PROG" "${args[@]}" --epochs 0 --load "$tmp/model.snn" --t-infer 500 --save "$tmp/m500.snn" \
  --json --quiet > "$tmp/out3b" 2>/dev/null || fail "--t-infer 500 --save exited non-zero"
"$PROG" "${args[@]}" --epochs 0 --load "$tmp/m500.snn" --json --quiet > "$tmp/out3c" 2>/dev/null \
  || fail "--load of the 500 ms model exited non-zero"
"$PROG" "${args[@]}" --epochs 0 --load "$tmp/m500.snn" --t-infer 350 --json --quiet \
  > "$tmp/out3d" 2>/dev/null || fail "--load --t-infer 350 exited non-zero"
"$PY" - "$tmp/out3" "$tmp/out3b" "$tmp/out3c" "$tmp/out3d" <<'PYEOF' || fail "t_infer_ms"
import json, sys
a, b, c, d = (json.loads(open(p).read().strip().splitlines()[-1]) for p in sys.argv[1:5])
assert b["t_infer_ms"] == 500 and c["t_infer_ms"] == 500 and d["t_infer_ms"] == 350, (b, c, d)
assert b["test_accuracy"] == c["test_accuracy"], (b, c)  # the file's 500 ms is what runs
assert d["test_accuracy"] == a["test_accuracy"], (a, d)  # back at 350 ms: the first figure
PYEOF
# and training continues from it (one more epoch, saved again over the file)
"$PROG" "${args[@]}" --load "$tmp/model.snn" --save "$tmp/model.snn" --json --quiet > "$tmp/out4" \
  2>/dev/null || fail "--load with training exited non-zero"
"$PROG" --neurons 12 --data "$tmp/data" --epochs 0 --load "$tmp/nowhere.snn" > /dev/null 2>&1 \
  && fail "--load of a missing file should fail"
# --validate: accuracy on training images 100..149 (labelled on 0..49), test set unused
"$PROG" "${args[@]/#60/50}" --validate 100 --json --quiet > "$tmp/out5" 2>/dev/null \
  || fail "--validate exited non-zero"
"$PY" - "$tmp/out5" <<'PYEOF' || fail "--validate JSON"
import json, sys
a = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert a["test_accuracy"] is None and a["validate_from"] == 100, a
assert a["test_examples"] == 50 and a["validation_accuracy"] >= 0.8, a
PYEOF
# label limit: by default all training images, with --validate only those before FROM
"$PROG" --neurons 12 --train-limit 40 --test-limit 20 --data "$tmp/data" --seed 3 --json --quiet \
  > "$tmp/out6" 2>/dev/null || fail "default label limit run exited non-zero"
"$PROG" --neurons 12 --train-limit 40 --test-limit 20 --data "$tmp/data" --seed 3 --validate 100 \
  --json --quiet > "$tmp/out7" 2>/dev/null || fail "--validate with the default label limit"
"$PY" - "$tmp/out6" "$tmp/out7" <<'PYEOF' || fail "default label limit"
import json, sys
a, b = (json.loads(open(p).read().strip().splitlines()[-1]) for p in sys.argv[1:3])
assert a["label_examples"] == 150, a   # all training images
assert b["label_examples"] == 100, b   # images 0..99, before the validation images
PYEOF
is_png() { head -c 8 "$1" | od -An -c | grep -q 'P   N   G'; }
small=(--neurons 4 --train-limit 20 --label-limit 20 --test-limit 10 --data "$tmp/data" --quiet)
if command -v gnuplot >/dev/null 2>&1; then
  "$PROG" "${args[@]}" --quiet --weights-png "$tmp/w.png" > /dev/null || fail "--weights-png"
  is_png "$tmp/w.png" || fail "--weights-png is not a PNG"
  # a file name is not gnuplot code: quotes neither break the script nor run commands
  name="w.png'; system('touch PWNED'); set output 'x.png"
  (cd "$tmp" && "$PROG" "${small[@]}" --weights-png "$name" > /dev/null) ||
    fail "--weights-png with quotes in the name"
  [ ! -e "$tmp/PWNED" ] || fail "the --weights-png file name ran a command"
  is_png "$tmp/$name" || fail "--weights-png with quotes in the name wrote no PNG under that name"
  "$PROG" "${small[@]}" --weights-png "$tmp/it's.png" > /dev/null || fail "--weights-png it's.png"
  is_png "$tmp/it's.png" || fail "--weights-png it's.png is not a PNG"
  # gnuplot cannot open the file: exit 1, no image bytes on stdout (gnuplot used to fall
  # back to its stdout, which was stdp-mnist's)
  set +e
  "$PROG" "${small[@]}" --json --weights-png "$tmp/nodir/w.png" > "$tmp/nd.out" 2> "$tmp/nd.err"
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "--weights-png into a missing directory exited $rc, want 1"
  LC_ALL=C grep -q PNG "$tmp/nd.out" && fail "--weights-png put image bytes on stdout"
  grep -q "nodir/w.png" "$tmp/nd.err" || fail "--weights-png error does not name the file"
fi
# a stand-in gnuplot that fails after writing image bytes to its stdout (no gnuplot
# needed): nothing reaches stdout, the message says that gnuplot failed (not that it is
# missing), an existing file stays as it was; without gnuplot in PATH: "not found"
mkdir "$tmp/nogp"
echo keep > "$tmp/keep.png"
set +e
PATH="$(cd "$(dirname "$0")" && pwd)/lib/failing-gnuplot:$PATH" "$PROG" "${small[@]}" --json --weights-png "$tmp/keep.png" \
  > "$tmp/fg.out" 2> "$tmp/fg.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "failing gnuplot: exit $rc, want 1"
LC_ALL=C grep -q PNG "$tmp/fg.out" && fail "gnuplot's stdout reached stdp-mnist's stdout"
grep -q "gnuplot failed" "$tmp/fg.err" || fail "failing gnuplot: message $(cat "$tmp/fg.err")"
grep -qi "install" "$tmp/fg.err" && fail "failing gnuplot: told to install it: $(cat "$tmp/fg.err")"
[ "$(cat "$tmp/keep.png")" = keep ] || fail "a failed --weights-png changed the existing file"
set +e
PATH="$tmp/nogp" "$PROG" "${small[@]}" --weights-png "$tmp/w2.png" > /dev/null 2> "$tmp/ng.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "no gnuplot: exit $rc, want 1"
grep -q "gnuplot not found" "$tmp/ng.err" || fail "no gnuplot: message $(cat "$tmp/ng.err")"
# --help on stdout, exit 0; stdout that cannot be written: exit 1 with a message
"$PROG" --help > "$tmp/h.out" 2> "$tmp/h.err" || fail "--help exited non-zero"
grep -q '^usage: stdp-mnist' "$tmp/h.out" && [ ! -s "$tmp/h.err" ] || fail "--help not on stdout"
if [ -w /dev/full ]; then
  set +e
  "$PROG" "${small[@]}" --json > /dev/full 2> "$tmp/full.err"
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "stdp-mnist > /dev/full exited $rc, want 1"
  grep -q "cannot write standard output" "$tmp/full.err" || fail "> /dev/full: no message"
fi
set +e
"$PROG" --neurons x > /dev/null 2>&1; [ $? -eq 2 ] || fail "bad --neurons should exit 2"
"$PROG" --bogus > /dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option should exit 2"
"$PROG" "${args[@]}" --validate 150 > /dev/null 2>&1; [ $? -eq 2 ] || fail "--validate past the end should exit 2"
"$PROG" "${args[@]/#60/120}" --validate 100 > /dev/null 2>"$tmp/err8"; [ $? -eq 2 ] ||
  fail "--label-limit over the validation images should exit 2"
grep -q 'validation images' "$tmp/err8" || fail "no message for --label-limit over --validate"
# --label-limit 0 is the default ("all", with --validate: the images before it), given or not
"$PROG" "${args[@]/#60/0}" --validate 100 > /dev/null 2>&1; [ $? -eq 0 ] ||
  fail "--label-limit 0 with --validate should run as without the flag"
"$PROG" --tau-theta -1 > /dev/null 2>&1; [ $? -eq 2 ] || fail "bad --tau-theta should exit 2"
"$PROG" --data "$tmp/nowhere" > /dev/null 2>&1; [ $? -eq 1 ] || fail "missing data should exit 1"
set -e
echo "stdp-mnist.sh: ok"
