"""The forwarding-gateway lab: three tenants with the same CAs, each reaching its
own physical network through one hnvgwd, without translation.

    vm-a1 10.0.1.10 (A, 5001)  vm-b1 10.0.1.10 (B, 6001)     vm-a2, vm-b2, vm-c2 10.0.1.20 (A, B, C 7001)
              \\ host1 (hnv-hostd, PA 192.0.2.11) ---- underlay ---- host2 (hnv-hostd, PA 192.0.2.12)
                                                        |
                                              gw1 (hnvgwd, PA 192.0.2.1) -- mgmt: controller
                                             /                  \\
                                   port "trunk"               port "ext-c" (tenant C's own, untagged)
                                 VLAN 100 (A), 200 (B)            |
                                        |                      net-c
                                  sw1 (OVS 802.1Q switch)
                                  /                 \\
                        access VLAN 100        access VLAN 200
                             net-a                  net-b

Each tenant's external network is the same 198.51.100.0/25, with the
gateway at .1 and a router at .126 that also owns 203.0.113.10 (on its
loopback) and routes 10.0.1.0/24 back to the gateway: the tenants overlap
on both sides on purpose. The controller holds everything (policy of
tenants.py plus the gateway node, its PA, a GatewayWildcard per VSID, an
external interface per tenant and a gateway route 203.0.113.0/24 via .126).

    lab_ = start_forwarding_lab(lab)
    lab_.vms["vm-a1"].wait_ping(EXTERNAL_ROUTER)
    tcp_transfer(lab_.vms["vm-a1"].node, lab_.nets["A"], REMOTE, port=7001)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from . import reference
from .controller import Controller
from .gateway import Gateway, new_gateway
from .host import Host, Vm
from .tenants import (TENANT_PREFIX6, OverlayTopology, Tenant, VmPlacement, controller_link, dual_stack,
                      enable_ipv6, new_overlay_hosts, start_overlay_controller, two_tenants, wait_applied)
from .errors import LabError
from .topology import Lab, Node
from .vlan_switch import VlanSwitch, start_vlan_switch

TENANT_C = Tenant("C", "c3d4e5f6-0718-4293-a4b5-c6d7e8f90a1b", 7001, "02:00:00:00:70:01")

GATEWAY = "gw1"
GATEWAY_PA = "192.0.2.1"
GATEWAY_UPLINK_MAC = "02:00:00:00:00:01"
GATEWAY_MGMT = "198.51.100.201"
# The gateway's MAC in each tenant's VSID: its GatewayWildcard.
GATEWAY_VSID_MAC = {"A": "02:00:00:00:fe:0a", "B": "02:00:00:00:fe:0b", "C": "02:00:00:00:fe:0c"}
VLAN = {"A": 100, "B": 200}         # tenants on the trunk; C has port "ext-c"
EXTERNAL_PREFIX_LEN = 25
EXTERNAL_GATEWAY = "198.51.100.1"   # the gateway's address on every tenant's network
EXTERNAL_ROUTER = "198.51.100.126"  # each network's router (and TCP peer)
REMOTE = "203.0.113.10"             # behind the router: reached through a gateway route
REMOTE_PREFIX = "203.0.113.0/24"
METRICS = "127.0.0.1:9470"          # the gateway's Prometheus endpoint, inside its node
# start_forwarding_lab(ipv6=True): tenants A and B are dual-stack (tenants.dual_stack: the
# VMs also have fd00:1::<CA's last byte>), their networks also 2001:db8:64::/64 with the
# gateway at ::1 and the router at ::7e and fe80::7e; the router also owns REMOTE6,
# reached through a gateway route whose next hop is the router's link-local address.
IPV6_TENANTS = ("A", "B")
EXTERNAL_GATEWAY6 = "2001:db8:64::1"
EXTERNAL_ROUTER6 = "2001:db8:64::7e"
ROUTER_LINK_LOCAL = "fe80::7e"
REMOTE6 = "2001:db8:f00::10"
REMOTE_PREFIX6 = "2001:db8:f00::/48"


@dataclass
class ForwardingLab:
    topo: OverlayTopology
    controller: Controller
    hosts: dict[str, Host]
    vms: dict[str, Vm]
    gateway: Gateway
    switch: VlanSwitch
    nets: dict[str, Node]  # tenant name -> its external network's router node
    revision: int          # the controller's revision after the policy batch


def forwarding_topology() -> OverlayTopology:
    """tenants.two_tenants() plus tenant C (VSID 7001, same prefix) with vm-c2 10.0.1.20 on host2."""
    topo = two_tenants()
    topo.tenants["C"] = TENANT_C
    topo.vms["vm-c2"] = VmPlacement("vm-c2", TENANT_C, "host2", "10.0.1.20", "02:00:0c:00:01:14")
    return topo


def gateway_operations(topo: OverlayTopology, tenant_c_mtu: int | None = None,
                       ipv6: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The gateway's part of the policy: node with the tenants placed, PA, GatewayWildcards,
    external interfaces and gateway routes (parents first; wildcards go with the records).
    The tenants `ipv6` also get the interface's IPv6 address and the IPv6 gateway route."""
    ops: list[dict[str, Any]] = []

    def create(kind: str, obj: dict[str, Any]) -> None:
        ops.append({"op": "create", "kind": kind, "object": obj})

    tenants = sorted(topo.tenants.values(), key=lambda t: t.name)
    create("nodes", {"name": GATEWAY, "role": "gateway", "tenants": sorted({t.rdid for t in tenants})})
    create("provider-addresses", {"node": GATEWAY, "address": GATEWAY_PA, "interface": "underlay",
                                  "prefixLength": 24, "mac": GATEWAY_UPLINK_MAC})
    for t in tenants:
        create("lookup-records", {"vsid": t.vsid, "ca": "0.0.0.0", "mac": GATEWAY_VSID_MAC[t.name], "pa": GATEWAY_PA,
                                  "type": "GatewayWildcard", "vmName": GATEWAY})
        if t.prefix6:  # the hosts send off-subnet IPv6 to the gateway too
            create("lookup-records", {"vsid": t.vsid, "ca": "::", "mac": GATEWAY_VSID_MAC[t.name], "pa": GATEWAY_PA,
                                      "type": "GatewayWildcard", "vmName": GATEWAY})
        iface = {"rdid": t.rdid, "name": "ext", "node": GATEWAY, "address": EXTERNAL_GATEWAY,
                 "prefixLength": EXTERNAL_PREFIX_LEN}
        iface.update({"port": "trunk", "vlan": VLAN[t.name]} if t.name in VLAN else {"port": "ext-c"})
        if t.name == "C" and tenant_c_mtu is not None:
            iface["mtu"] = tenant_c_mtu
        if t.name in ipv6:
            iface["ipv6Address"] = EXTERNAL_GATEWAY6
        create("external-interfaces", iface)
        create("gateway-routes", {"rdid": t.rdid, "destinationPrefix": REMOTE_PREFIX, "interface": "ext",
                                  "nextHop": EXTERNAL_ROUTER})
        if t.name in ipv6:
            create("gateway-routes", {"rdid": t.rdid, "destinationPrefix": REMOTE_PREFIX6, "interface": "ext",
                                      "nextHop": ROUTER_LINK_LOCAL})
    return ops


