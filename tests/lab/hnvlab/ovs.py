"""Open vSwitch (user-space datapath) as an independent NVGRE host in a lab node.

An *OVS host* is a lab node running its own ovsdb-server and ovs-vswitchd
(no systemd, no kernel module: `datapath_type=netdev` only), with VMs as
namespaces behind it, exchanging NVGRE with our hosts or with another OVS
host. Findings, commands and gotchas: docs/notes-ovs-interop.md. The daemons
and their private run directory are OvsInstance, shared with the 802.1Q switch
of vlan_switch.py.

    underlay segment
        |
       ul0 (veth, no address, NOARP; OVS reads it with af_packet)
        |
    [br-ul]  netdev bridge, NORMAL switching; its internal port `br-ul` (a tap)
        |    carries the PA (tunnel endpoint) and the PA's MAC: the node's
        |    kernel answers ARP for the PA there, and OVS's own tunnel route
        |    and neighbour tables (ovs/route/show, tnl/neigh/show) resolve
        |    remote PAs through it
    [br-nv]  netdev bridge, fail_mode=secure, only the static flows below
        |--- gre0 (type=gre, options:remote_ip=flow, options:key=flow), ofport 100
        |--- v-<vm> (veth) <---> eth0 in the VM namespace (VM MAC, CA, MTU 1458), ofport 1, 2, ...

The GRE key is OpenFlow's tun_id. Our hosts send key = VSID << 8 | FlowID
with a FlowID that varies per flow, so every tunnel match is masked
(`tun_id=0x138900/0xffffff00` for VSID 5001). OVS sends FlowID 0 for
everything but TCP and UDP, where (flow_ids="l4", the default) the low 8 bits
of the source port become the FlowID: a per-flow value, so that our receive
path sees varying FlowIDs from an independent encapsulator too.

Flows of br-nv (all static, rebuilt by apply_flows()):

- from gre0: VSID (masked key) + inner destination MAC of a local VM of that
  VSID -> that VM's port; with strict=True (default) also the outer source PA
  and inner source MAC of a known remote VM (receive validation, like ours).
  Broadcast/multicast from a known remote -> every local VM of the VSID.
- from a VM (inner source MAC must be the VM's): ARP requests for the CA of any
  other VM of its VSID (local or remote) are answered by OVS itself (an ARP
  responder flow; our hosts never answer ARP that arrives over NVGRE, and an
  unknown CA gets no answer, as on our hosts); unicast to a remote VM's MAC ->
  set tun_id and tun_dst, out gre0; unicast to a local VM of the VSID -> its port.
- everything else is dropped.

    ovs = start_ovs_host(lab, "ovs1", "underlay", "192.0.2.21/24", pa_mac="02:00:00:00:00:21",
                         vms=[VmSpec("vm-a3", 5001, "02:00:0a:00:01:1e", "10.0.1.30/24")],
                         remotes=[RemoteVm("vm-a1", 5001, "02:00:0a:00:01:0a", "10.0.1.10", "192.0.2.11")])
    ovs.vms["vm-a3"].wait_ping("10.0.1.10")      # hnvlab.host.Vm: ping, tcp_transfer, capture
"""

from __future__ import annotations

import ipaddress
import shutil
import struct
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import LabError
from .host import VM_MTU, Vm, VmSpec
from .netns import check_ifname
from .process import Process, wait_for
from .topology import Interface, Lab, Node, _NO_OFFLOADS

OVSDB_SCHEMA = Path("/usr/share/openvswitch/vswitch.ovsschema")
OVS_TOOLS = ("ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-ofctl", "ovs-appctl")

UNDERLAY_BRIDGE = "br-ul"
OVERLAY_BRIDGE = "br-nv"
GRE_PORT = "gre0"
GRE_OFPORT = 100
VSID_MASK = 0xFFFFFF00
FLOW_ID_MODES = ("l4",)   # or a fixed FlowID 0..255


def ovs_missing() -> str | None:
    """Why OVS cannot run here (a missing tool or schema), or None when it can."""
    for tool in OVS_TOOLS:
        if shutil.which(tool) is None:
            return f"Open vSwitch tool {tool} not found (apt-get install openvswitch-switch; scripts/packages.txt)"
    if not OVSDB_SCHEMA.is_file():
        return f"Open vSwitch schema {OVSDB_SCHEMA} missing (openvswitch-common)"
    return None


