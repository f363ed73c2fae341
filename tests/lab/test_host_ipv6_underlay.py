"""The overlay over an IPv6 underlay (issue 4 scope: HNV's PAs may be IPv6).

host1 and host2 have only IPv6 provider addresses (2001:db8:1::11/64 and
::12/64 on the underlay); tenants A and B use the same CAs (10.0.1.0/24), and
tenant B's VSID floods to the PA multicast group ff15::1:1. Shown with real
traffic:

- each host found the other's PA by neighbour discovery (its own
  solicitation, the other's advertisement) and lists it among its neighbours;
- VMs of both tenants ping and move 1 MiB over TCP both ways; every NVGRE
  frame on the underlay is IPv6, between the two PAs, and carries the VSID of
  the tenant whose VMs' MACs it holds;
- the VMs keep MTU 1458, which fits an IPv4 underlay but not IPv6's 20 more
  bytes: the first full-size segments are answered with "fragmentation
  needed" (mtu 1438) by the VSID's router, the guest's path-MTU discovery
  lowers its route's MTU, and TCP runs (nvgre-encap counts too-big);
- a broadcast of tenant B leaves host1 as one NVGRE copy to ff15::1:1 and
  reaches vm-b2 through host2, which took it from the group;
- PA ping (ICMPv6 echo from host1's PA) and the CA connectivity test work
  across the IPv6 underlay;
- tshark with the shipped dissector reads the VSID of these IPv6-framed packets.

Skips while the binaries are not built.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest

from hnvlab.tenants import start_overlay, two_tenants

PA = {"host1": "2001:db8:1::11", "host2": "2001:db8:1::12"}
GROUP_B = "ff15::1:1"
GRE_PROTO, NVGRE_ETHERTYPE = 47, 0x6558
DISSECTOR = Path(__file__).resolve().parents[2] / "tools" / "wireshark" / "nvgre.lua"


def nvgre6(frame: bytes) -> tuple[str, str, int, bytes] | None:
    """(outer source, outer destination, VSID, inner frame) of NVGRE in IPv6 without extension headers."""
    if len(frame) < 14 + 40 + 8 + 14 or struct.unpack_from("!H", frame, 12)[0] != 0x86DD:
        return None
    if frame[14 + 6] != GRE_PROTO:
        return None
    src = str(ipaddress.IPv6Address(frame[14 + 8:14 + 24]))
    dst = str(ipaddress.IPv6Address(frame[14 + 24:14 + 40]))
    gre = 14 + 40
    flags, proto = struct.unpack_from("!HH", frame, gre)
    if proto != NVGRE_ETHERTYPE or not flags & 0x2000:
        return None
    return src, dst, struct.unpack_from("!I", frame, gre + 4)[0] >> 8, frame[gre + 8:]


def is_ipv4_gre(frame: bytes) -> bool:
    return len(frame) > 34 and frame[12:14] == b"\x08\x00" and frame[23] == GRE_PROTO


@pytest.fixture
def overlay6(lab, hnv_bin):
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    topo = two_tenants()
    for name, pa in PA.items():
        topo.hosts[name] = dataclasses.replace(topo.hosts[name], pa=pa, pa_prefix_len=64)
    topo.tenants["B"] = dataclasses.replace(topo.tenants["B"], multicast_group=GROUP_B)
    for p in topo.vms_of("B"):
        topo.vms[p.name] = dataclasses.replace(p, tenant=topo.tenants["B"])
    ctl, hosts, vms = start_overlay(lab, topo)
    return topo, ctl, hosts, vms


def test_two_hosts_with_ipv6_pas_carry_both_tenants(overlay6, lab):
    topo, ctl, hosts, vms = overlay6
    underlay = lab.get_segment("underlay").capture()
    vsid_of_mac = {bytes.fromhex(p.mac.replace(":", "")): p.tenant.vsid for p in topo.vms.values()}

    for i, tenant in enumerate(("A", "B")):
        one, two = (vms[p.name] for p in topo.vms_of(tenant))
        one.wait_ping(two, timeout=20)
        two.wait_ping(one, timeout=20)
        one.tcp_transfer(two, port=5001 + i, nbytes=1 << 20, seed=i)
        two.tcp_transfer(one, port=5101 + i, nbytes=1 << 20, seed=10 + i)

    # Neighbour discovery resolved each host's peer PA to the peer's uplink MAC.
    for name, peer in (("host1", "host2"), ("host2", "host1")):
        entries = hosts[name].ctl_json("neighbors")["entries"]
        found = {e["address"]: e["mac"].lower() for e in entries}
        assert found.get(PA[peer]) == topo.hosts[peer].uplink_mac.lower(), (name, entries)

    # Diagnostics over the IPv6 underlay: PA ping and the CA connectivity test.
    r = hosts["host1"].ctl_json("pa-ping", PA["host2"], "--count", "3", "--interval", "50")
    assert (r["sent"], r["received"], r["source"]) == (3, 3, PA["host1"]), r
    r = hosts["host1"].ctl_json("pa-ping", "2001:db8:1::77", "--count", "1", "--timeout", "300")
    assert (r["sent"], r["received"]) == (1, 0), r
    r = hosts["host1"].ctl_json("ca-test", "--port", "vm-b1", "--sender", "10.0.1.10", "--receiver", "10.0.1.20",
                                "--count", "3", "--interval", "50")
    assert (r["sent"], r["received"]) == (3, 3), r
    assert (r["routing"]["sender_pa"], r["routing"]["next_hop"]["pa"]) == (PA["host1"], PA["host2"]), r

    # Path-MTU discovery through the VSID's router: 1458 fits IPv4 outside, not IPv6.
    assert hosts["host1"].counter("hnv_node_errors_total", node="nvgre-encap", error="too-big") >= 1
    route = vms["vm-a1"].exec(["ip", "route", "get", topo.vms["vm-a2"].ca]).stdout
    assert "mtu 1438" in route, route

    # Tenant B's broadcast: one copy to the group from host1, delivered to vm-b2 by host2.
    b2_cap = vms["vm-b2"].capture(bpf="icmp and ether broadcast")
    time.sleep(0.5)
    vms["vm-b1"].exec(["ping", "-b", "-c", "2", "-i", "0.3", "-W", "1", "10.0.1.255"], check=False)
    deadline = time.monotonic() + 5
    while not b2_cap.frames() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert b2_cap.frames(), "vm-b2 did not receive vm-b1's broadcast"

    frames = underlay.frames()
    assert not [f for f in frames if is_ipv4_gre(f)], "NVGRE in IPv4 on an IPv6-only underlay"
    inner = [x for x in map(nvgre6, frames) if x]
    assert len(inner) > 1000, len(inner)
    unicast = [x for x in inner if x[1] != GROUP_B]
    assert {(s, d) for s, d, _, _ in unicast} == {(PA["host1"], PA["host2"]), (PA["host2"], PA["host1"])}
    for _, _, vsid, frame in inner:
        for mac in (frame[0:6], frame[6:12]):
            if mac in vsid_of_mac:
                assert vsid == vsid_of_mac[mac], f"inner frame of {mac.hex(':')} carried VSID {vsid}"
    assert {vsid for _, _, vsid, _ in unicast} == {topo.tenants["A"].vsid, topo.tenants["B"].vsid}
    to_group = [x for x in inner if x[1] == GROUP_B]
    assert to_group and all(s == PA["host1"] and v == topo.tenants["B"].vsid for s, _, v, _ in to_group), to_group[:2]
    assert all(f[0:6] == b"\xff" * 6 for _, _, _, f in to_group)
    assert len(to_group) == 2, f"{len(to_group)} copies of 2 broadcasts to the group"
    too_big = hosts["host1"].counter("hnv_node_errors_total", node="nvgre-encap", error="too-big")
    print(f"\nIPv6 underlay: {len(unicast)} unicast NVGRE frames, {len(to_group)} to {GROUP_B}, "
          f"host1 too-big {too_big}, vm-a1 route: {route.strip()}")

    if shutil.which("tshark") is None:
        return  # the dissector's own interop test reports tshark's absence
    ours = [v for _, _, v, _ in inner]
    fields = subprocess.run(["tshark", "-X", f"lua_script:{DISSECTOR}", "-r", str(underlay.pcap), "-Y", "nvgre",
                             "-T", "fields", "-e", "nvgre.vsid"],
                            capture_output=True, text=True, timeout=60, check=True).stdout.split()
    assert [int(v, 0) for v in fields] == ours
