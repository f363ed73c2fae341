#!/usr/bin/env bash
# Builds the Debian packages from a build tree into <build>/packages:
#   packaging/build-packages.sh [BUILD_DIR] [VERSION]
# BUILD_DIR defaults to build (configured and built here if needed);
# VERSION to the project's (a later one lets you try an upgrade).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
version=${2:-}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build"
out="$build/packages"
mkdir -p "$out"
args=(-G DEB --config "$build/CPackConfig.cmake" -B "$out")
if [ -n "$version" ]; then args+=(-D "CPACK_PACKAGE_VERSION=$version"); fi
cpack "${args[@]}" >"$out/cpack.log" 2>&1 || { cat "$out/cpack.log" >&2; exit 1; }
rm -rf "$out/_CPack_Packages"
ls -1 "$out"/*.deb
