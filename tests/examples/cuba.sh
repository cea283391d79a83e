#!/usr/bin/env bash
# Checks bin/cuba: JSON keys and value ranges for a small CUBA and COBA run,
# determinism for a fixed seed, thread-count independence, the raster PNG
# (when gnuplot is installed) and usage errors. $BIN = the bin directory.
set -u
CUBA="${BIN:?BIN must name the bin directory}/cuba"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
num() { sed -n "s/.*\"$1\": \([-0-9.e+]*\).*/\1/p"; }

out=$("$CUBA" --neurons 2000 --duration 300 --seed 3 --json) || fail "cuba run"
for k in spikes rate_hz build_seconds sim_seconds cv_isi synapses bytes_per_synapse; do
  echo "$out" | grep -q "\"$k\": " || fail "missing key $k: $out"
done
rate=$(echo "$out" | num rate_hz)
cv=$(echo "$out" | num cv_isi)
syn=$(echo "$out" | num synapses)
bps=$(echo "$out" | num bytes_per_synapse)
# CUBA: a few Hz, irregular; ~80 inputs per neuron; 4 bytes + row offsets per synapse
awk -v r="$rate" 'BEGIN { exit !(r > 2 && r < 20) }' || fail "CUBA rate $rate Hz"
awk -v c="$cv" 'BEGIN { exit !(c > 0.1 && c < 2) }' || fail "CUBA CV(ISI) $cv"
awk -v s="$syn" 'BEGIN { exit !(s > 150000 && s < 170000) }' || fail "synapses $syn (expected ~160000)"
awk -v b="$bps" 'BEGIN { exit !(b >= 4 && b <= 4.5) }' || fail "bytes per synapse $bps"

# same seed -> same spikes; thread count does not matter
again=$("$CUBA" --neurons 2000 --duration 300 --seed 3 --json --threads 2) || fail "cuba rerun"
[ "$(echo "$again" | num spikes)" = "$(echo "$out" | num spikes)" ] || fail "spike count differs for the same seed"
other=$("$CUBA" --neurons 2000 --duration 300 --seed 4 --json) || fail "cuba seed 4"
# seeds a double cannot hold exactly are refused (1e30 used to run as seed 0)
"$CUBA" --neurons 1000 --duration 10 --seed 1e30 > /dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "--seed 1e30 exited $rc, want 2"
[ "$(echo "$other" | num spikes)" != "$(echo "$out" | num spikes)" ] || fail "seeds 3 and 4 gave the same count"

# COBA: self-sustained asynchronous irregular activity at 4000 neurons
out=$("$CUBA" --neurons 4000 --duration 200 --coba --json) || fail "coba run"
rate=$(echo "$out" | num rate_hz)
awk -v r="$rate" 'BEGIN { exit !(r > 5 && r < 40) }' || fail "COBA rate $rate Hz"
echo "$out" | grep -q '"model": "coba"' || fail "COBA model key"
# forward Euler variant: same network, close rate
eout=$("$CUBA" --neurons 4000 --duration 200 --coba --euler --json) || fail "coba --euler run"
echo "$eout" | grep -q '"model": "coba-euler"' || fail "COBA Euler model key"
erate=$(echo "$eout" | num rate_hz)
awk -v r="$rate" -v e="$erate" 'BEGIN { exit !(e > 0.7 * r && e < 1.3 * r) }' || fail "COBA Euler rate $erate vs $rate Hz"

# human-readable summary
"$CUBA" --neurons 500 --duration 50 | grep -q "^CUBA: 500 neurons" || fail "summary line"

