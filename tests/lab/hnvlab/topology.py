"""The Lab: namespaces, segments, nodes and processes of one test, torn down together.

A *segment* is a layer-2 network: a namespace of its own holding one Linux
bridge (the underlay and uplink of TESTING.md are segments). A *node* is a
namespace that stands for one machine (a gateway, a host, a peer); it gets
interfaces by attaching to segments or by direct veth links. An interface is
either a kernel-stack interface (it gets addresses and the kernel answers on
it, like a pinging host) or a data-plane interface (no address, no IPv6, no
ARP, for a DPDK process that opens it with net_af_packet).

Everything is built on demand and in the order the test asks for it; nothing
of the full reference topology is built unless used. See README.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from . import registry
from .capture import Capture
from .cleanup import claim_prefix, release_prefix
from .errors import CommandError, LabError
from .netns import SHORT_NAME_RE, Netns, check_ifname, iface_sysctl, list_netns
from .process import Process, wait_for

DEFAULT_LOG_BASE = Path("/tmp/hnv-lab")
# One directory per test process under the log base.
RUN_ID = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"

# Sysctls of a kernel-stack interface: static addressing only, usable at once.
# No DAD (addresses are unique by construction, and DAD would delay ping -6 by
# about a second), no router solicitations or RAs (nothing in the lab routes
# by RA, and RS would be noise on every data-plane port).
_KERNEL_IPV6_SYSCTLS = {"accept_dad": 0, "accept_ra": 0, "router_solicitations": 0}
# Offloads off on kernel-stack interfaces: a data-plane process reading with
# af_packet must see complete checksums and frames no larger than the MTU,
# not the kernel's partial checksums and 64 KiB GSO super-frames.
_NO_OFFLOADS = {"tx": False, "tso": False, "gso": False, "gro": False}


def _split_addrs(addrs: Iterable[str]) -> list[str]:
    out = []
    for addr in addrs:
        if "/" not in addr:
            raise LabError(f"address '{addr}' needs a prefix length, e.g. '{addr}/24'")
        out.append(addr)
    return out


class Interface:
    """One interface of a node (or the bridge of a segment)."""

    def __init__(self, ns: Netns, name: str, *, addrs: Sequence[str] = (), dataplane: bool = False,
                 mtu: int = 1500, segment: "Segment | None" = None, peer: "Interface | None" = None) -> None:
        self.ns = ns
        self.name = name
        self.addrs = list(addrs)
        self.dataplane = dataplane
        self.mtu = mtu
        self.segment = segment
        self.peer = peer

    def __repr__(self) -> str:
        kind = "dataplane" if self.dataplane else "kernel"
        return f"Interface({self.ns.name}:{self.name}, {kind}, mtu={self.mtu}, addrs={self.addrs})"

    @property
    def mac(self) -> str:
        return self.ns.mac(self.name)

    @property
    def ipv4(self) -> str | None:
        """First IPv4 address without its prefix length."""
        return next((a.split("/")[0] for a in self.addrs if ":" not in a), None)

    @property
    def ipv6(self) -> str | None:
        return next((a.split("/")[0] for a in self.addrs if ":" in a), None)

    def af_packet_vdev(self, index: int = 0, **params: object) -> str:
        """DPDK `--vdev` argument for this interface, e.g. "net_af_packet0,iface=ul0".

        The process using it must run in this interface's namespace.
        """
        extra = "".join(f",{key}={value}" for key, value in params.items())
        return f"net_af_packet{index},iface={self.name}{extra}"


def _configure_end(ns: Netns, ifname: str, addrs: Sequence[str], *, dataplane: bool, offload: bool) -> None:
    """Configure one freshly created (still down) interface and bring it up.

    The order matters: IPv6 sysctls before the link goes up, addresses and
    routes after.
    """
    if dataplane:
        ns.sysctl({iface_sysctl("ipv6", ifname, "disable_ipv6"): 1})
        ns.set_offloads(ifname, **_NO_OFFLOADS)
        # NOARP: the kernel neither sends nor answers ARP here, even for an
        # address it owns on another interface of the node.
        ns.batch([f"link set {ifname} arp off", f"link set {ifname} up"])
        return
    ns.sysctl({iface_sysctl("ipv6", ifname, k): v for k, v in _KERNEL_IPV6_SYSCTLS.items()})
    if not offload:
        ns.set_offloads(ifname, **_NO_OFFLOADS)
    commands = [f"link set {ifname} up"]
    commands += [f"addr add {a} dev {ifname}" + (" nodad" if ":" in a else "") for a in addrs]
    ns.batch(commands)
    if any(":" in a for a in addrs):
        wait_for(lambda: not ns.tentative_addresses(ifname), timeout=5.0,
                 what=f"IPv6 addresses of {ns.name}:{ifname} to leave DAD")


class Segment:
    """A layer-2 segment: a namespace holding the bridge that nodes attach to."""

    def __init__(self, lab: "Lab", name: str, ns: Netns, *, mtu: int, bridge: str) -> None:
        self.lab = lab
        self.name = name
        self.ns = ns
        self.mtu = mtu
        self.bridge = bridge
        self.ports: dict[str, Interface] = {}  # bridge port name -> node interface

    def __repr__(self) -> str:
        return f"Segment({self.name!r}, ns={self.ns.name}, mtu={self.mtu}, ports={sorted(self.ports)})"

    def _port_name(self, node: str, ifname: str) -> str:
        """Name of the bridge-side veth end: "<node>-<ifname>" when it fits."""
        name = f"{node}-{ifname}"
        if len(name) > 15 or name in self.ports or name == self.bridge:
            name = f"p{len(self.ports)}-{node}"[:15]
        return name

    def capture(self, name: str | None = None, bpf: str | None = None) -> Capture:
        """Capture everything that crosses the bridge."""
        return self.lab.capture(self, self.bridge, name=name, bpf=bpf)


class Node:
    """A namespace standing for one machine of the lab."""

    def __init__(self, lab: "Lab", name: str, ns: Netns) -> None:
        self.lab = lab
        self.name = name
        self.ns = ns
        self.interfaces: dict[str, Interface] = {}

    def __repr__(self) -> str:
        return f"Node({self.name!r}, ns={self.ns.name}, interfaces={sorted(self.interfaces)})"

    def iface(self, ifname: str) -> Interface:
        try:
            return self.interfaces[ifname]
        except KeyError:
            raise LabError(f"node {self.name} has no interface {ifname} (has {sorted(self.interfaces)})") from None

    def _new_ifname(self, ifname: str) -> str:
        check_ifname(ifname)
        if ifname in self.interfaces:
            raise LabError(f"node {self.name} already has an interface {ifname}")
        return ifname

    def attach(self, segment: "Segment | str", ifname: str, addrs: Sequence[str] = (), *,
               dataplane: bool = False, mtu: int | None = None, mac: str | None = None,
               offload: bool = False) -> Interface:
        """Connect this node to a segment with a veth named `ifname` on the node side.

        dataplane=True: no address, IPv6 disabled, NOARP, offloads off: for a
        DPDK process to open with net_af_packet (see Interface.af_packet_vdev).
        Otherwise the kernel owns the interface: `addrs` ("192.0.2.100/24",
        "2001:db8::100/64") are added without DAD and are usable on return.
        `mtu` defaults to the segment's. `offload=True` keeps the kernel's
        checksum/segmentation offloads (only for kernel-to-kernel traffic).
        """
        seg = self.lab.get_segment(segment) if isinstance(segment, str) else segment
        self._new_ifname(ifname)
        addrs = _split_addrs(addrs)
        if dataplane and addrs:
            raise LabError(f"{self.name}:{ifname}: a data-plane interface gets no kernel address (got {addrs})")
        mtu = mtu or seg.mtu
        port = seg._port_name(self.name, ifname)
        self.ns.add_veth(ifname, seg.ns, port, mtu=mtu, mac=mac)
        seg.ns.batch([f"link set {port} master {seg.bridge}", f"link set {port} up"])
        _configure_end(self.ns, ifname, addrs, dataplane=dataplane, offload=offload)
        iface = Interface(self.ns, ifname, addrs=addrs, dataplane=dataplane, mtu=mtu, segment=seg)
        self.interfaces[ifname] = iface
        seg.ports[port] = iface
        return iface

    def veth(self, ifname: str, other: "Node", other_ifname: str, *, addrs: Sequence[str] = (),
             other_addrs: Sequence[str] = (), mtu: int = 1500, dataplane: bool = False,
             other_dataplane: bool = False, offload: bool = False) -> tuple[Interface, Interface]:
        """A point-to-point veth link between this node and `other`."""
        self._new_ifname(ifname)
        other._new_ifname(other_ifname)
        self.ns.add_veth(ifname, other.ns, other_ifname, mtu=mtu)
        _configure_end(self.ns, ifname, _split_addrs(addrs), dataplane=dataplane, offload=offload)
        _configure_end(other.ns, other_ifname, _split_addrs(other_addrs), dataplane=other_dataplane, offload=offload)
        mine = Interface(self.ns, ifname, addrs=addrs, dataplane=dataplane, mtu=mtu)
        theirs = Interface(other.ns, other_ifname, addrs=other_addrs, dataplane=other_dataplane, mtu=mtu, peer=mine)
        mine.peer = theirs
        self.interfaces[ifname] = mine
        other.interfaces[other_ifname] = theirs
        return mine, theirs

    def tap(self, ifname: str, *, multi_queue: bool = True, mtu: int = 1500) -> Interface:
        """A persistent tap for DPDK net_tap to attach to; no IPv6, left down (DPDK brings it up)."""
        self._new_ifname(ifname)
        self.ns.add_tap(ifname, multi_queue=multi_queue, mtu=mtu)
        self.ns.disable_ipv6(ifname)
        iface = Interface(self.ns, ifname, dataplane=True, mtu=mtu)
        self.interfaces[ifname] = iface
        return iface

    def add_route(self, dst: str, via: str | None = None, dev: str | None = None) -> None:
        """Add a route; the interface must be attached (attach() brings it up first)."""
        self.ns.add_route(dst, via=via, dev=dev)

    def default_route(self, via: str, dev: str | None = None) -> None:
        """Default route (IPv4 or IPv6, from the gateway's family)."""
        self.ns.add_route("default6" if ":" in via else "default", via=via, dev=dev)

    def sysctl(self, settings: Mapping[str, str | int]) -> None:
        self.ns.sysctl(settings)

    def exec(self, argv: Sequence[str], **kwargs) -> subprocess.CompletedProcess[str]:
        """Run a short command in this node and wait for it (see netns.run)."""
        return self.ns.exec(argv, **kwargs)

    def start(self, name: str, argv: Sequence[str], **kwargs) -> Process:
        """Start a long-running process in this node (see Lab.start)."""
        return self.lab.start(self, name, argv, **kwargs)

    def capture(self, ifname: str, name: str | None = None, bpf: str | None = None) -> Capture:
        return self.lab.capture(self, ifname, name=name, bpf=bpf)

    def ping(self, dst: str, *, count: int = 1, timeout: int = 2, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`ping -c COUNT -W TIMEOUT DST` from this node (IPv4 or IPv6 by the address)."""
        argv = ["ping", "-n", "-c", str(count), "-W", str(timeout), dst]
        done = self.ns.exec(argv, check=False, timeout=count * timeout + 10)
        if check and done.returncode != 0:
            raise CommandError(argv, done.returncode, done.stdout, done.stderr or done.stdout, self.ns.name)
        return done


class Lab:
    """All namespaces and processes of one test; closing it removes them all.

    Use as a context manager or through the `lab` pytest fixture:

        with Lab("my-test") as lab:
            lab.segment("underlay", mtu=1600)
            peer = lab.node("peer")
            peer.attach("underlay", "eth0", ["192.0.2.100/24"])

    Closing stops processes (SIGTERM, then SIGKILL), kills whatever else still
    runs in the namespaces, deletes them and releases the run prefix. The log
    directory is deleted after a successful test and kept (and printed) after a
    failed one, or always with HNV_LAB_KEEP_LOGS=1. Not thread-safe.
    """

    def __init__(self, name: str = "lab", *, logdir: str | os.PathLike | None = None,
                 keep_logs: bool | None = None) -> None:
        self.name = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:80] or "lab"
        self.keep_logs = os.environ.get("HNV_LAB_KEEP_LOGS", "") not in ("", "0") if keep_logs is None else keep_logs
        self.failed = False
        self.closed = False
        self.close_reason: str | None = None
        self._netns: dict[str, Netns] = {}
        self._segments: dict[str, Segment] = {}
        self._nodes: dict[str, Node] = {}
        self._processes: list[Process] = []
        self.logdir = self._make_logdir(logdir)
        self.prefix = claim_prefix()
        self.serial = registry.next_serial()
        registry.register(self)

    def __repr__(self) -> str:
        return f"Lab({self.name!r}, prefix={self.prefix}, namespaces={sorted(self._netns)})"

    def __enter__(self) -> "Lab":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        reason = f"{exc_type.__name__}: {exc}" if exc_type else None
        self.close(failed=exc_type is not None, reason=reason)

    def _make_logdir(self, logdir: str | os.PathLike | None) -> Path:
        if logdir is not None:
            path = Path(logdir)
        else:
            base = Path(os.environ.get("HNV_LAB_LOGDIR") or DEFAULT_LOG_BASE)
            path = base / RUN_ID / self.name
            n = 2
            while path.exists():
                path = base / RUN_ID / f"{self.name}-{n}"
                n += 1
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- building -----------------------------------------------------------

    def ns_name(self, short: str) -> str:
        """Full namespace name of a short name in this lab, e.g. "hnv1234-gw1"."""
        return f"{self.prefix}-{short}"

    def _new_netns(self, short: str) -> Netns:
        self._check_open()
        if not SHORT_NAME_RE.fullmatch(short):
            raise LabError(f"name '{short}' must be lower-case letters, digits, '-' or '_' (at most 31)")
        if short in self._netns:
            raise LabError(f"lab {self.name} already has a namespace named '{short}'")
        ns = Netns.create(self.ns_name(short))
        self._netns[short] = ns
        return ns

    def segment(self, name: str, *, mtu: int = 1500, addrs: Sequence[str] = (), bridge: str = "br0") -> Segment:
        """The segment `name`, created on first use in namespace `<prefix>-<name>`.

        `addrs` puts kernel addresses on the bridge itself (the segment namespace
        then acts as a host on the segment); otherwise the segment namespace has
        no IPv6 at all and sends nothing.
        """
        if name in self._segments:
            seg = self._segments[name]
            if seg.mtu != mtu:
                raise LabError(f"segment {name} exists with MTU {seg.mtu}, asked for {mtu}")
            return seg
        ns = self._new_netns(name)
        # New interfaces of this namespace (ports, bridge) start without IPv6.
        ns.sysctl({"net.ipv6.conf.default.disable_ipv6": 1})
        ns.add_bridge(bridge, mtu=mtu)
        addrs = _split_addrs(addrs)
        if addrs:
            if any(":" in a for a in addrs):
                ns.sysctl({iface_sysctl("ipv6", bridge, k): v
                           for k, v in {"disable_ipv6": 0, **_KERNEL_IPV6_SYSCTLS}.items()})
            ns.batch([f"addr add {a} dev {bridge}" + (" nodad" if ":" in a else "") for a in addrs])
        seg = Segment(self, name, ns, mtu=mtu, bridge=bridge)
        self._segments[name] = seg
        return seg

    def get_segment(self, name: str) -> Segment:
        try:
            return self._segments[name]
        except KeyError:
            raise LabError(f"lab {self.name} has no segment '{name}'; create it with lab.segment('{name}', mtu=...)") from None

    def node(self, name: str) -> Node:
        """The node `name`, created on first use in namespace `<prefix>-<name>`."""
        if name not in self._nodes:
            self._nodes[name] = Node(self, name, self._new_netns(name))
        return self._nodes[name]

    @property
    def nodes(self) -> dict[str, Node]:
        return dict(self._nodes)

    @property
    def segments(self) -> dict[str, Segment]:
        return dict(self._segments)

    @property
    def namespaces(self) -> list[str]:
        """Full names of this lab's namespaces, in creation order."""
        return [ns.name for ns in self._netns.values()]

    # -- processes ------------------------------------------------------------

    def _resolve(self, where: "Node | Segment | Netns | str | None") -> str | None:
        if where is None:
            return None
        if isinstance(where, (Node, Segment)):
            return where.ns.name
        if isinstance(where, Netns):
            return where.name
        if where in self._netns:
            return self._netns[where].name
        raise LabError(f"lab {self.name} has no node or segment '{where}'")

    def _log_path(self, name: str, suffix: str = ".log") -> Path:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        path, n = self.logdir / f"{stem}{suffix}", 2
        while path.exists():
            path, n = self.logdir / f"{stem}-{n}{suffix}", n + 1
        return path

    def start(self, where: "Node | Segment | Netns | str | None", name: str, argv: Sequence[str], *,
              env: Mapping[str, str] | None = None, cwd: str | os.PathLike | None = None,
              die_with_harness: bool = True) -> Process:
        """Start `argv` in a node or segment (None: the host namespace); log in `<logdir>/<name>.log`.

        Returns at once: wait for readiness with Process.wait_for_log() or
        wait_for(). The process is stopped when the lab closes.
        """
        self._check_open()
        proc = Process(name, argv, self._log_path(name), netns=self._resolve(where), env=env, cwd=cwd,
                       die_with_harness=die_with_harness)
        self._processes.append(proc)
        return proc.start()

    def capture(self, where: "Node | Segment | Netns | str", ifname: str, *, name: str | None = None,
                bpf: str | None = None) -> Capture:
        """Start tcpdump on `ifname` and return once it captures; see capture.py."""
        self._check_open()
        netns = self._resolve(where)
        name = name or f"capture-{netns.split('-', 1)[1] if netns else 'host'}-{ifname}"
        log = self._log_path(name)
        cap = Capture(name, ifname, log.with_suffix(".pcap"), log, netns=netns, bpf=bpf)
        self._processes.append(cap)
        return cap.start()

    @property
    def processes(self) -> list[Process]:
        return list(self._processes)

    def process(self, name: str) -> Process:
        """The most recently started process called `name`."""
        for proc in reversed(self._processes):
            if proc.name == name:
                return proc
        raise LabError(f"lab {self.name} started no process called {name}")

    # -- teardown -----------------------------------------------------------

    def _check_open(self) -> None:
        if self.closed:
            raise LabError(f"lab {self.name} is closed ({self.close_reason or 'normal close'})")

    def save_state(self, path: Path | None = None) -> Path:
        """Write links, addresses, routes, neighbours and bridge FDBs of every namespace."""
        path = path or self.logdir / "netns-state.txt"
        queries = [["ip", "-d", "-s", "link"], ["ip", "addr"], ["ip", "route"], ["ip", "-6", "route"],
                   ["ip", "neigh"], ["bridge", "fdb", "show"]]
        with open(path, "w") as out:
            for ns in self._netns.values():
                for argv in queries:
                    out.write(f"### {ns.name}: {' '.join(argv)}\n")
                    try:
                        done = ns.exec(argv, check=False, timeout=10)
                        out.write(done.stdout + done.stderr + "\n")
                    except LabError as exc:
                        out.write(f"{exc}\n")
        return path

    def _write_summary(self, leftovers: Mapping[str, list[int]]) -> None:
        lines = [f"lab {self.name} prefix {self.prefix} closed: {self.close_reason or 'normal close'}",
                 f"failed: {self.failed}", "namespaces: " + " ".join(self.namespaces), "processes:"]
        for p in self._processes:
            lines.append(f"  {p.name}: pid {p.pid} in {p.where}, exit {p.returncode} ({p.stopped_by}): {' '.join(p.argv)}")
        for ns, pids in leftovers.items():
            lines.append(f"killed leftover pids in {ns}: {pids}")
        (self.logdir / "lab.txt").write_text("\n".join(lines) + "\n")

    def close(self, failed: bool = False, reason: str | None = None) -> None:
        """Tear everything down; safe to call more than once.

        `failed` keeps the logs (and saves the namespaces' state first). Raises
        LabError after doing everything it can if a namespace could not be
        removed, so that leaks fail loudly instead of piling up.
        """
        if self.closed:
            return
        self.closed = True
        self.failed = self.failed or failed
        self.close_reason = reason
        problems: list[str] = []
        with registry.closing():
            for proc in reversed(self._processes):
                try:
                    proc.stop()
                except Exception as exc:
                    problems.append(f"stopping {proc.name}: {exc}")
            leftovers = {}
            for ns in self._netns.values():
                killed = ns.kill_all()
                if killed:
                    leftovers[ns.name] = killed
            if self.failed:
                try:
                    self.save_state()
                except Exception as exc:
                    problems.append(f"saving namespace state: {exc}")
            for ns in reversed(list(self._netns.values())):
                try:
                    ns.delete()
                except Exception as exc:
                    problems.append(str(exc))
            remaining = sorted(set(self.namespaces) & set(list_netns()))
            if remaining:
                problems.append(f"namespaces still present: {remaining}")
            else:
                release_prefix(self.prefix)
            try:
                self._write_summary(leftovers)
            except OSError as exc:
                problems.append(f"writing lab.txt: {exc}")
            registry.unregister(self)
            self._finish_logs(bool(problems))
        if problems:
            raise LabError(f"teardown of lab {self.name} incomplete: " + "; ".join(problems))

    def _finish_logs(self, teardown_failed: bool) -> None:
        if self.failed or teardown_failed:
            why = self.close_reason or "test failed"
            print(f"hnvlab: lab {self.name} ({why}): logs kept in {self.logdir}", file=sys.stderr)
        elif not self.keep_logs:
            shutil.rmtree(self.logdir, ignore_errors=True)
            try:
                self.logdir.parent.rmdir()  # the run directory, if this was its last lab
            except OSError:
                pass

    @property
    def logs_kept(self) -> bool:
        return self.logdir.exists()
