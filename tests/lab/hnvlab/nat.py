"""The NAT44 lab: tenants A and B, with the same CAs, reach "the internet" through
one hnvgwd, each from its own external address.

    vm-a1 10.0.1.10 (A, 5001)  vm-b1 10.0.1.10 (B, 6001)     vm-a2, vm-b2 10.0.1.20 (A, B)
              \\ host1 (hnv-hostd, PA 192.0.2.11) ---- underlay ---- host2 (hnv-hostd, PA 192.0.2.12)
                                                        |
                                              gw1 (hnvgwd, PA 192.0.2.1) -- mgmt: controller
                                                        |
                                   port "inet" (routing domain "internet", 203.0.113.1/24)
                                                        |
                                             internet 203.0.113.254/24
                                    (HTTP server, the tenants' only way out)

Policy, beside tenants.two_tenants(): a third routing domain, "internet",
placed on gw1 with its external interface on port "inet"; NAT instances for
A (external address 203.0.113.10) and B (203.0.113.20) whose outside is
that domain; a gateway route 0.0.0.0/0 to "nat" for A and B; and a static
mapping tcp 203.0.113.10:80 -> vm-a2 (10.0.1.20):80. The internet node
knows nothing of 10.0.1.0/24: only the external addresses, which the
gateway answers ARP for on its port.

    nl = start_nat_lab(lab)
    nl.vms["vm-a1"].node.exec([...http fetch of INTERNET...])
    nl.gateway.ctl_json("nat-sessions", "--tenant", TENANT_A.rdid)
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from . import reference
from .controller import Controller
from .errors import LabError
from .forwarding import GATEWAY, GATEWAY_MGMT, GATEWAY_PA, GATEWAY_UPLINK_MAC, GATEWAY_VSID_MAC
from .gateway import Gateway, new_gateway
from .host import PYTHON, Host, Vm
from .process import Process, wait_for
from .tenants import (OverlayTopology, Tenant, controller_link, new_overlay_hosts, start_overlay_controller,
                      two_tenants, wait_applied)
from .topology import Lab, Node

if TYPE_CHECKING:
    from .cluster import MemberSpec

INTERNET_RDID = "e1e2e3e4-0000-4000-8000-0000000000ee"
INTERNET_PORT = "inet"
INTERNET_GATEWAY = "203.0.113.1"   # the gateway's own address on the internet side
INTERNET = "203.0.113.254"         # the internet node: router and HTTP server
INTERNET_PREFIX_LEN = 24
EXTERNAL = {"A": "203.0.113.10", "B": "203.0.113.20"}
WEB_PORT = 80                      # A's static mapping: EXTERNAL["A"]:80 -> vm-a2:80
METRICS = "127.0.0.1:9471"
HTTP_PORT = 8000                   # the internet node's HTTP server


@dataclass
class NatLab:
    topo: OverlayTopology
    controller: Controller
    hosts: dict[str, Host]
    vms: dict[str, Vm]
    gateway: Gateway     # the gateway, or the first cluster member
    internet: Node
    revision: int
    members: list[Gateway]  # the cluster members (start_nat_lab(members=...)); empty without a cluster


def nat_operations(topo: OverlayTopology, *, max_sessions: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """The gateway's part of the policy (parents first)."""
    ops: list[dict[str, Any]] = []

    def create(kind: str, obj: dict[str, Any]) -> None:
        ops.append({"op": "create", "kind": kind, "object": obj})

    tenants: list[Tenant] = sorted(topo.tenants.values(), key=lambda t: t.name)
    create("routing-domains", {"rdid": INTERNET_RDID, "name": "internet"})
    create("nodes", {"name": GATEWAY, "role": "gateway", "tenants": sorted({t.rdid for t in tenants} | {INTERNET_RDID})})
    create("provider-addresses", {"node": GATEWAY, "address": GATEWAY_PA, "interface": "underlay",
                                  "prefixLength": 24, "mac": GATEWAY_UPLINK_MAC})
    create("external-interfaces", {"rdid": INTERNET_RDID, "name": "inet", "node": GATEWAY, "port": INTERNET_PORT,
                                   "address": INTERNET_GATEWAY, "prefixLength": INTERNET_PREFIX_LEN})
    create("gateway-routes", {"rdid": INTERNET_RDID, "destinationPrefix": "0.0.0.0/0", "interface": "inet",
                              "nextHop": INTERNET})
    for t in tenants:
        create("lookup-records", {"vsid": t.vsid, "ca": "0.0.0.0", "mac": GATEWAY_VSID_MAC[t.name], "pa": GATEWAY_PA,
                                  "type": "GatewayWildcard", "vmName": GATEWAY})
        instance: dict[str, Any] = {"rdid": t.rdid, "externalRdid": INTERNET_RDID}
        if max_sessions and t.name in max_sessions:
            instance["maxSessions"] = max_sessions[t.name]
        create("nat-instances", instance)
        create("nat-external-addresses", {"rdid": t.rdid, "address": EXTERNAL[t.name], "firstPort": 1024,
                                          "lastPort": 65535})
        create("gateway-routes", {"rdid": t.rdid, "destinationPrefix": "0.0.0.0/0", "interface": "nat"})
    a = topo.tenants["A"]
    create("nat-static-mappings", {"rdid": a.rdid, "protocol": "tcp", "externalAddress": EXTERNAL["A"],
                                   "externalPort": WEB_PORT, "internalAddress": topo.vms["vm-a2"].ca,
                                   "internalPort": WEB_PORT})
    return ops


