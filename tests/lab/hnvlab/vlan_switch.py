"""An 802.1Q "physical switch" in a lab node: Open vSwitch, user-space datapath.

The kernel here has no VLAN devices and its Linux bridge no vlan_filtering
(environment.md), so the VLAN switch is OVS (`datapath_type=netdev`, no kernel
module) with one bridge in NORMAL mode: a MAC-learning switch, learning per
VLAN. It stands between a gateway's trunk port (802.1Q-tagged frames, one VLAN
per tenant) and the tenants' external networks, hosts that only see untagged
frames. The daemons and their private run directory are ovs.OvsInstance.

    gateway node (hnvgwd)           tester / other trunk users (optional)
      tr0  data-plane veth,           tr0 data-plane veth
       |   net_af_packet               |
       +---------------+---------------+
                       |
          trunk segment "trunk": a Linux bridge in its own namespace, no
                       |        vlan_filtering: tagged frames cross it as they are
                       |
      switch node     tr0  data-plane veth (no address, no IPv6, NOARP, offloads
      (OVS)            |   off), OVS port vlan_mode=trunk (all VLANs or `vlans`)
                   [br-vlan]  netdev bridge, NORMAL, STP/multicast snooping off;
                       |      its internal port br-vlan stays down
              +--------+--------+
         a100-ext100       a200-ext200    data-plane veths, OVS ports tag=100 / tag=200
              |                 |         (vlan_mode=access: untagged on the wire)
            eth0              eth0
      node ext100         node ext200     kernel hosts: address, optional default route,
      198.51.100.1/24     198.51.100.1/24 MTU of the switch (tenants overlap on purpose)

The trunk is a lab Segment, so the gateway attaches to it exactly as to any
other segment, on a data-plane interface opened with net_af_packet:

    sw = start_vlan_switch(lab, "sw1", "trunk")                  # segment "trunk" + switch node + OVS
    ext100 = sw.access(100, "ext100", "198.51.100.1/24", gateway="198.51.100.254")
    ext200 = sw.access(200, "ext200", "198.51.100.1/24")
    port = lab.node("gw1").attach("trunk", "tr0", dataplane=True)  # port.af_packet_vdev(0) for hnvgwd
    # or gateway.start_gateway(lab, "gw1", "trunk", [...], ifname="tr0")
    ext100.ping("198.51.100.254")                                 # a Node: exec, ping, start, capture
    lab.get_segment("trunk").capture()                            # every tagged frame, tags included

Why a segment and not a direct veth: start_gateway() and Node.attach() already
take a segment, a test can add a scapy node or a capture to the trunk, and a
Linux bridge without vlan_filtering forwards 802.1Q frames untouched (the
segment namespace has bridge netfilter off, and br_netfilter ignores tagged
frames while bridge-nf-filter-vlan-tagged is 0, which trunk() makes sure of).
veth and bridge accept a tagged frame of MTU + 4 bytes, so a 1500-byte IP
packet crosses the trunk tagged with MTU 1500 everywhere (checked by
test_vlan_switch.py: 1518-byte frames both ways).

How the tags look to a reader on a veth: the kernel moves a received 802.1Q
tag into the packet's metadata (AF_PACKET auxdata) before any socket sees it.
tcpdump/libpcap, OVS and DPDK's net_af_packet put it back into the frame
(DPDK 22.11 re-inserts it unless the port enables RTE_ETH_RX_OFFLOAD_VLAN_STRIP,
and sets RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED either way), so
captures and the gateway see the tag where it was sent.

An untagged frame on a trunk port is in VLAN 0 (OVS's native VLAN of a trunk
without `trunks`): it reaches no access port; with `vlans` set it is dropped on
ingress. A frame for a VLAN without access port is flooded to the trunks only.

No traffic of its own: the interfaces OVS owns have no address, no IPv6 and
NOARP; OVS sends no STP, LLDP or in-band traffic; an access host's `eth0` has
IPv6 disabled unless it gets an IPv6 address. So the trunk carries only what
the tests send.
"""

from __future__ import annotations

import ipaddress
import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import LabError
from .netns import check_ifname
from .ovs import OvsInstance
from .topology import Interface, Lab, Node, Segment, _configure_end

