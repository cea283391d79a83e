#!/usr/bin/env bash
# Checks bin/nir-run on every NIR fixture: --info shows the node kinds and
# shapes, 100 steps of seeded random input run with --json, the single-LIF
# experiment's spike steps from a CSV input, --record, and exit codes.
# $BIN = the bin directory. Skipped (exit 0) when libsnn was built without HDF5.
set -u
RUN="${BIN:?BIN must name the bin directory}/nir-run"
FIX="$(cd "$(dirname "$0")/../fixtures/nir" && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$RUN" --model "$FIX/lif_norse.nir" --info >"$tmp/probe.txt" 2>&1
if grep -q "without HDF5" "$tmp/probe.txt"; then echo "nir-run: built without HDF5, skipped"; exit 0; fi

# --info: node kinds and shapes of every fixture
info() { "$RUN" --model "$FIX/$1" --info --dt 1e-4 || fail "--info $1"; }
out=$(info lif_norse.nir)
echo "$out" | grep -qx 'node 0 Affine bias=\[0\] weight=\[1\]' || fail "lif_norse Affine: $out"
echo "$out" | grep -q '^node 1 LIF r=\[1\] tau=\[0.00249999994\]' || fail "lif_norse LIF: $out"
echo "$out" | grep -qx 'edge 1 -> output' || fail "lif_norse edge: $out"
echo "$out" | grep -qx 'layer 0 dense 1x1x1 neuron=lif' || fail "lif_norse layer: $out"
out=$(info two_lif_neurons.nir)
[ "$(echo "$out" | grep -c '^node .* LIF ')" -eq 2 ] || fail "two_lif: $out"
[ "$(echo "$out" | grep -c '^node .* Linear weight=\[1\]')" -eq 2 ] || fail "two_lif Linear: $out"
out=$(info cnn_sinabs.nir)
echo "$out" | grep -q '^node 0 Conv2d .*stride=\[2,2\] weight{16x2x5x5}' || fail "cnn conv: $out"
echo "$out" | grep -q '^node 1 IF r{16x16x16} v_threshold{16x16x16}' || fail "cnn IF: $out"
echo "$out" | grep -q '^node 4 SumPool2d kernel_size=\[2,2\]' || fail "cnn pool: $out"
echo "$out" | grep -q '^node 8 Flatten' || fail "cnn flatten: $out"
echo "$out" | grep -qx 'node input Input shape=\[2,34,34\]' || fail "cnn input: $out"
echo "$out" | grep -qx 'layer 2 pool2d 16x8x8 neuron=none' || fail "cnn layers: $out"
echo "$out" | grep -qx 'layer 6 dense 1x1x10 neuron=if' || fail "cnn last layer: $out"
out=$(info braille_noDelay_bias_zero.nir)
echo "$out" | grep -q '^node lif1.lif CubaLIF r{38} tau_mem{38} tau_syn{38}' || fail "braille CubaLIF: $out"
echo "$out" | grep -qx 'edge lif1.lif -> lif1.w_rec' || fail "braille recurrence: $out"
echo "$out" | grep -qx 'layer 0 dense 1x1x38 neuron=nir_cuba recurrent' || fail "braille layer: $out"
out=$(info braille_noDelay_bias_zero_subgraph.nir)
echo "$out" | grep -qx 'node lif1 NIRGraph' || fail "subgraph node: $out"
echo "$out" | grep -q '^node lif1.lif1 CubaLIF' || fail "subgraph CubaLIF: $out"
echo "$out" | grep -qx 'layer 0 dense 1x1x38 neuron=nir_cuba recurrent' || fail "subgraph layer: $out"
out=$(info new_nodes.nir)
echo "$out" | grep -qx 'node conv Conv1d bias{2} padding=1 weight{2x2x3}' || fail "new_nodes Conv1d: $out"
echo "$out" | grep -qx 'node thr Threshold theta=\[0.2\]' || fail "new_nodes Threshold: $out"
echo "$out" | grep -qx 'node sc Scale scale{2}' || fail "new_nodes Scale: $out"
echo "$out" | grep -qx 'node integ I r=\[1\]' || fail "new_nodes I: $out"
echo "$out" | grep -qx 'layer 0 conv2d 2x1x8 neuron=nir_threshold' || fail "new_nodes layer 0: $out"
echo "$out" | grep -qx 'layer 1 dense 1x1x2 neuron=nir_integrator' || fail "new_nodes layer 1: $out"
"$RUN" --model "$FIX/new_nodes.nir" --dt 1e-3 --steps 20 --seed 1 --json >"$tmp/new.json" || fail "run new_nodes"
grep -q '"n_inputs":16,"n_outputs":2' "$tmp/new.json" || fail "new_nodes sizes: $(cat "$tmp/new.json")"

# every fixture runs 100 steps of random input; JSON fields and output sizes
for f in lif_norse two_lif_neurons cnn_sinabs braille_noDelay_bias_zero braille_noDelay_bias_zero_subgraph; do
  dt=1e-4; [ "$f" = cnn_sinabs ] && dt=1
  "$RUN" --model "$FIX/$f.nir" --dt $dt --steps 100 --seed 3 --json >"$tmp/$f.json" || fail "run $f"
  grep -q '"steps":100' "$tmp/$f.json" || fail "$f: $(cat "$tmp/$f.json")"
  grep -q '"total_spikes":' "$tmp/$f.json" || fail "$f: no total_spikes"
