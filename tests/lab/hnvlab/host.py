"""Running hnv-hostd in a lab node, with VMs as namespaces on its VM ports.

A *host* is a lab node running hnv-hostd: one uplink port (net_af_packet on a
data-plane veth to the underlay segment), optionally a kernel interface on
the management segment to reach the controller, and one DPDK port per VM. A
*VM* is a lab node of its own whose `eth0` carries the VM's MAC and CA.

VM ports (findings in docs/notes-lab-vm-ports.md). The default kind "tap"
keeps every interface DPDK touches in hnv-hostd's namespace:

    VM namespace                    host namespace (hnv-hostd)
    eth0 (VM MAC, CA) <-- veth --> v-<vm> --[bridge b-<vm>]-- t-<vm> <== net_tapN,iface=t-<vm>

`t-<vm>` is a persistent multi-queue tap created before hnv-hostd starts, so
net_tap attaches to it instead of creating one, its MTU/link ioctls keep
working, and the VM's interface survives a restart of hnv-hostd. (Moving a
DPDK-created tap into the VM namespace passes traffic, but DPDK then reports
the link down, cannot set the MTU or restart the port, and the tap vanishes
when the process exits.) Kind "af_packet" is the fallback: the VM's veth
peer `v-<vm>` is a data-plane interface opened with net_af_packet.

    host = new_host(lab, "host1", "underlay", ["192.0.2.11/24"], uplink_mac=...,
                    mgmt=("mgmt", "198.51.100.211/26"), controller=link)
    vm = host.add_vm("vm-a1", 5001, "02:00:0a:00:01:0a", "10.0.1.10/24", gateway="10.0.1.1")
    host.start()                        # waits for "hnv-hostd: ready" and the VM ports' carrier
    vm.ping("10.0.1.20"); vm.tcp_transfer(other_vm)
"""

from __future__ import annotations

import ipaddress
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .binaries import find_binary
from .capture import Capture
from .daemon import DaemonClient, api_socket_path, dataplane_section, eal_section, write_config
from .errors import CommandError, LabError
from .netns import check_ifname
from .process import Process, wait_for
from .topology import Interface, Lab, Node, _NO_OFFLOADS

PYTHON = "/usr/bin/python3"
TCP_TRANSFER = Path(__file__).resolve().parent / "tcp_transfer.py"

# NVGRE adds 42 bytes: a 1458-byte tenant packet fills a 1500-byte uplink frame.
VM_MTU = 1458
UPLINK_MTU = 1500  # af_packet in DPDK 22.11 accepts at most 1500
VM_PORT_KINDS = ("tap", "af_packet")


def tcp_server(node: Node, port: int, *, timeout: float = 60.0, bind: str = "0.0.0.0") -> Process:
    """tcp_transfer.py's server in `node` on `port` (one connection), once it listens
    (`bind` "::" for IPv6)."""
    proc = node.start(f"tcp-server-{node.name}-{port}",
                      [PYTHON, str(TCP_TRANSFER), "server", "--port", str(port), "--timeout", str(timeout),
                       "--bind", bind])
    proc.wait_for_log(r"listening on", timeout=10)
    return proc


def tcp_transfer(src: Node, dst: Node, address: str, *, port: int = 5001, nbytes: int = 1 << 20, seed: int = 1,
                 timeout: float = 60.0) -> tuple[str, str]:
    """Send `nbytes` from `src` over TCP to a server started in `dst`, reached at `address`; fail
    unless it received exactly them. Returns the client's line ("sent <bytes> <sha256> ok") and the
    server's ("received <bytes> <sha256> from <peer address>:<port>")."""
    server = tcp_server(dst, port, timeout=timeout, bind="::" if ":" in address else "0.0.0.0")
    argv = [PYTHON, str(TCP_TRANSFER), "client", "--connect", address, "--port", str(port), "--bytes",
            str(nbytes), "--seed", str(seed), "--timeout", str(timeout)]
    done = src.exec(argv, check=False, timeout=timeout + 15)
    try:
        server.wait(timeout=10)
    except LabError:
        server.stop()
    if done.returncode != 0 or " ok" not in done.stdout:
        raise LabError(f"TCP transfer {src.name} -> {dst.name} ({address}:{port}) of {nbytes} bytes "
                       f"failed (exit {done.returncode}): {done.stdout.strip()} {done.stderr.strip()}\n"
                       f"server log tail:\n{server.log_tail(10)}")
    received = [line for line in server.log_tail(20).splitlines() if line.startswith("received ")]
    return done.stdout.strip(), received[-1] if received else ""


