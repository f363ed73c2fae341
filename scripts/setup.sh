#!/usr/bin/env bash
# Installs what the project needs on Debian 12, enables hugepages, builds.
# Idempotent; runs as root with no standard input.
#
#   scripts/setup.sh            install, hugepages, build (build/, Release)
#   scripts/setup.sh --no-build install and hugepages only
#
# Environment: HNV_BUILD_DIR (default build), HNV_BUILD_TYPE (default Release),
# HNV_HUGEPAGES (2 MiB pages to reserve, default 512; 0 leaves them alone).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    *) echo "setup.sh: unknown argument '$arg' (known: --no-build)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: run as root (it installs Debian packages and reserves hugepages)" >&2
  exit 2
fi

mapfile -t packages < <(grep -vE '^\s*(#|$)' scripts/packages.txt)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
  echo "setup.sh: all ${#packages[@]} packages present"
fi

# strongSwan's headers for hnv-iked (Debian ships libcharon without them).
bash vpn/iked/prepare_headers.sh

want=${HNV_HUGEPAGES:-512}
have=$(cat /proc/sys/vm/nr_hugepages)
if [ "$want" -gt 0 ] && [ "$have" -lt "$want" ]; then
  if echo "$want" > /proc/sys/vm/nr_hugepages 2>/dev/null; then
    echo "setup.sh: hugepages: $(cat /proc/sys/vm/nr_hugepages) x 2 MiB reserved"
  else
    echo "setup.sh: could not reserve hugepages; the lab runs without them (--no-huge)"
  fi
fi

if [ "$build" -eq 1 ]; then
  bdir=${HNV_BUILD_DIR:-build}
  cmake -S "$root" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE="${HNV_BUILD_TYPE:-Release}" >/dev/null
  cmake --build "$bdir" -j"$(nproc)"
  echo "setup.sh: built into $bdir/bin: $(ls "$bdir/bin" | tr '\n' ' ')"
fi
