#!/usr/bin/python3
"""Every data-plane path beside the I/O ceiling and Open vSwitch, in one run.

Paths (--path, repeatable; default all), each our benchmark's scenario with
its tables at scale and a mix of many flows:

  host-encap     VM -> NVGRE encap on a host (overlay_bench encap-scale-64:
                 --host-tenants x --records lookup records, --vms local VMs
                 each talking with every CA of its subnet)
  host-decap     NVGRE decap -> VM, the answers of the same flows
                 (overlay_bench decap-scale-64)
  decap-forward  NVGRE decap -> tenant VRF -> VLAN, --tenants tenants
                 (gateway_bench decap-forward-64)
  nat-in2out     NVGRE decap -> tenant VRF -> NAT44 in2out -> internet,
                 --nat-tenants x --nat-flows sessions (nat_bench nat-in2out-64)
  nat-out2in     the answers: NAT44 out2in -> tenant VRF -> NVGRE encap
                 (nat_bench nat-out2in-64)
  decap-encrypt  NVGRE decap -> tenant VRF -> ESP encrypt -> internet,
                 --tunnels tunnels (vpn_bench decap-encrypt-64)
  decrypt-encap  ESP decrypt -> tenant VRF -> NVGRE encap (vpn_bench
                 decrypt-encap-64)

Each round runs, one after the other on the same core (the "measured core",
default 1; EAL's main thread on core 0):

  testpmd null   dpdk-testpmd io between two net_null ports: the ceiling of
                 DPDK I/O itself (once per round)
  and per path:
  ours           the benchmark's nodes in a real rte_graph, its own recycling
                 source and sink (no port I/O); "net" subtracts that overhead
  testpmd pcap   dpdk-testpmd io from the path's pcap (net_pcap, infinite_rx)
                 to a net_null: the I/O cost OVS pays on top of its processing
  ovs-dpdk       Open vSwitch with DPDK doing the same on the same frames
                 (bench/peers/ovs_dpdk.py), where it can: it has no ESP in its
                 DPDK data path, so the two VPN paths have no OVS figure

Rounds interleave them so that a slow moment of the machine hits all;
medians over rounds are reported. Cycles per packet: the benchmark's TSC
count; testpmd TSC Hz / rate; OVS its PMD thread's processing cycles per
packet sent. Instructions per packet: callgrind over the measured walks of
each scenario and its baseline (reproducible, unlike cycles), with smaller
tables where building them under valgrind would take minutes (the count
per packet does not depend on the table size; the cycles do).

Writes JSON (--json; schema in bench/README.md), a Markdown table (--md, and
on standard output) and a PNG chart (--chart, python3-matplotlib).

Usage (as root, hugepages reserved: scripts/setup.sh does it; bench/compare
runs setup, build and this with every output):
  bench/dataplane/side_by_side.py [--build build] [--path NAME]... [--rounds 3] [--seconds 6] [--core 1]
      [--json FILE] [--md FILE] [--chart FILE] [--no-instructions] [--no-ovs]
      [--tenants 4096] [--nat-tenants 64] [--nat-flows 1024] [--tunnels 1000]
      [--host-tenants 4096] [--records 256] [--vms 32]
"""

from __future__ import annotations

import argparse
import json
import os
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

ORDER = ["host-encap", "host-decap", "decap-forward", "nat-in2out", "nat-out2in", "decap-encrypt", "decrypt-encap"]
NO_ESP = ("Open vSwitch has no ESP in its DPDK data path (its IPsec is the kernel's xfrm, for tunnels it "
          "terminates itself)")


class Path_:
    """One compared path: our benchmark and scenario, its arguments at scale and under
    valgrind, the frames for the peers, OVS's topology (None: no equivalent, `why`)."""

    def __init__(self, name: str, bench: str, args: list[str], scenario: str, frames, what: str, *,
                 ovs=None, ovs_what: str = "", why: str = "", valgrind_args: list[str] | None = None) -> None:
        self.name, self.bench, self.args, self.scenario, self.frames = name, bench, args, scenario, frames
        self.what, self.ovs, self.ovs_what, self.why = what, ovs, ovs_what, why
        self.valgrind_args = args if valgrind_args is None else valgrind_args


