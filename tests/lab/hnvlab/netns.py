"""Network namespaces and the links, addresses and sysctls inside them.

This is the low layer of the harness: thin, checked wrappers around `ip`,
`sysctl` and `ethtool`. It knows nothing about the reference topology; see
topology.py for that.

Naming scheme. Every namespace the harness creates is called
`<prefix>-<short>` where the prefix is `hnv<N>` with N in 0..9999 (normally the
pid of the test process modulo 10000, see ownership.py) and `short` is a short
lower-case name such as `gw1` or `underlay`. cleanup_stale() relies on this
scheme and touches nothing else.

Interfaces are always created directly inside their namespace (`ip -n NS link
add ... peer ... netns OTHER`), never in the host namespace, so that interface
names only have to be unique per namespace and parallel runs cannot collide.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .errors import CommandError, LabError

# Linux limits interface names to IFNAMSIZ - 1 characters.
IFNAME_MAX = 15
_IFNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

# `hnv<N>` with N in 0..9999, then `-`, then the short name.
PREFIX_RE = re.compile(r"hnv\d{1,4}")
SHORT_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,30}")
NAMESPACE_RE = re.compile(rf"(?P<prefix>{PREFIX_RE.pattern})-(?P<short>{SHORT_NAME_RE.pattern})")

NETNS_RUN_DIR = Path("/run/netns")

# Default deadline for one configuration command; they normally take a few ms.
COMMAND_TIMEOUT_S = 30.0


def check_ifname(name: str) -> str:
    """Return `name` if the kernel will accept it as an interface name.

    Checked up front because `ip` reports an over-long name only as
    "Error: argument ... is wrong: name too long", far from the test line.
    """
    if len(name) > IFNAME_MAX:
        raise LabError(f"interface name '{name}' has {len(name)} characters; Linux allows at most {IFNAME_MAX}")
    if not _IFNAME_RE.match(name):
        raise LabError(f"interface name '{name}' must be letters, digits, '_', '.' or '-' and not start with a symbol")
    return name


def run(
    argv: Sequence[str],
    *,
    netns: str | None = None,
    input: str | None = None,
    timeout: float = COMMAND_TIMEOUT_S,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a short command to completion, inside `netns` if given.

    Standard input is /dev/null unless `input` is given (tests run without a
    terminal under CTest). With `check`, a non-zero exit or a timeout raises a
    CommandError that names the namespace, the command and its stderr.
    """
    full = ["ip", "netns", "exec", netns, *argv] if netns else list(argv)
    try:
        done = subprocess.run(
            full,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CommandError(argv, None, _text(exc.stdout), _text(exc.stderr), netns, f"deadline {timeout:g} s") from None
    except FileNotFoundError:
        raise LabError(f"command '{argv[0]}' not found; the lab needs iproute2, procps, ethtool and iputils-ping") from None
    if check and done.returncode != 0:
        raise CommandError(argv, done.returncode, done.stdout, done.stderr, netns)
    return done


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode(errors="replace")


def list_netns() -> list[str]:
    """Names of all named network namespaces on the machine (as `ip netns list`)."""
    try:
        return sorted(entry.name for entry in NETNS_RUN_DIR.iterdir())
    except FileNotFoundError:
        return []


def iface_sysctl(family: str, ifname: str, key: str) -> str:
    """Sysctl key for one interface, in slash form so that dots in names are safe."""
    check_ifname(ifname)
    return f"net/{family}/conf/{ifname}/{key}"


class Netns:
    """One named network namespace.

    All methods run commands inside the namespace and raise CommandError on
    failure. The object does not own the namespace's lifetime by itself: the Lab
    that created it deletes it.
    """

    def __init__(self, name: str) -> None:
        if not NAMESPACE_RE.fullmatch(name):
            raise LabError(f"namespace name '{name}' does not follow the harness scheme 'hnv<N>-<short>'")
        self.name = name

    def __repr__(self) -> str:
        return f"Netns({self.name!r})"

    # -- lifetime ---------------------------------------------------------

    @classmethod
    def create(cls, name: str) -> "Netns":
        """Create the namespace and bring its loopback up (daemons bind to 127.0.0.1)."""
        ns = cls(name)
        if name in list_netns():
            raise LabError(f"namespace {name} already exists; another lab in this process uses the same name")
        run(["ip", "netns", "add", name])
        ns.ip("link", "set", "lo", "up")
        return ns

    def exists(self) -> bool:
        return self.name in list_netns()

    def pids(self) -> list[int]:
        """Pids of all processes whose network namespace is this one."""
        done = run(["ip", "netns", "pids", self.name], check=False)
        if done.returncode != 0:
            return []
        return [int(tok) for tok in done.stdout.split()]

    def kill_all(self, sig: int = signal.SIGKILL) -> list[int]:
        """Signal every process still inside the namespace; return their pids.

        A namespace removed with `ip netns del` lives on while a process is in
        it, so teardown kills stragglers (for example a daemon's child that left
        its process group) before deleting.
        """
        killed = []
        for pid in self.pids():
            try:
                os.kill(pid, sig)
                killed.append(pid)
            except ProcessLookupError:
                pass
        return killed

    def delete(self) -> None:
        """Kill what runs inside, then delete; a missing namespace is not an error."""
        self.kill_all()
        done = run(["ip", "netns", "del", self.name], check=False)
        if done.returncode != 0 and self.exists():
            raise CommandError(["ip", "netns", "del", self.name], done.returncode, done.stdout, done.stderr)

    # -- running commands ---------------------------------------------------

    def exec(self, argv: Sequence[str], **kwargs) -> subprocess.CompletedProcess[str]:
        """Run a command inside the namespace (`ip netns exec`); see run()."""
        return run(argv, netns=self.name, **kwargs)

    def ip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `ip -n NS ARGS` (no extra process for setns, unlike exec)."""
        argv = ["ip", "-n", self.name, *args]
        done = run(argv, check=False)
        if check and done.returncode != 0:
            raise CommandError(["ip", *args], done.returncode, done.stdout, done.stderr, self.name)
        return done

    def ip_json(self, *args: str) -> list[dict]:
        """Run `ip -j -n NS ARGS` and decode its JSON."""
        out = self.ip("-j", *args).stdout.strip()
        return json.loads(out) if out else []

    def batch(self, commands: Iterable[str]) -> None:
        """Apply many `ip` commands with one process (`ip -n NS -batch -`).

        `ip` stops at the first failing line and reports only its number; the
        error raised here quotes that line.
        """
        lines = [c.strip() for c in commands if c.strip()]
        if not lines:
            return
        done = run(["ip", "-n", self.name, "-batch", "-"], input="\n".join(lines) + "\n", check=False)
        if done.returncode != 0:
            match = re.search(r"Command failed -:(\d+)", done.stderr)
            failing = lines[int(match.group(1)) - 1] if match else "; ".join(lines)
            raise CommandError(["ip", *shlex.split(failing)], done.returncode, done.stdout, done.stderr, self.name, "in ip -batch")

    def sysctl(self, settings: Mapping[str, str | int], *, ignore_missing: bool = False) -> None:
        """Set sysctls inside the namespace with a single `sysctl -w`.

        Keys may use dots or slashes (use iface_sysctl() for per-interface keys).
        `ignore_missing` tolerates keys of modules that are not loaded.
        """
        if not settings:
            return
        argv = ["sysctl", "-q", "-w"]
        if ignore_missing:
            argv.insert(1, "-e")
        argv += [f"{key}={value}" for key, value in settings.items()]
        self.exec(argv)

    def read_sysctl(self, key: str) -> str:
        return self.exec(["sysctl", "-n", key]).stdout.strip()

    # -- links ----------------------------------------------------------------

    def add_bridge(self, name: str = "br0", *, mtu: int = 1500) -> None:
        """Create an up Linux bridge that forwards everything at once.

        STP stays off (ports forward immediately) and multicast snooping is off:
        a DPDK port never sends MLD/IGMP reports, so a snooping bridge would stop
        flooding it IPv6 neighbour solicitations. Bridge netfilter is turned off
        for the namespace, otherwise the kernel silently drops test packets with
        deliberately bad checksums or lengths (environment.md).
        """
        check_ifname(name)
        self.disable_bridge_netfilter()
        self.batch([
            f"link add {name} mtu {mtu} type bridge stp_state 0 forward_delay 0 mcast_snooping 0",
            f"link set {name} up",
        ])

    def disable_bridge_netfilter(self) -> None:
        self.sysctl(
            {
                "net.bridge.bridge-nf-call-iptables": 0,
                "net.bridge.bridge-nf-call-ip6tables": 0,
                "net.bridge.bridge-nf-call-arptables": 0,
            },
            ignore_missing=True,
        )

    def add_veth(self, ifname: str, peer: "Netns", peer_ifname: str, *, mtu: int = 1500,
                 mac: str | None = None, peer_mac: str | None = None) -> None:
        """Create a veth pair with one end here and the other in `peer`, both down."""
        check_ifname(ifname)
        check_ifname(peer_ifname)
        argv = ["link", "add", ifname, "mtu", str(mtu)]
        if mac:
            argv += ["address", mac]
        argv += ["type", "veth", "peer", "name", peer_ifname, "mtu", str(mtu)]
        if peer_mac:
            argv += ["address", peer_mac]
        argv += ["netns", peer.name]
        self.ip(*argv)

    def add_tap(self, ifname: str, *, multi_queue: bool = True, mtu: int = 1500) -> None:
        """Create a persistent tap; DPDK's net_tap can only attach to a multi_queue one."""
        check_ifname(ifname)
        argv = ["tuntap", "add", "dev", ifname, "mode", "tap"]
        if multi_queue:
            argv.append("multi_queue")
        self.ip(*argv)
        self.ip("link", "set", ifname, "mtu", str(mtu))

    def set_mtu(self, ifname: str, mtu: int) -> None:
        self.ip("link", "set", check_ifname(ifname), "mtu", str(mtu))

    def link_up(self, ifname: str) -> None:
        self.ip("link", "set", check_ifname(ifname), "up")

    def link(self, ifname: str) -> dict:
        """`ip -j link show dev IFNAME` as a dict (flags, mtu, address, operstate)."""
        found = self.ip_json("link", "show", "dev", check_ifname(ifname))
        if not found:
            raise LabError(f"namespace {self.name}: no interface {ifname}")
        return found[0]

    def mac(self, ifname: str) -> str:
        return self.link(ifname)["address"]

    def set_offloads(self, ifname: str, **features: bool) -> None:
        """Switch ethtool features, e.g. set_offloads("eth0", tx=False, tso=False)."""
        argv = ["ethtool", "-K", check_ifname(ifname)]
        for feature, on in features.items():
            argv += [feature.replace("_", "-"), "on" if on else "off"]
        self.exec(argv)

    def disable_ipv6(self, ifname: str) -> None:
        """Give the interface no IPv6 at all: no link-local, no RS, no DAD, no MLD.

        Must happen before the link goes up, otherwise the kernel has already
        sent its first router solicitation and DAD probe.
        """
        self.sysctl({iface_sysctl("ipv6", ifname, "disable_ipv6"): 1})

    # -- addresses and routes -----------------------------------------------------

    def add_addr(self, ifname: str, addr: str, *, nodad: bool = True) -> None:
        """Add an address in CIDR form; IPv6 addresses skip DAD by default."""
        argv = ["addr", "add", addr, "dev", check_ifname(ifname)]
        if ":" in addr and nodad:
            argv.append("nodad")
        self.ip(*argv)

    def addresses(self, ifname: str) -> list[dict]:
        """Address records of one interface (`ip -j addr show dev IFNAME`)."""
        found = self.ip_json("addr", "show", "dev", check_ifname(ifname))
        return found[0].get("addr_info", []) if found else []

    def add_route(self, dst: str, *, via: str | None = None, dev: str | None = None) -> None:
        """Add a route; `dst` may be "default" (IPv4) or "default6" / "::/0" (IPv6).

        A route through an interface that is down fails with an obscure
        "Nexthop has invalid gateway", so the interface must be up: checked here
        to give a clear message instead.
        """
        if dev is not None and "UP" not in self.link(dev).get("flags", []):
            raise LabError(f"namespace {self.name}: route {dst} via {dev}: bring {dev} up before adding routes")
        family = []
        if dst == "default6":
            family, dst = ["-6"], "default"
        elif ":" in dst or (via and ":" in via):
            family = ["-6"]
        argv = [*family, "route", "add", dst]
        if via:
            argv += ["via", via]
        if dev:
            argv += ["dev", dev]
        self.ip(*argv)

    def tentative_addresses(self, ifname: str) -> list[str]:
        """IPv6 addresses still in duplicate address detection."""
        return [a["local"] for a in self.addresses(ifname) if a.get("family") == "inet6" and a.get("tentative")]
