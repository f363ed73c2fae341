"""IPv6 on the forwarding gateway's external interfaces.

Tenants A and B are dual-stack with the same addresses inside (vm-a1 and
vm-b1 are both fd00:1::10) and outside: each tenant's network behind its
VLAN of the trunk is 2001:db8:64::/64, the gateway at ::1, the router at
::7e and fe80::7e. A gateway route sends 2001:db8:f00::/48 to the router by
its link-local address; the router owns 2001:db8:f00::10. Topology:
hnvlab/forwarding.py (start_forwarding_lab(ipv6=True)). Real ping and TCP;
the gateway resolves the router by neighbour discovery on the tenant's VLAN,
answers the router's solicitations for its own address, and its echo.

Skips while the binaries are not built or Open vSwitch is missing.
"""

from __future__ import annotations

from hnvlab.forwarding import (EXTERNAL_GATEWAY6, EXTERNAL_ROUTER6, REMOTE6, ROUTER_LINK_LOCAL)
from hnvlab.host import tcp_transfer
from hnvlab.tenants import ca6

PATTERN = {"A": "a1a1a1a1", "B": "b2b2b2b2"}


def test_dual_stack_tenants_reach_their_own_ipv6_networks_through_their_vlans(forwarding_lab):
    fwd = forwarding_lab(ipv6=True)
    gw = fwd.gateway
    listing = gw.ctl_json("tenants")["interfaces"]
    assert sorted((x["vlan"], x.get("address6")) for x in listing) == [
        (0, None), (100, f"{EXTERNAL_GATEWAY6}/64"), (200, f"{EXTERNAL_GATEWAY6}/64")], listing
    net_caps = {t: fwd.nets[t].capture("eth0", name=f"cap6-net-{t.lower()}") for t in PATTERN}

    for tenant in PATTERN:
        vm = fwd.vms[f"vm-{tenant.lower()}1"]
        vm.wait_ping(REMOTE6, timeout=30)
        for target in (EXTERNAL_ROUTER6, REMOTE6):  # on-link, and through the route to fe80::7e
            out = vm.ping(target, count=3, timeout=2, pattern=PATTERN[tenant])
            assert "3 received" in out.stdout, f"{vm.name} -> {target}: {out.stdout}"
        # The network reaches the VM by its own address, and the gateway's address answers.
        net = fwd.nets[tenant]
        for target in (ca6(vm.ca), EXTERNAL_GATEWAY6):
            out = net.ping(target, count=2, timeout=2)
            assert "2 received" in out.stdout, f"net-{tenant.lower()} -> {target}: {out.stdout}"

    # The router's link-local address, learned in each tenant's own scope.
    neighbours = gw.ctl_json("neighbors")
    scopes = {e["scope"] for e in neighbours["entries"] if e["address"] == ROUTER_LINK_LOCAL}
    rdids = {fwd.topo.tenants[t].rdid for t in PATTERN}
    assert scopes == {f"{rdid}/ext" for rdid in rdids}, neighbours

    # 1 MiB over TCP each way, for tenant A through the route, tenant B on-link.
    vm_a, vm_b = fwd.vms["vm-a1"], fwd.vms["vm-b1"]
    client, server = tcp_transfer(vm_a.node, fwd.nets["A"], REMOTE6, port=7600, seed=61)
    assert client.endswith(" ok") and f"from {ca6(vm_a.ca)}" in server, (client, server)
    client, server = tcp_transfer(fwd.nets["B"], vm_b.node, ca6(vm_b.ca), port=7601, seed=62)
    assert client.endswith(" ok") and f"from {EXTERNAL_ROUTER6}" in server, (client, server)

    # Isolation: each network saw its own tenant's pings only.
    for tenant, cap in net_caps.items():
        data = b"".join(cap.frames())
        assert bytes.fromhex(PATTERN[tenant] * 4) in data, f"net-{tenant.lower()} never saw its tenant's pings"
        for other in set(PATTERN) - {tenant}:
            assert bytes.fromhex(PATTERN[other] * 4) not in data, f"net-{tenant.lower()} saw tenant {other}'s"

    # The IPv4 side still works beside it, and nothing was refused for want of IPv6 support.
    vm_a.wait_ping("203.0.113.10", timeout=10)
    assert gw.counter("hnv_node_errors_total", node="ip6-lookup", error="unsupported-target") == 0
    assert gw.counter("hnv_node_errors_total", node="iface-output", error="too-big") == 0
    assert gw.counter("hnv_node_packets_total", node="icmp6-local") > 0