def paths(a) -> dict[str, Path_]:
    host = ["--tenants", str(a.host_tenants), "--records", str(a.records), "--vms", str(a.vms)]
    host_small = ["--tenants", str(max(a.vms, 64)), "--records", str(a.records), "--vms", str(a.vms)]
    nat = ["--tenants", str(a.nat_tenants), "--sessions", str(a.nat_tenants * a.nat_flows)]
    nat_small = ["--tenants", str(a.nat_tenants), "--sessions", str(min(a.nat_tenants * a.nat_flows, 65536))]
    pairs = lambda: traffic.host_pairs(a.vms, a.records)  # noqa: E731
    hosts = [(str(traffic.remote_pa(h)), traffic.mac_text(traffic.remote_host_mac(h))) for h in range(traffic.HOSTS)]
    records = a.host_tenants * a.records
    p = [
        Path_("host-encap", "overlay_bench", host, "encap-scale-64",
              lambda: traffic.host_encap_frames(a.vms, a.records),
              f"host: VM -> NVGRE encap, {a.vms} VMs x {a.records - 1} flows, {records:,} lookup records, 106 B frames",
              ovs=lambda: (0, ovs_dpdk.host_encap(pairs(), str(traffic.HOST1_PA), traffic.HOST1_MAC, hosts)),
              ovs_what="one flow per (VM, remote MAC) used -> GRE key, tunnel destination; user-space GRE push",
              valgrind_args=host_small),
        Path_("host-decap", "overlay_bench", host, "decap-scale-64",
              lambda: traffic.host_decap_frames(a.vms, a.records),
              f"host: NVGRE decap -> VM, the same flows back (148 B frames)",
              ovs=lambda: (0, ovs_dpdk.host_decap(pairs(), str(traffic.HOST1_PA), traffic.HOST1_MAC)),
              ovs_what="GRE pop; one flow per (VSID, tunnel source, inner MACs) used -> VM port",
              valgrind_args=host_small),
        Path_("decap-forward", "gateway_bench", ["--tenants", str(a.tenants)], "decap-forward-64",
              lambda: traffic.decap_forward_frames(a.tenants, 1, 106),
              f"gateway: NVGRE decap -> VRF -> VLAN, {a.tenants} tenants, 148 B frames",
              ovs=lambda: (a.tenants, "route"), ovs_what="GRE pop + tenant route + VLAN"),
        Path_("nat-in2out", "nat_bench", nat, "nat-in2out-64",
              lambda: traffic.nat_in2out_frames(a.nat_tenants, a.nat_flows),
              f"gateway: NVGRE decap -> VRF -> NAT44 in2out -> internet, {a.nat_tenants} tenants x "
              f"{a.nat_flows} sessions, 148 B frames",
              ovs=lambda: (a.nat_tenants, "nat"), ovs_what="GRE pop + conntrack NAT (zone per tenant)",
              valgrind_args=nat_small),
        Path_("nat-out2in", "nat_bench", nat, "nat-out2in-64",
              lambda: traffic.nat_out2in_frames(a.nat_tenants, a.nat_flows),
              f"gateway: NAT44 out2in -> VRF -> NVGRE encap, the answers of the same sessions, 106 B frames",
              ovs=lambda: (0, ovs_dpdk.nat_out2in(a.nat_tenants, traffic.HOSTS, traffic.host_pa,
                                                  lambda h: traffic.mac(0x0B, h), lambda t: traffic.mac(0x0A, t),
                                                  lambda t: traffic.mac(0xFE, t))),
              ovs_what="conntrack un-NAT (zone per tenant) + GRE push to the VM's host",
              valgrind_args=nat_small),
        Path_("decap-encrypt", "vpn_bench", ["--tunnels", str(a.tunnels)], "decap-encrypt-64", None,
              f"gateway: NVGRE decap -> VRF -> ESP encrypt (AES-128-GCM, UDP) -> internet, {a.tunnels} tunnels, "
              "148 B frames", why=NO_ESP, valgrind_args=["--tunnels", "64"]),
        Path_("decrypt-encap", "vpn_bench", ["--tunnels", str(a.tunnels)], "decrypt-encap-64", None,
              f"gateway: ESP decrypt -> VRF -> NVGRE encap, {a.tunnels} tunnels, 126 B ESP frames",
              why=NO_ESP, valgrind_args=["--tunnels", "64"]),
    ]
    return {x.name: x for x in p}


