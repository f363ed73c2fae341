"""The site-to-site VPN lab: tenants A and B, with the same CAs, each reach their
own remote site, both sites using the same LAN 172.16.1.0/24, through one
hnvgwd with hnv-iked; the sites run stock Debian strongSwan (charon with
kernel-libipsec).

    vm-a1 10.0.1.10 (A, 5001)  vm-b1 10.0.1.10 (B, 6001)     vm-a2, vm-b2 10.0.1.20 (A, B)
              \\ host1 (hnv-hostd, PA 192.0.2.11) ---- underlay ---- host2 (hnv-hostd, PA 192.0.2.12)
                                                        |
                                     gw1 (hnvgwd + hnv-iked, PA 192.0.2.1) -- mgmt: controller
                                                        |
                   port "wan" (routing domain "wan", 203.0.113.1/24; VPN endpoints
                              203.0.113.5 for A and 203.0.113.6 for B)
                                    |                                  |
            site-a 203.0.113.2, LAN 172.16.1.0/24          site-b 203.0.113.3, LAN 172.16.1.0/24
            (charon + kernel-libipsec, 172.16.1.1)         (charon + kernel-libipsec, 172.16.1.1)

Policy, beside tenants.two_tenants(): a routing domain "wan" placed on gw1
with its external interface on port "wan", and one vpn-s2s-interface per
tenant (PSK, AES-GCM-256 with PFS, DPD) from its endpoint to its site,
localPrefixes 10.0.1.0/24, remotePrefixes 172.16.1.0/24. The gateway's
configuration has "vpn": {"ike_socket": ...}; hnv-iked connects there.
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
from .ipsec import Connection, Iked, Site, _socket_dir, strongswan_missing
from .pki import CertificateAuthority, Issued
from .process import wait_for
from .tenants import (TENANT_PREFIX6, OverlayTopology, Tenant, controller_link, dual_stack, enable_ipv6,
                      new_overlay_hosts, start_overlay_controller, two_tenants, wait_applied)
from .topology import Lab, Node

if TYPE_CHECKING:
    from .cluster import MemberSpec

WAN_RDID = "e5e6e7e8-0000-4000-8000-0000000000e5"
WAN_PORT = "wan"
WAN_GATEWAY = "203.0.113.1"
SITE = {"A": "203.0.113.2", "B": "203.0.113.3"}
ENDPOINT = {"A": "203.0.113.5", "B": "203.0.113.6"}
SITE_LAN = "172.16.1.0/24"
SITE_HOST = "172.16.1.1"
# start_vpn_lab(inner6=...): the tenant is dual-stack (tenants.dual_stack), its
# tunnel carries IPv6 only, to the site's IPv6 LAN.
SITE_LAN6 = "fd00:5::/64"
# start_vpn_lab(outer6=...): the tenant's tunnel travels over IPv6 on the wan
# (the gateway's wan interface also has WAN_GATEWAY6/64).
WAN_GATEWAY6 = "2001:db8:113::1"
SITE6 = {"A": "2001:db8:113::2", "B": "2001:db8:113::3"}
ENDPOINT6 = {"A": "2001:db8:113::5", "B": "2001:db8:113::6"}
SITE_HOST6 = "fd00:5::1"
PSK = {"A": "tenant-a-psk-0123456789", "B": "tenant-b-psk-9876543210"}
ESP = "aes256gcm16-modp2048"
IKE = "aes256-sha256-modp2048"


@dataclass
class VpnPki:
    """Certificate authentication instead of PSKs: a CA per tenant ("ca-a", "ca-b") that
    issued its gateway endpoint's certificate (CN=gw-a, IP ENDPOINT) and its site's
    (CN=site-a, IP SITE). Tenant A's interface names its site by the DN (remoteId
    "CN=site-a"), B's by the address (the default)."""
    ca: dict[str, CertificateAuthority]
    gw: dict[str, Issued]
    site: dict[str, Issued]

    @staticmethod
    def make(lab: Lab) -> "VpnPki":
        ca = {t: CertificateAuthority(lab.logdir / "pki", f"ca-{t.lower()}") for t in ("A", "B")}
        return VpnPki(ca, {t: ca[t].issue(f"gw-{t.lower()}", ENDPOINT[t]) for t in ca},
                      {t: ca[t].issue(f"site-{t.lower()}", SITE[t]) for t in ca})

    def site_id(self, tenant: str) -> str:
        return "CN=site-a" if tenant == "A" else SITE[tenant]


