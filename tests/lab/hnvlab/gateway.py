"""Running hnvgwd in a lab node and talking to it through hnvctl.

`start_gateway()` writes a configuration file for the node, starts hnvgwd on a
DPDK af_packet port over the node's data-plane interface and waits until it
says it is ready. `Gateway.ctl()` runs the real hnvctl against the node's API
socket, so tests use the same interface an operator does.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .binaries import find_binary
from .errors import LabError
from .process import Process
from .topology import Interface, Lab, Node


def hugepages_available() -> bool:
    """True when 2 MiB hugepages are reserved (scripts/setup.sh does it)."""
    try:
        return int(Path("/proc/sys/vm/nr_hugepages").read_text()) > 0
    except OSError:
        return False


@dataclass
class Gateway:
    name: str
    node: Node
    process: Process
    config_path: Path
    socket: Path
    port: Interface
    addresses: list[str] = field(default_factory=list)

    def ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Runs `hnvctl --socket <this gateway's socket> args...`."""
        argv = [str(find_binary("hnvctl")), "--socket", str(self.socket), *args]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=15)
        if check and r.returncode != 0:
            raise LabError(f"{' '.join(argv)} failed (exit {r.returncode}): {r.stderr.strip()}")
        return r

    def ctl_json(self, *args: str):
        return json.loads(self.ctl("--json", *args).stdout)

    def counter(self, name: str, **labels: str) -> int:
        """The value of one counter, 0 if it was never registered."""
        for row in self.ctl_json("counters", "--match", name):
            if row["name"] == name and all(row["labels"].get(k) == v for k, v in labels.items()):
                return int(row["value"])
        return 0


def gateway_config(name: str, port: Interface, addresses: Sequence[str], socket: Path, *,
                   hugepages: bool, mtu: int = 1500) -> dict:
    """The configuration file of one lab gateway (schema: docs/configuration.md)."""
    return {
        "node": {"name": name},
        "log": {"level": "info"},
        "eal": {"lcores": "0,1", "hugepages": hugepages, "memory_mb": 256, "file_prefix": f"hnvlab-{name}"},
        "dataplane": {"mbufs": 4095, "idle": {"poll": False, "max_sleep_us": 1000}},
        "ports": [{"name": "underlay", "vdev": port.af_packet_vdev(0), "mtu": mtu}],
        "provider_addresses": [{"port": "underlay", "address": a} for a in addresses],
        "api": {"socket": str(socket)},
    }


def start_gateway(lab: Lab, name: str, segment: str, addresses: Sequence[str], *,
                  ifname: str = "ul0", hugepages: bool | None = None, ready_timeout: float = 20.0) -> Gateway:
    """Starts hnvgwd in node `name`, attached to `segment` on a data-plane interface."""
    node = lab.node(name)
    port = node.attach(segment, ifname, dataplane=True)
    # Unix socket paths are short (108 bytes); log directories can be long.
    sockdir = Path("/run/hnv-lab/sock")
    sockdir.mkdir(parents=True, exist_ok=True)
    socket = sockdir / f"{lab.ns_name(name)}.sock"
    config_path = Path(lab.logdir) / f"{name}.json"
    if hugepages is None:
        hugepages = hugepages_available()
    config = gateway_config(name, port, addresses, socket, hugepages=hugepages)
    config_path.write_text(json.dumps(config, indent=2))
    proc = node.start("hnvgwd", [str(find_binary("hnvgwd")), "--config", str(config_path)])
    proc.wait_for_log(r"hnvgwd: ready", timeout=ready_timeout)
    return Gateway(name, node, proc, config_path, socket, port, list(addresses))