def ours_round(build: Path, p: Path_, core: int, workdir: Path, r: int) -> dict:
    out = workdir / f"{p.name}-{r}.json"
    log = workdir / f"{p.name}-{r}.log"
    with open(log, "w") as err:
        child = subprocess.Popen([str(build / "bench" / p.bench), *p.args, "--reps", "5", "--lcore", str(core),
                                  "--hugepages", "--scenario", "baseline", "--scenario", p.scenario, "--json", str(out)],
                                 stdout=subprocess.DEVNULL, stderr=err)
        # wait4: this child's own peak resident set (its tables, pool and hugepages touched).
        _, status, usage = os.wait4(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{p.bench} {p.scenario}: exit {code}: {log.read_text().strip()[-2000:]}")
    doc = json.loads(out.read_text())
    s = next(x for x in doc["scenarios"] if x["name"] == p.scenario)
    return {"tscHz": doc["tscHz"], "cyclesPerPacket": s["cyclesPerPacket"]["median"],
            "netCyclesPerPacket": s["netCyclesPerPacket"], "maxRssBytes": usage.ru_maxrss * 1024}


def instructions(build: Path, p: Path_, walks: int, workdir: Path) -> dict:
    """The scenario's and its baseline's instructions per packet, by instructions.sh
    (callgrind over the measured walks)."""
    out = workdir / f"instructions-{p.name}.json"
    env = {**os.environ, "WALKS": str(walks), "SCENARIOS": f"baseline {p.scenario}",
           "BENCH_ARGS": " ".join(p.valgrind_args)}
    done = subprocess.run(["sh", str(Path(__file__).resolve().parent / "instructions.sh"),
                           str(build / "bench" / p.bench), str(out)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"instructions.sh {p.bench} {p.scenario}: exit {done.returncode}: "
                           f"{done.stderr.strip()[-2000:]}")
    s = next(x for x in json.loads(out.read_text())["scenarios"] if x["name"] == p.scenario)
    return {"perPacket": s["instructionsPerPacket"], "netPerPacket": s["netInstructionsPerPacket"],
            "benchArgs": p.valgrind_args, "walks": walks}


def run(a, chosen: list[Path_], work: Path, main_core: int) -> dict:
    pcaps = {}
    for p in chosen:
        pcaps[p.name] = work / f"{p.name}.pcap"
        traffic.write_pcap(str(pcaps[p.name]), p.frames() if p.frames else traffic.decap_forward_frames(a.tenants, 1, 106))
    # The VPN paths' testpmd I/O: ESP frames are not in a pcap of ours; the
    # decap-forward frames are the same size class (148 B), said in the JSON.
    ovs = ovs_dpdk.OvsDpdk(work, main_core=main_core, pmd_core=a.core)
    rounds: list[dict] = []
    try:
        for r in range(1, a.rounds + 1):
            row: dict = {"testpmdNull": testpmd.io_forward(["net_null0", "net_null1"], main_core=main_core,
                                                           fwd_core=a.core), "paths": {}}
            for p in chosen:
                x = {"ours": ours_round(Path(a.build), p, a.core, work, r)}
                x["testpmdPcap"] = testpmd.io_forward(
                    [f"net_pcap0,rx_pcap={pcaps[p.name]},infinite_rx=1", "net_null0,no-rx=1"], main_core=main_core,
                    fwd_core=a.core, mbufs=262144)
                if p.ovs is not None and not a.no_ovs:
                    tenants, mode = p.ovs()
                    t0 = time.monotonic()
                    ovs.start(pcaps[p.name], tenants, mode)
                    x["ovsStartSeconds"] = round(time.monotonic() - t0, 1)
                    x["ovs"] = ovs.measure(a.seconds)
                    ovs.stop()
                row["paths"][p.name] = x
                ovs_text = f", OVS {x['ovs']['pps'] / 1e6:.2f} Mpps" if "ovs" in x else ""
                print(f"round {r} {p.name}: ours {x['ours']['netCyclesPerPacket']:.0f} net cycles, "
                      f"testpmd pcap {x['testpmdPcap'] / 1e6:.1f} Mpps{ovs_text}", file=sys.stderr)
            rounds.append(row)
    finally:
        ovs.stop()
    hz = rounds[0]["paths"][chosen[0].name]["ours"]["tscHz"]
    med = statistics.median
    results = []
    for p in chosen:
        xs = [row["paths"][p.name] for row in rounds]
        m = {"oursNetCyclesPerPacket": med(x["ours"]["netCyclesPerPacket"] for x in xs),
             "oursCyclesPerPacket": med(x["ours"]["cyclesPerPacket"] for x in xs),
             "testpmdPcapCyclesPerPacket": med(hz / x["testpmdPcap"] for x in xs)}
        m["oursWithIoCyclesPerPacket"] = med(x["ours"]["netCyclesPerPacket"] + hz / x["testpmdPcap"] for x in xs)
        m["oursMaxRssBytes"] = max(x["ours"]["maxRssBytes"] for x in xs)
        if all("ovs" in x for x in xs):
            m["ovsRssBytes"] = max(x["ovs"]["rssBytes"] for x in xs)
            m["ovsCyclesPerPacket"] = med(x["ovs"]["processingCyclesPerPacket"] for x in xs)
            m["ovsPps"] = med(x["ovs"]["pps"] for x in xs)
            m["ovsOverOurs"] = m["ovsCyclesPerPacket"] / m["oursWithIoCyclesPerPacket"]
        entry = {"path": p.name, "what": p.what, "bench": p.bench, "scenario": p.scenario, "benchArgs": p.args,
                 "ovs": p.ovs_what if "ovsCyclesPerPacket" in m else None,
                 "ovsAbsent": None if "ovsCyclesPerPacket" in m else (p.why or "not run (--no-ovs)"),
                 "pcap": "the decap-forward frames (148 B)" if p.frames is None else "this path's frames",
                 "median": m, "rounds": xs}
        if not a.no_instructions:
            entry["instructions"] = instructions(Path(a.build), p, a.walks, work)
        results.append(entry)
    return {"tscHz": hz, "rounds": a.rounds, "testpmdNullCyclesPerPacket": med(hz / row["testpmdNull"] for row in rounds),
            "testpmdNullRounds": [row["testpmdNull"] for row in rounds], "paths": results}


def machine() -> dict:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent).stdout.strip() or "unknown"
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": os.uname().release, "commit": commit}


def markdown(doc: dict) -> str:
    hz = doc["tscHz"]
    lines = [f"{doc['date']}, commit {doc['machine']['commit']}, {doc['machine']['cpu']} "
             f"(TSC {hz / 1e9:.2f} GHz), measured core {doc['core']}, median of {doc['rounds']} interleaved rounds; "
             "cycles per packet (Mpps per core = TSC / cycles)", "",
             "| path | ours, nodes (net) | ours + pcap → null I/O | Open vSwitch DPDK | OVS / ours | "
             "testpmd pcap → null | instructions/packet (net) | memory: ours / OVS (MiB) |",
             "|---|---|---|---|---|---|---|---|"]
    for x in doc["paths"]:
        m = x["median"]
        ovs = f"{m['ovsCyclesPerPacket']:.0f}" if "ovsCyclesPerPacket" in m else "—"
        ratio = f"**{m['ovsOverOurs']:.2f}**" if "ovsOverOurs" in m else "—"
        ins = x.get("instructions")
        ins_text = f"{ins['perPacket']:,.0f} ({ins['netPerPacket']:,.0f})" if ins else "—"
        mem = f"{m['oursMaxRssBytes'] / 2**20:,.0f} / " + (f"{m['ovsRssBytes'] / 2**20:,.0f}" if "ovsRssBytes" in m else "—")
        lines.append(f"| {x['path']} | {m['oursNetCyclesPerPacket']:.0f} | {m['oursWithIoCyclesPerPacket']:.0f} | "
                     f"{ovs} | {ratio} | {m['testpmdPcapCyclesPerPacket']:.0f} | {ins_text} | {mem} |")
    lines.append(f"| *I/O ceiling: dpdk-testpmd io, net_null ↔ net_null* | | | | | "
                 f"{doc['testpmdNullCyclesPerPacket']:.1f} | | |")
    lines.append("")
    lines.append("Memory: the benchmark process's peak resident set (its tables, mbuf pool and the hugepages it "
                 "touched) and ovs-vswitchd's resident set while it forwarded; both include their DPDK memory.")
    lines.append("")
    for x in doc["paths"]:
        line = f"- **{x['path']}**: {x['what']} ({x['bench']} {x['scenario']})"
        line += f"; OVS: {x['ovs']}" if x["ovs"] else f"; no OVS figure: {x['ovsAbsent']}"
        lines.append(line + ".")
    return "\n".join(lines) + "\n"


def chart(doc: dict, path: str) -> None:
    import matplotlib  # python3-matplotlib (scripts/packages.txt)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [x["path"] for x in doc["paths"]]
    series = [("hnv-gateway nodes (net)", "oursNetCyclesPerPacket", "#1f77b4"),
              ("hnv-gateway nodes + pcap→null I/O", "oursWithIoCyclesPerPacket", "#aec7e8"),
              ("Open vSwitch 3.1 DPDK", "ovsCyclesPerPacket", "#d62728"),
              ("dpdk-testpmd io, pcap→null (I/O only)", "testpmdPcapCyclesPerPacket", "#7f7f7f")]
    fig, ax = plt.subplots(figsize=(11, 1.1 + 0.9 * len(names)))
    h = 0.2
    for i, (label, key, colour) in enumerate(series):
        ys = [n + (i - 1.5) * h for n in range(len(names))]
        vals = [x["median"].get(key) for x in doc["paths"]]
        bars = ax.barh([y for y, v in zip(ys, vals) if v is not None], [v for v in vals if v is not None], h,
                       label=label, color=colour)
        ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=2)
        for y, v in zip(ys, vals):
            if v is None:
                ax.text(ax.get_xlim()[1] * 0.01, y, "no ESP in OVS-DPDK", va="center", fontsize=7, color=colour)
    ax.axvline(doc["testpmdNullCyclesPerPacket"], color="black", linestyle=":", linewidth=1,
               label=f"I/O ceiling, testpmd null↔null ({doc['testpmdNullCyclesPerPacket']:.0f})")
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("CPU cycles per packet, one core (lower is better)")
    mc = doc["machine"]
    ax.set_title(f"hnv-gateway data paths vs Open vSwitch DPDK — {doc['date']}, commit {mc['commit']}\n"
                 f"{mc['cpu']}, TSC {doc['tscHz'] / 1e9:.2f} GHz, {mc['cores']} cores, median of {doc['rounds']} rounds",
                 fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--path", action="append", choices=ORDER)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tenants", type=int, default=4096)
    ap.add_argument("--nat-tenants", type=int, default=64)
    ap.add_argument("--nat-flows", type=int, default=1024)
    ap.add_argument("--tunnels", type=int, default=1000)
    ap.add_argument("--host-tenants", type=int, default=4096)
    ap.add_argument("--records", type=int, default=256)
    ap.add_argument("--vms", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--walks", type=int, default=500, help="measured walks under callgrind")
    ap.add_argument("--core", type=int, default=1)
    ap.add_argument("--no-ovs", action="store_true")
    ap.add_argument("--no-instructions", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--md")
    ap.add_argument("--chart")
    a = ap.parse_args()
    if a.rounds < 1:
        ap.error("--rounds: at least 1")
    why = None if a.no_ovs else ovs_dpdk.missing()
    if why:
        print(f"side_by_side: {why}", file=sys.stderr)
        return 2
    chosen = [paths(a)[n] for n in (a.path or ORDER)]
    for p in chosen:
        if not (Path(a.build) / "bench" / p.bench).exists():
            print(f"side_by_side: {a.build}/bench/{p.bench}: no such benchmark (cmake --build {a.build} "
                  f"--target {p.bench})", file=sys.stderr)
            return 2
    main_core = 0 if a.core != 0 else 1
    work = Path(tempfile.mkdtemp(prefix="hnv-sbs-"))
    doc = {"date": time.strftime("%Y-%m-%d", time.gmtime()), "machine": machine(), "core": a.core,
           **run(a, chosen, work, main_core)}
    text = markdown(doc)
    print(text)
    if a.json:
        Path(a.json).write_text(json.dumps(doc, indent=2) + "\n")
    if a.md:
        Path(a.md).write_text(text)
    if a.chart:
        chart(doc, a.chart)
    return 0


if __name__ == "__main__":
    sys.exit(main())
