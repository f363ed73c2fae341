"""Open vSwitch (user-space datapath) as a third NVGRE host (issue 4, acceptance 7).

OVS runs in a lab node with its own ovsdb-server and ovs-vswitchd (hnvlab/ovs.py,
docs/notes-ovs-interop.md): a netdev bridge br-ul on the underlay with the PA
on its internal port, a netdev bridge br-nv with one `gre` port
(options:key=flow, remote_ip=flow) and the VMs, and static flows that match
the GRE key masked to the VSID (any FlowID) and send key = VSID << 8 | FlowID
(FlowID from the TCP/UDP source port, 0 otherwise).

test_ovs_pair_exchanges_nvgre_with_flow_ids needs only OVS:

    vm-oa1 10.0.1.31 (5001)  vm-ob1 10.0.1.31 (6001)     vm-oa2 10.0.1.32 (5001)  vm-ob2 10.0.1.32 (6001)
              \\  ovs1 PA 192.0.2.21  ---- underlay ----  ovs2 PA 192.0.2.22  //
                                         |
                          peer 192.0.2.99 (kernel + scapy, sends NVGRE as our hosts do)

test_ovs_host_exchanges_traffic_with_our_hosts adds OVS as "ovs1" (PA
192.0.2.21, VMs vm-a3 / vm-b3 at 10.0.1.30) to the reference overlay of
test_host_overlay.py (host1, host2 with hnv-hostd and a controller); it skips
while build/bin/hnv-hostd is not built.
"""

from __future__ import annotations

import struct

import pytest

from hnvlab import reference, wait_for
from hnvlab.host import VmSpec
from hnvlab.ovs import RemoteVm, ovs_missing, parse_nvgre, send_nvgre, start_ovs_host, tunnel_key

NVGRE_FLAGS, NVGRE_PROTO = 0x2000, 0x6558
VSID_A, VSID_B = 5001, 6001


@pytest.fixture
def ovs_available():
    why = ovs_missing()
    if why:
        pytest.skip(why)


def mac_bytes(mac: str) -> bytes:
    return bytes.fromhex(mac.replace(":", ""))


def inner_l4(inner: bytes) -> tuple[int, int, int] | None:
    """(IP protocol, source port, destination port) of an inner IPv4 TCP/UDP frame; ports 0 for others."""
    if len(inner) < 34 or struct.unpack_from("!H", inner, 12)[0] != 0x0800:
        return None
    ihl = (inner[14] & 0x0F) * 4
    proto = inner[23]
    if proto in (6, 17) and len(inner) >= 14 + ihl + 4:
        sport, dport = struct.unpack_from("!HH", inner, 14 + ihl)
        return proto, sport, dport
    return proto, 0, 0


def check_nvgre_frames(frames: list[bytes], vsid_of_mac: dict[bytes, int], *, senders: set[str]) -> list[dict]:
    """Every GRE frame sent by one of `senders` (outer source PA) is exact NVGRE: flags 0x2000
    (K only: no checksum, no sequence number), protocol 0x6558, DF, the VSID of its inner MACs.
    Returns the parsed frames of those senders."""
    parsed = [p for p in map(parse_nvgre, frames) if p and p["src"] in senders]
    for p in parsed:
        where = f"GRE {p['src']} -> {p['dst']} key {p['key']!r}"
        assert p["flags"] == NVGRE_FLAGS, f"{where}: flags {p['flags']:#06x}, expected exactly {NVGRE_FLAGS:#06x}"
        assert p["proto"] == NVGRE_PROTO, f"{where}: protocol {p['proto']:#06x}"
        assert p["outer_df"], f"{where}: outer DF not set"
        for mac in (p["inner"][0:6], p["inner"][6:12]):
            if mac in vsid_of_mac:
                assert p["vsid"] == vsid_of_mac[mac], f"{where}: inner MAC {mac.hex(':')} belongs to VSID {vsid_of_mac[mac]}"
    return parsed


# -- OVS only ---------------------------------------------------------------------------------

