#!/usr/bin/env bash
# scripts/deb-extract.sh (used by `make data`), without a network: a stand-in
# `apt-get` on PATH "downloads" a small package built here with dpkg-deb. The
# script must unpack it into DEST and print the .deb's name, and fail with
# exit status 1 and a message, leaving DEST without files, when the download
# fails, yields no .deb or yields a broken one, or the arguments are wrong.
# Needs dpkg-deb (Debian/Ubuntu); skipped without it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
X="$ROOT/scripts/deb-extract.sh"
fail() { echo "FAIL: $*"; exit 1; }
command -v dpkg-deb >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 ||
  { echo "deb-extract.sh: skipped (no dpkg-deb)"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/deb-x.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# a package snn-test-data 1.0 holding usr/share/snn-test/hello.csv
mkdir -p "$TMP/pkg/DEBIAN" "$TMP/pkg/usr/share/snn-test"
printf 'a,b\n1,2\n' > "$TMP/pkg/usr/share/snn-test/hello.csv"
cat > "$TMP/pkg/DEBIAN/control" <<'EOF'
Package: snn-test-data
Version: 1.0
Architecture: all
Maintainer: libsnn tests <tests@example.invalid>
Description: test package for tests/examples/deb-extract.sh
EOF
dpkg-deb --root-owner-group --build "$TMP/pkg" "$TMP/snn-test-data_1.0_all.deb" >/dev/null

# stand-in apt-get: MODE=ok copies the package into the working directory,
# fail exits 100, none succeeds without writing, broken writes garbage
mkdir -p "$TMP/bin"
cat > "$TMP/bin/apt-get" <<EOF
#!/bin/sh
[ "\$1" = download ] || exit 64
case "\$MODE" in
  ok) cp "$TMP/snn-test-data_1.0_all.deb" . ;;
  fail) echo "E: Unable to locate package \$2" >&2; exit 100 ;;
  none) ;;
  broken) echo "not a deb" > "\$2_1.0_all.deb" ;;
esac
EOF
chmod +x "$TMP/bin/apt-get"
run() { PATH="$TMP/bin:$PATH" MODE=$1 bash "$X" "${@:2}"; }

name=$(run ok snn-test-data "$TMP/out" 2>"$TMP/err") || { cat "$TMP/err"; fail "ok: exit status"; }
[ "$name" = snn-test-data_1.0_all.deb ] || fail "ok: printed '$name'"
cmp -s "$TMP/out/usr/share/snn-test/hello.csv" "$TMP/pkg/usr/share/snn-test/hello.csv" ||
  fail "ok: file not extracted"
[ ! -e "$TMP/out/DEBIAN" ] || fail "ok: control files extracted"

for mode in fail none broken; do
  rm -rf "$TMP/out2"
  set +e
  run $mode snn-test-data "$TMP/out2" >"$TMP/o" 2>"$TMP/err"
  st=$?
  set -e
  [ $st -eq 1 ] || fail "$mode: exit status $st, expected 1"
  grep -q '^deb-extract: ' "$TMP/err" || fail "$mode: no message"
  [ ! -s "$TMP/o" ] || fail "$mode: printed a name"
  [ -z "$(find "$TMP/out2" -type f 2>/dev/null)" ] || fail "$mode: left files in DEST"
done
grep -q "apt-get download snn-test-data' failed" <(run fail snn-test-data "$TMP/o3" 2>&1 || true) ||
  fail "fail: message does not name the step"

set +e
bash "$X" onlyone >/dev/null 2>&1; [ $? -eq 1 ] || fail "one argument: exit status"
bash "$X" -rf "$TMP/o4" >/dev/null 2>&1; [ $? -eq 1 ] || fail "option as package: exit status"
bash "$X" ../x "$TMP/o4" >/dev/null 2>&1; [ $? -eq 1 ] || fail "path as package: exit status"
set -e
echo "deb-extract.sh: ok"