def _router(node: Node, ipv6: bool = False) -> Node:
    """The remote address on the router's loopback, IP forwarding off (it answers, never routes);
    with `ipv6` REMOTE6 too, and the tenant's IPv6 prefix through the gateway."""
    node.ns.batch([f"addr add {REMOTE}/32 dev lo"])
    if ipv6:
        node.ns.batch([f"addr add {REMOTE6}/128 dev lo"])
        node.ns.add_route(TENANT_PREFIX6, via=EXTERNAL_GATEWAY6, dev="eth0")
    return node


def start_forwarding_lab(lab: Lab, *, state_file: bool = False, tenant_c_mtu: int | None = None,
                         ipv6: bool = False) -> ForwardingLab:
    """Everything of the module docstring, started and in step with the controller.
    `tenant_c_mtu`: tenant C's network (its external interface and net-c's link) has that MTU.
    `ipv6`: tenants A and B are dual-stack inside and outside (IPV6_TENANTS, above)."""
    topo = forwarding_topology()
    v6 = IPV6_TENANTS if ipv6 else ()
    records6 = dual_stack(topo, v6)
    ctl = start_overlay_controller(lab, list(topo.hosts) + [GATEWAY])
    ops = topo.operations() + records6
    records = [o for o in ops if o["kind"] == "lookup-records"]
    ops = [o for o in ops if o["kind"] != "lookup-records"] + records + gateway_operations(topo, tenant_c_mtu, v6)
    reply = ctl.batch(ops)
    if reply.get("changes") != len(ops):
        raise LabError(f"policy batch made {reply.get('changes')} changes, expected {len(ops)}")
    revision = int(reply["revision"])

    # The physical side: the 802.1Q switch with tenants A and B, tenant C's own segment.
    switch = start_vlan_switch(lab, "sw1", "trunk")
    ext = f"{EXTERNAL_ROUTER}/{EXTERNAL_PREFIX_LEN}"
    ext6 = [f"{EXTERNAL_ROUTER6}/64", f"{ROUTER_LINK_LOCAL}/64"] if ipv6 else []
    nets = {name: _router(switch.access(vlan, f"net-{name.lower()}", [ext] + ext6, gateway=EXTERNAL_GATEWAY), ipv6)
            for name, vlan in VLAN.items()}
    lab.segment("ext-c", mtu=1500)
    net_c = lab.node("net-c")
    net_c.attach("ext-c", "eth0", [ext], mtu=tenant_c_mtu)
    net_c.ns.disable_ipv6("eth0")
    net_c.default_route(EXTERNAL_GATEWAY, dev="eth0")
    nets["C"] = _router(net_c)

    reference.mgmt(lab)
    reference.underlay(lab)
    gw = new_gateway(lab, GATEWAY, reference.UNDERLAY, [f"{GATEWAY_PA}/24"], uplink_mac=GATEWAY_UPLINK_MAC,
                     mgmt=(reference.MGMT, f"{GATEWAY_MGMT}/{reference.MGMT_PREFIX_LEN}"),
                     controller=controller_link(ctl, GATEWAY), state_file=state_file, metrics=METRICS)
    gw.add_port("trunk", "trunk", "tr0")
    gw.add_port("ext-c", "ext-c", "ec0")
    hosts = new_overlay_hosts(lab, topo, ctl)
    gw.start()
    for host in hosts.values():
        host.start()
    for name in list(hosts) + [GATEWAY]:
        wait_applied(ctl, name, revision)
    vms = {name: vm for host in hosts.values() for name, vm in host.vms.items()}
    enable_ipv6(topo, vms, v6)
    return ForwardingLab(topo, ctl, hosts, vms, gw, switch, nets, revision)
