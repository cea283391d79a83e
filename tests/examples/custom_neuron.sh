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
# --help: usage on stdout, exit 0; stdout that cannot be written: exit 1 with a message
out=$("$EX" --help 2>&1 >/dev/null) && [ -z "$out" ] || fail "--help: exit status or stderr '$out'"
"$EX" --help | grep -q '^usage: custom_neuron' || fail "--help printed no usage on stdout"
if [ -w /dev/full ]; then
  err=$("$EX" 2>&1 >/dev/full)
  rc=$?
  [ $rc -eq 1 ] || fail "custom_neuron >/dev/full exited $rc, want 1"
  grep -q "cannot write standard output" <<<"$err" || fail ">/dev/full: no message"
fi
echo "custom_neuron: ok"
