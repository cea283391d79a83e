#!/usr/bin/env bash
# `make demo` (after deps, data and build): trains bin/mnist's default recipe on
# data/mnist, evaluates it on the 10,000 test images and prints the final
# accuracy and the training time. Extra arguments go to bin/mnist, e.g.
#   bash scripts/demo.sh --epochs 1
# Environment: BIN (default ./bin), DATA (default data/mnist).
#
# OpenBLAS: nothing is changed by default. Debian's OpenBLAS 0.3.21 detects
# AMD Zen 3 correctly ("Zen"), but misdetects some newer Intel CPUs (family 6,
# model 207) as "Prescott" and then runs SGEMM ~4x slower; only there does this
# script set OPENBLAS_CORETYPE=SkylakeX (those CPUs have AVX-512). An
# OPENBLAS_CORETYPE already in the environment is always kept. OpenMP threads
# wait passively unless OMP_WAIT_POLICY is set (bin/mnist's default).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
DATA=${DATA:-data/mnist}

if [ ! -x "$BIN/mnist" ]; then
  echo "demo: $BIN/mnist is not built; run \`make all\` first" >&2
  exit 1
fi
if [ ! -f "$DATA/train-images-idx3-ubyte" ]; then
  echo "demo: MNIST not found in $DATA; run \`make data\` first" >&2
  exit 1
fi

if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
  vendor=$(awk -F': ' '/^vendor_id/ {print $2; exit}' /proc/cpuinfo)
  family=$(awk -F': ' '/^cpu family/ {print $2; exit}' /proc/cpuinfo)
  model=$(awk -F': ' '/^model[[:space:]]*:/ {print $2; exit}' /proc/cpuinfo)
  if [ "$vendor" = GenuineIntel ] && [ "$family" = 6 ] && [ "$model" = 207 ] &&
    grep -q -m1 '^flags.* avx512f' /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=SkylakeX
    echo "demo: OpenBLAS 0.3.21 misdetects this CPU (family 6 model 207): OPENBLAS_CORETYPE=SkylakeX"
  fi
fi

echo "demo: training the default recipe of bin/mnist on $DATA (bin/mnist --help lists the options)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Per-epoch lines and the progress bar go to stderr; stdout is the JSON line.
"$BIN/mnist" --data "$DATA" --json "$@" >"$out"
field() { grep -o "\"$1\":[^,}]*" "$out" | head -n 1 | cut -d: -f2; } # first value of a key
acc=$(field test_accuracy)
secs=$(field train_seconds)
cpu=$(field train_cpu_seconds)
epochs=$(field epochs)
rss=$(field peak_rss_mb)
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
echo
printf 'demo: test accuracy %.2f%% after %s epoch(s); training time %.1f s (CPU %.1f s); peak RSS %.0f MB; load average %s\n' \
  "$acc" "$epochs" "$secs" "$cpu" "$rss" "$load"
