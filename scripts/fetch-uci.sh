#!/usr/bin/env bash
# Fetches the UCI data sets used by SpikeProp (bin/spikeprop, bench/spikeprop):
# - Fisher's Iris and the Wisconsin diagnostic breast cancer data (WDBC), in the
#   CSV form scikit-learn ships (sklearn/datasets/data/iris.csv,
#   breast_cancer.csv), taken from Debian's python3-sklearn package with
#   `apt-get download` + `dpkg -x` (scripts/fetch-datasets.sh, scripts/deb-extract.sh);
# - the original Wisconsin breast cancer data (699 x 9, the set of Bohte et
#   al.'s table), from BreastCancer.rda in Debian's r-cran-mlbench (the same way,
#   scripts/deb-extract.sh),
#   converted without R by scripts/rda-breastcancer.py (python3) into
#   breast_cancer_original.csv;
# and checks the SHA-256 of every file it installs.
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

sum_of() { sha256sum "$1" | cut -d' ' -f1; }
verify() { # verify FILE SHA256 -> 0 when the file exists and matches
  [ -s "$1" ] && [ "$(sum_of "$1")" = "$2" ]
}

# SHA-256 of the CSV that scripts/rda-breastcancer.py writes from r-cran-mlbench
# 2.1-3 (683 rows after the 16 with a missing value; the content, not the .deb,
# is checked, so a rebuilt package with the same data passes)
ORIG=breast_cancer_original.csv
SUM_ORIG=979784258b4e3d1c9e3f0a0692b522b3d3da560d2d89ec8123e6ae1c0b7f6509

TMP=$(mktemp -d "${TMPDIR:-/tmp}/snn-uci.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok=1
for f in "${!SUM[@]}"; do verify "$DIR/$f" "${SUM[$f]}" || ok=0; done
if [ $ok = 1 ]; then
  echo "fetch-uci: $DIR holds iris.csv and breast_cancer.csv (SHA-256 verified)"
else
  bash "$HERE/fetch-datasets.sh" "$TMP/out" >&2 || die "extraction from python3-sklearn failed"
  mkdir -p "$DIR"
  for f in "${!SUM[@]}"; do
    if ! verify "$TMP/out/$f" "${SUM[$f]}"; then
      die "$f: SHA-256 $(sum_of "$TMP/out/$f") differs from the expected ${SUM[$f]} (a different scikit-learn version?); not installed"
    fi
    cp "$TMP/out/$f" "$DIR/$f"
    echo "fetch-uci: $DIR/$f (SHA-256 verified)"
  done
fi

if verify "$DIR/$ORIG" "$SUM_ORIG"; then
  echo "fetch-uci: $DIR holds $ORIG (SHA-256 verified)"
  exit 0
fi
command -v python3 >/dev/null 2>&1 || die "$ORIG needs python3 to convert R's BreastCancer.rda (run 'make deps' as root)"
DEB=$(bash "$HERE/deb-extract.sh" r-cran-mlbench "$TMP/mlbench") || die "cannot get r-cran-mlbench"
RDA=$(find "$TMP/mlbench" -path '*mlbench/data/BreastCancer.rda' -print -quit)
[ -n "$RDA" ] || die "BreastCancer.rda not found in $DEB"
python3 "$HERE/rda-breastcancer.py" "$RDA" "$TMP/$ORIG" || die "cannot convert $RDA"
verify "$TMP/$ORIG" "$SUM_ORIG" ||
  die "$ORIG: SHA-256 $(sum_of "$TMP/$ORIG") differs from the expected $SUM_ORIG (a different mlbench version?); not installed"
mkdir -p "$DIR"
cp "$TMP/$ORIG" "$DIR/$ORIG"
echo "fetch-uci: $DIR/$ORIG ($(($(wc -l < "$DIR/$ORIG") - 1)) samples; SHA-256 verified)"
