"""Open vSwitch with DPDK as the benchmark's peer: NVGRE decap -> per-tenant route -> VLAN.

One private instance (its own network namespace, run directory, database and
EAL file prefix, so it never meets a system OVS or another instance):
ovsdb-server and ovs-vswitchd-dpdk (Debian's openvswitch-switch-dpdk), EAL
on `main_core`, one PMD thread on `pmd_core`.

    p0  dpdk port on net_pcap (rx_pcap=<the traffic>, infinite_rx=1: the
     |  pcap's packets replayed for ever; transmit drops)
  [br-phy]  netdev bridge; its internal port (a tap in the namespace) holds
     |      the gateway PA 192.0.2.1/24 and the PA's MAC, which makes OVS's
     |      user-space tunnel code pop GRE for packets to that address;
     |      one flow: GRE to 192.0.2.1 from p0 -> LOCAL (the tunnel pop)
  [br-int]  netdev bridge, fail_mode=secure
     |--- gre0 (type=gre, remote_ip=flow, key=flow)
     |--- p1  dpdk port on net_null (transmit only)
     flows, one per tenant: in_port=gre0, tun_id=<VSID>00/ffffff00, ip ->
     set source and router MACs, dec_ttl, VLAN <tenant's>, out p1;
     anything else dropped

With mode "nat" (nat_flows), br-int does GRE decap + conntrack NAT instead:
each tenant's VSID in a conntrack zone of its own, new connections
committed with the tenant's external address as source, out p1 untagged
toward the provider's router: nat_bench's nat-in2out path on its frames.

With mode "route" (route_flows) it is the gateway's decap -> VRF -> VLAN path of gateway_bench with the
same tenants, addresses and frames (bench/peers/traffic.py): a match on the
VSID stands for the tenant's VRF and its default route. OVS caches it as one
datapath flow per (tenant, host) in its EMC and megaflow cache after a
recirculation for the tunnel pop, as a production OVS gateway would.

Modes that encapsulate ("host-encap", "nat-out2in": Topology.push) turn
the ports around: the pcap port is p1 on br-int (a VM, or the internet),
OVS pushes GRE on gre0 toward a host PA it knows from `tnl/neigh/set`, and
the packets leave br-phy on p0, a transmit-only net_null; "host-decap" pops
GRE as "route" does and delivers to the VM port p1. Flows:

  host-encap  one per (local VM, remote CA) the traffic uses: the VM's MAC
              and the destination MAC -> tun_id VSID, tun_dst the record's
              PA, out gre0 (the lookup record in OpenFlow)
  host-decap  one per the same pairs: GRE key VSID, tunnel source PA and the
              inner source MAC (receive validation) and destination MAC ->
              out p1
  nat-out2in  per tenant: conntrack zone of its own; a packet to the
              tenant's external address is translated back (a new one is
              committed as DNAT to the VM, which stands for the session
              in2out created), gets the VM's MACs, TTL - 1, and leaves as
              GRE (VSID) to the VM's host

Measured: packets sent on the output port per second (interface statistics) and the PMD
thread's processing cycles per packet sent (dpif-netdev/pmd-stats-show),
over a window after a warm-up.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from traffic import FIRST_VSID, GATEWAY_PA, UNDERLAY_MAC, mac, mac_text, nat_external

OVS_BIN = Path("/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk")
SCHEMA = Path("/usr/share/openvswitch/vswitch.ovsschema")
VLANS_PER_TRUNK = 4000
GRE_OFPORT = 100
OUT_OFPORT = 1
PHY_OFPORT = 2
TRUNK_MAC = mac(0x01, 1)


def missing() -> str | None:
    """Why this peer cannot run here, or None."""
    if not OVS_BIN.exists():
        return f"{OVS_BIN} not found (Debian package openvswitch-switch-dpdk; scripts/setup.sh installs it)"
    for tool in ("ovsdb-tool", "ovsdb-server", "ovs-vsctl", "ovs-ofctl", "ovs-appctl"):
        if shutil.which(tool) is None:
            return f"{tool} not found (Debian package openvswitch-switch)"
    return None


def route_flows(tenants: int) -> list[str]:
    """br-int's flows: tenant t's VSID -> its router's MAC, TTL - 1, its VLAN, out p1."""
    flows = []
    for t in range(tenants):
        vsid = FIRST_VSID + t
        vlan = 1 + t % VLANS_PER_TRUNK
        flows.append(f"priority=100,in_port={GRE_OFPORT},tun_id=0x{vsid << 8:x}/0xffffff00,ip,"
                     f"actions=mod_dl_src:{mac_text(TRUNK_MAC)},mod_dl_dst:{mac_text(mac(0xAA, t))},"
                     f"dec_ttl,mod_vlan_vid:{vlan},output:{OUT_OFPORT}")
    flows.append("priority=0,actions=drop")
    return flows