done
grep -q '"n_outputs":10' "$tmp/cnn_sinabs.json" || fail "cnn outputs"
grep -q '"n_outputs":7' "$tmp/braille_noDelay_bias_zero.json" || fail "braille outputs"
# the flat and nested braille files are one network: identical results
a=$(sed 's/"model":"[^"]*",//' "$tmp/braille_noDelay_bias_zero.json")
b=$(sed 's/"model":"[^"]*",//' "$tmp/braille_noDelay_bias_zero_subgraph.json")
[ "$a" = "$b" ] || fail "flat and sub-graph braille differ"
# seeded: the same seed gives the same output, another seed another input
"$RUN" --model "$FIX/braille_noDelay_bias_zero.nir" --dt 1e-4 --steps 100 --seed 3 --json >"$tmp/again.json"
cmp -s "$tmp/again.json" "$tmp/braille_noDelay_bias_zero.json" || fail "not reproducible"

# the NIR paper's LIF experiment: input = first column of lif_norse.csv;
# spikes at steps 460 510 710 760 (as Norse and snnTorch), exact and Euler
cut -d, -f1 "$FIX/lif_norse.csv" >"$tmp/in.csv"
for mode in "" --euler; do
  out=$("$RUN" --model "$FIX/lif_norse.nir" --dt 1e-4 --input "$tmp/in.csv" --record "$tmp/rec.csv" --json $mode) ||
    fail "lif experiment $mode"
  echo "$out" | grep -q '"spike_counts":\[4\],"first_spike_step":\[460\]' || fail "lif experiment $mode: $out"
  [ "$(awk -F, 'NR > 1 && $2 == 1 { printf "%s ", $1 }' "$tmp/rec.csv")" = "460 510 710 760 " ] ||
    fail "lif spike steps $mode"
  [ "$(head -n 1 "$tmp/rec.csv")" = "step,out0,v0" ] || fail "record header"
  [ "$(wc -l <"$tmp/rec.csv")" -eq 1001 ] || fail "record rows"
done
# Euler reproduces Norse's voltage trace
paste -d, "$tmp/rec.csv" <(echo h; cat "$FIX/lif_norse.csv") |
  awk -F, 'NR > 1 { d = $3 - $5; if (d < 0) d = -d; if (d > m) m = d } END { exit !(m < 1e-6) }' ||
  fail "Euler trace differs from Norse"

# errors: usage 2, bad files 1 with a message
"$RUN" --model "$FIX/lif_norse.nir" --steps 10 >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing --dt not usage"
"$RUN" --model "$FIX/lif_norse.nir" --dt 1e-4 --steps 10 --input x.csv >/dev/null 2>&1; [ $? -eq 2 ] || fail "both inputs"
printf 'not hdf5\n' >"$tmp/bad.nir"
"$RUN" --model "$tmp/bad.nir" --dt 1e-4 --steps 10 2>"$tmp/err.txt"; [ $? -eq 1 ] || fail "bad file exit"
grep -q "not a readable HDF5 file" "$tmp/err.txt" || fail "bad file message: $(cat "$tmp/err.txt")"
head -c 5000 "$FIX/lif_norse.nir" >"$tmp/trunc.nir"
"$RUN" --model "$tmp/trunc.nir" --dt 1e-4 --steps 10 2>/dev/null; [ $? -eq 1 ] || fail "truncated file exit"
printf '1,2\n' >"$tmp/wide.csv"
"$RUN" --model "$FIX/lif_norse.nir" --dt 1e-4 --input "$tmp/wide.csv" 2>/dev/null; [ $? -eq 1 ] || fail "wide csv"
# a --record file that cannot be written: exit 1 with a message naming it
if [ -w /dev/full ]; then
  "$RUN" --model "$FIX/lif_norse.nir" --dt 1e-4 --steps 100 --record /dev/full >/dev/null 2>"$tmp/rec.err"
  [ $? -eq 1 ] || fail "--record /dev/full exit"
  grep -q "/dev/full" "$tmp/rec.err" || fail "--record /dev/full: no message naming it: $(cat "$tmp/rec.err")"
fi
"$RUN" --model "$FIX/lif_norse.nir" --dt 1e-4 --steps 10 --record "$tmp/nodir/r.csv" >/dev/null 2>"$tmp/rec.err"
[ $? -eq 1 ] || fail "--record into a missing directory exit"
grep -q "nodir/r.csv" "$tmp/rec.err" || fail "--record nodir: no message naming it"

# the model path is a JSON string: quotes and backslashes are escaped
qdir=$tmp/'q"d\ir'
mkdir "$qdir"
cp "$FIX/lif_norse.nir" "$qdir/m.nir"
"$RUN" --model "$qdir/m.nir" --dt 1e-4 --steps 10 --json >"$tmp/q.json" || fail "run from $qdir"
want='{"model":"'$tmp'/q\"d\\ir/m.nir","dt":'
grep -qF "$want" "$tmp/q.json" || fail "model path not escaped: $(cat "$tmp/q.json")"
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["model"] == sys.argv[2], d' \
    "$tmp/q.json" "$qdir/m.nir" || fail "--json is not valid JSON: $(cat "$tmp/q.json")"
fi

# --help: usage on stdout, exit 0; stdout that cannot be written: exit 1 with a message
"$RUN" --help >"$tmp/h.out" 2>"$tmp/h.err" || fail "--help exited $?"
grep -q '^usage: nir-run' "$tmp/h.out" && [ ! -s "$tmp/h.err" ] || fail "--help not on stdout"
if [ -w /dev/full ]; then
  for mode in --json --info; do
    "$RUN" --model "$FIX/lif_norse.nir" --dt 1e-4 --steps 10 $mode >/dev/full 2>"$tmp/full.err"
    rc=$?
    [ $rc -eq 1 ] || fail "nir-run $mode >/dev/full exited $rc, want 1"
    grep -q "cannot write standard output" "$tmp/full.err" || fail ">/dev/full ($mode): no message"
  done
fi
exit 0
