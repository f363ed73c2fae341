"""Running hnvgwd in a lab node and talking to it through hnvctl.

`start_gateway()` writes a configuration file for the node, starts hnvgwd on a
DPDK af_packet port over the node's data-plane interface and waits until it
says it is ready. `Gateway.ctl()` runs the real hnvctl against the node's API
socket, so tests use the same interface an operator does. The sections shared
with hnv-hostd come from daemon.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .binaries import find_binary
from .daemon import (DaemonClient, api_socket_path, dataplane_section, eal_section, hugepages_available,
                     write_config)
from .process import Process
from .topology import Interface, Lab, Node

__all__ = ["Gateway", "gateway_config", "hugepages_available", "start_gateway"]


@dataclass
class Gateway(DaemonClient):
    name: str
    node: Node
    process: Process
    config_path: Path
    socket: Path
    port: Interface
    addresses: list[str] = field(default_factory=list)


def gateway_config(name: str, port: Interface, addresses: Sequence[str], socket: Path, *,
                   hugepages: bool, mtu: int = 1500) -> dict:
    """The configuration file of one lab gateway (schema: docs/configuration.md)."""
    eal = eal_section("hnvgwd", name, hugepages=hugepages)
    eal["file_prefix"] = f"hnvlab-{name}"  # as before the factoring; unique per node
    return {
        "node": {"name": name},
        "log": {"level": "info"},
        "eal": eal,
        "dataplane": dataplane_section(),
        "ports": [{"name": "underlay", "vdev": port.af_packet_vdev(0), "mtu": mtu}],
        "provider_addresses": [{"port": "underlay", "address": a} for a in addresses],
        "api": {"socket": str(socket)},
    }


def start_gateway(lab: Lab, name: str, segment: str, addresses: Sequence[str], *,
                  ifname: str = "ul0", hugepages: bool | None = None, ready_timeout: float = 20.0) -> Gateway:
    """Starts hnvgwd in node `name`, attached to `segment` on a data-plane interface."""
    node = lab.node(name)
    port = node.attach(segment, ifname, dataplane=True)
    socket = api_socket_path(lab, name)
    if hugepages is None:
        hugepages = hugepages_available()
    config_path = write_config(lab, name, gateway_config(name, port, addresses, socket, hugepages=hugepages))
    proc = node.start("hnvgwd", [str(find_binary("hnvgwd")), "--config", str(config_path)])
    proc.wait_for_log(r"hnvgwd: ready", timeout=ready_timeout)
    return Gateway(name, node, proc, config_path, socket, port, list(addresses))
