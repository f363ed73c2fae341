"""Two hosts running hnv-hostd, two tenants with the same CAs: the host overlay end to end.

Topology (hnvlab.tenants.two_tenants, TESTING.md's reference overlay):

    vm-a1 10.0.1.10  vm-b1 10.0.1.10         vm-a2 10.0.1.20  vm-b2 10.0.1.20
       (VSID 5001)     (VSID 6001)              (VSID 5001)     (VSID 6001)
          \\ tap        / tap                       \\ tap        / tap
         host1 (hnv-hostd, PA 192.0.2.11) -- underlay -- host2 (hnv-hostd, PA 192.0.2.12)
            \\___________ mgmt 198.51.100.192/26: controller 198.51.100.200 ______/

The policy (routing domains, virtual subnets, nodes, provider addresses,
lookup records) is loaded into a real hnv-controller before the hosts start;
each hnv-hostd fetches its desired state over the management segment with
its node token. VM ports are net_tap on pre-created taps bridged to the VM's
veth (hnvlab/host.py, docs/notes-lab-vm-ports.md).

Skips while build/bin/hnv-hostd is not built.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from hnvlab.tenants import start_overlay, two_tenants

GRE_PROTO, NVGRE_ETHERTYPE = 47, 0x6558
DISSECTOR = Path(__file__).resolve().parents[2] / "tools" / "wireshark" / "nvgre.lua"
PATTERN = {"A": "a1a1a1a1", "B": "b2b2b2b2"}   # ping -p payload markers, one per tenant
TCP_PORT = {"A": 5001, "B": 6001}


@pytest.fixture
def overlay(lab, hnv_bin):
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    topo = two_tenants()
    ctl, hosts, vms = start_overlay(lab, topo)
    return topo, ctl, hosts, vms


def mac_bytes(mac: str) -> bytes:
    return bytes.fromhex(mac.replace(":", ""))


def nvgre_inner(frame: bytes) -> tuple[int, bytes] | None:
    """(VSID, inner Ethernet frame) of an IPv4 NVGRE frame, None for anything else."""
    if len(frame) < 14 + 20 + 8 + 14 or struct.unpack_from("!H", frame, 12)[0] != 0x0800:
        return None
    ihl = (frame[14] & 0x0F) * 4
    if frame[14 + 9] != GRE_PROTO:
        return None
    gre = 14 + ihl
    flags, proto = struct.unpack_from("!HH", frame, gre)
    if proto != NVGRE_ETHERTYPE or not flags & 0x2000:
        return None
    key = struct.unpack_from("!I", frame, gre + 4)[0]
    return key >> 8, frame[gre + 8:]


def tenant_traffic(vms, topo, tenant: str, *, seed: int) -> None:
    """Ping both ways (marked payload) and a 1 MiB TCP transfer both ways between the tenant's two VMs."""
    one, two = (vms[p.name] for p in topo.vms_of(tenant))
    one.wait_ping(two, timeout=20)
    for src, dst in ((one, two), (two, one)):
        out = src.ping(dst, count=3, timeout=2, pattern=PATTERN[tenant])
        assert "3 received" in out.stdout, out.stdout
    one.tcp_transfer(two, port=TCP_PORT[tenant], nbytes=1 << 20, seed=seed)
    two.tcp_transfer(one, port=TCP_PORT[tenant] + 1, nbytes=1 << 20, seed=seed + 1)


def test_same_cas_in_two_tenants_ping_and_tcp(overlay):
    topo, ctl, hosts, vms = overlay
    for i, tenant in enumerate(("A", "B")):
        tenant_traffic(vms, topo, tenant, seed=10 * i)
    # Each VM resolved its peer's CA to its own tenant's VM, never to the other tenant's.
    for tenant in ("A", "B"):
        for placement in topo.vms_of(tenant):
            vm = vms[placement.name]
            peer = next(p for p in topo.vms_of(tenant) if p.name != placement.name)
            neigh = vm.exec(["ip", "-j", "neigh", "show", peer.ca, "dev", "eth0"]).stdout
            assert peer.mac in neigh.lower(), f"{vm.name}: neighbour {peer.ca} is not {peer.mac}: {neigh}"


