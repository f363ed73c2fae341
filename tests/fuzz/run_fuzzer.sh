#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time from a copy of its seed corpus;
# fails if the binary is missing or libFuzzer reports a crash, a leak, a
# timeout or an out-of-memory.
#
#   run_fuzzer.sh <fuzzer-binary> <seconds> <seed-dir>
#
# The corpus grows in a temporary directory, so the checked-in seeds stay as
# they are. Crash inputs are kept in $HNV_FUZZ_ARTIFACTS (default: a
# directory under /tmp that the message names).
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 <fuzzer-binary> <seconds> <seed-dir>" >&2
  exit 2
fi
binary=$1
seconds=$2
seeds=$3

if [[ ! -x "$binary" ]]; then
  echo "FAIL: fuzzer binary $binary is missing or not executable." >&2
  echo "Build the fuzzers first (clang): cmake -S . -B build/fuzz -G Ninja -DHNV_FUZZ_ONLY=ON" \
       "-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang && cmake --build build/fuzz" >&2
  echo "or point the main build at them with -DHNV_FUZZ_BUILD_DIR=<dir>." >&2
  exit 1
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -lt 1 ]]; then
  echo "FAIL: seconds must be a positive integer, got '$seconds'" >&2
  exit 2
fi

name=$(basename "$binary")
work=$(mktemp -d "${TMPDIR:-/tmp}/hnv-${name}.XXXXXX")
artifacts=${HNV_FUZZ_ARTIFACTS:-$work/artifacts}
mkdir -p "$work/corpus" "$artifacts"
cleanup() {
  # Keep the directory when it holds a crash input.
  if [[ -z "$(ls -A "$artifacts" 2>/dev/null)" ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

if [[ -d "$seeds" ]]; then
  find "$seeds" -maxdepth 1 -type f -exec cp {} "$work/corpus/" \;
else
  echo "note: no seed directory $seeds; starting from an empty corpus" >&2
fi

log=$work/fuzz.log
set +e
"$binary" "$work/corpus" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
status=$?
set -e

if [[ $status -ne 0 ]] || grep -qE '==[0-9]+==ERROR|deadly signal|Test unit written|ERROR: libFuzzer' "$log"; then
  echo "FAIL: $name exited with $status; the end of its log:" >&2
  tail -n 60 "$log" >&2
  echo "Crash inputs (reproduce with: $binary <file>):" >&2
  ls -1 "$artifacts" | sed "s|^|  $artifacts/|" >&2
  exit 1
fi

runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 || true)
echo "PASS: $name ran $runs inputs in ${seconds}s (${cov:-no coverage line}), no crash"