class Topology:
    """What one mode sets up: br-int's flows, whether OVS pushes GRE (the pcap
    then enters br-int and packets leave br-phy), the PA on br-phy's internal
    port, and the tunnel neighbours (PA, MAC) OVS must know to push."""

    def __init__(self, flows: list[str], *, push: bool = False, pa: str = str(GATEWAY_PA),
                 mac: bytes = UNDERLAY_MAC, neighbours: list[tuple[str, str]] | None = None) -> None:
        self.flows, self.push, self.pa, self.mac, self.neighbours = flows, push, pa, mac, neighbours or []


def host_encap(pairs: list[tuple[bytes, bytes, int, str]], pa: str, mac_: bytes,
               neighbours: list[tuple[str, str]]) -> Topology:
    """pairs: (VM MAC, remote MAC, VSID, remote PA) the traffic uses."""
    flows = [f"priority=100,in_port={OUT_OFPORT},dl_src={mac_text(vm)},dl_dst={mac_text(rem)},"
             f"actions=set_field:0x{vsid << 8:x}->tun_id,set_field:{rpa}->tun_dst,output:{GRE_OFPORT}"
             for vm, rem, vsid, rpa in pairs]
    return Topology(flows + ["priority=0,actions=drop"], push=True, pa=pa, mac=mac_, neighbours=neighbours)


def host_decap(pairs: list[tuple[bytes, bytes, int, str]], pa: str, mac_: bytes) -> Topology:
    """pairs: (VM MAC, remote MAC, VSID, remote PA): GRE from the remote's PA with its
    MAC as the inner source, to the VM's MAC, out p1."""
    flows = [f"priority=100,in_port={GRE_OFPORT},tun_id=0x{vsid << 8:x}/0xffffff00,tun_src={rpa},"
             f"dl_src={mac_text(rem)},dl_dst={mac_text(vm)},actions=output:{OUT_OFPORT}"
             for vm, rem, vsid, rpa in pairs]
    return Topology(flows + ["priority=0,actions=drop"], pa=pa, mac=mac_)


def nat_out2in(tenants: int, hosts: int, host_pa, host_mac, vm_mac, gw_mac) -> Topology:
    """Answers from the internet to tenant t's external address: conntrack zone t + 1
    translates them back to the VM 10.0.1.10 (committed as DNAT when new), then the
    VM's MACs, TTL - 1, GRE with the tenant's VSID to the VM's host."""
    flows = []
    for t in range(tenants):
        zone, ext = t + 1, nat_external(t)
        key = f"in_port={OUT_OFPORT},ip,nw_dst={{}}"
        out = (f"mod_dl_src:{mac_text(gw_mac(t))},mod_dl_dst:{mac_text(vm_mac(t))},dec_ttl,"
               f"set_field:0x{(FIRST_VSID + t) << 8:x}->tun_id,set_field:{host_pa(t % hosts)}->tun_dst,"
               f"output:{GRE_OFPORT}")
        flows.append(f"table=0,priority=100,{key.format(ext)},actions=ct(zone={zone},nat,table=1)")
        flows.append(f"table=1,priority=100,ip,nw_dst={ext},ct_state=+trk+new,ct_zone={zone},"
                     f"actions=ct(commit,zone={zone},nat(dst=10.0.1.10)),{out}")
        # Translated already by table 0's ct(nat): a committed session, new
        # (conntrack calls a one-way UDP stream new until it sees an answer) or
        # established.
        flows.append(f"table=1,priority=100,ip,nw_dst=10.0.1.10,ct_state=+trk,ct_zone={zone},actions={out}")
    flows.append("table=0,priority=0,actions=drop")
    flows.append("table=1,priority=0,actions=drop")
    neighbours = [(str(host_pa(h)), mac_text(host_mac(h))) for h in range(hosts)]
    return Topology(flows, push=True, neighbours=neighbours)


def nat_flows(tenants: int) -> list[str]:
    """br-int's flows for GRE decap + conntrack NAT (nat_bench's path): each tenant's VSID
    in a conntrack zone of its own; new connections are committed with the tenant's
    external address as source, established ones translated by conntrack; out p1
    (the internet side, untagged) to the provider's router."""
    isp, inet = mac_text(mac(0x99, 1)), mac_text(mac(0x01, 1))
    flows = []
    for t in range(tenants):
        key = f"in_port={GRE_OFPORT},tun_id=0x{(FIRST_VSID + t) << 8:x}/0xffffff00,ip"
        zone = t + 1
        out = f"mod_dl_src:{inet},mod_dl_dst:{isp},dec_ttl,output:{OUT_OFPORT}"
        flows.append(f"table=0,priority=100,{key},actions=ct(zone={zone},nat,table=1)")
        flows.append(f"table=1,priority=100,{key},ct_state=+trk+new,"
                     f"actions=ct(commit,zone={zone},nat(src={nat_external(t)})),{out}")
        flows.append(f"table=1,priority=100,{key},ct_state=+trk+est,actions={out}")
    flows.append("table=0,priority=0,actions=drop")
    flows.append("table=1,priority=0,actions=drop")
    return flows