@dataclass
class VpnLab:
    topo: OverlayTopology
    controller: Controller
    hosts: dict[str, Host]
    vms: dict[str, Vm]
    gateway: Gateway     # the gateway, or the first cluster member
    iked: Iked           # its hnv-iked
    sites: dict[str, Site]
    revision: int
    members: list[Gateway]  # start_vpn_lab(members=...): the cluster members, each with its hnv-iked
    ikeds: list[Iked]
    internet: Node | None = None  # start_vpn_lab(nat=True): the NAT lab's internet node

    def interfaces(self) -> dict[str, dict]:
        """hnvgwd's vpn-interfaces, by tenant name."""
        by_name = {}
        for x in self.gateway.ctl_json("vpn-interfaces")["interfaces"]:
            for name, t in self.topo.tenants.items():
                if x["name"].startswith(t.rdid):
                    by_name[name] = x
        return by_name


def vpn_operations(topo: OverlayTopology, *, lifetime: int | None = None, pki: VpnPki | None = None,
                   interface_changes: dict[str, dict[str, Any]] | None = None,
                   outer6: Sequence[str] = ()) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = []

    def create(kind: str, obj: dict[str, Any]) -> None:
        ops.append({"op": "create", "kind": kind, "object": obj})

    tenants: list[Tenant] = sorted(topo.tenants.values(), key=lambda t: t.name)
    create("routing-domains", {"rdid": WAN_RDID, "name": "wan"})
    create("nodes", {"name": GATEWAY, "role": "gateway", "tenants": sorted({t.rdid for t in tenants} | {WAN_RDID})})
    create("provider-addresses", {"node": GATEWAY, "address": GATEWAY_PA, "interface": "underlay",
                                  "prefixLength": 24, "mac": GATEWAY_UPLINK_MAC})
    wan: dict[str, Any] = {"rdid": WAN_RDID, "name": "wan", "node": GATEWAY, "port": WAN_PORT,
                           "address": WAN_GATEWAY, "prefixLength": 24}
    if outer6:
        wan["ipv6Address"] = WAN_GATEWAY6
    create("external-interfaces", wan)
    for t in tenants:
        create("lookup-records", {"vsid": t.vsid, "ca": "0.0.0.0", "mac": GATEWAY_VSID_MAC[t.name], "pa": GATEWAY_PA,
                                  "type": "GatewayWildcard", "vmName": GATEWAY})
        if t.prefix6:  # the hosts send off-subnet IPv6 to the gateway too
            create("lookup-records", {"vsid": t.vsid, "ca": "::", "mac": GATEWAY_VSID_MAC[t.name], "pa": GATEWAY_PA,
                                      "type": "GatewayWildcard", "vmName": GATEWAY})
        s2s: dict[str, Any] = {"rdid": t.rdid, "name": f"site-{t.name.lower()}", "node": GATEWAY,
                               "externalRdid": WAN_RDID, "localAddress": ENDPOINT[t.name],
                               "destination": SITE[t.name], "sharedSecret": PSK[t.name], "ikeProposals": IKE,
                               "espProposals": ESP, "localPrefixes": ["10.0.1.0/24"],
                               "remotePrefixes": [SITE_LAN], "dpdSeconds": 5}
        if t.name in outer6:
            s2s.update({"localAddress": ENDPOINT6[t.name], "destination": SITE6[t.name]})
        if lifetime is not None:
            s2s["lifetimeSeconds"] = lifetime
        if pki is not None:
            del s2s["sharedSecret"]
            s2s.update({"authentication": "certificate", "certificate": pki.gw[t.name].cert,
                        "privateKey": pki.gw[t.name].key, "caCertificates": pki.ca[t.name].cert})
            if t.name == "A":
                s2s["remoteId"] = pki.site_id("A")
        s2s.update((interface_changes or {}).get(t.name, {}))
        create("vpn-s2s-interfaces", s2s)
    return ops


