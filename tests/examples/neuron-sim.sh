#!/usr/bin/env bash
# Checks bin/neuron-sim: output format, analytic spike times, presets, traces,
# --list and the exit codes for bad names and usage. $BIN = the bin directory.
set -u
SIM="${BIN:?BIN must name the bin directory}/neuron-sim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# LIF, 400 pA: R I = 16 mV over 15 mV; first spike at 10 ln 16 = 27.73 ms ->
# step end 27.8; then every t_ref + 27.73 = 29.73 -> 29.8 ms steps at dt 0.1
out=$("$SIM" --model lif --dt 0.1 --duration 100 --step 0:100:400) || fail "lif run"
[ "$out" = "$(printf '27.8000\n57.6000\n87.4000')" ] || fail "lif spike times: $out"

# only spike times on stdout: every line has 4 decimals
"$SIM" --model izhikevich --preset ch_2003 --dt 0.1 --duration 200 --step 0:200:10 >"$tmp/ch.txt" ||
  fail "izhikevich run"
[ "$(wc -l <"$tmp/ch.txt")" -ge 15 ] || fail "chattering: too few spikes"
grep -vqE '^[0-9]+\.[0-9]{4}$' "$tmp/ch.txt" && fail "stdout has lines that are not spike times"

# steps add up and are active on [T0, T1): no input before 50 ms
out=$("$SIM" --model if --set t_ref=0 --dt 0.1 --duration 100 --step 50:100:300 --step 75:100:300)
first=$(echo "$out" | head -n 1)
awk -v t="$first" 'BEGIN { exit !(t > 50 && t < 64) }' || fail "IF first spike at $first"

# --set by name (also the enumerated reset), --init
"$SIM" --model lif --set reset=subtract --set t_ref=0 --dt 0.1 --duration 50 --step 0:50:500 >/dev/null ||
  fail "--set reset=subtract"
out=$("$SIM" --model lif --init V=-55.5 --dt 0.1 --duration 1 --step 0:1:5000)
[ "$(echo "$out" | head -n 1)" = "0.1000" ] || fail "--init V: $out"
out=$("$SIM" --model adex --preset tonic --init V=-70 --init w=0 --dt 0.1 --duration 100 --step 0:100:500)
[ "$(echo "$out" | wc -l)" -ge 8 ] || fail "adex tonic: $out"

# trace: header, one row per step plus the initial state
"$SIM" --model izhikevich --preset rs_2003 --dt 0.5 --duration 10 --step 0:10:10 --trace "$tmp/t.csv" >/dev/null ||
  fail "trace run"
[ "$(head -n 1 "$tmp/t.csv")" = "t,V,u" ] || fail "trace header: $(head -n 1 "$tmp/t.csv")"
[ "$(wc -l <"$tmp/t.csv")" -eq 22 ] || fail "trace rows: $(wc -l <"$tmp/t.csv")"
[ "$(sed -n 2p "$tmp/t.csv")" = "0.0000,-70,0" ] || fail "trace first row: $(sed -n 2p "$tmp/t.csv")"
"$SIM" --model adex --dt 1 --duration 2 --trace "$tmp/a.csv" >/dev/null
[ "$(head -n 1 "$tmp/a.csv")" = "t,V,w" ] || fail "adex trace header"

# --list: models, parameters with defaults and units, presets
list=$("$SIM" --list) || fail "--list"
for want in "model lif" "model adex" "Delta_T" "delayed_regular_bursting" "rs_2003" "pF"; do
  echo "$list" | grep -q -- "$want" || fail "--list lacks '$want'"
done

# unknown names: exit 2 with the valid names
expect2() { # expect2 WANT args...
  local want=$1
  shift
  err=$("$SIM" "$@" 2>&1 >/dev/null)
  rc=$?
  [ $rc -eq 2 ] || fail "exit $rc (want 2) for: $*"
  echo "$err" | grep -q -- "$want" || fail "message for '$*' lacks '$want': $err"
}
expect2 izhikevich --model hh --dt 0.1 --duration 1
expect2 delayed_accelerating --model adex --preset fast --dt 0.1 --duration 1
expect2 V_peak --model adex --set V_th=-50 --dt 0.1 --duration 1
expect2 subtract --model lif --set reset=half --dt 0.1 --duration 1
expect2 "u" --model izhikevich --init w=1 --dt 0.1 --duration 1
expect2 "dt" --model lif --duration 1
expect2 "step" --model lif --dt 0.1 --duration 1 --step 1:2
expect2 "unknown option" --model lif --dt 0.1 --duration 1 --bogus 1
expect2 "outside" --model lif --set g_L=-1 --dt 0.1 --duration 1
# more steps than the limit of 1e9 (1e19 overflowed the step count: nothing ran, exit 0)
expect2 "more than" --model lif --dt 1 --duration 1e19
expect2 "more than" --model lif --dt 1e-300 --duration 1e300

# --help: usage on stdout, exit 0
"$SIM" --help >"$tmp/h.out" 2>"$tmp/h.err" || fail "--help exited $?"
grep -q '^usage: neuron-sim' "$tmp/h.out" && [ ! -s "$tmp/h.err" ] || fail "--help not on stdout"
# stdout that cannot be written: exit 1 with a message, not 0
if [ -w /dev/full ]; then
  for args in "--model lif --dt 0.1 --duration 100 --step 0:100:400" "--list"; do
    # shellcheck disable=SC2086
    "$SIM" $args >/dev/full 2>"$tmp/full.err"
    rc=$?
    [ $rc -eq 1 ] || fail "neuron-sim $args >/dev/full exited $rc, want 1"
    grep -q "cannot write standard output" "$tmp/full.err" || fail ">/dev/full ($args): no message"
  done
fi
echo "neuron-sim: ok"
