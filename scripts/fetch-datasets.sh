#!/usr/bin/env bash
# Extracts scikit-learn's bundled iris.csv and breast_cancer.csv into DIR
# (default data/) from Debian's python3-sklearn package, without installing it:
#   apt-get download python3-sklearn && dpkg -x python3-sklearn_*.deb
# (scripts/deb-extract.sh).
#   usage: bash scripts/fetch-datasets.sh [DIR]
# The files start with a line "n_samples,n_features,class names..." and have
# the integer label in the last column: load them with
#   snn_dataset_load_csv(&d, "data/iris.csv", -1, 1).
set -euo pipefail

DIR=${1:-data}
FILES="iris.csv breast_cancer.csv"
die() { echo "fetch-datasets: $*" >&2; exit 1; }

have_all() {
  for f in $FILES; do [ -s "$DIR/$f" ] || return 1; done
}
if have_all; then
  echo "fetch-datasets: $DIR already holds $FILES"
  exit 0
fi

HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/snn-sklearn.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
DEB=$(bash "$HERE/deb-extract.sh" python3-sklearn "$TMP/x") ||
  die "cannot get python3-sklearn; or copy iris.csv and breast_cancer.csv from any scikit-learn installation (sklearn/datasets/data/) into $DIR"

mkdir -p "$DIR"
for f in $FILES; do
  src=$(find "$TMP/x" -path "*sklearn/datasets/data/$f" -print -quit)
  [ -n "$src" ] || die "$f not found in $DEB"
  cp "$src" "$DIR/$f"
  echo "fetch-datasets: $DIR/$f ($(wc -l < "$DIR/$f") lines; first: $(head -n 1 "$DIR/$f" | tr -d '\r'))"
done