def tunnel_key(vsid: int, flow_id: int = 0) -> int:
    """The NVGRE GRE key: VSID << 8 | FlowID."""
    if not 0 <= vsid <= 0xFFFFFF or not 0 <= flow_id <= 0xFF:
        raise LabError(f"VSID {vsid} / FlowID {flow_id} out of range")
    return (vsid << 8) | flow_id


def pa_default_mac(pa: str) -> str:
    """A locally administered MAC made from an IPv4 PA: 192.0.2.21 -> 02:00:c0:00:02:15."""
    return "02:00:" + ":".join(f"{b:02x}" for b in ipaddress.IPv4Address(pa).packed)


def _mac(mac: str) -> str:
    return mac.lower()


@dataclass(frozen=True)
class RemoteVm:
    """A VM behind another NVGRE host: reachable at provider address `pa`."""

    name: str
    vsid: int
    mac: str
    ca: str          # without prefix length
    pa: str          # the remote host's provider address (tunnel endpoint)
    pa_mac: str | None = None   # the remote PA's MAC, for arp="static"


class OvsInstance:
    """ovsdb-server and ovs-vswitchd of one lab node, with a private run directory.

    No systemd and no kernel module: the daemons run in the foreground as lab
    processes in `node` (stopped when the lab closes), and everything an
    instance owns (database, db.sock, ovs-vswitchd.ctl, the bridges'
    <bridge>.mgmt sockets, pid files) lives in `rundir`, <lab logdir>/ovs-<name>/,
    kept with the logs of a failed test. Every client runs in the node with
    OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR pointing there, so instances never meet each
    other or a system OVS. Subclasses (OvsHost, vlan_switch.VlanSwitch) call
    start_daemons() and then build their bridges with vsctl() (`datapath_type=netdev`).
    """

    def __init__(self, lab: Lab, name: str, node: Node) -> None:
        self.lab = lab
        self.name = name
        self.node = node
        # Database, sockets, pid files: kept with the logs of a failed test. Unix
        # socket paths may exceed 108 bytes here; OVS opens long ones via /proc/self/fd.
        self.rundir = Path(lab.logdir) / f"ovs-{name}"
        self.ovsdb: Process | None = None
        self.vswitchd: Process | None = None

    # -- the OVS tools ------------------------------------------------------------

    @property
    def db(self) -> str:
        return f"unix:{self.rundir / 'db.sock'}"

    @property
    def vswitchd_ctl(self) -> Path:
        return self.rundir / "ovs-vswitchd.ctl"

    def _env(self) -> dict[str, str]:
        return {"OVS_RUNDIR": str(self.rundir), "OVS_DBDIR": str(self.rundir), "OVS_LOGDIR": str(self.rundir)}

    def _tool(self, argv: Sequence[str], *, check: bool = True, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """Run an OVS client in the node's namespace with OVS_RUNDIR set (ovs-ofctl finds
        `<rundir>/<bridge>.mgmt` through it)."""
        env = ["env", *(f"{k}={v}" for k, v in self._env().items())]
        return self.node.exec([*env, *argv], check=check, timeout=timeout)

    def vsctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._tool(["ovs-vsctl", f"--db={self.db}", "--timeout=20", *args], check=check)

    def ofctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._tool(["ovs-ofctl", *args], check=check)

    def appctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._tool(["ovs-appctl", "-t", str(self.vswitchd_ctl), *args], check=check)

    def dump_flows(self, bridge: str) -> str:
        return self.ofctl("dump-flows", bridge).stdout

    # -- lifetime -----------------------------------------------------------------

    def start_daemons(self, timeout: float = 20.0) -> None:
        """A fresh database in a fresh `rundir`, ovsdb-server, then ovs-vswitchd; returns
        once ovs-vswitchd answers ovs-appctl. No bridge yet. Every interface created
        in the node from now on starts without IPv6 (default/all disable_ipv6)."""
        why = ovs_missing()
        if why:
            raise LabError(why)
        if self.running:
            raise LabError(f"{self.name}: ovsdb-server and ovs-vswitchd already run")
        if self.rundir.exists():
            shutil.rmtree(self.rundir)
        self.rundir.mkdir(parents=True)
        ns = self.node.ns
        # Every interface OVS creates in this namespace (internal ports, the datapath's
        # own tap) starts without IPv6: nothing but our traffic leaves the bridges.
        ns.sysctl({"net.ipv6.conf.default.disable_ipv6": 1, "net.ipv6.conf.all.disable_ipv6": 1})
        subprocess.run(["ovsdb-tool", "create", str(self.rundir / "conf.db"), str(OVSDB_SCHEMA)], check=True,
                       capture_output=True, text=True)
        common = ["-vconsole:info", "-vsyslog:off", "--no-chdir"]
        # ovs-vswitchd puts the bridges' OpenFlow sockets (<bridge>.mgmt) in OVS_RUNDIR:
        # without it they go to /var/run/openvswitch, shared by every instance.
        env = self._env()
        self.ovsdb = self.node.start(f"ovsdb-server-{self.name}", env=env, argv=[
            "ovsdb-server", str(self.rundir / "conf.db"), f"--remote=punix:{self.rundir / 'db.sock'}",
            f"--unixctl={self.rundir / 'ovsdb-server.ctl'}", f"--pidfile={self.rundir / 'ovsdb-server.pid'}", *common])
        wait_for(lambda: (self.rundir / "db.sock").exists() or self.ovsdb.assert_running(), timeout=timeout,
                 what=f"{self.name}: ovsdb-server to create its socket")
        self.vsctl("--no-wait", "init")
        self.vswitchd = self.node.start(f"ovs-vswitchd-{self.name}", env=env, argv=[
            "ovs-vswitchd", self.db, f"--unixctl={self.vswitchd_ctl}",
            f"--pidfile={self.rundir / 'ovs-vswitchd.pid'}", *common])

        def vswitchd_answers() -> bool:
            self.vswitchd.assert_running()
            return self.appctl("version", check=False).returncode == 0

        wait_for(vswitchd_answers, timeout=timeout, interval=0.1, what=f"{self.name}: ovs-vswitchd to answer ovs-appctl")

    def stop(self) -> None:
        """Stop ovs-vswitchd, then ovsdb-server (the lab also does this when it closes)."""
        for proc in (self.vswitchd, self.ovsdb):
            if proc is not None:
                proc.stop()

    @property
    def running(self) -> bool:
        return bool(self.vswitchd and self.vswitchd.running and self.ovsdb and self.ovsdb.running)


class OvsHost(OvsInstance):
    """One OVS node: build it (add_vm, add_remote), then start(). See the module doc."""

    def __init__(self, lab: Lab, name: str, node: Node, uplink: Interface, pa_cidr: str, *,
                 pa_mac: str | None = None, flow_ids: int | str = "l4", arp: str = "learn",
                 strict: bool = True) -> None:
        if arp not in ("learn", "static"):
            raise LabError(f"arp={arp!r}: 'learn' (OVS ARPs for remote PAs) or 'static' (tnl/neigh/set from pa_mac)")
        if not (flow_ids in FLOW_ID_MODES or (isinstance(flow_ids, int) and 0 <= flow_ids <= 0xFF)):
            raise LabError(f"flow_ids={flow_ids!r}: 'l4' or a FlowID 0..255")
        iface = ipaddress.ip_interface(pa_cidr)
        if iface.version != 4:
            raise LabError(f"{name}: PA {pa_cidr}: only IPv4 provider addresses are wired up here")
        super().__init__(lab, name, node)
        self.uplink = uplink
        self.pa_cidr = pa_cidr
        self.pa = str(iface.ip)
        self.pa_mac = _mac(pa_mac) if pa_mac else None
        self.flow_ids = flow_ids
        self.arp = arp
        self.strict = strict
        self.vms: dict[str, Vm] = {}
        self.ofports: dict[str, int] = {}
        self.remotes: dict[str, RemoteVm] = {}
        self._started = False

    def __repr__(self) -> str:
        state = "running" if self.running else "not running"
        return f"OvsHost({self.name!r}, PA {self.pa_cidr}, VMs {sorted(self.vms)}, remotes {sorted(self.remotes)}, {state})"

    def dump_flows(self, bridge: str = OVERLAY_BRIDGE) -> str:
        return super().dump_flows(bridge)

    def tunnel_neighbours(self) -> dict[str, str]:
        """OVS's tunnel neighbour cache (`tnl/neigh/show`): PA -> MAC."""
        out = self.appctl("tnl/neigh/show").stdout
        found = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0].count(".") == 3:
                found[parts[0]] = parts[1].lower()
        return found

    # -- building -----------------------------------------------------------------

    def add_vm(self, name: str, vsid: int, mac: str, ca_cidr: str, gateway: str | None = None, *,
               mtu: int = VM_MTU) -> Vm:
        """A VM namespace `name` whose eth0 (MAC, CA, MTU, offloads off) is a veth to a port of br-nv.

        Before start() the port is added when OVS starts; afterwards at once (flows rebuilt).
        """
        if name in self.vms:
            raise LabError(f"OVS host {self.name} already has a VM {name}")
        iface_ = ipaddress.ip_interface(ca_cidr) if "/" in ca_cidr else None
        if iface_ is None or iface_.version != 4:
            raise LabError(f"VM {name}: CA '{ca_cidr}' must be IPv4 with a prefix length (the ARP responder is IPv4 only)")
        veth = check_ifname(f"v-{name}")
        vm_node = self.lab.node(name)
        hns, vns = self.node.ns, vm_node.ns
        hns.add_veth(veth, vns, "eth0", mtu=mtu, peer_mac=_mac(mac))
        vns.disable_ipv6("eth0")
        hns.disable_ipv6(veth)
        # Complete checksums and wire-size frames: OVS's af_packet reads what the VM's stack sends.
        vns.set_offloads("eth0", **_NO_OFFLOADS)
        hns.set_offloads(veth, **_NO_OFFLOADS)
        hns.batch([f"link set {veth} arp off", f"link set {veth} up"])
        vns.batch(["link set eth0 up", f"addr add {ca_cidr} dev eth0"])
        vm_node.interfaces["eth0"] = Interface(vns, "eth0", addrs=[ca_cidr], mtu=mtu)
        self.node.interfaces[veth] = Interface(hns, veth, dataplane=True, mtu=mtu)
        if gateway:
            vm_node.default_route(gateway, dev="eth0")
        vm = Vm(name, self, vm_node, vsid, _mac(mac), ca_cidr, gateway, mtu, "ovs", port_name=veth, vdev="",
                host_ifname=veth)  # type: ignore[arg-type]  (Vm only uses host.name)
        self.vms[name] = vm
        self.ofports[name] = len(self.ofports) + 1
        if self._started:
            self._add_vm_port(vm)
            self.apply_flows()
        return vm

    def add_remote(self, remote: RemoteVm) -> RemoteVm:
        """A VM behind another NVGRE host; rebuilds the flows if OVS runs."""
        if remote.name in self.remotes or remote.name in self.vms:
            raise LabError(f"OVS host {self.name} already knows a VM {remote.name}")
        self.remotes[remote.name] = remote
        if self._started:
            self._set_tunnel_neighbours()
            self.apply_flows()
        return remote

    def _add_vm_port(self, vm: Vm) -> None:
        self.vsctl("add-port", OVERLAY_BRIDGE, vm.host_ifname, "--", "set", "interface", vm.host_ifname,
                   f"ofport_request={self.ofports[vm.name]}")

    # -- flows --------------------------------------------------------------------

    def flows(self) -> list[str]:
        """The OpenFlow rules of br-nv for the current VMs and remotes (ovs-ofctl syntax)."""
        rules: list[str] = []
        gre = GRE_OFPORT
        vsids = sorted({vm.vsid for vm in self.vms.values()})
        for vsid in vsids:
            key = f"tun_id={tunnel_key(vsid):#x}/{VSID_MASK:#x}"
            local = [vm for vm in self.vms.values() if vm.vsid == vsid]
            remote = [r for r in self.remotes.values() if r.vsid == vsid]
            # From the tunnel: masked key (any FlowID), validated source if strict.
            sources = [f",tun_src={r.pa},dl_src={_mac(r.mac)}" for r in remote] if self.strict else [""]
            for src in sources:
                for vm in local:
                    rules.append(f"priority=300,in_port={gre},{key}{src},dl_dst={vm.mac} "
                                 f"actions=output:{self.ofports[vm.name]}")
                outs = ",".join(f"output:{self.ofports[vm.name]}" for vm in local)
                rules.append(f"priority=250,in_port={gre},{key}{src},dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 "
                             f"actions={outs}")
            # From each VM.
            for vm in local:
                port = self.ofports[vm.name]
                others = [(o.mac, o.ca) for o in local if o is not vm] + [(_mac(r.mac), r.ca) for r in remote]
                for mac, ca in others:
                    rules.append(
                        f"priority=400,in_port={port},dl_src={vm.mac},arp,arp_op=1,arp_tpa={ca} "
                        f"actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:{mac}->eth_src,"
                        f"set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
                        f"move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:{mac}->arp_sha,"
                        f"set_field:{ca}->arp_spa,IN_PORT")
                for other in local:
                    if other is not vm:
                        rules.append(f"priority=300,in_port={port},dl_src={vm.mac},dl_dst={other.mac} "
                                     f"actions=output:{self.ofports[other.name]}")
                for r in remote:
                    match = f"in_port={port},dl_src={vm.mac},dl_dst={_mac(r.mac)}"
                    out = f"set_field:{r.pa}->tun_dst,output:{gre}"
                    if self.flow_ids == "l4":
                        for proto in ("tcp", "udp"):
                            rules.append(f"priority=310,{proto},{match} actions=set_field:{tunnel_key(vsid):#x}->tun_id,"
                                         f"move:NXM_OF_{proto.upper()}_SRC[0..7]->NXM_NX_TUN_ID[0..7],{out}")
                        rules.append(f"priority=300,{match} actions=set_field:{tunnel_key(vsid):#x}->tun_id,{out}")
                    else:
                        rules.append(f"priority=300,{match} actions=set_field:{tunnel_key(vsid, int(self.flow_ids)):#x}"
                                     f"->tun_id,{out}")
        rules.append("priority=0 actions=drop")
        return rules

    def apply_flows(self) -> None:
        """Replace br-nv's flows with flows() in one transaction (`ovs-ofctl replace-flows`)."""
        path = self.rundir / "flows.txt"
        path.write_text("\n".join(self.flows()) + "\n")
        self.ofctl("replace-flows", OVERLAY_BRIDGE, str(path))

    # -- lifetime -----------------------------------------------------------------

    def start(self, timeout: float = 20.0) -> "OvsHost":
        """ovsdb-server, ovs-vswitchd, the two bridges, the PA on br-ul, the ports and the flows."""
        if self._started:
            raise LabError(f"OVS host {self.name} already started")
        self.start_daemons(timeout)
        ns = self.node.ns
        # Pin the PA's MAC: otherwise a bridge takes the lowest MAC of its ports, which
        # changes as ports come and go. Not the uplink veth's MAC: the kernel would then
        # take the tunnel packets arriving on ul0 as its own (and answer ICMP errors).
        if self.pa_mac is None:
            self.pa_mac = pa_default_mac(self.pa)
        hw = ["other_config:hwaddr=" + self.pa_mac]
        self.vsctl("--", "add-br", UNDERLAY_BRIDGE, "--", "set", "bridge", UNDERLAY_BRIDGE, "datapath_type=netdev", *hw,
                   "--", "add-port", UNDERLAY_BRIDGE, self.uplink.name,
                   "--", "add-br", OVERLAY_BRIDGE, "--", "set", "bridge", OVERLAY_BRIDGE, "datapath_type=netdev",
                   "fail_mode=secure",
                   "--", "add-port", OVERLAY_BRIDGE, GRE_PORT, "--", "set", "interface", GRE_PORT, "type=gre",
                   f"ofport_request={GRE_OFPORT}", "options:remote_ip=flow", "options:key=flow")
        for vm in self.vms.values():
            self._add_vm_port(vm)
        # The PA lives on br-ul's internal port: the kernel answers ARP for it there,
        # and OVS's tunnel route table learns the connected route from the kernel.
        ns.batch([f"link set {UNDERLAY_BRIDGE} up", f"addr add {self.pa_cidr} dev {UNDERLAY_BRIDGE}"])
        self.node.interfaces[UNDERLAY_BRIDGE] = Interface(ns, UNDERLAY_BRIDGE, addrs=[self.pa_cidr], mtu=self.uplink.mtu)
        if ns.mac(UNDERLAY_BRIDGE).lower() != self.pa_mac:
            raise LabError(f"{self.name}: {UNDERLAY_BRIDGE} has MAC {ns.mac(UNDERLAY_BRIDGE)}, expected {self.pa_mac}")
        prefix = str(ipaddress.ip_interface(self.pa_cidr).network)
        wait_for(lambda: prefix in self.appctl("ovs/route/show").stdout, timeout=timeout,
                 what=f"{self.name}: OVS's tunnel route table (ovs/route/show) to learn {prefix} dev {UNDERLAY_BRIDGE}")
        self._started = True
        self._set_tunnel_neighbours()
        self.apply_flows()
        return self

    def _set_tunnel_neighbours(self) -> None:
        if self.arp != "static":
            return
        for r in self.remotes.values():
            if r.pa_mac is None:
                raise LabError(f"{self.name}: arp='static' needs the PA MAC of remote {r.name} ({r.pa})")
            self.appctl("tnl/neigh/set", UNDERLAY_BRIDGE, r.pa, _mac(r.pa_mac))

    def stop(self) -> None:
        """Stop ovs-vswitchd, then ovsdb-server (the lab also does this when it closes)."""
        super().stop()
        self._started = False


