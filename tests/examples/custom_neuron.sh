#!/usr/bin/env bash
# Checks bin/custom_neuron (a QIF neuron through snn_neuron_ops): more input,
# more spikes; no input, no spikes; output format "neuron time".
set -u
EX="${BIN:?BIN must name the bin directory}/custom_neuron"
fail() { echo "FAIL: $*"; exit 1; }
out=$("$EX") || fail "run"
grep -vqE '^[0-2] [0-9]+\.[0-9]{4}$' <<<"$out" && fail "bad line in output"
n0=$(grep -c '^0 ' <<<"$out"); n1=$(grep -c '^1 ' <<<"$out"); n2=$(grep -c '^2 ' <<<"$out")
[ "$n0" -ge 2 ] && [ "$n0" -lt "$n1" ] && [ "$n1" -lt "$n2" ] || fail "counts $n0 $n1 $n2"
[ -z "$("$EX" 0 0 0)" ] || fail "spikes without input"
"$EX" 1 2 >/dev/null 2>&1 && fail "bad usage accepted"
echo "custom_neuron: ok"
