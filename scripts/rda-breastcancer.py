#!/usr/bin/env python3
"""Writes the original Wisconsin breast cancer data (Wolberg & Mangasarian 1990;
UCI "breast-cancer-wisconsin", 699 x 9) as a CSV that snn_dataset_load_csv()
reads, from the BreastCancer.rda file of R's mlbench package (Debian package
r-cran-mlbench), without R.

    usage: rda-breastcancer.py BreastCancer.rda OUT.csv

Output: a first line "683,9,benign,malignant" (the layout of scikit-learn's
CSVs), then one row per sample with the nine integer features (1..10) and the
class (0 benign, 1 malignant) last. The 16 samples with a missing value (all in
"Bare.nuclei") are dropped, leaving 683, as most published uses of the set do.
The row order is the file's.

Only the part of R's serialization format (XDR, versions 2 and 3) that a
data.frame of factors uses is read; anything else is an error, so a changed
file fails loudly instead of producing a wrong table. Standard library only.
"""
import lzma
import bz2
import gzip
import struct
import sys

NA_INT = -(2 ** 31)

FEATURES = ["Cl.thickness", "Cell.size", "Cell.shape", "Marg.adhesion",
            "Epith.c.size", "Bare.nuclei", "Bl.cromatin", "Normal.nucleoli",
            "Mitoses"]
CLASSES = ["benign", "malignant"]


class FormatError(Exception):
    pass


class Reader:
    """A reader for R's XDR serialization (the subset plain data uses)."""

    def __init__(self, data):
        self.b = data
        self.p = 0
        self.refs = []

    def take(self, n):
        if self.p + n > len(self.b):
            raise FormatError("truncated at byte %d" % self.p)
        s = self.b[self.p:self.p + n]
        self.p += n
        return s

    def int(self):
        return struct.unpack(">i", self.take(4))[0]

    def length(self):
        n = self.int()
        if n == -1:
            hi, lo = self.int(), self.int()
            n = (hi << 32) + lo
        if n < 0 or n > len(self.b):
            raise FormatError("bad length %d" % n)
        return n

    def header(self):
        if self.take(2) != b"X\n":
            raise FormatError("not XDR serialization")
        version = self.int()
        self.int()  # writer's R version
        self.int()  # minimal R version
        if version == 3:
            self.take(self.int())  # native encoding name
        elif version != 2:
            raise FormatError("serialization version %d" % version)

    def item(self):
        flags = self.int()
        t = flags & 0xFF
        has_attr = flags & (1 << 9)
        has_tag = flags & (1 << 10)
        if t == 254:  # NILVALUE_SXP
            return None
        if t in (242, 241, 253):  # empty, base, global environment
            return None
        if t == 255:  # REFSXP
            i = flags >> 8
            if i == 0:
                i = self.int()
            if not 1 <= i <= len(self.refs):
                raise FormatError("bad reference %d" % i)
            return self.refs[i - 1]
        if t == 1:  # SYMSXP
            name = self.item()
            self.refs.append(("sym", name))
            return ("sym", name)
        if t == 2:  # LISTSXP: a pairlist, read iteratively along its CDRs
            out = []
            while True:
                attr = self.item() if has_attr else None
                tag = self.item() if has_tag else None
                out.append((tag[1] if tag else None, self.item()))
                flags = self.int()
                t = flags & 0xFF
                if t == 254:
                    return ("list", out, attr)
                if t != 2:
                    raise FormatError("pairlist ends with type %d" % t)
                has_attr = flags & (1 << 9)
                has_tag = flags & (1 << 10)
        if t == 9:  # CHARSXP
            n = self.int()
            return None if n == -1 else self.take(n).decode("utf-8")
        if t in (10, 13):  # LGLSXP, INTSXP
            n = self.length()
            v = list(struct.unpack(">%di" % n, self.take(4 * n)))
        elif t == 14:  # REALSXP
            n = self.length()
            v = list(struct.unpack(">%dd" % n, self.take(8 * n)))
        elif t in (16, 19, 20):  # STRSXP, VECSXP, EXPRSXP
            v = [self.item() for _ in range(self.length())]
        else:
            raise FormatError("unsupported R type %d at byte %d" % (t, self.p))
        attrs = {}
        if has_attr:
            a = self.item()
            if not (isinstance(a, tuple) and a[0] == "list"):
                raise FormatError("attributes are not a pairlist")
            attrs = dict(a[1][i] for i in range(len(a[1])))
        return ("vec", t, v, attrs)


def decompress(raw):
    if raw[:6] == b"\xfd7zXZ\x00":
        return lzma.decompress(raw)
    if raw[:3] == b"BZh":
        return bz2.decompress(raw)
    if raw[:2] == b"\x1f\x8b":
        return gzip.decompress(raw)
    return raw


def factor_values(col, name):
    """The factor's values as level strings (None for NA)."""
    if col is None or col[0] != "vec" or col[1] != 13 or "levels" not in col[3]:
        raise FormatError("column %s is not a factor" % name)
    levels = col[3]["levels"][2]
    out = []
    for code in col[2]:
        if code == NA_INT:
            out.append(None)
        elif 1 <= code <= len(levels):
            out.append(levels[code - 1])
        else:
            raise FormatError("column %s: code %d outside its levels" % (name, code))
    return out


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: rda-breastcancer.py BreastCancer.rda OUT.csv\n")
        return 2
    try:
        with open(argv[1], "rb") as f:
            data = decompress(f.read())
        if data[:5] not in (b"RDX2\n", b"RDX3\n"):
            raise FormatError("not an R data file (no RDX2/RDX3 header)")
        r = Reader(data[5:])
        r.header()
        top = r.item()
        if not (top and top[0] == "list" and top[1][0][0] == "BreastCancer"):
            raise FormatError("no object named BreastCancer")
        frame = top[1][0][1]
        if frame[0] != "vec" or frame[1] != 19:
            raise FormatError("BreastCancer is not a list")
        names = frame[3].get("names")
        if names is None:
            raise FormatError("BreastCancer has no column names")
        cols = dict(zip(names[2], frame[2]))
        for c in FEATURES + ["Class"]:
            if c not in cols:
                raise FormatError("column %s missing" % c)
        feats = [factor_values(cols[c], c) for c in FEATURES]
        cls = factor_values(cols["Class"], "Class")
        rows = []
        for i in range(len(cls)):
            vals = [f[i] for f in feats]
            if cls[i] is None or any(v is None for v in vals):
                continue
            for v in vals:
                if not v.isdigit() or not 1 <= int(v) <= 10:
                    raise FormatError("row %d: feature value %r outside 1..10" % (i + 1, v))
            if cls[i] not in CLASSES:
                raise FormatError("row %d: class %r" % (i + 1, cls[i]))
            rows.append([int(v) for v in vals] + [CLASSES.index(cls[i])])
    except (OSError, FormatError, lzma.LZMAError, EOFError, UnicodeDecodeError,
            struct.error, IndexError, TypeError, KeyError) as e:
        sys.stderr.write("rda-breastcancer: %s: %s\n" % (argv[1], e))
        return 1
    text = "%d,%d,%s\n" % (len(rows), len(FEATURES), ",".join(CLASSES))
    text += "".join(",".join(str(v) for v in row) + "\n" for row in rows)
    try:
        with open(argv[2], "w") as f:
            f.write(text)
    except OSError as e:
        sys.stderr.write("rda-breastcancer: %s: %s\n" % (argv[2], e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
