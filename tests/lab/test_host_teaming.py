"""NIC teaming of hnv-hostd (issue 4 acceptance 8): host1 has two uplinks,
ul0 with PA 192.0.2.11 (vm-a1's record) and ul1 with PA 192.0.2.21 (vm-b1's
record), each with its own MAC. Flows leave over both; when ul0 goes down,
its PA moves to ul1 with a gratuitous ARP and traffic continues.
"""

from __future__ import annotations

import dataclasses
import time

from hnvlab import reference
from hnvlab.process import wait_for
from hnvlab.tenants import start_overlay, two_tenants

PA2, UL1_MAC = "192.0.2.21", "02:00:00:00:00:21"

# 64 UDP flows (one source port each) from the VM to `dst`.
UDP_FLOWS = """
import socket, sys
for port in range(20000, 20064):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", port))
    for _ in range(4):
        s.sendto(b"team" * 100, (sys.argv[1], 9))
    s.close()
"""


def tx(host, port: str) -> int:
    return next(p["stats"]["tx_packets"] for p in host.ctl_json("ports") if p["name"] == port)


def addresses(host, port: str) -> list[str]:
    return next(p["addresses"] for p in host.ctl_json("ports") if p["name"] == port)


def test_two_uplinks_share_flows_and_a_failed_uplinks_pa_moves(lab, hnv_bin):
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    topo = two_tenants()
    topo.vms["vm-b1"] = dataclasses.replace(topo.vms["vm-b1"], pa=PA2)
    second_pa = {"op": "create", "kind": "provider-addresses",
                 "object": {"node": "host1", "address": PA2, "interface": "ul1", "prefixLength": 24, "mac": UL1_MAC}}
    ctl, hosts, vms = start_overlay(
        lab, topo, [second_pa],
        before_start=lambda h: h["host1"].add_uplink(reference.UNDERLAY, "ul1", [f"{PA2}/24"], mac=UL1_MAC))
    host1, host2 = hosts["host1"], hosts["host2"]
    a1, a2, b1, b2 = (vms[n] for n in ("vm-a1", "vm-a2", "vm-b1", "vm-b2"))
    a1.wait_ping(a2, timeout=20)
    b1.wait_ping(b2, timeout=20)

    # Outbound flows spread over both members by hash.
    before = {p: tx(host1, p) for p in ("ul0", "ul1")}
    a1.exec(["/usr/bin/python3", "-c", UDP_FLOWS, a2.ca], check=True, timeout=30)
    sent = {p: tx(host1, p) - before[p] for p in ("ul0", "ul1")}
    assert min(sent.values()) >= 32, f"64 flows x 4 datagrams left as {sent}: not spread over both uplinks"

    # ul0 fails: its PA moves to ul1, announced by gratuitous ARP; traffic continues.
    down = time.monotonic()
    host1.node.exec(["ip", "link", "set", "ul0", "down"], check=True)
    wait_for(lambda: f"192.0.2.11/24" in addresses(host1, "ul1"), timeout=5, interval=0.05,
             what="host1 to move PA 192.0.2.11 to ul1")
    moved = time.monotonic()
    a1.wait_ping(a2, timeout=10)
    restored = time.monotonic()
    print(f"\nPA moved {1000 * (moved - down):.0f} ms after the link went down; "
          f"vm-a1 -> vm-a2 answered again after {1000 * (restored - down):.0f} ms")
    assert "provider address moved" in host1.process.log_text()
    neighbours = {e["address"]: e["mac"] for e in host2.ctl_json("neighbors")["entries"]}
    assert neighbours.get("192.0.2.11") == UL1_MAC, neighbours
    a1.tcp_transfer(a2, port=5301, nbytes=256 << 10, seed=7)
    b1.tcp_transfer(b2, port=5302, nbytes=256 << 10, seed=8)
