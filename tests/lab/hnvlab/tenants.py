"""Overlay policy for host lab tests: tenants, VMs, hosts, loaded into hnv-controller.

`two_tenants()` is the reference overlay of TESTING.md: tenants A and B, each
its own routing domain with one virtual subnet over the *same* CA prefix
10.0.1.0/24 (distributed router 10.0.1.1, one router MAC per VSID), a VM of
each tenant on host1 and on host2 with the same CAs in both tenants.
`OverlayTopology.operations()` turns it into one all-or-nothing
`POST /v1/batch` with the field names of docs/api/openapi.json:

- routing-domains `{rdid, name}`;
- virtual-subnets `{vsid, rdid, name, prefixes, defaultGateways, defaultGatewayMac}`;
- nodes `{name, role: "host"}`;
- provider-addresses `{node, address, interface, prefixLength, mac}` (interface:
  hnv-hostd's uplink port name "ul0"; mac: that port's MAC);
- lookup-records `{vsid, ca, mac, pa, vmName}` (type Static, rule Encap by default).

`start_overlay_controller()` runs hnv-controller on the management segment,
reachable from the hosts' kernel interfaces, with one node token per host;
`controller_link()` gives a host the URL and its token.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import reference
from .controller import DEFAULT_TOKEN, Controller, admin_token, node_token, start_controller
from .errors import LabError
from .host import ControllerLink, Host, VmSpec, new_host
from .process import wait_for
from .topology import Lab


@dataclass(frozen=True)
class Tenant:
    name: str               # "A"
    rdid: str               # routing domain (GUID)
    vsid: int
    router_mac: str         # the VSID's distributed router MAC (defaultGatewayMac)
    prefix: str = "10.0.1.0/24"
    gateway: str = "10.0.1.1"
    multicast_group: str | None = None  # the VSID's PA multicast group (else N-way unicast)
    prefix6: str | None = None          # an IPv6 prefix of the VSID, with its default gateway
    gateway6: str | None = None

    @property
    def prefix_len(self) -> int:
        return ipaddress.ip_network(self.prefix).prefixlen


@dataclass(frozen=True)
class HostSpec:
    name: str
    pa: str                 # provider address, without prefix length
    uplink_mac: str
    mgmt: str               # management address, without prefix length
    pa_prefix_len: int = 24

    @property
    def pa_cidr(self) -> str:
        return f"{self.pa}/{self.pa_prefix_len}"


@dataclass(frozen=True)
class VmPlacement:
    name: str
    tenant: Tenant
    host: str
    ca: str
    mac: str
    pa: str | None = None   # the PA of its record; None: the host's (first) PA
    mtu: int | None = None  # the VM's MTU; None: what fits NVGRE (host.VM_MTU)

    @property
    def ca_cidr(self) -> str:
        return f"{self.ca}/{self.tenant.prefix_len}"

    def spec(self, kind: str = "tap") -> VmSpec:
        """Arguments of Host.add_vm() for this VM (default route via the tenant's router)."""
        spec = VmSpec(self.name, self.tenant.vsid, self.mac, self.ca_cidr, self.tenant.gateway, kind=kind)
        return spec if self.mtu is None else dataclasses.replace(spec, mtu=self.mtu)


@dataclass
class OverlayTopology:
    tenants: dict[str, Tenant]
    hosts: dict[str, HostSpec]
    vms: dict[str, VmPlacement] = field(default_factory=dict)

    def vms_on(self, host: str) -> list[VmPlacement]:
        return [vm for vm in self.vms.values() if vm.host == host]

    def vms_of(self, tenant: str) -> list[VmPlacement]:
        return [vm for vm in self.vms.values() if vm.tenant.name == tenant]

    def operations(self) -> list[dict[str, Any]]:
        """Batch operations creating the whole policy, parents before children."""
        ops: list[dict[str, Any]] = []

        def create(kind: str, obj: dict[str, Any]) -> None:
            ops.append({"op": "create", "kind": kind, "object": obj})

        seen: set[str] = set()
        for t in self.tenants.values():
            if t.rdid not in seen:  # a routing domain may hold several virtual subnets
                seen.add(t.rdid)
                create("routing-domains", {"rdid": t.rdid, "name": f"tenant-{t.name.lower()}"})
        for t in self.tenants.values():
            subnet = {"vsid": t.vsid, "rdid": t.rdid, "name": f"tenant-{t.name.lower()}-vs{t.vsid}",
                      "prefixes": [t.prefix], "defaultGateways": [t.gateway], "defaultGatewayMac": t.router_mac}
            if t.prefix6:
                subnet["prefixes"].append(t.prefix6)
                subnet["defaultGateways"].append(t.gateway6)
            if t.multicast_group:
                subnet["multicastGroup"] = t.multicast_group
            create("virtual-subnets", subnet)
        for h in self.hosts.values():
            create("nodes", {"name": h.name, "role": "host"})
            create("provider-addresses", {"node": h.name, "address": h.pa, "interface": "ul0",
                                          "prefixLength": h.pa_prefix_len, "mac": h.uplink_mac})
        for vm in self.vms.values():
            create("lookup-records", {"vsid": vm.tenant.vsid, "ca": vm.ca, "mac": vm.mac,
                                      "pa": vm.pa or self.hosts[vm.host].pa, "vmName": vm.name})
        return ops


TENANT_A = Tenant("A", "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a", 5001, "02:00:00:00:50:01")
TENANT_B = Tenant("B", "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", 6001, "02:00:00:00:60:01")
# A second virtual subnet of tenant A's routing domain.
TENANT_A_SUBNET2 = Tenant("C", TENANT_A.rdid, 5002, "02:00:00:00:50:02", prefix="10.0.2.0/24", gateway="10.0.2.1")


def two_tenants(hosts: Sequence[str] = ("host1", "host2")) -> OverlayTopology:
    """Tenants A and B, same CAs; VM "vm-<tenant><i>" on host i with CA 10.0.1.<10*i>.

    MACs: 02:00:0<t>:00:01:<CA's last byte> with t = a or b, so each VM's MAC
    says its tenant and CA (vm-a1 02:00:0a:00:01:0a, vm-b2 02:00:0b:00:01:14).
    """
    topo = OverlayTopology({"A": TENANT_A, "B": TENANT_B}, {})
    for i, h in enumerate(hosts, start=1):
        pa = reference.HOST_PA.get(h, f"192.0.2.{10 + i}")
        mac = reference.HOST_UPLINK_MAC.get(h, f"02:00:00:00:00:{10 + i:02x}")
        mgmt = reference.HOST_MGMT.get(h, f"198.51.100.{210 + i}")
        topo.hosts[h] = HostSpec(h, pa, mac, mgmt)
        for t in (TENANT_A, TENANT_B):
            last = 10 * i
            name = f"vm-{t.name.lower()}{i}"
            topo.vms[name] = VmPlacement(name, t, h, f"10.0.1.{last}", f"02:00:0{t.name.lower()}:00:01:{last:02x}")
    return topo


def with_second_subnet(topo: OverlayTopology, host: str = "host2") -> OverlayTopology:
    """Adds tenant A's second virtual subnet (VSID 5002, 10.0.2.0/24, "tenant C" in names)
    with VM vm-c2 (10.0.2.20) on `host`: the distributed router's lab."""
    topo.tenants["C"] = TENANT_A_SUBNET2
    topo.vms["vm-c2"] = VmPlacement("vm-c2", TENANT_A_SUBNET2, host, "10.0.2.20", "02:00:0c:00:02:14")
    return topo


def l2only_record(topo: OverlayTopology, vm: str) -> dict[str, Any]:
    """A batch operation giving VM `vm` an L2Only record at its host's PA: its CAs are learned."""
    v = topo.vms[vm]
    return {"op": "create", "kind": "lookup-records",
            "object": {"vsid": v.tenant.vsid, "type": "L2Only", "mac": v.mac, "pa": v.pa or topo.hosts[v.host].pa,
                       "vmName": v.name}}


# dual_stack(): a tenant's VSID also has TENANT_PREFIX6, its VMs fd00:1::<CA's
# last byte> beside their IPv4 CA.
TENANT_PREFIX6 = "fd00:1::/64"
TENANT_GATEWAY6 = "fd00:1::1"


def ca6(ca: str) -> str:
    """A VM's IPv6 CA in TENANT_PREFIX6 beside its IPv4 one (10.0.1.20: fd00:1::20)."""
    return f"fd00:1::{ca.rsplit('.', 1)[1]}"


def dual_stack(topo: OverlayTopology, names: Sequence[str]) -> list[dict[str, Any]]:
    """Gives the tenants `names` TENANT_PREFIX6 in their VSID (changes `topo`) and returns the
    create operations of their VMs' IPv6 lookup records; after start, enable_ipv6() the VMs."""
    ops: list[dict[str, Any]] = []
    for name in names:
        topo.tenants[name] = dataclasses.replace(topo.tenants[name], prefix6=TENANT_PREFIX6, gateway6=TENANT_GATEWAY6)
        for vm in topo.vms_of(name):
            topo.vms[vm.name] = dataclasses.replace(vm, tenant=topo.tenants[name])
            ops.append({"op": "create", "kind": "lookup-records",
                        "object": {"vsid": vm.tenant.vsid, "ca": ca6(vm.ca), "mac": vm.mac,
                                   "pa": vm.pa or topo.hosts[vm.host].pa, "vmName": vm.name}})
    return ops


def enable_ipv6(topo: OverlayTopology, vms: dict[str, Any], names: Sequence[str]) -> None:
    """The running VMs of the tenants `names` take their IPv6 CA and an IPv6 default route."""
    for name in names:
        for placement in topo.vms_of(name):
            vm = vms[placement.name]
            vm.node.ns.sysctl({"net/ipv6/conf/eth0/disable_ipv6": 0})
            vm.exec(["ip", "addr", "add", f"{ca6(placement.ca)}/64", "dev", "eth0", "nodad"], check=True)
            vm.node.default_route(TENANT_GATEWAY6)


def start_overlay_controller(lab: Lab, hosts: Sequence[str], *, name: str = "controller",
                             address: str = reference.CONTROLLER_MGMT) -> Controller:
    """hnv-controller on the management segment (address `address`), with an admin token
    "ops" and a node token per host (token name = node name)."""
    reference.mgmt(lab)
    node = lab.node(name)
    node.attach(reference.MGMT, "eth0", [f"{address}/{reference.MGMT_PREFIX_LEN}"])
    tokens = [admin_token("ops")] + [node_token(h, h) for h in hosts]
    return start_controller(lab, name, tokens=tokens, address=address)


def controller_link(ctl: Controller, host: str) -> ControllerLink:
    """What host `host`'s hnv-hostd needs to reach `ctl`: URL and its node token."""
    return ControllerLink(ctl.url, ctl.token(host))


def load_policy(ctl: Controller, topo: OverlayTopology, token: Any = DEFAULT_TOKEN) -> int:
    """Create the whole topology in one batch; returns the controller revision after it."""
    reply = ctl.batch(topo.operations(), token=token)
    if reply.get("changes") != len(topo.operations()):
        raise LabError(f"policy batch made {reply.get('changes')} changes, expected {len(topo.operations())}")
    return int(reply["revision"])


def new_overlay_hosts(lab: Lab, topo: OverlayTopology, ctl: Controller | None, *, kind: str = "tap",
                      segment: str = reference.UNDERLAY, **kwargs: Any) -> dict[str, Host]:
    """Every host of `topo` with its VMs, not yet started (see host.new_host)."""
    if segment == reference.UNDERLAY:
        reference.underlay(lab)
    hosts = {}
    for spec in topo.hosts.values():
        mgmt = (reference.MGMT, f"{spec.mgmt}/{reference.MGMT_PREFIX_LEN}") if ctl is not None else None
        if mgmt is not None:
            reference.mgmt(lab)
        host = new_host(lab, spec.name, segment, [spec.pa_cidr], uplink_mac=spec.uplink_mac, mgmt=mgmt,
                        controller=controller_link(ctl, spec.name) if ctl is not None else None, **kwargs)
        for vm in topo.vms_on(spec.name):
            s = vm.spec(kind)
            host.add_vm(s.name, s.vsid, s.mac, s.ca_cidr, s.gateway, mtu=s.mtu, kind=s.kind)
        hosts[spec.name] = host
    return hosts


def wait_applied(ctl: Controller, node: str, revision: int, timeout: float = 30.0) -> dict:
    """Wait until `node`'s agent reports (PUT /v1/nodes/{node}/status) that it applied `revision`.

    Before any report the controller answers appliedRevision 0, health "unknown".
    """
    def applied() -> dict | None:
        status = ctl.ok("GET", f"/v1/nodes/{node}/status")
        return status if int(status.get("appliedRevision", 0)) >= revision else None

    return wait_for(applied, timeout=timeout, interval=0.2,
                    what=f"{node} to report appliedRevision >= {revision} to the controller")


def start_overlay(lab: Lab, topo: OverlayTopology, extra: Sequence[dict[str, Any]] = (),
                  before_start: Callable[[dict[str, Host]], None] | None = None, **kwargs: Any):
    """The whole overlay lab: controller with `topo`'s policy plus `extra` batch
    operations (one batch; `extra` goes before the lookup records, which may
    name its provider addresses), every host started and in step with it.
    `before_start(hosts)` may add to the hosts first (uplinks).
    Returns (controller, hosts by name, VMs by name)."""
    ctl = start_overlay_controller(lab, list(topo.hosts))
    ops = topo.operations()
    records = [o for o in ops if o["kind"] == "lookup-records"]
    ops = [o for o in ops if o["kind"] != "lookup-records"] + list(extra) + records
    reply = ctl.batch(ops)
    if reply.get("changes") != len(ops):
        raise LabError(f"policy batch made {reply.get('changes')} changes, expected {len(ops)}")
    revision = int(reply["revision"])
    hosts = new_overlay_hosts(lab, topo, ctl, **kwargs)
    if before_start is not None:
        before_start(hosts)
    for host in hosts.values():
        host.start()
    for name in hosts:
        wait_applied(ctl, name, revision)
    vms = {name: vm for host in hosts.values() for name, vm in host.vms.items()}
    return ctl, hosts, vms