VLAN_BRIDGE = "br-vlan"
TPID_8021Q = 0x8100
PYTHON = "/usr/bin/python3"


def _check_vlan(vlan: int) -> int:
    if not isinstance(vlan, int) or not 1 <= vlan <= 4094:
        raise LabError(f"VLAN {vlan!r}: 1..4094")
    return vlan


@dataclass
class SwitchPort:
    """One port of the switch: an OVS-owned veth end in the switch node."""

    name: str                     # the interface in the switch node, also its OVS port name
    vlan: int | None              # access port: its VLAN (tag=); None for a trunk
    trunks: tuple[int, ...]       # trunk: the VLANs it carries, () for all; () for an access port
    iface: Interface              # the switch-side interface
    host: Node | None = None      # access port: the host behind it
    host_iface: Interface | None = None

    @property
    def kind(self) -> str:
        return "trunk" if self.vlan is None else "access"


class VlanSwitch(OvsInstance):
    """An 802.1Q learning switch: add trunk() and access() ports, before or after start().

    See the module doc for the picture and the guarantees.
    """

    def __init__(self, lab: Lab, name: str, node: Node, *, mtu: int = 1500, bridge: str = VLAN_BRIDGE) -> None:
        super().__init__(lab, name, node)
        self.mtu = mtu
        self.bridge = check_ifname(bridge)
        self.ports: dict[str, SwitchPort] = {}
        self.hosts: dict[str, Node] = {}   # access host name -> node
        self._started = False

    def __repr__(self) -> str:
        state = "running" if self.running else "not running"
        ports = ", ".join(f"{p.name}:{p.vlan if p.vlan is not None else 'trunk'}" for p in self.ports.values())
        return f"VlanSwitch({self.name!r}, {self.bridge}, ports [{ports}], {state})"

    # -- ports --------------------------------------------------------------------

    def trunk(self, segment: Segment | str, ifname: str = "tr0", *, vlans: Sequence[int] = (),
              mtu: int | None = None) -> Interface:
        """A trunk port on `segment`: 802.1Q-tagged frames of every VLAN (or only `vlans`).

        The switch node attaches to the segment by the data-plane veth `ifname`
        (MTU: the segment's); returns that interface.
        """
        trunks = tuple(sorted({_check_vlan(v) for v in vlans}))
        seg = self.lab.get_segment(segment) if isinstance(segment, str) else segment
        # The segment's bridge has netfilter off already (Netns.add_bridge); tagged frames
        # would only reach netfilter with this one, 0 by default: made explicit.
        seg.ns.sysctl({"net.bridge.bridge-nf-filter-vlan-tagged": 0}, ignore_missing=True)
        iface = self.node.attach(seg, ifname, dataplane=True, mtu=mtu)
        port = SwitchPort(ifname, None, trunks, iface)
        self._register(port)
        return iface

    def access(self, vlan: int, node_name: str, address_cidr: str | Sequence[str], gateway: str | None = None, *,
               ifname: str = "eth0", mac: str | None = None, mtu: int | None = None) -> Node:
        """A host of VLAN `vlan`'s network: node `node_name` whose `ifname` is a veth to an
        access port (tag=`vlan`) of the switch; returns the node.

        The host's interface is a kernel interface with `address_cidr` (one or more,
        with prefix length), MAC `mac` (else random), the switch's MTU, offloads off,
        and IPv6 disabled unless an address is IPv6. `gateway` adds a default route.
        The node may already exist (a host on two VLANs: another `ifname`).
        """
        _check_vlan(vlan)
        addrs = [address_cidr] if isinstance(address_cidr, str) else list(address_cidr)
        for addr in addrs:
            if "/" not in addr:
                raise LabError(f"access host {node_name}: address '{addr}' needs a prefix length")
            ipaddress.ip_interface(addr)
        mtu = mtu or self.mtu
        name = self._access_port_name(vlan, node_name)
        host = self.lab.node(node_name)
        check_ifname(ifname)
        if ifname in host.interfaces:
            raise LabError(f"node {node_name} already has an interface {ifname}")
        sw_ns, host_ns = self.node.ns, host.ns
        sw_ns.add_veth(name, host_ns, ifname, mtu=mtu, peer_mac=mac.lower() if mac else None)
        # Before the link goes up: an IPv4 host sends no MLD or ND into its VLAN.
        if not any(":" in a for a in addrs):
            host_ns.disable_ipv6(ifname)
        _configure_end(sw_ns, name, [], dataplane=True, offload=False)
        _configure_end(host_ns, ifname, addrs, dataplane=False, offload=False)
        sw_iface = Interface(sw_ns, name, dataplane=True, mtu=mtu)
        host_iface = Interface(host_ns, ifname, addrs=addrs, mtu=mtu, peer=sw_iface)
        sw_iface.peer = host_iface
        self.node.interfaces[name] = sw_iface
        host.interfaces[ifname] = host_iface
        if gateway:
            host.default_route(gateway, dev=ifname)
        self.hosts[node_name] = host
        self._register(SwitchPort(name, vlan, (), sw_iface, host, host_iface))
        return host

    def _access_port_name(self, vlan: int, node_name: str) -> str:
        name = f"a{vlan}-{node_name}"
        if len(name) > 15 or name in self.node.interfaces or name == self.bridge:
            name = f"a{vlan}-p{len(self.ports)}"
        return check_ifname(name)

    def access_port(self, node_name: str) -> SwitchPort:
        """The access port of host `node_name` (its first, if it has several)."""
        for port in self.ports.values():
            if port.host is not None and port.host.name == node_name:
                return port
        raise LabError(f"switch {self.name} has no access host {node_name} (has {sorted(self.hosts)})")

    def _register(self, port: SwitchPort) -> None:
        self.ports[port.name] = port
        if self._started:
            self._add_port(port)

    def _add_port(self, port: SwitchPort) -> None:
        """Add the port to the bridge; ovs-vsctl waits until ovs-vswitchd has applied it.
        Then check that OVS opened the interface (an ofport, no error)."""
        if port.vlan is not None:
            mode = [f"tag={port.vlan}", "vlan_mode=access"]
        else:
            mode = ["vlan_mode=trunk"] + ([f"trunks={','.join(map(str, port.trunks))}"] if port.trunks else [])
        self.vsctl("--", "add-port", self.bridge, port.name, "--", "set", "port", port.name, *mode)
        ofport = self.vsctl("get", "interface", port.name, "ofport").stdout.strip()
        if not ofport.isdigit() or int(ofport) <= 0:
            error = self.vsctl("get", "interface", port.name, "error", check=False).stdout.strip()
            raise LabError(f"{self.name}: OVS did not open {port.name} (ofport {ofport}, error {error})")

    # -- lifetime -----------------------------------------------------------------

    def start(self, timeout: float = 20.0) -> "VlanSwitch":
        """ovsdb-server, ovs-vswitchd, the bridge and the ports added so far."""
        if self._started:
            raise LabError(f"VLAN switch {self.name} already started")
        self.start_daemons(timeout)
        # fail_mode=standalone without a controller: the NORMAL action, MAC learning per VLAN.
        self.vsctl("--", "add-br", self.bridge, "--", "set", "bridge", self.bridge, "datapath_type=netdev",
                   "fail_mode=standalone", "stp_enable=false", "rstp_enable=false", "mcast_snooping_enable=false",
                   "other_config:disable-in-band=true")
        self._started = True
        for port in self.ports.values():
            self._add_port(port)
        return self

    def stop(self) -> None:
        """Stop ovs-vswitchd, then ovsdb-server (the lab also does this when it closes)."""
        super().stop()
        self._started = False

    # -- looking inside -----------------------------------------------------------

    def dump_flows(self, bridge: str | None = None) -> str:
        return super().dump_flows(bridge or self.bridge)

    def fdb(self) -> list[tuple[str, int, str]]:
        """The MACs the switch learned (`ovs-appctl fdb/show`): (port name, VLAN, MAC)."""
        names = {}
        for line in self.ofctl("dump-ports-desc", self.bridge).stdout.splitlines():
            # " 1(tr0): addr:..." or " LOCAL(br-vlan): addr:..."
            head = line.strip().split(":", 1)[0]
            if "(" in head and head.endswith(")"):
                number, name = head[:-1].split("(", 1)
                names[number] = name
        entries = []
        for line in self.appctl("fdb/show", self.bridge).stdout.splitlines()[1:]:
            parts = line.split()
            if len(parts) >= 3 and parts[1].isdigit():
                entries.append((names.get(parts[0], parts[0]), int(parts[1]), parts[2].lower()))
        return entries


