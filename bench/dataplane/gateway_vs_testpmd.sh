#!/bin/sh
# gateway_bench beside dpdk-testpmd io forwarding, interleaved in one run on
# this machine: the I/O ceiling next to the gateway's tenant paths. testpmd
# forwards between two net_null ports on one forwarding lcore (its pps is
# the sum of both ports' Rx-pps); cycles per packet = TSC Hz / pps.
#
# Usage: bench/dataplane/gateway_vs_testpmd.sh [GATEWAY_BENCH] [ROUNDS]
#   default build/bench/gateway_bench, 3 rounds. Needs hugepages (testpmd
#   runs with --in-memory; scripts/setup.sh reserves them). Prints a Markdown table.
set -eu
bench=${1:-build/bench/gateway_bench}
rounds=${2:-3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
hz=$(awk '/^cpu MHz/ {print $4 * 1e6; exit}' /proc/cpuinfo)

for r in $(seq "$rounds"); do
  "$bench" --reps 5 --json "$dir/gw-$r.json" >"$dir/gw-$r.log"
  timeout -s INT 10 dpdk-testpmd -l 0,1 --no-pci --in-memory --vdev net_null0 --vdev net_null1 --log-level=3 -- \
    --forward-mode=io --auto-start --stats-period 2 --total-num-mbufs=8192 >"$dir/tp-$r.log" 2>&1 || true
  # The last report's two ports.
  grep 'Rx-pps' "$dir/tp-$r.log" | tail -2 | awk '{s += $2} END {print s}' >"$dir/tp-$r.pps"
done

/usr/bin/python3 - "$dir" "$rounds" "$hz" <<'PY'
import json, statistics, sys
d, rounds, hz = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
tp = [float(open(f"{d}/tp-{r}.pps").read()) for r in range(1, rounds + 1)]
gw = [json.load(open(f"{d}/gw-{r}.json")) for r in range(1, rounds + 1)]
hz = gw[0]["tscHz"]
tp_cyc = statistics.median(hz / p for p in tp)
print(f"testpmd io (2 x net_null, 1 lcore): median {statistics.median(tp) / 1e6:.1f} Mpps = {tp_cyc:.1f} cycles/packet; "
      f"rounds: {', '.join(f'{p / 1e6:.1f}' for p in tp)} Mpps")
print(f"gateway_bench: {gw[0]['tenants']} tenants, {rounds} rounds of {gw[0]['reps']} reps\n")
print("| path | cycles/packet (median) | Mpps/core | x testpmd io |")
print("|---|---|---|---|")
names = [s["name"] for s in gw[0]["scenarios"]]
for n in names:
    c = statistics.median(next(s for s in g["scenarios"] if s["name"] == n)["cyclesPerPacket"]["median"] for g in gw)
    print(f"| {n} | {c:.1f} | {hz / c / 1e6:.2f} | {c / tp_cyc:.1f} |")
print(f"| testpmd io forwarding | {tp_cyc:.1f} | {hz / tp_cyc / 1e6:.2f} | 1.0 |")
PY