def with_nat(vpn_ops: list[dict[str, Any]], nat_ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The VPN lab's policy and the NAT lab's (hnvlab.nat) together: one gateway node with
    every routing domain, its provider address and wildcard records once, parents first."""
    internet_rd = [o for o in nat_ops if o["kind"] == "routing-domains"]
    nat_tenants = next(o["object"]["tenants"] for o in nat_ops if o["kind"] == "nodes")
    out = internet_rd + []
    for o in vpn_ops:
        if o["kind"] == "nodes":
            o = {**o, "object": {**o["object"], "tenants": sorted(set(o["object"]["tenants"]) | set(nat_tenants))}}
        out.append(o)
    skip = {"routing-domains", "nodes", "provider-addresses", "lookup-records"}
    return out + [o for o in nat_ops if o["kind"] not in skip]


def site_connection(tenant: str, pki: VpnPki | None = None, inner6: bool = False, outer6: bool = False) -> Connection:
    """The remote site's side of tenant `tenant`'s tunnel (with `pki`: by certificates,
    the gateway known by its certificate's subject; with `inner6`: IPv6 inside; with
    `outer6`: between the IPv6 addresses)."""
    site, endpoint = (SITE6[tenant], ENDPOINT6[tenant]) if outer6 else (SITE[tenant], ENDPOINT[tenant])
    conn = Connection(name="gw", local_addr=site, remote_addr=endpoint, local_id=site,
                      remote_id=endpoint, psk=PSK[tenant], local_ts=SITE_LAN6 if inner6 else SITE_LAN,
                      remote_ts=TENANT_PREFIX6 if inner6 else "10.0.1.0/24",
                      proposals=IKE, esp_proposals=ESP, child="lan", dpd_delay=5)
    if pki is not None:
        conn.certs = (pki.site[tenant].cert, pki.site[tenant].key, pki.ca[tenant].cert)
        conn.local_id, conn.remote_id = pki.site_id(tenant), f"CN=gw-{tenant.lower()}"
    return conn


def start_vpn_lab(lab: Lab, *, lifetime: int | None = None, site_log_level: int = 1,
                  site_changes: dict[str, dict[str, Any]] | None = None,
                  members: Sequence["MemberSpec"] = (), ike_sync: bool = True, nat: bool = False,
                  pki: VpnPki | None = None, interface_changes: dict[str, dict[str, Any]] | None = None,
                  inner6: Sequence[str] = (), outer6: Sequence[str] = ()) -> VpnLab:
    """Everything of the module docstring, started, in step with the controller.

    `site_changes` = {"B": {"psk": "wrong..."}}: fields of a site's Connection
    that differ from the gateway's side (to make a tunnel fail). `members`
    (hnvlab.cluster): a gateway cluster serving gw1 instead of one gw1, each
    member with its own hnv-iked; with `ike_sync` the two hnv-ikeds keep
    each other's IKE and CHILD SAs (strongSwan's ha plugin on the heartbeat
    link). With `nat` the NAT lab's internet side and NAT instances too
    (hnvlab.nat): each tenant reaches the internet node through NAT and its
    site through its tunnel. With `pki` (VpnPki.make) the tunnels authenticate by
    certificates instead of PSKs. `interface_changes` = {"A": {"connectionType": "on-demand"}}:
    fields of a tenant's vpn-s2s-interface beside the defaults above. `inner6` = ("A",):
    those tenants' VSIDs are dual-stack (TENANT_PREFIX6; each VM also has
    fd00:1::<last byte of its CA>, with a lookup record, and an IPv6 default route) and
    their tunnels carry IPv6 between TENANT_PREFIX6 and the site's SITE_LAN6
    (SITE_HOST6 on the site)."""
    from .cluster import cluster_operations, new_member  # the cluster builds on this lab
    from .nat import INTERNET, INTERNET_PORT, INTERNET_PREFIX_LEN, nat_operations
    topo = two_tenants()
    interface_changes = {t: dict(c) for t, c in (interface_changes or {}).items()}
    records6 = dual_stack(topo, inner6)
    for name in inner6:
        interface_changes.setdefault(name, {}).update({"localPrefixes": [TENANT_PREFIX6],
                                                       "remotePrefixes": [SITE_LAN6]})
    ctl = start_overlay_controller(lab, list(topo.hosts) + [GATEWAY])
    ops = topo.operations() + records6
    records = [o for o in ops if o["kind"] == "lookup-records"]
    gateway_ops = vpn_operations(topo, lifetime=lifetime, pki=pki, interface_changes=interface_changes,
                                 outer6=outer6)
    if nat:
        gateway_ops = with_nat(gateway_ops, nat_operations(topo))
    ops = ([o for o in ops if o["kind"] != "lookup-records"] + records + gateway_ops + cluster_operations(members))
    reply = ctl.batch(ops)
    if reply.get("changes") != len(ops):
        raise LabError(f"policy batch made {reply.get('changes')} changes, expected {len(ops)}")
    revision = int(reply["revision"])

    lab.segment("wan", mtu=1500)
    sites = {}
    for name in ("A", "B"):
        node = lab.node(f"site-{name.lower()}")
        if name in outer6:  # IPv6 on before the link is up: attach() sees the address
            node.attach("wan", "eth0", [f"{SITE[name]}/24", f"{SITE6[name]}/64"])
        else:
            node.attach("wan", "eth0", [f"{SITE[name]}/24"])
            node.ns.disable_ipv6("eth0")
        node.exec(["ip", "addr", "add", f"{SITE_HOST}/24", "dev", "lo"])
        if name in inner6:
            node.exec(["ip", "addr", "add", f"{SITE_HOST6}/64", "dev", "lo"])
        sites[name] = Site(lab, node, f"site-{name.lower()}", log_level=site_log_level).start()
        conn = site_connection(name, pki, inner6=name in inner6, outer6=name in outer6)
        for field, value in (site_changes or {}).get(name, {}).items():
            setattr(conn, field, value)
        sites[name].load(conn)

    internet = None
    if nat:
        lab.segment("inet", mtu=1500)
        internet = lab.node("internet")
        internet.attach("inet", "eth0", [f"{INTERNET}/{INTERNET_PREFIX_LEN}"])
        internet.ns.disable_ipv6("eth0")

    reference.mgmt(lab)
    reference.underlay(lab)
    sockets, gateways = [], []
    for m in members or [None]:
        ike_socket = _socket_dir("gw-ike") / "ike.sock"
        vpn = {"vpn": {"ike_socket": str(ike_socket)}}
        if m is None:
            gw = new_gateway(lab, GATEWAY, reference.UNDERLAY, [f"{GATEWAY_PA}/24"], uplink_mac=GATEWAY_UPLINK_MAC,
                             mgmt=(reference.MGMT, f"{GATEWAY_MGMT}/{reference.MGMT_PREFIX_LEN}"),
                             controller=controller_link(ctl, GATEWAY), extra_config=vpn, metrics="127.0.0.1:9470")
        else:
            gw = new_member(lab, m, controller_link(ctl, GATEWAY), extra_config=vpn)
        gw.add_port(WAN_PORT, "wan", "wan0")
        if nat:
            gw.add_port(INTERNET_PORT, "inet", "in0")
        sockets.append(ike_socket)
        gateways.append(gw)
    hosts = new_overlay_hosts(lab, topo, ctl)
    for gw in gateways:
        gw.start()
    for host in hosts.values():
        host.start()
    for name in list(hosts) + [GATEWAY]:
        wait_applied(ctl, name, revision)
    def ha(i: int) -> tuple[str, str] | None:
        return (members[i].ha, members[1 - i].ha) if members and ike_sync and len(members) == 2 else None
    ikeds = [Iked(lab, gw.node, name="iked" if not members else f"iked-{gw.name}", dataplane=str(sock),
                  ha=ha(i)).start()
             for i, (gw, sock) in enumerate(zip(gateways, sockets))]
    vms = {name: vm for host in hosts.values() for name, vm in host.vms.items()}
    enable_ipv6(topo, vms, inner6)
    return VpnLab(topo, ctl, hosts, vms, gateways[0], ikeds[0], sites, revision, gateways if members else [],
                  ikeds if members else [], internet)


def require_vpn_lab(hnv_bin) -> None:
    """Skips the test (saying why) without stock strongSwan; fails it without our binaries."""
    import pytest
    why = strongswan_missing()
    if why:
        pytest.skip(why)
    for b in ("hnvgwd", "hnv-hostd", "hnv-iked", "hnv-controller"):
        hnv_bin(b)


def sa_packets(x: dict, direction: str) -> int:
    """Packets of an interface's SAs of one direction ("in", "out"), from vpn-interfaces."""
    return sum(int(s["packets"]) for s in x["sas"] if s["direction"] == direction)