def new_vlan_switch(lab: Lab, name: str, *, mtu: int = 1500, bridge: str = VLAN_BRIDGE) -> VlanSwitch:
    """Node `name` for a VLAN switch; no port, OVS not started."""
    return VlanSwitch(lab, name, lab.node(name), mtu=mtu, bridge=bridge)


def start_vlan_switch(lab: Lab, name: str, trunk: Segment | str = "trunk", *, ifname: str = "tr0",
                      vlans: Sequence[int] = (), mtu: int = 1500) -> VlanSwitch:
    """A started VLAN switch in node `name` with one trunk port `ifname` on segment `trunk`
    (created with `mtu` if the lab has none of that name). Add hosts with access()."""
    seg = trunk if isinstance(trunk, Segment) else lab.segment(trunk, mtu=mtu)
    switch = new_vlan_switch(lab, name, mtu=mtu)
    switch.trunk(seg, ifname, vlans=vlans)
    return switch.start()


# -- frames on a trunk --------------------------------------------------------------------


def split_tag(frame: bytes) -> tuple[int | None, bytes]:
    """(VLAN ID of the frame's outer 802.1Q tag or None, the frame without that tag)."""
    if len(frame) >= 18 and struct.unpack_from("!H", frame, 12)[0] == TPID_8021Q:
        return struct.unpack_from("!H", frame, 14)[0] & 0x0FFF, frame[:12] + frame[16:]
    return None, frame


