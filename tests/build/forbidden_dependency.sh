#!/usr/bin/env bash
# Configures the project with a deliberately forbidden dependency (policy ->
# the DPDK platform, see HNV_DEMO_FORBIDDEN_DEP in CMakeLists.txt) and passes
# only if the layering check refuses it, naming the edge and the DPDK reach.
set -u
src=${1:?usage: forbidden_dependency.sh SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$(cmake -S "$src" -B "$tmp" -G Ninja -DHNV_DEMO_FORBIDDEN_DEP=ON 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then
  echo "FAIL: the configuration accepted hnv_policy -> hnv_dp"
  exit 1
fi
for expected in "Layering check failed" "hnv_policy -> hnv_dp: not an allowed dependency of hnv_policy" \
                "hnv_policy reaches DPDK"; do
  if ! grep -qF "$expected" <<<"$out"; then
    echo "FAIL: configuration failed, but without \"$expected\":"
    echo "$out" | tail -20
    exit 1
  fi
done
echo "OK: the layering check refused the forbidden dependency:"
grep -A3 "Layering check failed" <<<"$out"