def new_ovs_host(lab: Lab, name: str, segment: str, pa_cidr: str, *, pa_mac: str | None = None,
                 ifname: str = "ul0", **kwargs) -> OvsHost:
    """Node `name` attached to `segment` by `ifname` (no address, NOARP: OVS owns it); OVS not started."""
    node = lab.node(name)
    uplink = node.attach(segment, ifname, dataplane=True)
    return OvsHost(lab, name, node, uplink, pa_cidr, pa_mac=pa_mac, **kwargs)


def start_ovs_host(lab: Lab, name: str, segment: str, pa_cidr: str, *, pa_mac: str | None = None,
                   vms: Sequence[VmSpec] = (), remotes: Sequence[RemoteVm] = (), **kwargs) -> OvsHost:
    """new_ovs_host() + add_vm() per VmSpec (its `kind` is ignored) + add_remote() + start()."""
    host = new_ovs_host(lab, name, segment, pa_cidr, pa_mac=pa_mac, **kwargs)
    for spec in vms:
        host.add_vm(spec.name, spec.vsid, spec.mac, spec.ca_cidr, spec.gateway, mtu=spec.mtu)
    for remote in remotes:
        host.add_remote(remote)
    return host.start()


# -- crafted NVGRE, as our hosts send it ---------------------------------------------------

