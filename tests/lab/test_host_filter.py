"""The HNV filter of hnv-hostd in the lab: distributed router, ARP proxy,
broadcast replication and receive validation, with real VMs, real policy from
hnv-controller and crafted packets (issue 4, acceptance 2, 3, 5 and 6).

Topology: hnvlab.tenants.two_tenants (tenants A 5001 and B 6001 with the same
CAs, a VM of each on every host) plus, where a test says so, tenant A's second
virtual subnet 5002 (10.0.2.0/24) with vm-c2 on host2.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path


from hnvlab import reference
from hnvlab.process import wait_for
from hnvlab.tenants import start_overlay, two_tenants, with_second_subnet

HERE = Path(__file__).resolve().parent


def scapy(node, *args: str) -> str:
    done = node.exec(["/usr/bin/python3", str(HERE / "scapy_send.py"), *args], check=True, timeout=30)
    return done.stdout.strip()


def bring_up(lab, hnv_bin, topo):
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    return start_overlay(lab, topo)


def errors(host, node: str, error: str) -> int:
    return host.counter("hnv_node_errors_total", node=node, error=error)


def test_router_connects_subnets_of_one_domain_and_never_two_domains(lab, hnv_bin):
    topo = with_second_subnet(two_tenants())
    ctl, hosts, vms = bring_up(lab, hnv_bin, topo)
    a1, c2, b1 = vms["vm-a1"], vms["vm-c2"], vms["vm-b1"]
    # 10.0.1.10 (VSID 5001, host1) -> 10.0.2.20 (VSID 5002, host2) through both hosts' routers.
    a1.wait_ping(c2, timeout=20)
    out = a1.ping(c2, count=3, timeout=2)
    assert "3 received" in out.stdout, out.stdout
    a1.tcp_transfer(c2, port=5201, nbytes=256 << 10, seed=3)
    # Tenant B's VM has the same CA as vm-a1 but another routing domain: no route to 10.0.2.20.
    before = errors(hosts["host1"], "vm-input", "no-route")
    out = b1.ping(c2.ca, count=2, timeout=1, check=False)
    assert out.returncode != 0, f"tenant B reached tenant A's 10.0.2.20: {out.stdout}"
    assert errors(hosts["host1"], "vm-input", "no-route") >= before + 2


def test_arp_for_an_unknown_ca_gets_no_answer_and_is_not_flooded(lab, hnv_bin):
    topo = two_tenants()
    ctl, hosts, vms = bring_up(lab, hnv_bin, topo)
    a1 = vms["vm-a1"]
    underlay = lab.get_segment(reference.UNDERLAY).capture(bpf="ip proto 47")
    assert scapy(a1.node, "arp-probe", "eth0", "10.0.1.99") == "none"
    assert errors(hosts["host1"], "arp-proxy", "unknown-target") >= 1
    # The default gateway and a remote VM are answered from policy.
    assert scapy(a1.node, "arp-probe", "eth0", topo.tenants["A"].gateway) == topo.tenants["A"].router_mac
    assert scapy(a1.node, "arp-probe", "eth0", "10.0.1.20") == topo.vms["vm-a2"].mac
    assert not underlay.frames(), "ARP left the host: the proxy must answer locally or not at all"


def test_neighbour_solicitation_for_an_unknown_ca_gets_no_answer_and_the_gateway_answers(lab, hnv_bin):
    topo = two_tenants()
    topo.tenants["A"] = dataclasses.replace(topo.tenants["A"], prefix6="fd00:1::/64", gateway6="fd00:1::1")
    for name, vm in list(topo.vms.items()):
        if vm.tenant.name == "A":
            topo.vms[name] = dataclasses.replace(vm, tenant=topo.tenants["A"])
    a2 = topo.vms["vm-a2"]
    record6 = {"op": "create", "kind": "lookup-records",
               "object": {"vsid": 5001, "ca": "fd00:1::20", "mac": a2.mac, "pa": topo.hosts["host2"].pa}}
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    ctl, hosts, vms = start_overlay(lab, topo, [record6])
    a1 = vms["vm-a1"]
    a1.node.ns.sysctl({"net/ipv6/conf/eth0/disable_ipv6": 0})
    a1.exec(["ip", "addr", "add", "fd00:1::10/64", "dev", "eth0", "nodad"], check=True)
    underlay = lab.get_segment(reference.UNDERLAY).capture(bpf="ip proto 47")
    assert scapy(a1.node, "ns-probe", "eth0", "fd00:1::10", "fd00:1::99") == "none"
    assert errors(hosts["host1"], "nd-proxy", "unknown-target") >= 1
    assert scapy(a1.node, "ns-probe", "eth0", "fd00:1::10", "fd00:1::1") == topo.tenants["A"].router_mac
    assert scapy(a1.node, "ns-probe", "eth0", "fd00:1::10", "fd00:1::20") == a2.mac
    # (Other IPv6 multicast of the VM, such as its MLD reports, is flooded as it should be.)
    solicitations = [f for f in underlay.frames() if len(f) > 96 and f[54:56] == b"\x86\xdd" and f[62] == 58
                     and f[96] == 135]
    assert not solicitations, "a solicitation left the host: the proxy answers locally or not at all"


def test_broadcast_leaves_once_per_remote_host(lab, hnv_bin):
    topo = two_tenants(("host1", "host2", "host3"))
    ctl, hosts, vms = bring_up(lab, hnv_bin, topo)
    underlay = lab.get_segment(reference.UNDERLAY).capture(bpf="ip proto 47")
    receivers = {n: vms[n].capture(bpf="udp port 9") for n in ("vm-a2", "vm-a3", "vm-b2")}
    scapy(vms["vm-a1"].node, "broadcast", "eth0", "hnv-bcast-1")
    marker = b"hnv-bcast-1"

    def copies() -> list[bytes]:
        return [f for f in underlay.frames() if marker in f]

    wait_for(lambda: len(copies()) >= 2, timeout=5, what="the broadcast to cross the underlay")
    frames = copies()
    dst_pas = sorted(".".join(str(b) for b in f[30:34]) for f in frames)
    assert dst_pas == sorted([topo.hosts["host2"].pa, topo.hosts["host3"].pa]), dst_pas
    wait_for(lambda: all(marker in b"".join(receivers[n].frames()) for n in ("vm-a2", "vm-a3")), timeout=5,
             what="tenant A's remote VMs to receive the broadcast")
    assert not any(marker in f for f in receivers["vm-b2"].frames()), "tenant B received tenant A's broadcast"
    assert hosts["host1"].counter("hnv_node_packets_total", node="l2-flood") >= 1


def test_spoofed_nvgre_is_dropped_with_a_counter_per_reason(lab, hnv_bin):
    topo = two_tenants()
    ctl, hosts, vms = bring_up(lab, hnv_bin, topo)
    host1, spec1 = hosts["host1"], topo.hosts["host1"]
    attacker = lab.node("attacker")
    attacker.attach(reference.UNDERLAY, "eth0", ["192.0.2.99/24"])
    a1, a2 = topo.vms["vm-a1"], topo.vms["vm-a2"]
    dst = (spec1.uplink_mac, spec1.pa)
    cases = [
        # vm-a2's CA and MAC, but from a PA that is not host2's.
        ("wrong-pa", ["nvgre-inner", "eth0", *dst, "5001", a2.mac, a1.mac, a2.ca, a1.ca]),
        ("unknown-vsid", ["nvgre-inner", "eth0", *dst, "7777", a2.mac, a1.mac, a2.ca, a1.ca]),
        ("inner-vlan", ["nvgre-inner", "eth0", *dst, "5001", a2.mac, a1.mac, a2.ca, a1.ca, "7"]),
        ("truncated", ["gre-truncated", "eth0", *dst]),
        # A MAC and CA no record knows.
        ("no-matching-record", ["nvgre-inner", "eth0", *dst, "5001", "02:66:66:66:66:66", a1.mac, "10.0.1.66", a1.ca]),
    ]
    capture = vms["vm-a1"].capture(bpf="icmp")
    for error, args in cases:
        before = errors(host1, "nvgre-input", error)
        scapy(attacker, *args)
        wait_for(lambda: errors(host1, "nvgre-input", error) == before + 1, timeout=5,
                 what=f"nvgre-input {error} to count the crafted packet")
    assert not capture.frames(), "a spoofed packet reached the VM"


def test_broadcast_with_a_multicast_group_leaves_as_one_copy_to_the_group_and_reaches_the_vsids_vms(lab, hnv_bin):
    topo = two_tenants(("host1", "host2", "host3"))
    topo.tenants["B"] = dataclasses.replace(topo.tenants["B"], multicast_group="239.1.1.1")
    for name, vm in list(topo.vms.items()):
        if vm.tenant.name == "B":
            topo.vms[name] = dataclasses.replace(vm, tenant=topo.tenants["B"])
    ctl, hosts, vms = bring_up(lab, hnv_bin, topo)
    underlay = lab.get_segment(reference.UNDERLAY).capture(bpf="ip proto 47")
    receivers = {n: vms[n].capture(bpf="udp port 9") for n in ("vm-b2", "vm-b3", "vm-a2", "vm-a3")}
    for name in ("host2", "host3"):
        assert hosts[name].process.log_text().count("groups=239.1.1.1") >= 1, "each host joined B's group"
    scapy(vms["vm-b1"].node, "broadcast", "eth0", "hnv-bcast-group")
    marker = b"hnv-bcast-group"
    wait_for(lambda: any(marker in f for f in underlay.frames()), timeout=5, what="the broadcast to cross the underlay")
    time.sleep(0.5)  # counting, not synchronising: a second copy, if any, would have left by now
    copies = [f for f in underlay.frames() if marker in f]
    assert len(copies) == 1, f"{len(copies)} copies left host1; one to the group expected"
    frame = copies[0]
    assert frame[0:6] == bytes.fromhex("01005e010101") and frame[30:34] == bytes([239, 1, 1, 1]), frame[:34].hex()
    # Every other host with a VM of tenant B receives the group copy and delivers it; tenant A's VMs never see it.
    wait_for(lambda: all(marker in b"".join(receivers[n].frames()) for n in ("vm-b2", "vm-b3")), timeout=5,
             what="tenant B's remote VMs to receive the broadcast sent to the group")
    assert not any(marker in f for n in ("vm-a2", "vm-a3") for f in receivers[n].frames()), "tenant A saw B's broadcast"
