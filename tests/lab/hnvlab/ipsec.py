"""strongSwan in the lab: a stock Debian charon as the remote site, hnv-iked as ours.

The remote site is Debian's own charon with the kernel-libipsec plugin (this
kernel has no ESP: libipsec does ESP in user space over a TUN device, always
inside UDP 4500). Each instance runs in a private mount namespace with its own
/run (Debian's charon always writes /var/run/charon.pid), its own
strongswan.conf, VICI socket and log file in the lab's log directory.

hnv-iked is started with its run directory (VICI socket, generated
strongswan.conf) in the log directory too; connections are loaded with
swanctl through the VICI socket.

Keys: the peer at log level 4 prints the keys it derived ("encryption
initiator key => 36 bytes" + hex dump lines); peer_child_keys() reads them
back, per CHILD_SA, to compare with what hnv-iked handed the data plane.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .binaries import find_binary
from .errors import LabError
from .process import Process, wait_for
from .topology import Lab, Node

CHARON = "/usr/lib/ipsec/charon"
SITE_PLUGINS = ("random nonce x509 pubkey pkcs1 pkcs8 pem openssl aes sha1 sha2 gcm hmac kdf gmp "
                "kernel-libipsec kernel-netlink socket-default vici")


def _socket_dir(name: str) -> Path:
    """A short directory for Unix sockets (their paths are limited to 107
    bytes; the lab's log directory is deeper), removed when the test process ends."""
    path = Path(tempfile.mkdtemp(prefix=f"hnvsw-{name}-", dir="/tmp"))
    atexit.register(shutil.rmtree, path, True)
    return path


def strongswan_missing() -> str | None:
    """Why stock strongSwan cannot run here, or None."""
    if not Path(CHARON).exists():
        return f"{CHARON} is missing (Debian package strongswan-charon; scripts/setup.sh installs it)"
    if not Path("/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so").exists():
        return "the kernel-libipsec plugin is missing (Debian package libcharon-extra-plugins)"
    if shutil.which("swanctl") is None:
        return "swanctl is missing (Debian package strongswan-swanctl)"
    return None


@dataclass
class Connection:
    """One IKEv2 connection with one CHILD_SA, in swanctl.conf terms."""
    name: str
    local_addr: str
    remote_addr: str
    local_id: str
    remote_id: str
    psk: str
    local_ts: str
    remote_ts: str
    proposals: str = "aes256-sha256-modp2048"
    esp_proposals: str = "aes256gcm16-modp2048"
    child: str = "net"
    if_id: int | None = None           # ours: the tenant
    start: bool = False                # initiate when loaded
    dpd_delay: int | None = None
    rekey_time: int | None = None      # CHILD_SA rekey, seconds
    extra_child: dict = field(default_factory=dict)
    # Certificate authentication instead of the PSK: (our certificate, its key, the CA the peer's chains to), PEM.
    certs: tuple[str, str, str] | None = None

    def credential_files(self) -> dict[str, str]:
        """What swanctl's credential directories hold for certs: {"x509/NAME.pem": PEM, ...}."""
        if self.certs is None:
            return {}
        cert, key, ca = self.certs
        return {f"x509/{self.name}.pem": cert, f"private/{self.name}.pem": key, f"x509ca/{self.name}-ca.pem": ca}

    def _auth(self) -> str:
        if self.certs is None:
            return (f"    local {{\n      auth = psk\n      id = \"{self.local_id}\"\n    }}\n"
                    f"    remote {{\n      auth = psk\n      id = \"{self.remote_id}\"\n    }}\n")
        return (f"    local {{\n      auth = pubkey\n      certs = {self.name}.pem\n      id = \"{self.local_id}\"\n    }}\n"
                f"    remote {{\n      auth = pubkey\n      id = \"{self.remote_id}\"\n"
                f"      cacerts = {self.name}-ca.pem\n    }}\n")

    def swanctl_conf(self) -> str:
        child = [f"local_ts = {self.local_ts}", f"remote_ts = {self.remote_ts}",
                 f"esp_proposals = {self.esp_proposals}"]
        if self.if_id is not None:
            child += [f"if_id_in = {self.if_id}", f"if_id_out = {self.if_id}"]
        if self.start:
            child.append("start_action = start")
        if self.rekey_time is not None:
            child.append(f"rekey_time = {self.rekey_time}s")
        child += [f"{k} = {v}" for k, v in self.extra_child.items()]
        conn = [f"version = 2", f"local_addrs = {self.local_addr}", f"remote_addrs = {self.remote_addr}",
                f"proposals = {self.proposals}"]
        if self.dpd_delay is not None:
            conn.append(f"dpd_delay = {self.dpd_delay}s")
        ind = "\n      "
        secrets = "" if self.certs is not None else (
            f"secrets {{\n  ike-{self.name} {{\n    id-1 = \"{self.local_id}\"\n    id-2 = \"{self.remote_id}\"\n"
            f"    secret = \"{self.psk}\"\n  }}\n}}\n")
        return (
            f"connections {{\n  {self.name} {{\n    " + "\n    ".join(conn) + "\n" + self._auth() +
            f"    children {{\n    {self.child} {{\n      " + ind.join(child) + "\n    }\n    }\n  }\n}\n" + secrets)


def swanctl(vici: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run swanctl against a VICI socket (from the host namespace: the socket is a file)."""
    return subprocess.run(["swanctl", *args, "--uri", f"unix://{vici}"], capture_output=True, text=True,
                          timeout=timeout, check=False)


def swanctl_dir(directory: Path, conn: Connection) -> Path:
    """`conn` written as a swanctl directory (swanctl.conf and its credential files); returns the conf file."""
    for sub in ("x509", "x509ca", "private"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
        for old in (directory / sub).iterdir():
            old.unlink()
    for rel, pem in conn.credential_files().items():
        (directory / rel).write_text(pem)
    path = directory / "swanctl.conf"
    path.write_text(conn.swanctl_conf())
    return path


def load(vici: Path, conf_file: Path) -> None:
    """swanctl --load-all of conf_file; the credential directories are those beside it."""
    env = {**os.environ, "SWANCTL_DIR": str(conf_file.parent)}
    done = subprocess.run(["swanctl", "--load-all", "--clear", "--noprompt", "--file", str(conf_file),
                           "--uri", f"unix://{vici}"], capture_output=True, text=True, timeout=30, check=False,
                          env=env)
    if done.returncode != 0:
        raise LabError(f"swanctl --load-all {conf_file} failed ({done.returncode}): {done.stdout}{done.stderr}")


class Site:
    """A stock charon with kernel-libipsec in a lab node."""

    def __init__(self, lab: Lab, node: Node, name: str, *, log_level: int = 4) -> None:
        self.lab, self.node, self.name = lab, node, name
        self.dir = lab.logdir / f"{name}-swan"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.vici = _socket_dir(name) / "vici"
        self.log_path = self.dir / "charon.log"
        self.conf = self.dir / "strongswan.conf"
        self.conf.write_text(
            "charon {\n"
            f"  load = {SITE_PLUGINS}\n"
            f"  plugins {{\n    vici {{\n      socket = unix://{self.vici}\n    }}\n  }}\n"
            f"  filelog {{\n    site {{\n      path = {self.log_path}\n      default = {log_level}\n"
            "      time_format = %T\n      flush_line = yes\n    }\n  }\n"
            "  syslog {\n    daemon {\n      default = -1\n    }\n  }\n"
            "}\n")
        self.process: Process | None = None

    def start(self) -> "Site":
        script = f"mount -t tmpfs tmpfs /run && STRONGSWAN_CONF={self.conf} exec {CHARON}"
        self.process = self.node.start(self.name, ["unshare", "-m", "sh", "-c", script])
        wait_for(lambda: self.vici.exists(), timeout=10, what=f"{self.name}: charon's VICI socket {self.vici}")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
        self.vici.unlink(missing_ok=True)

    def load(self, conn: Connection) -> None:
        load(self.vici, swanctl_dir(self.dir / f"swanctl-{conn.name}", conn))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Iked:
    """hnv-iked in a lab node (standalone, or talking to a data plane socket)."""

    def __init__(self, lab: Lab, node: Node, name: str = "iked", *, dataplane: str | None = None,
                 keylog: bool = True, log_level: int = 1, ha: tuple[str, str] | None = None) -> None:
        self.lab, self.node, self.name = lab, node, name
        self.dir = _socket_dir(name)
        self.vici = self.dir / "vici"
        self.keylog = lab.logdir / f"{name}-keys.log" if keylog else None
        argv = [str(find_binary("hnv-iked")), "--run-dir", str(self.dir), "--log-level", str(log_level)]
        if dataplane:
            argv += ["--dataplane", dataplane]
        if self.keylog:
            argv += ["--keylog", str(self.keylog)]
        if ha:  # IKE state sync with the other cluster member's hnv-iked: (local, remote)
            argv += ["--ha-local", ha[0], "--ha-remote", ha[1]]
        self.argv = argv
        self.process: Process | None = None

    def start(self) -> "Iked":
        self.process = self.node.start(self.name, self.argv)
        wait_for(lambda: self.vici.exists(), timeout=10, what=f"{self.name}: VICI socket {self.vici}")
        return self

    def load(self, conn: Connection) -> None:
        load(self.vici, swanctl_dir(self.lab.logdir / f"{self.name}-swanctl-{conn.name}", conn))

    def keys(self) -> list[dict]:
        """The key log: one dict per SA handed to the data plane."""
        if not self.keylog or not self.keylog.exists():
            return []
        out = []
        for line in self.keylog.read_text().splitlines():
            out.append(dict(kv.split("=", 1) for kv in line.split()))
        return out


_ESTABLISHED = re.compile(r"CHILD_SA (?P<child>\S+)\{\d+\} established with SPIs (?P<i>[0-9a-f]{8})_i "
                          r"(?P<o>[0-9a-f]{8})_o")
_KEY = re.compile(r"(?P<what>encryption|integrity) (?P<role>initiator|responder) key => (?P<n>\d+) bytes")
_HEX = re.compile(r"\[\w+\]\s+\d+: ((?:[0-9A-F]{2} ){1,16})")


def peer_child_keys(log: str) -> list[dict]:
    """From a charon log at level 4: per established CHILD_SA, its SPIs (from
    the peer's view: inbound "i" and outbound "o") and the keys derived just
    before it ({"encryption initiator": hex, "encryption responder": hex, ...})."""
    lines = log.splitlines()
    result, keys, i = [], {}, 0
    while i < len(lines):
        m = _KEY.search(lines[i])
        if m:
            n, data = int(m["n"]), ""
            j = i + 1
            while len(data) < 2 * n and j < len(lines):
                h = _HEX.search(lines[j])
                if not h:
                    break
                data += h.group(1).replace(" ", "").lower()
                j += 1
            keys[f"{m['what']} {m['role']}"] = data[: 2 * n]
            i = j
            continue
        e = _ESTABLISHED.search(lines[i])
        if e:
            result.append({"child": e["child"], "spi_in": e["i"], "spi_out": e["o"], "keys": keys})
            keys = {}
        i += 1
    return result