_SCAPY_NVGRE = r"""
import sys
from scapy.all import Ether, IP, GRE, ICMP, Raw, conf, get_if_addr, get_if_hwaddr, sendp
conf.verb = 0
iface, dst_mac, dst_pa, vsid, flow, isrc_mac, idst_mac, isrc, idst, payload = sys.argv[1:11]
inner = Ether(src=isrc_mac, dst=idst_mac) / IP(src=isrc, dst=idst) / ICMP(id=0x4e56, seq=1) / Raw(bytes.fromhex(payload))
pkt = (Ether(src=get_if_hwaddr(iface), dst=dst_mac) / IP(src=get_if_addr(iface), dst=dst_pa, flags="DF") /
       GRE(key_present=1, key=(int(vsid) << 8) | int(flow), proto=0x6558) / inner)
sendp(pkt, iface=iface)
print(bytes(pkt).hex())
"""


def send_nvgre(node: Node, ifname: str, *, dst_mac: str, dst_pa: str, vsid: int, flow_id: int,
               inner_src_mac: str, inner_dst_mac: str, inner_src: str, inner_dst: str, payload: bytes) -> bytes:
    """Send one NVGRE frame (GRE flags 0x2000, protocol 0x6558, key VSID<<8|FlowID) carrying an
    ICMP echo request from `node`'s kernel interface `ifname` (its address is the outer source);
    returns the frame sent. Runs scapy under /usr/bin/python3 in the node."""
    argv = ["/usr/bin/python3", "-c", _SCAPY_NVGRE, ifname, dst_mac, dst_pa, str(vsid), str(flow_id), inner_src_mac,
            inner_dst_mac, inner_src, inner_dst, payload.hex()]
    done = node.exec(argv, timeout=60)
    return bytes.fromhex(done.stdout.strip().splitlines()[-1])