def wait_connected(vl: VpnLab, tenants=("A", "B"), timeout: float = 30) -> dict[str, dict]:
    """Until each tenant's S2S interface is connected; returns vpn-interfaces by tenant."""
    def up():
        x = vl.interfaces()
        return x if all(x.get(t, {}).get("state") == "connected" for t in tenants) else None
    return wait_for(up, timeout=timeout, interval=0.25, what=f"S2S interfaces of {list(tenants)} to connect")


def serve_blob(node, lab, name: str, address: str, nbytes: int) -> str:
    root = os.path.join(lab.logdir, f"www-{name}")
    os.makedirs(root, exist_ok=True)
    data = os.urandom(nbytes)
    with open(os.path.join(root, "blob"), "wb") as f:
        f.write(data)
    node.start(f"http-{name}", [PYTHON, "-m", "http.server", "8000", "--bind", address, "--directory", root])
    listening = f"[{address}]:8000" if ":" in address else f"{address}:8000"
    wait_for(lambda: listening in node.exec(["ss", "-ltn"], check=True).stdout, timeout=10,
             what=f"the HTTP server of {name}")
    return hashlib.sha256(data).hexdigest()


def fetch(node, url: str) -> str:
    code = ("import urllib.request,hashlib;"
            f"d=urllib.request.urlopen('{url}',timeout=60).read();"
            "print(len(d),hashlib.sha256(d).hexdigest())")
    return node.exec([PYTHON, "-c", code], check=True, timeout=90).stdout.strip()