OVS_PA = {"ovs1": "192.0.2.21", "ovs2": "192.0.2.22"}
OVS_PA_MAC = {"ovs1": "02:00:00:00:00:21", "ovs2": "02:00:00:00:00:22"}
PEER_PA = "192.0.2.99"


def ovs_pair_vms() -> dict[str, tuple[str, int, str, str]]:
    """name -> (OVS host, VSID, MAC, CA): tenants A and B with the same CAs on both OVS hosts."""
    vms = {}
    for i, host in ((1, "ovs1"), (2, "ovs2")):
        last = 30 + i
        for t, vsid in (("a", VSID_A), ("b", VSID_B)):
            vms[f"vm-o{t}{i}"] = (host, vsid, f"02:00:0{t}:00:01:{last:02x}", f"10.0.1.{last}")
    return vms


# The scapy peer stands for a VM of tenant A behind a host with PA 192.0.2.99.
PEER_VM = RemoteVm("vm-peer", VSID_A, "02:00:0a:00:01:63", "10.0.1.99", PEER_PA)


def test_ovs_pair_exchanges_nvgre_with_flow_ids(lab, ovs_available):
    reference.underlay(lab)
    peer = lab.node("peer")
    peer.attach(reference.UNDERLAY, "eth0", [f"{PEER_PA}/24"])
    vms = ovs_pair_vms()
    ovs = {}
    for host in ("ovs1", "ovs2"):
        mine = [VmSpec(n, vsid, mac, f"{ca}/24") for n, (h, vsid, mac, ca) in vms.items() if h == host]
        remotes = [RemoteVm(n, vsid, mac, ca, OVS_PA[h], OVS_PA_MAC[h]) for n, (h, vsid, mac, ca) in vms.items()
                   if h != host]
        if host == "ovs1":
            remotes.append(PEER_VM)
        ovs[host] = start_ovs_host(lab, host, reference.UNDERLAY, f"{OVS_PA[host]}/24", pa_mac=OVS_PA_MAC[host],
                                   vms=mine, remotes=remotes)
    underlay = lab.get_segment(reference.UNDERLAY).capture(bpf="ip proto 47")
    a1, a2 = ovs["ovs1"].vms["vm-oa1"], ovs["ovs2"].vms["vm-oa2"]
    b1, b2 = ovs["ovs1"].vms["vm-ob1"], ovs["ovs2"].vms["vm-ob2"]

    # Both tenants, same CAs: ping both ways, TCP in tenant A both ways.
    for one, two in ((a1, a2), (b1, b2)):
        one.wait_ping(two, timeout=15)
        for src, dst in ((one, two), (two, one)):
            out = src.ping(dst, count=2, timeout=2)
            assert "2 received" in out.stdout, out.stdout
    a1.tcp_transfer(a2, port=5001, nbytes=256 * 1024, seed=1)
    a2.tcp_transfer(a1, port=5002, nbytes=256 * 1024, seed=2)
    # Each VM resolved its peer's CA (ARP answered by OVS's responder flow) to its own tenant's VM.
    for vm, other in ((a1, a2), (b1, b2), (a2, a1), (b2, b1)):
        neigh = vm.exec(["ip", "-j", "neigh", "show", other.ca, "dev", "eth0"]).stdout
        assert other.mac in neigh.lower(), f"{vm.name}: neighbour {other.ca} is not {other.mac}: {neigh}"
    # OVS resolved the other PA itself (tunnel neighbour cache, learned by ARP).
    assert ovs["ovs1"].tunnel_neighbours().get(OVS_PA["ovs2"]) == OVS_PA_MAC["ovs2"]

    # On the wire: exact NVGRE, VSID per tenant, FlowID 0 for ICMP, low byte of the source port for TCP.
    vsid_of_mac = {mac_bytes(mac): vsid for (_h, vsid, mac, _ca) in vms.values()}
    parsed = check_nvgre_frames(underlay.frames(), vsid_of_mac, senders=set(OVS_PA.values()))
    assert {p["vsid"] for p in parsed} == {VSID_A, VSID_B}, "both tenants' VSIDs on the underlay"
    tcp_flow_ids = set()
    for p in parsed:
        l4 = inner_l4(p["inner"])
        if l4 and l4[0] == 6:
            assert p["flow_id"] == l4[1] & 0xFF, f"TCP sport {l4[1]}: FlowID {p['flow_id']:#x}"
            tcp_flow_ids.add(p["flow_id"])
        elif l4 and l4[0] == 1:
            assert p["flow_id"] == 0, f"ICMP with FlowID {p['flow_id']:#x}"
    assert len(tcp_flow_ids) >= 2, f"TCP FlowIDs seen: {sorted(tcp_flow_ids)}"

    # NVGRE crafted as our hosts send it (FlowIDs 0x5a and 0xff) reaches vm-oa1; a wrong VSID or an
    # unknown inner source does not. The wrong ones go first: once the good ones arrived, they had their chance.
    vm_cap = a1.capture()
    peer_cap = peer.capture("eth0", bpf="ip proto 47")
    ovs1 = ovs["ovs1"]
    frames = [  # (vsid, flow id, inner source MAC, marker, delivered?)
        (VSID_B, 0x5A, PEER_VM.mac, b"BADVSID!", False),
        (VSID_A, 0x5A, "02:00:0a:00:01:64", b"BADSRC!!", False),
        (VSID_A, 0x5A, PEER_VM.mac, b"GOOD-5a!", True),
        (VSID_A, 0xFF, PEER_VM.mac, b"GOOD-ff!", True),
    ]
    for vsid, flow, src_mac, marker, _ in frames:
        sent = send_nvgre(peer, "eth0", dst_mac=ovs1.pa_mac, dst_pa=ovs1.pa, vsid=vsid, flow_id=flow,
                          inner_src_mac=src_mac, inner_dst_mac=a1.mac, inner_src=PEER_VM.ca, inner_dst=a1.ca,
                          payload=marker * 4)
        p = parse_nvgre(sent)
        assert (p["flags"], p["proto"], p["key"]) == (NVGRE_FLAGS, NVGRE_PROTO, tunnel_key(vsid, flow))
    for _v, _f, _s, marker, delivered in frames:
        if delivered:
            wait_for(lambda m=marker: any(m in f for f in vm_cap.frames()), timeout=10,
                     what=f"vm-oa1 to receive the crafted NVGRE frame marked {marker!r}")
    for _v, _f, _s, marker, delivered in frames:
        if not delivered:
            assert not any(marker in f for f in vm_cap.frames()), f"vm-oa1 received the frame marked {marker!r}"

    # vm-oa1 answers the peer VM: OVS resolves 10.0.1.99 by its ARP flow, 192.0.2.99 by ARP on br-ul,
    # and encapsulates the echo replies with VSID 5001, FlowID 0 (ICMP).
    def replies() -> list[dict]:
        got = [parse_nvgre(f) for f in peer_cap.frames()]
        return [p for p in got if p and p["src"] == ovs1.pa and any(m in p["inner"] for m in (b"GOOD-5a!", b"GOOD-ff!"))]

    got = wait_for(lambda: len(replies()) >= 2 and replies(), timeout=10,
                   what="OVS to send vm-oa1's echo replies to the peer's PA as NVGRE")
    for p in got:
        assert (p["flags"], p["proto"], p["key"], p["dst"]) == (NVGRE_FLAGS, NVGRE_PROTO, tunnel_key(VSID_A), PEER_PA)
        assert p["inner"][0:6] == mac_bytes(PEER_VM.mac) and p["inner"][6:12] == mac_bytes(a1.mac)


