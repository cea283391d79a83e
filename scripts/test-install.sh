#!/usr/bin/env bash
# Install test: install into a temporary DESTDIR with PREFIX=/usr, build the
# consumer programs out of tree with nothing but pkg-config (shared and static,
# C and C++17), run them, then check that uninstall removes exactly what install put there.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-cc}
CXX=${CXX:-c++}
MAKE=${MAKE:-make}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/root"
work="$tmp/work"
mkdir -p "$dest" "$work"

"$MAKE" -s -C "$top" install DESTDIR="$dest" PREFIX=/usr >/dev/null
for f in usr/include/snn.h usr/lib/libsnn.a usr/lib/libsnn.so usr/lib/libsnn.so.0 usr/lib/pkgconfig/snn.pc; do
  [ -e "$dest/$f" ] || { echo "install test: $f missing" >&2; exit 1; }
done
[ -L "$dest/usr/lib/libsnn.so" ] && [ -L "$dest/usr/lib/libsnn.so.0" ] || { echo "install test: links missing" >&2; exit 1; }
grep -q '^prefix=/usr$' "$dest/usr/lib/pkgconfig/snn.pc" || { echo "install test: snn.pc prefix is not /usr" >&2; exit 1; }
if grep -q "$dest" "$dest/usr/lib/pkgconfig/snn.pc"; then echo "install test: DESTDIR leaked into snn.pc" >&2; exit 1; fi

export PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_PATH="$dest/usr/lib/pkgconfig" PKG_CONFIG_LIBDIR="$dest/usr/lib/pkgconfig"
cp "$top/examples/consumer.c" "$top/examples/consumer.cpp" "$work/"
cd "$work"
cflags=$(pkg-config --cflags snn)
libs=$(pkg-config --libs snn)
[ "$(pkg-config --modversion snn)" = "$(sed -n 's/^#define SNN_VERSION_STRING "\(.*\)"/\1/p' "$top/include/snn.h")" ] \
  || { echo "install test: pkg-config version differs from the header" >&2; exit 1; }
# shared
$CC -std=c11 -Wall -Wextra -Werror consumer.c $cflags $libs -o consumer_c
$CXX -std=c++17 -Wall -Wextra -Werror consumer.cpp $cflags $libs -o consumer_cxx
LD_LIBRARY_PATH="$dest/usr/lib" ./consumer_c
LD_LIBRARY_PATH="$dest/usr/lib" ./consumer_cxx
# the shared consumer really uses the installed soname
# (ldd's output is captured first: with pipefail, `ldd | grep -q` fails at random
# when grep exits on its match before ldd has written the rest -- SIGPIPE)
deps=$(LD_LIBRARY_PATH="$dest/usr/lib" ldd ./consumer_c)
grep -q "$dest/usr/lib/libsnn.so.0" <<<"$deps" \
  || { echo "install test: consumer_c is not linked against the installed libsnn.so.0" >&2; exit 1; }
# static: the archive plus Libs.private from pkg-config --static
slibs=$(pkg-config --libs --static snn | sed 's/-lsnn\b/-l:libsnn.a/')
$CC -std=c11 -Wall -Wextra -Werror consumer.c $cflags $slibs -o consumer_c_static
$CXX -std=c++17 -Wall -Wextra -Werror consumer.cpp $cflags $slibs -o consumer_cxx_static
deps=$(ldd ./consumer_c_static)
if grep -q libsnn <<<"$deps"; then echo "install test: static consumer links libsnn.so" >&2; exit 1; fi
./consumer_c_static
./consumer_cxx_static

# the Python binding against the installed library (issue #10), when python3 has NumPy
py=${PYTHON:-/usr/bin/python3}
if [ -x "$py" ] && "$py" -c 'import numpy' 2>/dev/null; then
  SNN_LIBRARY="$dest/usr/lib/libsnn.so.0" LD_LIBRARY_PATH="$dest/usr/lib" \
    "$py" -m unittest discover -s "$top/bindings/python/tests" -t "$top/bindings/python" -q 2>&1 | tail -n 3
  SNN_LIBRARY="$dest/usr/lib/libsnn.so.0" "$py" -c "
import sys; sys.path.insert(0, '$top/bindings/python'); import snn
assert snn.library._name == '$dest/usr/lib/libsnn.so.0', snn.library._name
print('install test: Python binding loaded the installed', snn.version())"
fi

cd "$top"
"$MAKE" -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null
left=$(find "$dest" -type f -o -type l)
[ -z "$left" ] || { echo "install test: uninstall left files behind:" >&2; echo "$left" >&2; exit 1; }

# a DESTDIR with a space, and the GNU lower-case pkgconfigdir: install puts every file
# there, and uninstall removes them without touching a file named like the path's
# first word (unquoted paths once split at the space: install failed, uninstall
# deleted "$tmp/sp")
sp="$tmp/sp ace"
echo keep > "$tmp/sp"
"$MAKE" -s -C "$top" install DESTDIR="$sp" PREFIX=/usr pkgconfigdir=/usr/share/pkgconfig >/dev/null
for f in usr/include/snn.h usr/lib/libsnn.a usr/lib/libsnn.so.0 usr/share/pkgconfig/snn.pc; do
  [ -e "$sp/$f" ] || { echo "install test: $f missing under a DESTDIR with a space" >&2; exit 1; }
done
"$MAKE" -s -C "$top" uninstall DESTDIR="$sp" PREFIX=/usr pkgconfigdir=/usr/share/pkgconfig >/dev/null
left=$(find "$sp" -type f -o -type l)
[ -z "$left" ] || { echo "install test: uninstall left behind (space):" >&2; echo "$left" >&2; exit 1; }
[ "$(cat "$tmp/sp")" = keep ] || { echo "install test: uninstall touched $tmp/sp" >&2; exit 1; }
# sed-special characters in PREFIX reach snn.pc unchanged (an unescaped & once
# wrote prefix=/opt/a@PREFIX@b)
for p in "/opt/a&b" "/opt/x|y" "/opt/it's"; do
  "$MAKE" -s -C "$top" install-pc DESTDIR="$tmp/pc" PREFIX="$p" >/dev/null
  got=$(sed -n 's/^prefix=//p' "$tmp/pc$p/lib/pkgconfig/snn.pc")
  [ "$got" = "$p" ] || { echo "install test: PREFIX '$p' became '$got' in snn.pc" >&2; exit 1; }
done
echo "install test: install, pkg-config (shared and static, C and C++17) and uninstall OK"
