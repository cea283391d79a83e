#!/usr/bin/env bash
# Regenerates docs/figures/<kind>-<preset>.png: the membrane trace of every
# neuron-model preset under its published step current, made from
# `neuron-sim --trace` output with gnuplot (apt-get install gnuplot-nox).
#
#   usage: scripts/plot-presets.sh [BIN_DIR] [OUT_DIR]
#   (defaults: bin, docs/figures; build bin/neuron-sim first: make examples)
#
# Each figure: V (mV) on the left axis, the recovery/adaptation variable
# (u or w, pA) on the right axis, spikes drawn as bars up to the cut-off.
# The current is switched on at t = 10 ms. dt = 0.1 ms.
set -eu
BIN=${1:-bin}
OUT=${2:-docs/figures}
SIM="$BIN/neuron-sim"
[ -x "$SIM" ] || { echo "plot-presets: $SIM not found (make examples)" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "plot-presets: gnuplot not found" >&2; exit 1; }
# the paths go into gnuplot's single-quoted strings, where ' ends the string
# and a name could run commands: refuse such names rather than quote them
case "$OUT${TMPDIR:-}" in *\'*|*\`*) echo "plot-presets: refusing a path with ' or \`: $OUT" >&2; exit 2 ;; esac
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# kind preset current_pA duration_ms spike_bar_top_mV
cat >"$tmp/list" <<'LIST'
lif default 400 200 0
lif normalized 1.5 200 1.2
if default 300 200 0
izhikevich rs_2007 70 500 35
izhikevich rs_2003 10 300 30
izhikevich ib_2003 10 300 30
izhikevich ch_2003 10 300 30
izhikevich fs_2003 10 300 30
izhikevich lts_2003 10 300 30
adex bg2005 1000 300 20
adex tonic 500 500 0
adex adapting 500 500 0
adex initial_burst 400 500 0
adex regular_bursting 210 500 0
adex delayed_accelerating 300 500 0
adex delayed_regular_bursting 110 500 0
adex transient 180 500 0
adex irregular 160 500 0
LIST

while read -r kind preset amp dur top; do
  csv="$tmp/$kind-$preset.csv"
  spk="$tmp/$kind-$preset.spk"
  "$SIM" --model "$kind" --preset "$preset" --dt 0.1 --duration "$dur" \
    --step "10:$dur:$amp" --trace "$csv" >"$spk"
  second=$(head -n 1 "$csv" | cut -d, -f3)
  # spike bars: from V in the step before the spike up to the cut-off
  awk -F, -v top="$top" 'NR == FNR { want[sprintf("%.4f", $1)] = 1; next }
       FNR > 1 { if ($1 in want) printf "%s,%s\n%s,%s\n\n", $1, prev, $1, top; prev = $2 }
       ' "$spk" "$csv" >"$tmp/bars"
  png="$OUT/$kind-$preset.png"
  {
    echo "set terminal pngcairo size 640,300 font 'sans,9'"
    echo "set output '$png'"
    echo "set datafile separator ','"
    echo "set key off"
    echo "set title noenhanced '$kind / $preset, I = $amp pA from t = 10 ms ($(wc -l <"$spk") spikes)'"
    echo "set xlabel 't (ms)'"
    echo "set ylabel 'V (mV)'"
    echo "set xrange [0:$dur]"
    if [ -n "$second" ]; then
      echo "set y2label '$second (pA)'"
      echo "set y2tics"
      echo "set ytics nomirror"
      echo "plot '$csv' every ::1 using 1:2 with lines lw 1 lc rgb '#1f4e9c', \\"
      echo "     '$tmp/bars' using 1:2 with lines lw 1 lc rgb '#1f4e9c', \\"
      echo "     '$csv' every ::1 using 1:3 axes x1y2 with lines lw 1 lc rgb '#d95f02'"
    else
      echo "plot '$csv' every ::1 using 1:2 with lines lw 1 lc rgb '#1f4e9c', \\"
      echo "     '$tmp/bars' using 1:2 with lines lw 1 lc rgb '#1f4e9c'"
    fi
  } >"$tmp/plot.gp"
  gnuplot "$tmp/plot.gp"
  echo "wrote $png"
done <"$tmp/list"
