#!/usr/bin/env bash
# Sets up, builds and runs every test: unit, packet, lab, interop, fuzz,
# perf-smoke, the Debian packages and the appliance image boot.
# The last lines are CTest's summary.
#
#   scripts/test.sh [ctest arguments...]   e.g. scripts/test.sh -L unit
#
# Environment: HNV_FUZZ_SECONDS (per fuzzer, default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/setup.sh

# The libFuzzer targets need clang; they build apart from the product (g++).
cmake -S "$root" -B build/fuzz -G Ninja -DHNV_FUZZ_ONLY=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/fuzz -j"$(nproc)"
cmake -S "$root" -B build -DHNV_FUZZ_SECONDS="${HNV_FUZZ_SECONDS:-10}" >/dev/null

export HNV_LAB_REQUIRE_BINARIES=1
cd build
exec ctest --output-on-failure -j"$(nproc)" "$@"
