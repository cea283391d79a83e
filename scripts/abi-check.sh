#!/usr/bin/env bash
# ABI gate (docs/abi.md):
#  1. the dynamic symbols of the library equal the global names in src/libsnn.map,
#     each starts with snn_ and carries a version node; every SNN_API function in
#     include/snn.h is in the map;
#  2. the newest map node equals the header's MAJOR.MINOR;
#  3. libabigail's abidiff against the committed baseline abi/libsnn.abi:
#     additions pass, removals and changes fail;
#  4. the values of the header's enum constants (status codes, option values) against
#     abi/constants.txt: they are compiled into callers, which abidiff cannot see when
#     the functions take int. New constants pass; a removed or renumbered one fails.
# abi-check.sh --constants OUT writes the current constants (make abi-baseline).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# NAME VALUE of every enumerator in include/snn.h, sorted
constants() {
  local out=$1 d
  d=$(mktemp -d)
  perl -0777 -ne 's{/\*.*?\*/}{}gs; s{//[^\n]*}{}g;
    while (/\benum\b[^{;]*\{(.*?)\}/gs) { my $b = $1; print "$1\n" while $b =~ /\b(SNN_\w+)\s*(?:=|,|$)/g }
    # numeric #define flags and values, but not the version (which changes by design)
    print "$1\n" while /^#define\s+(SNN_(?!VERSION_)\w+)\s+\(?-?(?:0x[0-9a-fA-F]+|[0-9]+)u?\)?\s*$/mg' \
    "$top/include/snn.h" | sort -u > "$d/names"
  {
    echo '#include "snn.h"'
    echo '#include <stdio.h>'
    echo 'int main(void) {'
    while read -r n; do echo "  printf(\"$n %lld\\n\", (long long)$n);"; done < "$d/names"
    echo '  return 0;'
    echo '}'
  } > "$d/c.c"
  ${CC:-cc} -std=c11 -I"$top/include" "$d/c.c" -o "$d/c"
  "$d/c" | sort > "$out"
  rm -rf "$d"
}
if [ "${1:-}" = "--constants" ]; then
  constants "${2:?usage: abi-check.sh --constants OUT}"
  exit 0
fi

lib=${1:?usage: abi-check.sh LIB MAJOR.MINOR}
want=${2:?usage: abi-check.sh LIB MAJOR.MINOR}
map="$top/src/libsnn.map"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. symbols
nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^SNN_[0-9.]*$' | sort > "$tmp/dyn-full"
if grep -v '@@\?SNN_[0-9]*\.[0-9]*$' "$tmp/dyn-full" >/dev/null; then
  echo "abi-check: symbols without a version node:"; grep -v '@@\?SNN_[0-9]*\.[0-9]*$' "$tmp/dyn-full"; fail=1
fi
sed 's/@.*//' "$tmp/dyn-full" | sort -u > "$tmp/dyn"
if grep -v '^snn_' "$tmp/dyn" >/dev/null; then
  echo "abi-check: exported symbols not starting with snn_:"; grep -v '^snn_' "$tmp/dyn"; fail=1
fi
sed 's#/\*.*\*/##' "$map" | awk '/global:/{g=1;next} /local:/{g=0} g' | tr -d ' \t;' | grep -v '^$' | sort -u > "$tmp/map"
if ! diff -u "$tmp/map" "$tmp/dyn" > "$tmp/d1"; then
  echo "abi-check: src/libsnn.map (-) and exported symbols (+) differ:"; cat "$tmp/d1"; fail=1
fi
perl -0777 -ne 's{/\*.*?\*/}{}gs; print "$1\n" while /\bSNN_API\b[^;{}()#]*?\b(snn_\w+)\s*\(/g' "$top/include/snn.h" | sort -u > "$tmp/hdr"
if ! diff -u "$tmp/hdr" "$tmp/map" > "$tmp/d2"; then
  echo "abi-check: SNN_API functions in include/snn.h (-) and src/libsnn.map (+) differ:"; cat "$tmp/d2"; fail=1
fi
echo "abi-check: $(wc -l < "$tmp/dyn") exported symbols, all versioned and listed in the map"

# 2. map node vs header version
node=$(sed -n 's/^SNN_\([0-9]*\.[0-9]*\) *{.*/\1/p' "$map" | tail -n 1)
if [ "$node" != "$want" ]; then
  echo "abi-check: newest map node SNN_$node does not match header version $want"; fail=1
else
  echo "abi-check: newest map node SNN_$node matches the header"
fi

# 3. abidiff against the baseline
base="$top/abi/libsnn.abi"
if ! command -v abidiff >/dev/null; then
  echo "abi-check: abidiff not found (install abigail-tools: make deps)"; exit 1
fi
if [ ! -f "$base" ]; then
  echo "abi-check: no baseline $base (make abi-baseline in a release commit)"; exit 1
fi
set +e
# Only types defined in the public header count: the handles are opaque, so
# the layout of the structs behind them (src/*) is not ABI.
abidiff --hd1 "$top/include" --hd2 "$top/include" "$base" "$lib" > "$tmp/abidiff.txt" 2>&1
rc=$?
set -e
# abidiff exit status bits: 1 error, 2 usage, 4 ABI change, 8 incompatible change
if [ $((rc & 3)) -ne 0 ]; then
  echo "abi-check: abidiff failed to run (status $rc):"; cat "$tmp/abidiff.txt"; fail=1
elif [ $((rc & 8)) -ne 0 ]; then
  echo "abi-check: INCOMPATIBLE ABI change against the baseline:"; cat "$tmp/abidiff.txt"; fail=1
elif [ $((rc & 4)) -ne 0 ]; then
  # only additions are compatible: no removed or changed functions/variables
  if grep -Eq '([1-9][0-9]* Removed|[1-9][0-9]* Changed)' "$tmp/abidiff.txt"; then
    echo "abi-check: ABI changes other than additions:"; cat "$tmp/abidiff.txt"; fail=1
  else
    echo "abi-check: compatible additions against the baseline:"; grep -E 'Added|Removed|Changed' "$tmp/abidiff.txt" | head -5
  fi
else
  echo "abi-check: identical to the baseline"
fi
# 4. enum constants
cbase="$top/abi/constants.txt"
if [ ! -f "$cbase" ]; then
  echo "abi-check: no baseline $cbase (make abi-baseline)"; fail=1
else
  constants "$tmp/const"
  if comm -23 "$cbase" "$tmp/const" | grep -q .; then
    echo "abi-check: enum constants removed or renumbered against the baseline:"
    comm -23 "$cbase" "$tmp/const"; fail=1
  else
    echo "abi-check: $(wc -l < "$cbase") enum constants keep their values ($(comm -13 "$cbase" "$tmp/const" | wc -l) new)"
  fi
fi
[ $fail -eq 0 ] && echo "abi-check: OK" || { echo "abi-check: FAILED"; exit 1; }