@dataclass(frozen=True)
class ControllerLink:
    """How hnv-hostd reaches the controller: its URL and the node token (clear text)."""

    url: str
    token: str


@dataclass
class Vm:
    """A VM: lab node `name` whose `eth0` is attached to one VM port of `host`."""

    name: str
    host: "Host"
    node: Node
    vsid: int
    mac: str
    ca_cidr: str
    gateway: str | None
    mtu: int
    kind: str
    port_name: str    # the port's name in hnv-hostd's configuration
    vdev: str         # its DPDK --vdev
    host_ifname: str  # the interface DPDK opens, in the host's namespace
    ifname: str = "eth0"
    # False: the port's configuration has no vsid/vm_mac; the controller's
    # vm-ports object binds it.
    bound_by_config: bool = True

    def __repr__(self) -> str:
        return f"Vm({self.name!r} on {self.host.name}, vsid {self.vsid}, {self.ca_cidr}, {self.mac}, {self.kind})"

    @property
    def ca(self) -> str:
        return self.ca_cidr.split("/")[0]

    @property
    def iface(self) -> Interface:
        return self.node.iface(self.ifname)

    def port_config(self) -> dict:
        port = {"name": self.port_name, "vdev": self.vdev, "mtu": self.mtu, "role": "vm"}
        if self.bound_by_config:
            port.update({"vsid": self.vsid, "vm_mac": self.mac})
        return port

    def exec(self, argv: Sequence[str], **kwargs) -> subprocess.CompletedProcess[str]:
        return self.node.exec(argv, **kwargs)

    def ping(self, dst: "Vm | str", *, count: int = 1, timeout: int = 2, size: int | None = None,
             pattern: str | None = None, dont_fragment: bool = False,
             check: bool = True) -> subprocess.CompletedProcess[str]:
        """`ping` from the VM. `pattern` (hex, `ping -p`) marks the payload so captures can find it;
        `dont_fragment` with `size` probes the path MTU (`-M do`)."""
        target = dst.ca if isinstance(dst, Vm) else dst
        argv = ["ping", "-n", "-c", str(count), "-W", str(timeout)]
        if size is not None:
            argv += ["-s", str(size)]
        if pattern is not None:
            argv += ["-p", pattern]
        if dont_fragment:
            argv += ["-M", "do"]
        argv.append(target)
        done = self.node.exec(argv, check=False, timeout=count * timeout + 10)
        if check and done.returncode != 0:
            raise CommandError(argv, done.returncode, done.stdout, done.stderr or done.stdout, self.node.ns.name)
        return done

    def wait_ping(self, dst: "Vm | str", timeout: float = 15.0) -> None:
        """Poll until one ping to `dst` is answered (the first ones may wait for ARP and policy)."""
        target = dst.ca if isinstance(dst, Vm) else dst
        wait_for(lambda: self.ping(target, timeout=1, check=False).returncode == 0, timeout=timeout, interval=0.2,
                 what=f"{self.name} ({self.ca}, VSID {self.vsid}) to get a ping reply from {target}")

    def tcp_server(self, port: int, *, timeout: float = 60.0) -> Process:
        """Start tcp_transfer.py's server on `port` (one connection) and wait until it listens."""
        return tcp_server(self.node, port, timeout=timeout)

    def tcp_transfer(self, dst: "Vm", *, port: int = 5001, nbytes: int = 1 << 20, seed: int = 1,
                     timeout: float = 60.0) -> str:
        """Send `nbytes` over TCP to a server started on `dst`; fail unless it received exactly them.

        Returns the client's line ("sent <bytes> <sha256> ok").
        """
        return tcp_transfer(self.node, dst.node, dst.ca, port=port, nbytes=nbytes, seed=seed, timeout=timeout)[0]

    def capture(self, name: str | None = None, bpf: str | None = None) -> Capture:
        """tcpdump on the VM's eth0: everything the VM receives and sends."""
        return self.node.capture(self.ifname, name=name or f"capture-{self.name}", bpf=bpf)


