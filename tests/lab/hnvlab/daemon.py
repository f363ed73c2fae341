"""What every lab data-plane daemon (hnvgwd, hnv-hostd) shares.

Both daemons read the same shared configuration sections (core/daemon:
"node", "log", "eal", "dataplane", "ports", "provider_addresses", "api"),
answer hnvctl on a Unix socket and count with the same counters. This module
builds those sections and gives the hnvctl client side (`DaemonClient`), so
gateway.py and host.py only add what is their own.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from .binaries import find_binary
from .errors import LabError
from .topology import Lab

# Unix socket paths are short (108 bytes); log directories can be long.
SOCKET_DIR = Path("/run/hnv-lab/sock")


def hugepages_available() -> bool:
    """True when 2 MiB hugepages are reserved (scripts/setup.sh does it)."""
    try:
        return int(Path("/proc/sys/vm/nr_hugepages").read_text()) > 0
    except OSError:
        return False


def eal_section(program: str, name: str, *, hugepages: bool | None = None, lcores: str = "0,1",
                memory_mb: int = 256) -> dict:
    """The "eal" section: hugepages if reserved (`--in-memory`), else `--no-huge -m memory_mb`.

    The file prefix is unique per program and node ("hnvlab-<program>-<name>")
    so that parallel daemons never share DPDK runtime files.
    """
    if hugepages is None:
        hugepages = hugepages_available()
    return {"lcores": lcores, "hugepages": hugepages, "memory_mb": memory_mb,
            "file_prefix": f"hnvlab-{program}-{name}"}


def dataplane_section(mbufs: int = 4095, max_sleep_us: int = 1000) -> dict:
    """The "dataplane" section for a lab: idle back-off on, so many daemons fit on 2 cores."""
    return {"mbufs": mbufs, "idle": {"poll": False, "max_sleep_us": max_sleep_us}}


def api_socket_path(lab: Lab, name: str) -> Path:
    """A short, per-lab Unix socket path for node `name` ("/run/hnv-lab/sock/hnv1234-gw1.sock")."""
    SOCKET_DIR.mkdir(parents=True, exist_ok=True)
    return SOCKET_DIR / f"{lab.ns_name(name)}.sock"


def write_config(lab: Lab, name: str, config: dict) -> Path:
    """Write a daemon's configuration as `<logdir>/<name>.json` (kept with the logs of a failed test)."""
    path = Path(lab.logdir) / f"{name}.json"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


class DaemonClient:
    """hnvctl against a daemon's local API socket; needs a `socket` attribute."""

    socket: Path

    def ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Runs `hnvctl --socket <this daemon's socket> args...`."""
        argv = [str(find_binary("hnvctl")), "--socket", str(self.socket), *args]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=15)
        if check and r.returncode != 0:
            raise LabError(f"{' '.join(argv)} failed (exit {r.returncode}): {r.stderr.strip()}")
        return r

    def ctl_json(self, *args: str) -> Any:
        return json.loads(self.ctl("--json", *args).stdout)

    def counter(self, name: str, **labels: str) -> int:
        """The value of one counter, 0 if it was never registered."""
        for row in self.ctl_json("counters", "--match", name):
            if row["name"] == name and all(row["labels"].get(k) == v for k, v in labels.items()):
                return int(row["value"])
        return 0