# -- OVS with our hosts -----------------------------------------------------------------------

OVS_NODE = "ovs1"
OVS_VMS = {"vm-a3": ("A", "02:00:0a:00:01:1e", "10.0.1.30"), "vm-b3": ("B", "02:00:0b:00:01:1e", "10.0.1.30")}


def ovs_policy(topo) -> list[dict]:
    """Controller objects for the OVS host: its node, its PA (br-ul's MAC), lookup records of its VMs."""
    ops = [{"op": "create", "kind": "nodes", "object": {"name": OVS_NODE, "role": "host"}},
           {"op": "create", "kind": "provider-addresses",
            "object": {"node": OVS_NODE, "address": OVS_PA[OVS_NODE], "interface": "ul0", "prefixLength": 24,
                       "mac": OVS_PA_MAC[OVS_NODE]}}]
    for name, (tenant, mac, ca) in OVS_VMS.items():
        ops.append({"op": "create", "kind": "lookup-records",
                    "object": {"vsid": topo.tenants[tenant].vsid, "ca": ca, "mac": mac, "pa": OVS_PA[OVS_NODE],
                               "vmName": name}})
    return ops


def test_ovs_host_exchanges_traffic_with_our_hosts(lab, hnv_bin, ovs_available):
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    from hnvlab.tenants import start_overlay, two_tenants

    topo = two_tenants()
    ctl, hosts, _ = start_overlay(lab, topo, ovs_policy(topo))

    remotes = [RemoteVm(p.name, p.tenant.vsid, p.mac, p.ca, topo.hosts[p.host].pa, topo.hosts[p.host].uplink_mac)
               for p in topo.vms.values()]
    vms = [VmSpec(name, topo.tenants[t].vsid, mac, f"{ca}/24") for name, (t, mac, ca) in OVS_VMS.items()]
    ovs = start_ovs_host(lab, OVS_NODE, reference.UNDERLAY, f"{OVS_PA[OVS_NODE]}/24", pa_mac=OVS_PA_MAC[OVS_NODE],
                         vms=vms, remotes=remotes)
    underlay = lab.get_segment(reference.UNDERLAY).capture(bpf="ip proto 47")
    ours = {name: vm for host in hosts.values() for name, vm in host.vms.items()}
    a3, b3 = ovs.vms["vm-a3"], ovs.vms["vm-b3"]

    for ovs_vm, tenant, port in ((a3, "a", 7001), (b3, "b", 7101)):
        for i, name in enumerate((f"vm-{tenant}1", f"vm-{tenant}2")):
            vm = ours[name]
            ovs_vm.wait_ping(vm, timeout=20)
            vm.wait_ping(ovs_vm, timeout=20)
            for src, dst in ((ovs_vm, vm), (vm, ovs_vm)):
                out = src.ping(dst, count=3, timeout=2)
                assert "3 received" in out.stdout, f"{src.name} -> {dst.name}: {out.stdout}"
            if tenant == "a":   # TCP both ways with a VM on each of our hosts
                ovs_vm.tcp_transfer(vm, port=port + 10 * i, nbytes=1 << 20, seed=i)
                vm.tcp_transfer(ovs_vm, port=port + 10 * i + 1, nbytes=1 << 20, seed=i + 5)

    # Our VMs resolved the OVS VM's CA to its MAC in their own tenant (ARP proxy from the lookup record).
    for name, (tenant, mac, ca) in OVS_VMS.items():
        for placement in topo.vms_of(tenant):
            neigh = ours[placement.name].exec(["ip", "-j", "neigh", "show", ca, "dev", "eth0"]).stdout
            assert mac in neigh.lower(), f"{placement.name}: neighbour {ca} is not {mac}: {neigh}"

    # Both directions on the wire are exact NVGRE with the right VSID.
    vsid_of_mac = {mac_bytes(p.mac): p.tenant.vsid for p in topo.vms.values()}
    vsid_of_mac.update({mac_bytes(mac): topo.tenants[t].vsid for (t, mac, _ca) in OVS_VMS.values()})
    our_pas = {h.pa for h in topo.hosts.values()}
    frames = underlay.frames()
    from_ovs = check_nvgre_frames(frames, vsid_of_mac, senders={OVS_PA[OVS_NODE]})
    to_ovs = [p for p in check_nvgre_frames(frames, vsid_of_mac, senders=our_pas) if p["dst"] == OVS_PA[OVS_NODE]]
    assert {p["dst"] for p in from_ovs} == our_pas, "OVS sent to both of our hosts"
    assert {p["src"] for p in to_ovs} == our_pas, "both of our hosts sent to OVS"
    assert {p["vsid"] for p in to_ovs} == {VSID_A, VSID_B}
