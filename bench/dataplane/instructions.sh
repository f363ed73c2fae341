#!/bin/sh
# Instructions per packet of each overlay_bench scenario, counted by
# callgrind over the measured walks only (hnv_bench_measured_walks). Unlike
# the cycle figures these are reproducible to a few instructions, so they
# make the regression metric.
#
# Usage: bench/dataplane/instructions.sh [BENCH_BINARY] [JSON_FILE]   (side_by_side.py calls it per path)
#   BENCH_BINARY  default build/bench/overlay_bench (gateway_bench works too)
#   WALKS=N       walks of 32 packets per scenario (default 1000)
#   SCENARIOS=".." the scenarios, baseline first (default: the binary's own, by its name)
#   BENCH_ARGS=".." more arguments for the benchmark (e.g. "--sessions 65536" for nat_bench)
set -eu
bench=${1:-build/bench/overlay_bench}
json=${2:-}
walks=${WALKS:-1000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

printf '%-19s %10s %10s\n' scenario Ir/packet net
base=0
entries=
case "$(basename "$bench")" in
  gateway_bench) default="baseline decap-forward-64 decap-forward-1400 forward-encap-64 forward-encap-1400" ;;
  nat_bench) default="baseline nat-in2out-64 nat-out2in-64" ;;
  vpn_bench) default="baseline decap-encrypt-64 decrypt-encap-64" ;;
  *) default="baseline encap-64 encap-1400 decap-64 decap-1400 arp-proxy" ;;
esac
for s in ${SCENARIOS:-$default}; do
  valgrind --tool=callgrind --collect-atstart=no --toggle-collect=hnv_bench_measured_walks \
    --callgrind-out-file="$dir/$s" "$bench" ${BENCH_ARGS:-} --scenario "$s" --reps 1 --walks "$walks" >"$dir/$s.log" 2>&1 ||
    { cat "$dir/$s.log" >&2; exit 1; }
  ir=$(awk '/^summary:/ {print $2}' "$dir/$s")
  per=$(awk -v ir="$ir" -v w="$walks" 'BEGIN {printf "%.1f", ir / (w * 32)}')
  if [ "$s" = baseline ]; then
    base=$per
    net=-
  else
    net=$(awk -v a="$per" -v b="$base" 'BEGIN {printf "%.1f", a - b}')
  fi
  printf '%-19s %10s %10s\n' "$s" "$per" "$net"
  entries="$entries${entries:+,}{\"name\":\"$s\",\"instructionsPerPacket\":$per$( [ "$net" = - ] || printf ',"netInstructionsPerPacket":%s' "$net")}"
done
if [ -n "$json" ]; then
  printf '{"date":"%s","tool":"valgrind --tool=callgrind (Ir)","walks":%s,"burst":32,"scenarios":[%s]}\n' \
    "$(date -u +%F)" "$walks" "$entries" >"$json"
fi
