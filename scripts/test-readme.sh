#!/usr/bin/env bash
# Compiles and runs the first C example of README.md against the built library,
# exactly as the README says to build it in the source tree.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/^```c$/{f=1;next} /^```$/{if(f){exit}} f' "$top/README.md" > "$tmp/first.c"
[ -s "$tmp/first.c" ] || { echo "README has no C example" >&2; exit 1; }
cd "$top"
cc "$tmp/first.c" -Iinclude -Llib -Wl,-rpath,"$PWD/lib" -lsnn -o "$tmp/first"
out=$("$tmp/first")
echo "README example: $out"
echo "$out" | grep -Eq '^[0-9]+ spikes in 1 s$'

# the Python example, when Debian's python3 with NumPy is available
py=${PYTHON:-/usr/bin/python3}
if [ -x "$py" ] && "$py" -c 'import numpy' 2>/dev/null; then
  awk '/^```python$/{f=1;next} /^```$/{if(f){exit}} f' "$top/README.md" > "$tmp/first.py"
  pyout=$(SNN_LIBRARY="$top/lib/libsnn.so.0" PYTHONPATH="$top/bindings/python" "$py" "$tmp/first.py")
  echo "README Python example: $pyout"
  echo "$pyout" | awk '/^training accuracy:/ { exit !($3 >= 0.9) } END { if (NR == 0) exit 1 }'
else
  echo "README Python example: skipped ($py with NumPy not available)"
fi