# raster
is_png() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = "211PNG" ]; }
if command -v gnuplot >/dev/null 2>&1; then
  "$CUBA" --neurons 1000 --duration 100 --raster "$tmp/r.png" >/dev/null || fail "--raster"
  is_png "$tmp/r.png" || fail "raster is not a PNG"
  # a file name is not gnuplot code: quotes neither break the script nor run commands
  name="q.png'; system('touch PWNED'); set output 'x.png"
  (cd "$tmp" && "$CUBA" --neurons 100 --duration 10 --raster "$name" >/dev/null) ||
    fail "--raster with quotes in the name"
  [ ! -e "$tmp/PWNED" ] || fail "the --raster file name ran a command"
  is_png "$tmp/$name" || fail "--raster with quotes in the name wrote no PNG under that name"
  "$CUBA" --neurons 100 --duration 10 --raster "$tmp/it's.png" >/dev/null || fail "--raster it's.png"
  is_png "$tmp/it's.png" || fail "--raster it's.png is not a PNG"
  # gnuplot cannot open the file: exit 1, and stdout holds the JSON line only (gnuplot used
  # to fall back to writing the image to its stdout, which was cuba's)
  "$CUBA" --neurons 100 --duration 10 --json --raster "$tmp/nodir/r.png" >"$tmp/nd.json" 2>"$tmp/nd.err"
  rc=$?
  [ "$rc" -eq 1 ] || fail "--raster into a missing directory exited $rc, want 1"
  LC_ALL=C grep -q PNG "$tmp/nd.json" && fail "--raster put image bytes on stdout"
  grep -q "nodir/r.png" "$tmp/nd.err" || fail "--raster error does not name the file: $(cat "$tmp/nd.err")"
fi
# the same with a stand-in gnuplot that fails after writing image bytes to its stdout (no
# gnuplot needed): nothing on cuba's stdout but the JSON line, a message that says gnuplot
# failed, and an existing file left as it was
echo keep >"$tmp/keep.png"
PATH="$(cd "$(dirname "$0")" && pwd)/lib/failing-gnuplot:$PATH" "$CUBA" --neurons 100 --duration 10 --json --raster "$tmp/keep.png" \
  >"$tmp/fg.json" 2>"$tmp/fg.err"
rc=$?
[ "$rc" -eq 1 ] || fail "failing gnuplot: exit $rc, want 1"
LC_ALL=C grep -q PNG "$tmp/fg.json" && fail "gnuplot's stdout reached cuba's stdout"
grep -q '"model": "cuba"' "$tmp/fg.json" || fail "failing gnuplot: no JSON line"
grep -q "gnuplot failed" "$tmp/fg.err" || fail "failing gnuplot: message $(cat "$tmp/fg.err")"
[ "$(cat "$tmp/keep.png")" = keep ] || fail "a failed --raster changed the existing file"

# --help: usage on stdout, exit 0
"$CUBA" --help >"$tmp/h.out" 2>"$tmp/h.err" || fail "--help exited $?"
grep -q '^usage: cuba' "$tmp/h.out" || fail "--help printed no usage on stdout"
[ ! -s "$tmp/h.err" ] || fail "--help wrote to stderr"
# stdout that cannot be written: exit 1 with a message, not 0
if [ -w /dev/full ]; then
  "$CUBA" --neurons 100 --duration 10 --json >/dev/full 2>"$tmp/full.err"
  rc=$?
  [ "$rc" -eq 1 ] || fail "cuba >/dev/full exited $rc, want 1"
  grep -q "cannot write standard output" "$tmp/full.err" || fail ">/dev/full: no message"
fi

# usage errors exit 2
"$CUBA" --duration 10 2>/dev/null; [ $? -eq 2 ] || fail "missing --neurons not exit 2"
"$CUBA" --neurons 5 --duration 10 2>/dev/null; [ $? -eq 2 ] || fail "--neurons 5 not exit 2"
"$CUBA" --neurons 100 --duration -1 2>/dev/null; [ $? -eq 2 ] || fail "negative duration not exit 2"
"$CUBA" --neurons 100 --duration 10 --bogus 2>/dev/null; [ $? -eq 2 ] || fail "unknown option not exit 2"
"$CUBA" --neurons 100 --duration 10 --euler 2>/dev/null; [ $? -eq 2 ] || fail "--euler without --coba not exit 2"
echo "cuba: ok"
