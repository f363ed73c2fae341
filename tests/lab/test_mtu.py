"""MTU without surprises (spec section 6, pain point 1; issue "Gateway data plane", acceptance 2).

- A VM that keeps MTU 1500 behind an overlay that carries 1458: its DF
  packets too big for NVGRE are answered by its VSID's router with ICMP
  "fragmentation needed" (IPv4) or "packet too big" (IPv6), so the guest's
  own path-MTU discovery works (ping -M do shows the MTU; TCP then runs).
- The forwarding gateway: a tenant network with a smaller MTU (tenant C,
  1400) answers DF packets with "fragmentation needed" (mtu 1400) from the
  gateway's address, and TCP SYNs crossing the gateway have their MSS clamped
  to what the overlay (and that network) carries.

Skips while the binaries are not built (and, for the gateway, without Open vSwitch).
"""

from __future__ import annotations

import dataclasses
import struct

import pytest

from hnvlab.forwarding import EXTERNAL_GATEWAY, EXTERNAL_ROUTER, REMOTE
from hnvlab.host import tcp_transfer
from hnvlab.tenants import start_overlay, two_tenants


def tcp_syn_mss(frame: bytes, dport: int) -> int | None:
    """The MSS option of an IPv4 TCP SYN (not SYN-ACK) to `dport` in an Ethernet frame, else None."""
    if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return None
    ihl = (frame[14] & 0x0F) * 4
    tcp = frame[14 + ihl:]
    if struct.unpack_from("!H", tcp, 2)[0] != dport or tcp[13] & 0x12 != 0x02:
        return None
    off, end = 20, (tcp[12] >> 4) * 4
    while off < end:
        kind = tcp[off]
        if kind == 0:
            break
        if kind == 1:
            off += 1
            continue
        if kind == 2:
            return struct.unpack_from("!H", tcp, off + 2)[0]
        off += tcp[off + 1]
    return None


@pytest.fixture
def mtu1500(lab, hnv_bin):
    """Tenant A dual-stack; vm-a1 keeps MTU 1500 (its host's port too)."""
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    topo = two_tenants()
    topo.tenants["A"] = dataclasses.replace(topo.tenants["A"], prefix6="fd00:1::/64", gateway6="fd00:1::1")
    for name in ("vm-a1", "vm-a2"):
        topo.vms[name] = dataclasses.replace(topo.vms[name], tenant=topo.tenants["A"])
    topo.vms["vm-a1"] = dataclasses.replace(topo.vms["vm-a1"], mtu=1500)
    a2 = topo.vms["vm-a2"]
    extra = [{"op": "create", "kind": "lookup-records",
              "object": {"vsid": 5001, "ca": "fd00:1::20", "mac": a2.mac, "pa": topo.hosts["host2"].pa}}]
    ctl, hosts, vms = start_overlay(lab, topo, extra)
    for name, ca in (("vm-a1", "fd00:1::10/64"), ("vm-a2", "fd00:1::20/64")):
        vms[name].node.ns.sysctl({"net/ipv6/conf/eth0/disable_ipv6": 0})
        vms[name].exec(["ip", "addr", "add", ca, "dev", "eth0", "nodad"], check=True)
    return vms


def test_vm_with_mtu_1500_learns_the_overlay_mtu(mtu1500):
    a1, a2 = mtu1500["vm-a1"], mtu1500["vm-a2"]
    a1.wait_ping(a2, timeout=20)
    # 1472 bytes of ICMP data: a 1500-byte packet; the overlay carries 1458.
    out = a1.ping(a2, count=1, size=1472, dont_fragment=True, check=False)
    assert "mtu = 1458" in out.stdout + out.stderr, out.stdout + out.stderr
    assert a1.host.counter("hnv_node_errors_total", node="nvgre-encap", error="too-big") >= 1
    # The kernel keeps the learned MTU for the route: the next try fails locally, saying so.
    route = a1.exec(["ip", "route", "get", a2.ca], check=True).stdout
    assert "mtu 1458" in route, route
    # IPv6: "packet too big" with the same MTU.
    out6 = a1.ping("fd00:1::20", count=1, size=1452, dont_fragment=True, check=False)
    assert "mtu=1458" in (out6.stdout + out6.stderr).replace(" ", ""), out6.stdout + out6.stderr
    # And TCP just works: full-size segments from the guest, cut to the path MTU.
    a1.tcp_transfer(a2, port=5301, nbytes=1 << 20, seed=3)


@pytest.fixture
def fwd_small_c(forwarding_lab):
    return forwarding_lab(tenant_c_mtu=1400)


def test_gateway_answers_too_big_and_clamps_mss(fwd_small_c):
    fwd = fwd_small_c
    vm_c = fwd.vms["vm-c2"]
    vm_c.wait_ping(REMOTE, timeout=30)
    # 1418 - 28: fits the overlay (1458) but not tenant C's network (1400).
    out = vm_c.ping(REMOTE, count=1, size=1430, dont_fragment=True, check=False)
    text = out.stdout + out.stderr
    assert "mtu = 1400" in text and EXTERNAL_GATEWAY in text, text
    gw = fwd.gateway
    assert gw.counter("hnv_node_errors_total", node="iface-output", error="too-big") >= 1

    # MSS: net-a's SYN (1460) reaches vm-a1 clamped to the overlay's 1418; vm-c2's SYN
    # (1418) reaches net-c clamped to its 1400-byte network's 1360.
    vm_a = fwd.vms["vm-a1"]
    vm_a.wait_ping(EXTERNAL_ROUTER, timeout=30)
    cap_a = vm_a.capture(name="cap-vm-a1-syn")
    tcp_transfer(fwd.nets["A"], vm_a.node, vm_a.ca, port=7201, nbytes=200_000, seed=5)
    cap_c = fwd.nets["C"].capture("eth0", name="cap-net-c-syn")
    tcp_transfer(vm_c.node, fwd.nets["C"], REMOTE, port=7202, nbytes=200_000, seed=6)
    to_a = [m for m in (tcp_syn_mss(f, 7201) for f in cap_a.frames()) if m is not None]
    to_c = [m for m in (tcp_syn_mss(f, 7202) for f in cap_c.frames()) if m is not None]
    assert to_a and set(to_a) == {1418}, to_a
    assert to_c and set(to_c) == {1360}, to_c
