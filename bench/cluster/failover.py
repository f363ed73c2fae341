#!/usr/bin/python3
"""Failover of a gateway cluster, measured in the lab (issue 8, acceptance 5).

Builds the VPN lab with the NAT lab's internet side and a two-member
cluster whose hnv-ikeds sync their IKE state (tests/lab/hnvlab: vpn.py
with nat=True, cluster.py), then:

  sessions   vm-a1 opens --sessions UDP sessions through A's NAT (one
             datagram from one socket to as many ports of the internet
             node); the sync's bytes for them are read from the active
  snapshot   the standby restarts and gets the whole state: records, bytes
             and milliseconds of the snapshot, as the active reports them
  kill       --rounds times: a UDP stream of 200 datagrams/s from vm-b1 and a
             paced TCP download by vm-a1 through NAT, and a UDP stream of
             200/s from vm-a2 and vm-b2 through their tenants' tunnels, run
             while the active hnvgwd gets SIGKILL; per stream the blackout
             (longest gap between datagrams) and datagrams lost, whether
             the download finished on its one connection, how many IKE and
             CHILD SAs the sites negotiated meanwhile, and how long the
             peer had been silent when the standby became active; the
             killed member then rejoins as standby and resyncs
  switchover --rounds planned switchovers under the same traffic

Writes JSON (--json) and prints a Markdown table. Run as root:

  bench/cluster/failover.py [--build build] [--sessions 10000] [--rounds 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lab"))

from hnvlab.cluster import (MEMBERS, start_download, start_udp_stream, udp_result, wait_roles,  # noqa: E402
                            wait_synced)
from hnvlab.host import PYTHON  # noqa: E402
from hnvlab.nat import INTERNET  # noqa: E402
from hnvlab.topology import Lab  # noqa: E402
from hnvlab.vpn import SITE_HOST, start_vpn_lab  # noqa: E402

OPEN_SESSIONS = r"""
import socket, sys, time
n, dst = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for port in range(20000, 20000 + n):
    s.sendto(b"x", (dst, port))
    if port % 100 == 99:
        time.sleep(0.005)  # about 20,000 per second: no ring on the way overflows
"""


def sync_of(gw) -> dict:
    return gw.ctl_json("cluster")["sync"]


def active_and_standby(members):
    roles = {g.name: g.ctl_json("cluster")["role"] if g.running else "down" for g in members}
    active = next(g for g in members if roles[g.name] == "active")
    standby = next(g for g in members if g is not active)
    return active, standby


def negotiations(nl) -> int:
    """IKE and CHILD SAs the sites' charons have established so far."""
    return sum(len(re.findall(r"(?:IKE_SA \S+ established between|CHILD_SA \S+ established with SPIs)", s.log()))
               for s in nl.sites.values())