def start_nat_lab(lab: Lab, *, max_sessions: dict[str, int] | None = None,
                  members: Sequence["MemberSpec"] = ()) -> NatLab:
    """Everything of the module docstring, started and in step with the controller.

    `members` (hnvlab.cluster): instead of one gw1, a gateway cluster serving node gw1 whose
    members are these lab nodes, all on the same segments (and the "ha" heartbeat link)."""
    from .cluster import cluster_operations, new_member  # the cluster builds on this lab
    topo = two_tenants()
    ctl = start_overlay_controller(lab, list(topo.hosts) + [GATEWAY])
    ops = topo.operations()
    records = [o for o in ops if o["kind"] == "lookup-records"]
    ops = ([o for o in ops if o["kind"] != "lookup-records"] + records + nat_operations(topo, max_sessions=max_sessions)
           + cluster_operations(members))
    reply = ctl.batch(ops)
    if reply.get("changes") != len(ops):
        raise LabError(f"policy batch made {reply.get('changes')} changes, expected {len(ops)}")
    revision = int(reply["revision"])

    lab.segment("inet", mtu=1500)
    internet = lab.node("internet")
    internet.attach("inet", "eth0", [f"{INTERNET}/{INTERNET_PREFIX_LEN}"])
    internet.ns.disable_ipv6("eth0")

    reference.mgmt(lab)
    reference.underlay(lab)
    if members:
        gateways = [new_member(lab, m, controller_link(ctl, GATEWAY)) for m in members]
    else:
        gateways = [new_gateway(lab, GATEWAY, reference.UNDERLAY, [f"{GATEWAY_PA}/24"], uplink_mac=GATEWAY_UPLINK_MAC,
                                mgmt=(reference.MGMT, f"{GATEWAY_MGMT}/{reference.MGMT_PREFIX_LEN}"),
                                controller=controller_link(ctl, GATEWAY), metrics=METRICS)]
    for gw in gateways:
        gw.add_port(INTERNET_PORT, "inet", "in0")
    hosts = new_overlay_hosts(lab, topo, ctl)
    for gw in gateways:
        gw.start()
    for host in hosts.values():
        host.start()
    for name in list(hosts) + [GATEWAY]:
        wait_applied(ctl, name, revision)
    vms = {name: vm for host in hosts.values() for name, vm in host.vms.items()}
    return NatLab(topo, ctl, hosts, vms, gateways[0], internet, revision, gateways if members else [])


def start_http_server(nl: NatLab, lab: Lab, nbytes: int) -> tuple[Process, str]:
    """python3's http.server in the internet node, serving /blob of `nbytes` random bytes once it
    listens; returns the process (its log has a line per request, client address first) and the
    blob's sha256."""
    root = os.path.join(lab.logdir, "www")
    os.makedirs(root, exist_ok=True)
    data = os.urandom(nbytes)
    with open(os.path.join(root, "blob"), "wb") as f:
        f.write(data)
    proc = nl.internet.start("http-server", [PYTHON, "-m", "http.server", str(HTTP_PORT), "--bind", INTERNET,
                                             "--directory", root])
    wait_for(lambda: f"{INTERNET}:{HTTP_PORT}" in nl.internet.exec(["ss", "-ltn"], check=True).stdout,
             timeout=10, interval=0.1, what="the HTTP server to listen")
    return proc, hashlib.sha256(data).hexdigest()


def http_fetch(vm: Vm) -> str:
    """`<length> <sha256>` of /blob as `vm` downloads it from the internet node."""
    code = ("import urllib.request,hashlib;"
            f"d=urllib.request.urlopen('http://{INTERNET}:{HTTP_PORT}/blob',timeout=60).read();"
            "print(len(d),hashlib.sha256(d).hexdigest())")
    return vm.node.exec([PYTHON, "-c", code], check=True, timeout=90).stdout.strip()
