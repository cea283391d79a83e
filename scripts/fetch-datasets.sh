#!/usr/bin/env bash
# Extracts scikit-learn's bundled iris.csv and breast_cancer.csv into DIR
# (default data/) from Debian's python3-sklearn package, without installing it:
#   apt-get download python3-sklearn && dpkg -x python3-sklearn_*.deb
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

command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 ||
  die "needs apt-get and dpkg (Debian/Ubuntu); or copy iris.csv and breast_cancer.csv from any scikit-learn installation (sklearn/datasets/data/) into $DIR"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/snn-sklearn.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP" # lets apt-get download as the _apt user
echo "fetch-datasets: downloading python3-sklearn with apt-get download ..."
(cd "$TMP" && apt-get download python3-sklearn >/dev/null) ||
  die "'apt-get download python3-sklearn' failed; run 'apt-get update' (as root) and retry"
DEB=$(ls "$TMP"/python3-sklearn_*.deb 2>/dev/null | head -n 1)
[ -n "$DEB" ] || die "apt-get download produced no .deb"
dpkg -x "$DEB" "$TMP/x" || die "cannot extract $DEB"

mkdir -p "$DIR"
for f in $FILES; do
  src=$(find "$TMP/x" -path "*sklearn/datasets/data/$f" -print -quit)
  [ -n "$src" ] || die "$f not found in $(basename "$DEB")"
  cp "$src" "$DIR/$f"
  echo "fetch-datasets: $DIR/$f ($(wc -l < "$DIR/$f") lines; first: $(head -n 1 "$DIR/$f" | tr -d '\r'))"
done