def under_traffic(nl, action, port: int) -> dict:
    """Through NAT a UDP stream (200/s for 6 s, tenant B) and a paced download (6 MiB at 1 MiB/s,
    tenant A), through each tenant's tunnel a UDP stream (200/s for 6 s), across `action()`, 2 s in."""
    source, fetch, expected = start_download(nl, nl.vms["vm-a1"], 6 << 20, 1 << 20, port=port)
    nat = start_udp_stream(nl.vms["vm-b1"], nl.internet, INTERNET, 200, 6.0, port=port + 1000)
    s2s = [start_udp_stream(nl.vms[vm], nl.sites[t].node, SITE_HOST, 200, 6.0, port=port + 2000)
           for t, vm in (("A", "vm-a2"), ("B", "vm-b2"))]
    time.sleep(2.0)
    negotiated = negotiations(nl)
    extra = action()
    udp = udp_result(nat[1])
    tunnels = [udp_result(r) for _, r in s2s]
    fetch.wait(timeout=40)
    source.stop()
    return {"udp_sent": udp["highest"] + 1, "udp_lost": udp["lost"], "blackout_ms": udp["max_gap_ms"],
            "tcp_download_survived": expected in fetch.log_tail(20),
            "s2s_lost": max(x["lost"] for x in tunnels), "s2s_blackout_ms": max(x["max_gap_ms"] for x in tunnels),
            "ike_negotiations": negotiations(nl) - negotiated, **extra}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=str(ROOT / "build"))
    p.add_argument("--sessions", type=int, default=10000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--json")
    args = p.parse_args()
    os.environ["HNV_BUILD_DIR"] = str(Path(args.build).resolve())
    out: dict = {"date": time.strftime("%Y-%m-%d"), "machine": os.uname().nodename, "sessions": args.sessions}
    with Lab("bench-failover") as lab:
        nl = start_vpn_lab(lab, members=MEMBERS, nat=True)
        a, b = nl.members
        wait_roles(nl.members, ["active", "standby"])
        for vm in ("vm-a1", "vm-b1"):
            nl.vms[vm].wait_ping(INTERNET, timeout=30)
        for vm in ("vm-a2", "vm-b2"):
            nl.vms[vm].wait_ping(SITE_HOST, timeout=30)
        wait_synced(b, a)
        # Sessions: what replicating their creation costs.
        before = sync_of(a)
        nl.vms["vm-a1"].node.exec([PYTHON, "-c", OPEN_SESSIONS, str(args.sessions), INTERNET], check=True, timeout=60)
        time.sleep(1.0)
        wait_synced(b, a)
        after = sync_of(a)
        out["creation"] = {"records": after["records_sent"] - before["records_sent"],
                           "bytes": after["bytes_sent"] - before["bytes_sent"]}
        # Idle: what the same sessions cost while nothing happens (refreshes only).
        time.sleep(10.0)
        idle = sync_of(a)
        out["idle_bytes_per_s"] = round((idle["bytes_sent"] - after["bytes_sent"]) / 10.0, 1)
        # A rejoining standby: the whole state.
        b.restart()
        wait_roles(nl.members, ["active", "standby"])
        wait_synced(b, a)
        out["snapshot"] = sync_of(a)["last_snapshot"]
        kills, switchovers = [], []
        for r in range(args.rounds):
            active, standby = active_and_standby(nl.members)

            def kill():
                active.process.kill()
                wait_roles([standby], ["active"], timeout=10)
                st = standby.ctl_json("cluster")["last_activation"]
                return {"peer_silence_ms": st["peer_silence_ms"]}

            kills.append(under_traffic(nl, kill, 5100 + r))
            active.start()
            wait_synced(active, standby)
        for r in range(args.rounds):
            active, standby = active_and_standby(nl.members)
            wait_synced(standby, active)
            switchovers.append(under_traffic(nl, lambda: (active.ctl("cluster", "switchover"), {})[1], 5200 + r))
            wait_synced(active, standby)
        out["kill"] = kills
        out["switchover"] = switchovers
    med = lambda rows, k: statistics.median(x[k] for x in rows)  # noqa: E731
    print(f"| measure | value |\n|---|---|")
    print(f"| sessions created, replicated | {out['creation']['records']} records, {out['creation']['bytes']} bytes |")
    print(f"| idle sync, {args.sessions} sessions | {out['idle_bytes_per_s']} bytes/s |")
    print(f"| snapshot to a rejoining standby | {out['snapshot']['records']} records, {out['snapshot']['bytes']} bytes, "
          f"{out['snapshot']['ms']:.1f} ms |")
    print(f"| kill -9: peer silent at takeover (median) | {med(kills, 'peer_silence_ms')} ms |")
    print(f"| kill -9: blackout (median, max) | {med(kills, 'blackout_ms')} ms, {max(x['blackout_ms'] for x in kills)} ms |")
    print(f"| kill -9: UDP datagrams lost at 200/s (median) | {med(kills, 'udp_lost')} |")
    print(f"| kill -9: TCP downloads survived | {sum(x['tcp_download_survived'] for x in kills)}/{len(kills)} |")
    print(f"| kill -9: S2S blackout, worse tunnel (median, max) | {med(kills, 's2s_blackout_ms')} ms, "
          f"{max(x['s2s_blackout_ms'] for x in kills)} ms |")
    print(f"| kill -9: S2S datagrams lost at 200/s, worse tunnel (median) | {med(kills, 's2s_lost')} |")
    print(f"| kill -9: IKE/CHILD SAs negotiated by the sites | {sum(x['ike_negotiations'] for x in kills)} |")
    print(f"| switchover: S2S blackout, worse tunnel (median, max) | {med(switchovers, 's2s_blackout_ms')} ms, "
          f"{max(x['s2s_blackout_ms'] for x in switchovers)} ms |")
    print(f"| switchover: IKE/CHILD SAs negotiated by the sites | {sum(x['ike_negotiations'] for x in switchovers)} |")
    print(f"| switchover: blackout (median, max) | {med(switchovers, 'blackout_ms')} ms, "
          f"{max(x['blackout_ms'] for x in switchovers)} ms |")
    print(f"| switchover: UDP datagrams lost at 200/s (median) | {med(switchovers, 'udp_lost')} |")
    print(f"| switchover: TCP downloads survived | {sum(x['tcp_download_survived'] for x in switchovers)}/{len(switchovers)} |")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
