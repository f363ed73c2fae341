#!/usr/bin/python3
"""Our data-plane paths beside the I/O ceiling and Open vSwitch, in one run.

Paths (--path, repeatable; default both):

  decap-forward   NVGRE decap -> tenant VRF -> VLAN, --tenants tenants
                  (gateway_bench decap-forward-64; OVS: GRE decap + one
                  route rule per tenant)
  nat-in2out      NVGRE decap -> tenant VRF -> NAT44 in2out -> internet,
                  --nat-tenants x --nat-flows sessions (nat_bench
                  nat-in2out-64; OVS: GRE decap + conntrack NAT, one zone
                  per tenant)

For each path, each round runs, one after the other on the same core (the
"measured core", default 1; EAL's main thread on core 0):

  ours            the benchmark's nodes in a real rte_graph, its own
                  recycling source and sink (no port I/O); "net" cycles
                  subtract that bench overhead
  testpmd null    dpdk-testpmd io between two net_null ports: the ceiling of
                  DPDK I/O itself
  testpmd pcap    dpdk-testpmd io from the same pcap OVS reads (net_pcap,
                  infinite_rx) to a net_null: the I/O cost OVS pays on top of
                  its processing
  ovs-dpdk        Open vSwitch 3.1 with DPDK on the same frames (bench/peers/ovs_dpdk.py)

Rounds interleave the four so that a slow moment of the machine hits all of
them; medians over rounds are reported. Cycles per packet: gateway_bench's
TSC count; testpmd TSC Hz / rate; OVS its PMD thread's processing cycles per
packet sent. Writes JSON (--json) and prints a Markdown table.

Usage (as root, hugepages reserved: scripts/setup.sh does it):
  bench/dataplane/side_by_side.py [--build build] [--path decap-forward|nat-in2out]... [--rounds 3]
      [--tenants 4096] [--nat-tenants 64] [--nat-flows 1024] [--seconds 6] [--core 1] [--json FILE]
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


class Path_:
    """One compared path: our benchmark's arguments and scenario, the pcap, OVS's mode."""

    def __init__(self, name: str, bench: str, args: list[str], scenario: str, frames, mode: str, what: str,
                 ovs_what: str) -> None:
        self.name, self.bench, self.args, self.scenario = name, bench, args, scenario
        self.frames, self.mode, self.what, self.ovs_what = frames, mode, what, ovs_what


def paths(a) -> dict[str, Path_]:
    return {
        "decap-forward": Path_(
            "decap-forward", "gateway_bench", ["--tenants", str(a.tenants)], "decap-forward-64",
            lambda: traffic.decap_forward_frames(a.tenants, 1, 106), "route",
            f"NVGRE decap -> VRF -> VLAN, {a.tenants} tenants, 148 B frames",
            "GRE decap + tenant route + VLAN"),
        "nat-in2out": Path_(
            "nat-in2out", "nat_bench",
            ["--tenants", str(a.nat_tenants), "--sessions", str(a.nat_tenants * a.nat_flows)], "nat-in2out-64",
            lambda: traffic.nat_in2out_frames(a.nat_tenants, a.nat_flows), "nat",
            f"NVGRE decap -> VRF -> NAT44 in2out -> internet, {a.nat_tenants} tenants x {a.nat_flows} sessions, "
            "148 B frames", "GRE decap + conntrack NAT (zone per tenant)"),
    }


def ours_round(build: Path, p: Path_, core: int, workdir: Path, r: int) -> dict:
    out = workdir / f"{p.name}-{r}.json"
    subprocess.run([str(build / "bench" / p.bench), *p.args, "--reps", "5", "--lcore", str(core), "--hugepages",
                    "--scenario", "baseline", "--scenario", p.scenario, "--json", str(out)],
                   check=True, capture_output=True, text=True)
    doc = json.loads(out.read_text())
    s = next(x for x in doc["scenarios"] if x["name"] == p.scenario)
    return {"tscHz": doc["tscHz"], "cyclesPerPacket": s["cyclesPerPacket"]["median"],
            "netCyclesPerPacket": s["netCyclesPerPacket"]}


def run_path(a, p: Path_, work: Path, main_core: int) -> dict:
    pcap = work / f"{p.name}.pcap"
    traffic.write_pcap(str(pcap), p.frames())
    ovs = ovs_dpdk.OvsDpdk(work, main_core=main_core, pmd_core=a.core)
    rounds = []
    try:
        for r in range(1, a.rounds + 1):
            row = {"ours": ours_round(Path(a.build), p, a.core, work, r)}
            row["testpmdNull"] = testpmd.io_forward(["net_null0", "net_null1"], main_core=main_core, fwd_core=a.core)
            row["testpmdPcap"] = testpmd.io_forward([f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "net_null0,no-rx=1"],
                                                    main_core=main_core, fwd_core=a.core, mbufs=262144)
            t0 = time.monotonic()
            ovs.start(pcap, a.nat_tenants if p.mode == "nat" else a.tenants, p.mode)
            row["ovsStartSeconds"] = time.monotonic() - t0
            row["ovs"] = ovs.measure(a.seconds)
            ovs.stop()
            rounds.append(row)
            print(f"{p.name} round {r}: ours {row['ours']['netCyclesPerPacket']:.0f} net cycles, "
                  f"testpmd null {row['testpmdNull'] / 1e6:.1f} Mpps, pcap {row['testpmdPcap'] / 1e6:.1f} Mpps, "
                  f"OVS {row['ovs']['pps'] / 1e6:.2f} Mpps", file=sys.stderr)
    finally:
        ovs.stop()
    hz = rounds[0]["ours"]["tscHz"]
    med = statistics.median
    m = {"oursNetCyclesPerPacket": med(x["ours"]["netCyclesPerPacket"] for x in rounds),
         "oursCyclesPerPacket": med(x["ours"]["cyclesPerPacket"] for x in rounds),
         "testpmdNullCyclesPerPacket": med(hz / x["testpmdNull"] for x in rounds),
         "testpmdPcapCyclesPerPacket": med(hz / x["testpmdPcap"] for x in rounds),
         "ovsCyclesPerPacket": med(x["ovs"]["processingCyclesPerPacket"] for x in rounds),
         "ovsPps": med(x["ovs"]["pps"] for x in rounds)}
    ours_net = m["oursNetCyclesPerPacket"]
    print(f"\n### {p.what}\n\ncore {a.core}, TSC {hz / 1e9:.3f} GHz, median of {a.rounds} interleaved rounds\n")
    print("| what | cycles/packet (median) | rounds (min - max) | Mpps/core | x ours (net) |")
    print("|---|---|---|---|---|")

    def line(name: str, cyc: float, each: list[float]) -> None:
        print(f"| {name} | {cyc:.1f} | {min(each):.0f} - {max(each):.0f} | {hz / cyc / 1e6:.2f} | "
              f"{cyc / ours_net:.2f} |")

    line(f"hnv-gateway nodes, net of the bench's source/sink ({p.bench})", ours_net,
         [x["ours"]["netCyclesPerPacket"] for x in rounds])
    line("hnv-gateway nodes + the bench's source/sink", m["oursCyclesPerPacket"],
         [x["ours"]["cyclesPerPacket"] for x in rounds])
    line("hnv-gateway nodes + pcap -> null I/O (net + testpmd pcap)", ours_net + m["testpmdPcapCyclesPerPacket"],
         [x["ours"]["netCyclesPerPacket"] + hz / x["testpmdPcap"] for x in rounds])
    line(f"Open vSwitch 3.1 DPDK, {p.ovs_what} (PMD processing cycles)", m["ovsCyclesPerPacket"],
         [x["ovs"]["processingCyclesPerPacket"] for x in rounds])
    line("dpdk-testpmd io, net_pcap -> net_null (OVS's ports)", m["testpmdPcapCyclesPerPacket"],
         [hz / x["testpmdPcap"] for x in rounds])
    line("dpdk-testpmd io, net_null <-> net_null", m["testpmdNullCyclesPerPacket"],
         [hz / x["testpmdNull"] for x in rounds])
    print(f"\nOpen vSwitch sent {m['ovsPps'] / 1e6:.2f} Mpps (median); its lookups per round "
          "(simple match / EMC / megaflow, millions): " +
          "; ".join("/".join(f"{(v or 0) / 1e6:.1f}" for v in x["ovs"]["lookups"].values()) for x in rounds))
    print(f"Open vSwitch per packet / ours per packet on the same I/O: "
          f"{m['ovsCyclesPerPacket'] / (ours_net + m['testpmdPcapCyclesPerPacket']):.2f}")
    return {"path": p.name, "what": p.what, "ovs": p.ovs_what, "tscHz": hz, "rounds": rounds, "median": m}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--path", action="append", choices=["decap-forward", "nat-in2out"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tenants", type=int, default=4096)
    ap.add_argument("--nat-tenants", type=int, default=64)
    ap.add_argument("--nat-flows", type=int, default=1024)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--core", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()
    why = ovs_dpdk.missing()
    if why:
        print(f"side_by_side: {why}", file=sys.stderr)
        return 2
    chosen = [paths(a)[n] for n in (a.path or ["decap-forward", "nat-in2out"])]
    for p in chosen:
        if not (Path(a.build) / "bench" / p.bench).exists():
            print(f"side_by_side: {a.build}/bench/{p.bench}: no such benchmark (cmake --build {a.build} "
                  f"--target {p.bench})", file=sys.stderr)
            return 2
    main_core = 0 if a.core != 0 else 1
    work = Path(tempfile.mkdtemp(prefix="hnv-sbs-"))
    results = [run_path(a, p, work, main_core) for p in chosen]
    if a.json:
        Path(a.json).write_text(json.dumps({"date": time.strftime("%Y-%m-%d", time.gmtime()), "core": a.core,
                                            "paths": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
