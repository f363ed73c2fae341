#!/usr/bin/python3
"""The gateway's decap -> VRF -> VLAN path beside the I/O ceiling and Open vSwitch, in one run.

Each round runs, one after the other on the same core (the "measured core",
default 1; EAL's main thread on core 0):

  gateway_bench   our nodes in a real rte_graph, --tenants tenants, its own
                  recycling source and sink (no port I/O); "net" cycles
                  subtract that bench overhead
  testpmd null    dpdk-testpmd io between two net_null ports: the ceiling of
                  DPDK I/O itself
  testpmd pcap    dpdk-testpmd io from the same pcap OVS reads (net_pcap,
                  infinite_rx) to a net_null: the I/O cost OVS pays on top of
                  its processing
  ovs-dpdk        Open vSwitch 3.1 with DPDK, GRE decap + per-tenant route
                  to a VLAN for the same tenants and frames (bench/peers/ovs_dpdk.py)

Rounds interleave the four so that a slow moment of the machine hits all of
them; medians over rounds are reported. Cycles per packet: gateway_bench's
TSC count; testpmd TSC Hz / rate; OVS its PMD thread's processing cycles per
packet sent. Writes JSON (--json) and prints a Markdown table.

Usage (as root, hugepages reserved: scripts/setup.sh does it):
  bench/dataplane/gateway_side_by_side.py [--bench build/bench/gateway_bench] [--rounds 3]
      [--tenants 4096] [--seconds 6] [--core 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "peers"))
import ovs_dpdk  # noqa: E402
import testpmd  # noqa: E402
import traffic  # noqa: E402

SCENARIO = "decap-forward-64"   # 106-byte inner frame in 148-byte NVGRE, as traffic.decap_forward_frames(..., 106)
INNER_BYTES = 106


def gateway_round(bench: str, tenants: int, core: int, workdir: Path, r: int) -> dict:
    out = workdir / f"gw-{r}.json"
    subprocess.run([bench, "--tenants", str(tenants), "--reps", "5", "--lcore", str(core), "--hugepages",
                    "--scenario", "baseline", "--scenario", SCENARIO, "--json", str(out)],
                   check=True, capture_output=True, text=True)
    doc = json.loads(out.read_text())
    s = next(x for x in doc["scenarios"] if x["name"] == SCENARIO)
    return {"tscHz": doc["tscHz"], "cyclesPerPacket": s["cyclesPerPacket"]["median"],
            "netCyclesPerPacket": s["netCyclesPerPacket"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", default="build/bench/gateway_bench")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tenants", type=int, default=4096)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--core", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()
    why = ovs_dpdk.missing()
    if why:
        print(f"gateway_side_by_side: {why}", file=sys.stderr)
        return 2
    if not Path(a.bench).exists():
        print(f"gateway_side_by_side: {a.bench}: no such benchmark (cmake --build build --target gateway_bench)",
              file=sys.stderr)
        return 2
    main_core = 0 if a.core != 0 else 1
    work = Path(tempfile.mkdtemp(prefix="hnv-sbs-"))
    pcap = work / "decap-forward.pcap"
    traffic.write_pcap(str(pcap), traffic.decap_forward_frames(a.tenants, 1, INNER_BYTES))
    ovs = ovs_dpdk.OvsDpdk(work, main_core=main_core, pmd_core=a.core)
    rounds = []
    try:
        for r in range(1, a.rounds + 1):
            row = {"gateway": gateway_round(a.bench, a.tenants, a.core, work, r)}
            row["testpmdNull"] = testpmd.io_forward(["net_null0", "net_null1"], main_core=main_core, fwd_core=a.core)
            row["testpmdPcap"] = testpmd.io_forward([f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "net_null0,no-rx=1"],
                                                    main_core=main_core, fwd_core=a.core)
            t0 = time.monotonic()
            ovs.start(pcap, a.tenants)
            row["ovsStartSeconds"] = time.monotonic() - t0
            row["ovs"] = ovs.measure(a.seconds)
            ovs.stop()
            rounds.append(row)
            print(f"round {r}: ours {row['gateway']['netCyclesPerPacket']:.0f} net cycles, "
                  f"testpmd null {row['testpmdNull'] / 1e6:.1f} Mpps, pcap {row['testpmdPcap'] / 1e6:.1f} Mpps, "
                  f"OVS {row['ovs']['pps'] / 1e6:.2f} Mpps", file=sys.stderr)
    finally:
        ovs.stop()
    hz = rounds[0]["gateway"]["tscHz"]
    med = statistics.median
    ours_net = med(x["gateway"]["netCyclesPerPacket"] for x in rounds)
    ours_gross = med(x["gateway"]["cyclesPerPacket"] for x in rounds)
    tp_null = med(hz / x["testpmdNull"] for x in rounds)
    tp_pcap = med(hz / x["testpmdPcap"] for x in rounds)
    ovs_cyc = med(x["ovs"]["processingCyclesPerPacket"] for x in rounds)
    ovs_pps = med(x["ovs"]["pps"] for x in rounds)
    result = {
        "date": time.strftime("%Y-%m-%d", time.gmtime()), "tscHz": hz, "tenants": a.tenants, "rounds": rounds,
        "core": a.core, "frame": "148 B NVGRE, 106 B inner UDP frame, one flow per tenant",
        "median": {"oursNetCyclesPerPacket": ours_net, "oursCyclesPerPacket": ours_gross,
                   "testpmdNullCyclesPerPacket": tp_null, "testpmdPcapCyclesPerPacket": tp_pcap,
                   "ovsCyclesPerPacket": ovs_cyc, "ovsPps": ovs_pps},
    }
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2) + "\n")
    print(f"decap -> VRF -> VLAN, {a.tenants} tenants, 148 B NVGRE frames, core {a.core}, TSC {hz / 1e9:.3f} GHz, "
          f"median of {a.rounds} interleaved rounds\n")
    print("| what | cycles/packet (median) | rounds (min - max) | Mpps/core | x ours (net) |")
    print("|---|---|---|---|---|")

    def line(name: str, cyc: float, each: list[float]) -> None:
        print(f"| {name} | {cyc:.1f} | {min(each):.0f} - {max(each):.0f} | {hz / cyc / 1e6:.2f} | "
              f"{cyc / ours_net:.2f} |")

    line("hnv-gateway nodes, net of the bench's source/sink (gateway_bench)", ours_net,
         [x["gateway"]["netCyclesPerPacket"] for x in rounds])
    line("hnv-gateway nodes + the bench's source/sink", ours_gross, [x["gateway"]["cyclesPerPacket"] for x in rounds])
    line("hnv-gateway nodes + pcap -> null I/O (net + testpmd pcap)", ours_net + tp_pcap,
         [x["gateway"]["netCyclesPerPacket"] + hz / x["testpmdPcap"] for x in rounds])
    line("Open vSwitch 3.1 DPDK, GRE decap + tenant route + VLAN (PMD processing cycles)", ovs_cyc,
         [x["ovs"]["processingCyclesPerPacket"] for x in rounds])
    line("dpdk-testpmd io, net_pcap -> net_null (OVS's ports)", tp_pcap, [hz / x["testpmdPcap"] for x in rounds])
    line("dpdk-testpmd io, net_null <-> net_null", tp_null, [hz / x["testpmdNull"] for x in rounds])
    print(f"\nOpen vSwitch sent {ovs_pps / 1e6:.2f} Mpps (median); its lookups per round "
          "(simple match / EMC / megaflow, millions): " +
          "; ".join("/".join(f"{(v or 0) / 1e6:.1f}" for v in x["ovs"]["lookups"].values()) for x in rounds))
    print(f"\nOpen vSwitch per packet / ours per packet on the same I/O: {ovs_cyc / (ours_net + tp_pcap):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