def test_tenant_b_sees_nothing_of_tenant_a(overlay, lab):
    topo, ctl, hosts, vms = overlay
    b_caps = {p.name: vms[p.name].capture() for p in topo.vms_of("B")}
    underlay = lab.get_segment("underlay").capture(bpf="ip proto 47")

    def to_b_vms() -> dict[str, int]:
        # Frames each host sent out of tenant B's VM ports (port counters of the data plane).
        return {p["name"]: p["stats"]["tx_packets"] for h in hosts.values() for p in h.ctl_json("ports")
                if p["name"].startswith("vm-b")}

    before = to_b_vms()
    tenant_traffic(vms, topo, "A", seed=1)
    assert to_b_vms() == before, f"tenant A's traffic made the hosts send to B's VMs: {before} -> {to_b_vms()}"
    # Positive control: B's own traffic does show up in B's captures.
    b1, b2 = (vms[p.name] for p in topo.vms_of("B"))
    b1.wait_ping(b2, timeout=20)
    b1.ping(b2, count=2, pattern=PATTERN["B"])

    a_macs = {mac_bytes(p.mac) for p in topo.vms_of("A")}
    a_router = mac_bytes(topo.tenants["A"].router_mac)
    a_marker, b_marker = bytes.fromhex(PATTERN["A"]) * 4, bytes.fromhex(PATTERN["B"]) * 4
    for name, cap in b_caps.items():
        frames = cap.frames()
        assert any(b_marker in f for f in frames), f"{name}: capture shows none of B's own pings ({len(frames)} frames)"
        leaks = [f for f in frames if f[0:6] in a_macs | {a_router} or f[6:12] in a_macs | {a_router}
                 or a_marker in f]
        assert not leaks, f"{name} (tenant B) saw {len(leaks)} frame(s) of tenant A, first: {leaks[0][:64].hex()}"

    # On the underlay, every inner frame of A carries A's VSID and every one of B carries B's.
    vsid_of_mac = {mac_bytes(p.mac): p.tenant.vsid for p in topo.vms.values()}
    inner = [x for x in map(nvgre_inner, underlay.frames()) if x]
    assert inner, "no NVGRE frame crossed the underlay"
    for vsid, frame in inner:
        for mac in (frame[0:6], frame[6:12]):
            if mac in vsid_of_mac:
                assert vsid == vsid_of_mac[mac], f"inner frame of {mac.hex(':')} carried VSID {vsid}"
    assert {vsid for vsid, _ in inner} == {topo.tenants["A"].vsid, topo.tenants["B"].vsid}

    # Acceptance 7: tshark with the shipped dissector reads the same VSID and FlowID from our packets.
    if shutil.which("tshark") is None:
        return  # the interop test of the dissector reports tshark's absence
    ours = [(int.from_bytes(f[14 + 20 + 4:14 + 20 + 7], "big"), f[14 + 20 + 7]) for f in underlay.frames()
            if nvgre_inner(f)]
    fields = subprocess.run(["tshark", "-X", f"lua_script:{DISSECTOR}", "-r", str(underlay.pcap), "-Y", "nvgre",
                             "-T", "fields", "-e", "nvgre.vsid", "-e", "nvgre.flowid"],
                            capture_output=True, text=True, timeout=60, check=True).stdout.split("\n")
    shown = [(int(v, 0), int(f, 0)) for v, f in (line.split("\t") for line in fields if line.strip())]
    assert shown[:len(ours)] == ours[:len(shown)] and len(shown) >= len(ours) > 0, (shown[:5], ours[:5])
    assert len({flow for _, flow in ours}) > 1, "every flow had the same FlowID"

