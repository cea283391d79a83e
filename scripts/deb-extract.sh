#!/usr/bin/env bash
# Downloads one Debian package with `apt-get download` and unpacks it with
# `dpkg -x` into DEST, without installing it (no root needed, no maintainer
# scripts run). Used by the data scripts (fetch-datasets.sh, fetch-uci.sh).
#   usage: bash scripts/deb-extract.sh PACKAGE DEST
# Prints the downloaded .deb's file name on stdout; messages go to
# stderr; exit status 1 with a message when a step fails.
set -euo pipefail

die() { echo "deb-extract: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: deb-extract.sh PACKAGE DEST"
PKG=$1
DEST=$2
case $PKG in
  '' | -* | */*) die "'$PKG' is not a package name" ;;
esac
command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 ||
  die "needs apt-get and dpkg (Debian/Ubuntu) to fetch $PKG"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/snn-deb.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# As root, apt-get downloads as the unprivileged user _apt, which must be able
# to write the directory; otherwise it falls back to root with a warning.
if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then
  chown _apt "$TMP" 2>/dev/null || chmod 777 "$TMP"
fi
echo "deb-extract: downloading $PKG with apt-get download ..." >&2
(cd "$TMP" && apt-get download "$PKG" >/dev/null) ||
  die "'apt-get download $PKG' failed; run 'apt-get update' (as root) and retry"
DEB=$(ls "$TMP/${PKG}"_*.deb 2>/dev/null | head -n 1 || true)
[ -n "$DEB" ] || die "apt-get download produced no $PKG .deb"
mkdir -p "$DEST"
dpkg -x "$DEB" "$DEST" || die "cannot extract $(basename "$DEB")"
basename "$DEB"
