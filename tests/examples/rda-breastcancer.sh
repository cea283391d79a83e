#!/usr/bin/env bash
# scripts/rda-breastcancer.py (used by `make data` for the original Wisconsin
# breast cancer set): on a small R data file written here in R's XDR
# serialization (xz-compressed, as R's save() writes it; symbols repeated by
# reference, factor levels with gaps, a missing value), it writes the expected
# CSV; truncated, foreign and wrongly shaped files exit 1 with a message and
# write nothing. Needs python3 only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONV="$ROOT/scripts/rda-breastcancer.py"
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "rda-breastcancer.sh: skipped (no python3)"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rda-bc.XXXXXX")
trap "rm -rf \"$TMP\"" EXIT

# writes good.rda and variants: an R data.frame BreastCancer with the nine
# feature factors and Class; rows: (all 1), (NA in Bare.nuclei), (mixed)
python3 - "$TMP" <<'EOF'
import lzma, struct, sys
out = sys.argv[1]
I = lambda v: struct.pack(">i", v)
NA = -(2 ** 31)
syms = []                       # reference table, as R builds it

def sym(name):
    if name in syms:            # REFSXP with the index in the flags
        return I(255 | ((syms.index(name) + 1) << 8))
    syms.append(name)
    return I(1) + I(9 | (64 << 12)) + I(len(name)) + name.encode()

def strs(vals):
    b = I(16) + I(len(vals))
    for v in vals:
        b += I(9) + (I(-1) if v is None else I(len(v)) + v.encode())
    return b

def attrs(pairs):               # a tagged pairlist ending in NILVALUE
    b = b""
    for k, v in pairs:
        b += I(2 | (1 << 10)) + sym(k) + v
    return b + I(254)

def factor(codes, levels, ordered):
    cls = ["ordered", "factor"] if ordered else ["factor"]
    b = I(13 | (1 << 8) | (1 << 9)) + I(len(codes)) + b"".join(I(c) for c in codes)
    return b + attrs([("levels", strs(levels)), ("class", strs(cls))])

def frame(cols, nrow, drop=None):
    names = [n for n, _ in cols if n != drop]
    b = I(19 | (1 << 8) | (1 << 9)) + I(len(names))
    for n, c in cols:
        if n != drop:
            b += c
    rn = I(13) + I(2) + I(NA) + I(-nrow)
    return b + attrs([("names", strs(names)), ("row.names", rn),
                      ("class", strs(["data.frame"]))])

lv = [str(i) for i in range(1, 11)]
mit = [str(i) for i in range(1, 9)] + ["10"]  # no "9", as in mlbench's Mitoses
feats = ["Cl.thickness", "Cell.size", "Cell.shape", "Marg.adhesion", "Epith.c.size",
         "Bare.nuclei", "Bl.cromatin", "Normal.nucleoli", "Mitoses"]
rows = [[1] * 9, [5, 4, 4, 5, 7, NA, 3, 2, 1], [10, 3, 2, 1, 7, 10, 9, 8, 9]]
cls = [1, 2, 2]

def build(name="BreastCancer", drop=None, class_levels=("benign", "malignant")):
    del syms[:]
    head = I(2 | (1 << 10)) + sym(name)  # symbols get numbers in stream order
    cols = [("Id", strs(["1000025", "1002945", "1015425"]))]
    for j, f in enumerate(feats):
        levels = mit if f == "Mitoses" else lv
        cols.append((f, factor([r[j] for r in rows], levels, f != "Bare.nuclei")))
    cols.append(("Class", factor(cls, list(class_levels), False)))
    body = head + frame(cols, 3, drop) + I(254)
    return b"RDX2\nX\n" + I(2) + I(0x40001) + I(0x20300) + body

def save(fn, raw, xz=True):
    with open(out + "/" + fn, "wb") as f:
        f.write(lzma.compress(raw, format=lzma.FORMAT_XZ) if xz else raw)

good = build()
save("good.rda", good)
save("plain.rda", good, xz=False)
save("trunc.rda", good[:len(good) - 40])
save("cut-xz.rda", lzma.compress(good)[:100], xz=False)
save("noname.rda", build(name="Other"))
save("nocol.rda", build(drop="Mitoses"))
save("badclass.rda", build(class_levels=("benign", "other")))
save("foreign.rda", b"PK\x03\x04 not an R file at all", xz=False)
EOF

python3 "$CONV" "$TMP/good.rda" "$TMP/good.csv" || fail "good.rda not converted"
want=$'2,9,benign,malignant\n1,1,1,1,1,1,1,1,1,0\n10,3,2,1,7,10,9,8,10,1'
[ "$(cat "$TMP/good.csv")" = "$want" ] || fail "good.rda gave: $(cat "$TMP/good.csv")"
python3 "$CONV" "$TMP/plain.rda" "$TMP/plain.csv" || fail "uncompressed file not converted"
cmp -s "$TMP/good.csv" "$TMP/plain.csv" || fail "compressed and plain files differ"

for bad in trunc cut-xz noname nocol badclass foreign missing; do
  set +e
  msg=$(python3 "$CONV" "$TMP/$bad.rda" "$TMP/$bad.csv" 2>&1)
  rc=$?
  set -e
  [ $rc -eq 1 ] || fail "$bad.rda: exit $rc, want 1 ($msg)"
  echo "$msg" | grep -q "^rda-breastcancer: .*$bad.rda: ." || fail "$bad.rda: message '$msg'"
  [ ! -e "$TMP/$bad.csv" ] || fail "$bad.rda: wrote an output file"
done
set +e
python3 "$CONV" "$TMP/good.rda" >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing argument should exit 2"
set -e
echo "rda-breastcancer.sh: ok"
