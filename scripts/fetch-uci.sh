#!/usr/bin/env bash
# Fetches the two UCI data sets used by SpikeProp (bin/spikeprop, bench/spikeprop):
# Fisher's Iris and the Wisconsin diagnostic breast cancer data, in the CSV form
# scikit-learn ships (sklearn/datasets/data/iris.csv, breast_cancer.csv), taken
# from Debian's python3-sklearn package with `apt-get download` + `dpkg -x`
# (scripts/fetch-datasets.sh does the extraction), and checks their SHA-256.
#   usage: bash scripts/fetch-uci.sh [DIR]      (default data/uci; `make data` runs it)
# Sources and licences: docs/spikeprop.md ("Data").
set -euo pipefail

DIR=${1:-data/uci}
HERE=$(cd "$(dirname "$0")" && pwd)
die() { echo "fetch-uci: $*" >&2; exit 1; }

# SHA-256 of the files in Debian's python3-sklearn (scikit-learn 1.x)
declare -A SUM=(
  [iris.csv]=f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449
  [breast_cancer.csv]=fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed
)

verify() { # verify FILE NAME -> 0 when the checksum matches
  [ -s "$1" ] || return 1
  [ "$(sha256sum "$1" | cut -d' ' -f1)" = "${SUM[$2]}" ]
}

ok=1
for f in "${!SUM[@]}"; do verify "$DIR/$f" "$f" || ok=0; done
if [ $ok = 1 ]; then
  echo "fetch-uci: $DIR holds iris.csv and breast_cancer.csv (SHA-256 verified)"
  exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/snn-uci.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
bash "$HERE/fetch-datasets.sh" "$TMP/out" >&2 || die "extraction from python3-sklearn failed"
mkdir -p "$DIR"
for f in "${!SUM[@]}"; do
  if ! verify "$TMP/out/$f" "$f"; then
    die "$f: SHA-256 $(sha256sum "$TMP/out/$f" | cut -d' ' -f1) differs from the expected ${SUM[$f]} (a different scikit-learn version?); not installed"
  fi
  cp "$TMP/out/$f" "$DIR/$f"
  echo "fetch-uci: $DIR/$f (SHA-256 verified)"
done