class OvsDpdk:
    def __init__(self, workdir: Path, *, main_core: int = 0, pmd_core: int = 1, name: str = "hnvbench-ovs") -> None:
        self.rundir = workdir / "ovs"
        self.ns = name
        self.main_core = main_core
        self.pmd_core = pmd_core
        self.env = {**os.environ, "OVS_RUNDIR": str(self.rundir), "OVS_DBDIR": str(self.rundir),
                    "OVS_LOGDIR": str(self.rundir)}
        self.started = False
        self.out_bridge, self.out_port = "br-int", OUT_OFPORT

    # -- tools --------------------------------------------------------------------

    def _run(self, argv: list[str], *, netns: bool = False, timeout: float = 60) -> str:
        if netns:
            argv = ["ip", "netns", "exec", self.ns, *argv]
        done = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:4])}...: exit {done.returncode}: {done.stderr.strip()}")
        return done.stdout

    def vsctl(self, *args: str) -> str:
        return self._run(["ovs-vsctl", f"--db=unix:{self.rundir / 'db.sock'}", "--timeout=60", *args])

    def ofctl(self, *args: str) -> str:
        return self._run(["ovs-ofctl", *args])

    def appctl(self, *args: str) -> str:
        return self._run(["ovs-appctl", "-t", str(self.rundir / "vswitchd.ctl"), *args])

    # -- lifetime -----------------------------------------------------------------

    def start(self, pcap: Path, tenants: int, mode: str | Topology = "route") -> None:
        """Daemons, bridges, ports and flows (`mode` "route": route_flows, "nat": nat_flows, or a
        Topology); returns once packets flow out of the output port."""
        topo = mode if isinstance(mode, Topology) else Topology(
            nat_flows(tenants) if mode == "nat" else route_flows(tenants))
        self.out_bridge, self.out_port = ("br-phy", PHY_OFPORT) if topo.push else ("br-int", OUT_OFPORT)
        why = missing()
        if why:
            raise RuntimeError(why)
        self.stop()
        self.rundir.mkdir(parents=True)
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        self.started = True
        self._run(["ovsdb-tool", "create", str(self.rundir / "conf.db"), str(SCHEMA)])
        common = ["--detach", "--no-chdir", "-vconsole:off", "-vsyslog:off"]
        self._run(["ovsdb-server", str(self.rundir / "conf.db"), f"--remote=punix:{self.rundir / 'db.sock'}",
                   f"--unixctl={self.rundir / 'ovsdb.ctl'}", f"--pidfile={self.rundir / 'ovsdb.pid'}",
                   f"--log-file={self.rundir / 'ovsdb.log'}", *common], netns=True)
        self.vsctl("--no-wait", "init")
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".", "other_config:dpdk-init=true",
                   f"other_config:dpdk-lcore-mask={1 << self.main_core:#x}",
                   f"other_config:pmd-cpu-mask={1 << self.pmd_core:#x}",
                   "other_config:dpdk-socket-mem=1024",
                   f'other_config:dpdk-extra="--no-pci --in-memory --file-prefix={self.ns}"')
        self._run([str(OVS_BIN), f"unix:{self.rundir / 'db.sock'}", f"--unixctl={self.rundir / 'vswitchd.ctl'}",
                   f"--pidfile={self.rundir / 'vswitchd.pid'}", f"--log-file={self.rundir / 'vswitchd.log'}",
                   *common], netns=True, timeout=120)
        if self.vsctl("get", "Open_vSwitch", ".", "dpdk_initialized").strip() != "true":
            raise RuntimeError(f"ovs-vswitchd-dpdk: DPDK not initialised (see {self.rundir / 'vswitchd.log'})")
        rx = f"net_pcap_ovs0,rx_pcap={pcap},infinite_rx=1"
        phy_dev, int_dev = ("net_null_ovs0", rx) if topo.push else (rx, "net_null_ovs1")
        self.vsctl("add-br", "br-phy", "--", "set", "bridge", "br-phy", "datapath_type=netdev",
                   f"other_config:hwaddr={mac_text(topo.mac)}", "--",
                   "add-port", "br-phy", "p0", "--", "set", "interface", "p0", "type=dpdk",
                   f"options:dpdk-devargs={phy_dev}", f"ofport_request={PHY_OFPORT}")
        self.vsctl("add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev", "fail_mode=secure",
                   "--", "add-port", "br-int", "gre0", "--", "set", "interface", "gre0", "type=gre",
                   "options:remote_ip=flow", "options:key=flow", f"ofport_request={GRE_OFPORT}",
                   "--", "add-port", "br-int", "p1", "--", "set", "interface", "p1", "type=dpdk",
                   f"options:dpdk-devargs={int_dev}", f"ofport_request={OUT_OFPORT}")
        self._run(["ip", "link", "set", "br-phy", "up"], netns=True)
        self._run(["ip", "addr", "add", f"{topo.pa}/24", "dev", "br-phy"], netns=True)
        flows = self.rundir / "flows.txt"
        flows.write_text("\n".join(topo.flows) + "\n")
        self.ofctl("del-flows", "br-int")
        self.ofctl("add-flows", "br-int", str(flows))
        self.ofctl("del-flows", "br-phy")
        if topo.push:  # what gre0 pushes enters br-phy from LOCAL and leaves on p0
            self.ofctl("add-flow", "br-phy", f"priority=100,in_port=LOCAL,actions=output:{PHY_OFPORT}")
            for ip, mac_ in topo.neighbours:
                self.appctl("tnl/neigh/set", "br-phy", ip, mac_)
        else:
            self.ofctl("add-flow", "br-phy",
                       f"priority=100,in_port={PHY_OFPORT},ip,nw_proto=47,nw_dst={topo.pa},actions=LOCAL")
        self.ofctl("add-flow", "br-phy", "priority=0,actions=drop")
        deadline = time.monotonic() + 30
        while self.tx_packets() == 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"OVS sends nothing on {self.out_bridge} port {self.out_port} (see {self.rundir / 'vswitchd.log'}; "
                                   f"datapath flows: {self.appctl('dpctl/dump-flows')[:2000]})")
            time.sleep(0.2)

    def stop(self) -> None:
        for pidfile in ("vswitchd.pid", "ovsdb.pid"):
            path = self.rundir / pidfile
            if path.exists():
                try:
                    pid = int(path.read_text().strip())
                    os.kill(pid, 15)
                    for _ in range(100):
                        os.kill(pid, 0)
                        time.sleep(0.05)
                except (ProcessLookupError, ValueError):
                    pass
        if self.started or subprocess.run(["ip", "netns", "pids", self.ns], capture_output=True).returncode == 0:
            subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
            self.started = False
        shutil.rmtree(self.rundir, ignore_errors=True)

    # -- measuring ----------------------------------------------------------------

    def tx_packets(self) -> int:
        """The output port's packets sent, read live from the port (the database's
        Interface statistics are refreshed only every 5 s)."""
        m = re.search(r"tx pkts=(\d+)", self.ofctl("dump-ports", self.out_bridge, str(self.out_port)))
        if not m:
            raise RuntimeError(f"ovs-ofctl dump-ports {self.out_bridge}: no tx pkts for port {self.out_port}")
        return int(m.group(1))

    def rss_bytes(self) -> int:
        """ovs-vswitchd's resident set (VmRSS), with the DPDK memory it touched."""
        pid = int((self.rundir / "vswitchd.pid").read_text().strip())
        m = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
        return int(m.group(1)) * 1024 if m else 0

    def measure(self, seconds: float, warmup: float = 4.0) -> dict:
        """Packets per second out of the output port, the PMD's processing cycles per packet sent, its RSS and
        its cache hits (each packet is looked up twice: before the tunnel pop, mostly
        in the simple-match cache, and after it, in the EMC or the megaflow cache)."""
        time.sleep(warmup)
        self.appctl("dpif-netdev/pmd-stats-clear")
        t0, c0 = time.monotonic(), self.tx_packets()
        time.sleep(seconds)
        c1, t1 = self.tx_packets(), time.monotonic()
        stats = self.appctl("dpif-netdev/pmd-stats-show")
        rss = self.rss_bytes()
        m = re.search(r"core_id %d:.*?processing cycles: (\d+)" % self.pmd_core, stats, re.S)
        if not m:
            raise RuntimeError(f"no PMD on core {self.pmd_core} in pmd-stats-show:\n{stats}")
        sent = c1 - c0
        block = stats[m.start():]
        hits = {key: int(v) for key, v in re.findall(r"(simple match|emc|megaflow) hits: (\d+)", block)[:3]}
        # pmd-stats-clear and the counter reads are not atomic: the cycles cover
        # about the same window as the packet count, within a few milliseconds.
        return {"pps": sent / (t1 - t0), "processingCyclesPerPacket": int(m.group(1)) / sent if sent else None,
                "rssBytes": rss,
                "seconds": t1 - t0, "packets": sent,
                "lookups": {"simpleMatch": hits.get("simple match"), "emc": hits.get("emc"),
                            "megaflow": hits.get("megaflow")}}