class Host(DaemonClient):
    """One hnv-hostd node: build it, add VMs, then start()."""

    def __init__(self, lab: Lab, name: str, node: Node, uplink: Interface, addresses: Sequence[str], *,
                 controller: ControllerLink | None = None, hugepages: bool | None = None, lcores: str = "0,1",
                 log_level: str = "info", encap: Mapping[str, Any] | None = None,
                 extra: Mapping[str, Any] | None = None) -> None:
        self.lab = lab
        self.name = name
        self.node = node
        self.uplink = uplink
        self.addresses = list(addresses)
        self.controller = controller
        self.hugepages = hugepages
        self.lcores = lcores
        self.log_level = log_level
        self.encap = dict(encap if encap is not None else {"copy_dscp": True, "ecn": "normal"})
        self.extra = dict(extra or {})
        self.socket = api_socket_path(lab, name)
        self.vms: dict[str, Vm] = {}
        self.process: Process | None = None
        self.config_path: Path | None = None
        self.token_file: Path | None = None
        self._taps = 0
        self._af_packets = 1  # net_af_packet0 is the uplink
        # More uplinks (NIC teaming): (port name, interface, af_packet index, addresses).
        self.more_uplinks: list[tuple[str, Interface, int, list[str]]] = []

    def __repr__(self) -> str:
        state = "not started" if self.process is None else repr(self.process)
        return f"Host({self.name!r}, PA {self.addresses}, VMs {sorted(self.vms)}, {state})"

    # -- building -----------------------------------------------------------------

    def add_uplink(self, segment: str, ifname: str, addresses: Sequence[str], *, mac: str | None = None) -> Interface:
        """A further uplink port `ifname` on `segment` with its own PAs (a NIC team member), before start()."""
        if self.process is not None:
            raise LabError(f"{self.name}: add uplinks before starting hnv-hostd")
        iface = self.node.attach(segment, ifname, dataplane=True, mac=mac)
        self.more_uplinks.append((ifname, iface, self._af_packets, list(addresses)))
        self._af_packets += 1
        return iface

    def add_vm(self, name: str, vsid: int, mac: str, ca_cidr: str, gateway: str | None = None, *,
               mtu: int = VM_MTU, kind: str = "tap") -> Vm:
        """A VM namespace `name` attached to a new VM port of this host (before start()).

        The VM's eth0 gets `mac`, `ca_cidr` (no DAD: IPv6 addresses work at
        once), MTU `mtu`, offloads off (captures show wire frames), and a
        default route via `gateway` if given (the VSID's distributed router).
        IPv6 on eth0 stays off unless `ca_cidr` is IPv6 (no RS/DAD/MLD noise).
        """
        if self.process is not None:
            raise LabError(f"{self.name}: add VMs before starting hnv-hostd (its ports are in its configuration)")
        if kind not in VM_PORT_KINDS:
            raise LabError(f"VM port kind {kind!r}: use one of {VM_PORT_KINDS}")
        if name in self.vms:
            raise LabError(f"host {self.name} already has a VM {name}")
        if "/" not in ca_cidr:
            raise LabError(f"VM {name}: CA '{ca_cidr}' needs a prefix length, e.g. '{ca_cidr}/24'")
        iface_ = ipaddress.ip_interface(ca_cidr)
        tap, bridge, veth = check_ifname(f"t-{name}"), check_ifname(f"b-{name}"), check_ifname(f"v-{name}")
        vm_node = self.lab.node(name)
        hns, vns = self.node.ns, vm_node.ns
        # VM side first: IPv6 off before the link ever goes up (unless the CA is IPv6).
        hns.add_veth(veth, vns, "eth0", mtu=mtu, peer_mac=mac)
        if iface_.version == 4:
            vns.disable_ipv6("eth0")
        else:
            vns.sysctl({f"net/ipv6/conf/eth0/{k}": v for k, v in
                        {"accept_dad": 0, "accept_ra": 0, "router_solicitations": 0}.items()})
        vns.set_offloads("eth0", **_NO_OFFLOADS)
        hns.disable_ipv6(veth)
        if kind == "tap":
            hns.add_tap(tap, multi_queue=True, mtu=mtu)
            hns.disable_ipv6(tap)
            # The bridge must never send anything (no IPv6 link-local, RS, MLD): hnv-hostd
            # would see it as traffic from the VM. So IPv6 goes off before it is up.
            hns.disable_bridge_netfilter()
            hns.batch([f"link add {bridge} mtu {mtu} type bridge stp_state 0 forward_delay 0 mcast_snooping 0"])
            hns.disable_ipv6(bridge)
            hns.batch([f"link set {tap} master {bridge}", f"link set {veth} master {bridge}", f"link set {bridge} up",
                       f"link set {veth} up"])
            vdev = f"net_tap{self._taps},iface={tap}"
            host_ifname = tap
            self._taps += 1
        else:
            hns.set_offloads(veth, **_NO_OFFLOADS)
            hns.batch([f"link set {veth} arp off", f"link set {veth} up"])
            vdev = f"net_af_packet{self._af_packets},iface={veth}"
            host_ifname = veth
            self._af_packets += 1
        vns.batch(["link set eth0 up", f"addr add {ca_cidr} dev eth0" + (" nodad" if iface_.version == 6 else "")])
        vm_node.interfaces["eth0"] = Interface(vns, "eth0", addrs=[ca_cidr], mtu=mtu)
        self.node.interfaces[host_ifname] = Interface(hns, host_ifname, dataplane=True, mtu=mtu)
        if gateway:
            vm_node.default_route(gateway, dev="eth0")
        vm = Vm(name, self, vm_node, vsid, mac.lower(), ca_cidr, gateway, mtu, kind, port_name=name, vdev=vdev,
                host_ifname=host_ifname)
        self.vms[name] = vm
        return vm

    def config(self) -> dict:
        """hnv-hostd's configuration (shared sections: docs/configuration.md; own: controller, encap, VM ports)."""
        ports = [{"name": "ul0", "vdev": self.uplink.af_packet_vdev(0), "mtu": UPLINK_MTU, "role": "uplink"}]
        ports += [{"name": n, "vdev": i.af_packet_vdev(k), "mtu": UPLINK_MTU, "role": "uplink"}
                  for n, i, k, _ in self.more_uplinks]
        ports += [vm.port_config() for vm in self.vms.values()]
        pas = [{"port": "ul0", "address": a} for a in self.addresses]
        pas += [{"port": n, "address": a} for n, _, _, addrs in self.more_uplinks for a in addrs]
        config: dict[str, Any] = {
            "node": {"name": self.name},
            "log": {"level": self.log_level},
            "eal": eal_section("hostd", self.name, hugepages=self.hugepages, lcores=self.lcores),
            "dataplane": dataplane_section(),
            "ports": ports,
            "provider_addresses": pas,
            "api": {"socket": str(self.socket)},
            "encap": self.encap,
        }
        if self.controller is not None:
            self.token_file = Path(self.lab.logdir) / f"{self.name}.token"
            self.token_file.write_text(self.controller.token + "\n")
            self.token_file.chmod(0o600)
            config["controller"] = {"url": self.controller.url, "token_file": str(self.token_file)}
        config.update(self.extra)
        return config

    # -- lifetime -------------------------------------------------------------------

    def start(self, ready_timeout: float = 30.0, ports_timeout: float = 10.0) -> "Host":
        """Write the configuration, start hnv-hostd, wait for "hnv-hostd: ready" and the VM ports' carrier."""
        if self.process is not None and self.process.running:
            raise LabError(f"hnv-hostd of {self.name} is already running")
        self.config_path = write_config(self.lab, self.name, self.config())
        self.process = self.node.start("hnv-hostd", [str(find_binary("hnv-hostd")), "--config", str(self.config_path)])
        self.process.wait_for_log(r"hnv-hostd: ready", timeout=ready_timeout)
        self.wait_vm_ports_up(ports_timeout)
        return self

    def wait_vm_ports_up(self, timeout: float = 10.0) -> None:
        """Wait until every VM tap has carrier and forwards in its bridge.

        net_tap raises carrier on the tap some time after the port starts
        (seen: up to ~1 s); a frame the VM sends before that is dropped by the
        bridge, so the first ARP of a test would be lost.
        """
        for vm in self.vms.values():
            if vm.kind != "tap":
                continue

            def forwarding(vm: Vm = vm) -> bool:
                link = self.node.ns.link(vm.host_ifname)
                if "NO-CARRIER" in link.get("flags", []) or "LOWER_UP" not in link.get("flags", []):
                    return False
                ports = self.node.ns.ip_json("-d", "link", "show", "dev", vm.host_ifname)
                return bool(ports) and ports[0].get("linkinfo", {}).get("info_slave_data", {}).get("state") == "forwarding"

            wait_for(forwarding, timeout=timeout, what=f"{self.name}: VM port {vm.host_ifname} ({vm.name}) "
                     f"to have carrier and forward in its bridge after hnv-hostd started")

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM hnv-hostd (SIGKILL after `timeout`); the VM namespaces and taps stay."""
        return self.process.stop(timeout=timeout) if self.process else None

    def restart(self, ready_timeout: float = 30.0) -> "Host":
        self.stop()
        return self.start(ready_timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running


def new_host(lab: Lab, name: str, segment: str, addresses: Sequence[str], *, uplink_mac: str | None = None,
             ifname: str = "ul0", mgmt: tuple[str, str] | None = None, controller: ControllerLink | None = None,
             **kwargs: Any) -> Host:
    """Node `name` on `segment` with a data-plane uplink `ifname`; hnv-hostd not yet started.

    `mgmt` = (segment, "198.51.100.211/26"): a kernel interface `mg0` for the
    controller connection. Add VMs with Host.add_vm(), then Host.start().
    """
    node = lab.node(name)
    uplink = node.attach(segment, ifname, dataplane=True, mac=uplink_mac)
    if mgmt is not None:
        node.attach(mgmt[0], "mg0", [mgmt[1]])
    return Host(lab, name, node, uplink, addresses, controller=controller, **kwargs)


@dataclass(frozen=True)
class VmSpec:
    """Arguments of Host.add_vm(), for start_host(vms=[...])."""

    name: str
    vsid: int
    mac: str
    ca_cidr: str
    gateway: str | None = None
    kind: str = "tap"
    mtu: int = VM_MTU


def start_host(lab: Lab, name: str, segment: str, addresses: Sequence[str], vms: Sequence[VmSpec] = (), *,
               ready_timeout: float = 30.0, **kwargs: Any) -> Host:
    """new_host() + add_vm() for each of `vms` + start(): hnv-hostd running and ready."""
    host = new_host(lab, name, segment, addresses, **kwargs)
    for spec in vms:
        host.add_vm(spec.name, spec.vsid, spec.mac, spec.ca_cidr, spec.gateway, mtu=spec.mtu, kind=spec.kind)
    return host.start(ready_timeout)