def parse_nvgre(frame: bytes) -> dict | None:
    """Outer IPv4 + GRE fields of an NVGRE-candidate frame (any GRE over IPv4), or None.

    Returns src, dst, flags (the 16-bit flags/version word), proto, key (None
    without the K bit), vsid, flow_id and the inner frame.
    """
    if len(frame) < 14 + 20 + 4 or struct.unpack_from("!H", frame, 12)[0] != 0x0800 or frame[14 + 9] != 47:
        return None
    ihl = (frame[14] & 0x0F) * 4
    gre = 14 + ihl
    flags, proto = struct.unpack_from("!HH", frame, gre)
    offset = gre + 4
    if flags & 0x8000:      # C: checksum + reserved1
        offset += 4
    key = None
    if flags & 0x2000:
        key = struct.unpack_from("!I", frame, offset)[0]
        offset += 4
    if flags & 0x1000:      # S: sequence number
        offset += 4
    return {"src": str(ipaddress.ip_address(frame[26:30])), "dst": str(ipaddress.ip_address(frame[30:34])),
            "flags": flags, "proto": proto, "key": key,
            "vsid": None if key is None else key >> 8, "flow_id": None if key is None else key & 0xFF,
            "inner": frame[offset:], "outer_df": bool(struct.unpack_from("!H", frame, 20)[0] & 0x4000),
            "outer_tos": frame[15]}