@dataclass(frozen=True)
class Probe:
    """A crafted frame: an ARP request or an ICMP echo request, 802.1Q-tagged with `vlan`
    (None: untagged). `payload` (echo only) marks it, so that captures can find it."""

    vlan: int | None
    src_mac: str
    dst_mac: str
    src_ip: str
    dst_ip: str
    kind: str = "echo"            # "echo" | "arp"
    payload: bytes = b""
    echo_id: int = 0x7654
    seq: int = 1


_SCAPY_PROBES = r"""
import json, sys
from scapy.all import ARP, ICMP, IP, Dot1Q, Ether, Raw, conf, sendp
conf.verb = 0
iface, probes = sys.argv[1], json.loads(sys.argv[2])
frames = []
for p in probes:
    frame = Ether(src=p["src_mac"], dst=p["dst_mac"])
    if p["vlan"] is not None:
        frame = frame / Dot1Q(vlan=p["vlan"])
    if p["kind"] == "arp":
        frame = frame / ARP(op=1, hwsrc=p["src_mac"], psrc=p["src_ip"], pdst=p["dst_ip"])
    else:
        frame = (frame / IP(src=p["src_ip"], dst=p["dst_ip"]) / ICMP(id=p["echo_id"], seq=p["seq"]) /
                 Raw(bytes.fromhex(p["payload"])))
    frames.append(frame)
sendp(frames, iface=iface)
for frame in frames:
    print(bytes(frame).hex())
"""


def send_probes(node: Node, ifname: str, probes: Sequence[Probe]) -> list[bytes]:
    """Send `probes` in order from `node`'s interface `ifname` (scapy under /usr/bin/python3,
    one process for all); returns the frames sent, byte for byte."""
    for p in probes:
        if p.kind not in ("echo", "arp"):
            raise LabError(f"probe kind {p.kind!r}: 'echo' or 'arp'")
        if p.vlan is not None:
            _check_vlan(p.vlan)
    spec = [{"vlan": p.vlan, "src_mac": p.src_mac, "dst_mac": p.dst_mac, "src_ip": p.src_ip, "dst_ip": p.dst_ip,
             "kind": p.kind, "payload": p.payload.hex(), "echo_id": p.echo_id, "seq": p.seq} for p in probes]
    done = node.exec([PYTHON, "-c", _SCAPY_PROBES, ifname, json.dumps(spec)], timeout=60)
    sent = [bytes.fromhex(line) for line in done.stdout.split()]
    if len(sent) != len(probes):
        raise LabError(f"scapy sent {len(sent)} frames for {len(probes)} probes: {done.stdout!r} {done.stderr!r}")
    return sent
