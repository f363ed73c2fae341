"""Provider routes (issue 4 scope; spec section 2: "the underlay routing table"):
host1's PA is on 192.0.2.0/24, host2's on 198.18.0.0/24, and a router (a
Linux namespace forwarding IPv4) joins the two segments. Each host's
`provider-routes` from the controller send NVGRE for the other subnet to the
router; VMs of tenants A and B (the same CAs) reach each other across it with
ping and TCP, and each host resolved the router, not the remote PA.
"""

from __future__ import annotations

import dataclasses

from hnvlab import reference
from hnvlab.host import new_host
from hnvlab.tenants import controller_link, start_overlay_controller, two_tenants, wait_applied

SECOND = "underlay2"
ROUTER1, ROUTER2 = "192.0.2.254", "198.18.0.254"


def test_hosts_on_two_pa_subnets_reach_each_other_through_a_router(lab, hnv_bin):
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    topo = two_tenants()
    topo.hosts["host2"] = dataclasses.replace(topo.hosts["host2"], pa="198.18.0.12")
    reference.underlay(lab)
    lab.segment(SECOND, mtu=reference.UNDERLAY_MTU)
    router = lab.node("router")
    router.attach(reference.UNDERLAY, "eth0", [f"{ROUTER1}/24"])
    router.attach(SECOND, "eth1", [f"{ROUTER2}/24"])
    router.sysctl({"net/ipv4/ip_forward": 1})

    ctl = start_overlay_controller(lab, list(topo.hosts))
    routes = [
        {"op": "create", "kind": "provider-routes",
         "object": {"node": "host1", "interface": "ul0", "destinationPrefix": "198.18.0.0/24", "nextHop": ROUTER1}},
        {"op": "create", "kind": "provider-routes",
         "object": {"node": "host2", "interface": "ul0", "destinationPrefix": "192.0.2.0/24", "nextHop": ROUTER2}},
    ]
    ops = topo.operations()
    reply = ctl.batch(ops + routes)
    assert reply["changes"] == len(ops) + len(routes)
    revision = int(reply["revision"])

    reference.mgmt(lab)
    hosts = {}
    for name, segment in (("host1", reference.UNDERLAY), ("host2", SECOND)):
        spec = topo.hosts[name]
        host = new_host(lab, name, segment, [spec.pa_cidr], uplink_mac=spec.uplink_mac,
                        mgmt=(reference.MGMT, f"{spec.mgmt}/{reference.MGMT_PREFIX_LEN}"),
                        controller=controller_link(ctl, name))
        for vm in topo.vms_on(name):
            s = vm.spec()
            host.add_vm(s.name, s.vsid, s.mac, s.ca_cidr, s.gateway, mtu=s.mtu)
        hosts[name] = host.start()
    for name in hosts:
        wait_applied(ctl, name, revision)
    vms = {n: vm for h in hosts.values() for n, vm in h.vms.items()}

    for tenant in ("a", "b"):
        v1, v2 = vms[f"vm-{tenant}1"], vms[f"vm-{tenant}2"]
        v1.wait_ping(v2, timeout=20)
        v2.wait_ping(v1, timeout=20)
        v1.tcp_transfer(v2, nbytes=1 << 20)
    # Each host resolved the router as its next hop; the remote PA is no neighbour of it.
    for name, gw, far in (("host1", ROUTER1, "198.18.0.12"), ("host2", ROUTER2, "192.0.2.11")):
        neighbours = {n["address"] for n in hosts[name].ctl_json("neighbors")["entries"]}
        assert gw in neighbours and far not in neighbours, (name, neighbours)
    # And the NVGRE crossed the router (its forwarding counters moved).
    ip_lines = [line.split()[1:] for line in router.exec(["cat", "/proc/net/snmp"]).stdout.splitlines()
                if line.startswith("Ip:")]
    forwarded = int(dict(zip(ip_lines[0], ip_lines[1]))["ForwDatagrams"])
    assert forwarded > 100, forwarded
