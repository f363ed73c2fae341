"""Running hnvgwd in a lab node and talking to it through hnvctl.

`start_gateway()` writes a configuration file for the node, starts hnvgwd on a
DPDK af_packet port over the node's data-plane interface and waits until it
says it is ready. `Gateway.ctl()` runs the real hnvctl against the node's API
socket, so tests use the same interface an operator does. The sections shared
with hnv-hostd come from daemon.py.

A gateway with tenants is built in two steps, like a host:

    gw = new_gateway(lab, "gw1", "underlay", ["192.0.2.1/24"], uplink_mac=...,
                     mgmt=("mgmt", "198.51.100.201/26"), controller=link, state_file=True)
    gw.add_port("trunk", "trunk")      # a data-plane port on segment "trunk" (tenant VLANs)
    gw.add_port("ext-c", "net-c")      # a port dedicated to one tenant
    gw.start()                         # waits for "hnvgwd: ready"
    gw.restart()                       # same configuration, same state file

The port names are what the controller's external interfaces name ("port").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from .binaries import find_binary
from .daemon import (DaemonClient, api_socket_path, dataplane_section, eal_section, hugepages_available,
                     write_config)
from .errors import LabError
from .process import Process
from .topology import Interface, Lab, Node

__all__ = ["Gateway", "gateway_config", "hugepages_available", "new_gateway", "start_gateway"]

UNDERLAY_PORT = "underlay"


class Gateway(DaemonClient):
    """One hnvgwd node: its underlay port, further ports, optional controller link."""

    def __init__(self, lab: Lab, name: str, node: Node, port: Interface, addresses: Sequence[str], *,
                 hugepages: bool | None = None, controller: Any = None, state_file: bool = False,
                 mtu: int = 1500, metrics: str | None = None, extra_config: dict | None = None) -> None:
        self.lab = lab
        self.name = name
        self.node = node
        self.port = port  # the underlay's data-plane interface
        self.addresses = list(addresses)
        self.hugepages = hugepages_available() if hugepages is None else hugepages
        self.controller = controller  # hnvlab.host.ControllerLink or None
        self.state_file: Path | None = Path(lab.logdir) / f"{name}-policy.json" if state_file else None
        self.mtu = mtu
        self.metrics = metrics  # "address:port" of the Prometheus endpoint, inside the node
        self.extra_config = dict(extra_config or {})  # further top-level sections ("vpn", ...)
        self.socket = api_socket_path(lab, name)
        self.ports: list[tuple[str, Interface]] = []  # further ports: (port name, interface)
        self.process: Process | None = None
        self.config_path: Path | None = None

    def __repr__(self) -> str:
        state = "not started" if self.process is None else repr(self.process)
        return f"Gateway({self.name!r}, PA {self.addresses}, ports {[n for n, _ in self.ports]}, {state})"

    def add_port(self, name: str, segment: str, ifname: str | None = None, *, mac: str | None = None) -> Interface:
        """A further data-plane port `name` (interface `ifname`, default `name`) on `segment`, before start()."""
        if self.process is not None:
            raise LabError(f"{self.name}: add ports before starting hnvgwd")
        iface = self.node.attach(segment, ifname or name, dataplane=True, mac=mac)
        self.ports.append((name, iface))
        return iface

    def config(self) -> dict:
        config = gateway_config(self.name, self.port, self.addresses, self.socket, hugepages=self.hugepages,
                                mtu=self.mtu)
        config["ports"] += [{"name": n, "vdev": i.af_packet_vdev(k), "mtu": self.mtu}
                            for k, (n, i) in enumerate(self.ports, start=1)]
        if self.controller is not None:
            token_file = Path(self.lab.logdir) / f"{self.name}.token"
            token_file.write_text(self.controller.token + "\n")
            token_file.chmod(0o600)
            config["controller"] = {"url": self.controller.url, "token_file": str(token_file)}
        if self.state_file is not None:
            config["state_file"] = str(self.state_file)
        if self.metrics is not None:
            config["metrics"] = {"listen": self.metrics}
        config.update(self.extra_config)
        return config

    def scrape(self, path: str = "/metrics") -> str:
        """GET the Prometheus endpoint from inside the node (python3's urllib, no curl needed)."""
        if self.metrics is None:
            raise LabError(f"{self.name}: no metrics endpoint configured")
        url = f"http://{self.metrics}{path}"
        code = f"import urllib.request,sys; sys.stdout.write(urllib.request.urlopen({url!r}, timeout=5).read().decode())"
        return self.node.exec(["/usr/bin/python3", "-c", code], check=True, timeout=15).stdout

    def start(self, ready_timeout: float = 20.0) -> "Gateway":
        if self.process is not None and self.process.running:
            raise LabError(f"hnvgwd of {self.name} is already running")
        self.config_path = write_config(self.lab, self.name, self.config())
        self.process = self.node.start("hnvgwd", [str(find_binary("hnvgwd")), "--config", str(self.config_path)])
        self.process.wait_for_log(r"hnvgwd: ready", timeout=ready_timeout)
        return self

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM hnvgwd (SIGKILL after `timeout`)."""
        return self.process.stop(timeout=timeout) if self.process else None

    def restart(self, ready_timeout: float = 20.0) -> "Gateway":
        self.stop()
        return self.start(ready_timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running


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
        "ports": [{"name": UNDERLAY_PORT, "vdev": port.af_packet_vdev(0), "mtu": mtu}],
        "provider_addresses": [{"port": UNDERLAY_PORT, "address": a} for a in addresses],
        "api": {"socket": str(socket)},
    }


def new_gateway(lab: Lab, name: str, segment: str, addresses: Sequence[str], *, ifname: str = "ul0",
                uplink_mac: str | None = None, mgmt: tuple[str, str] | None = None, **kwargs: Any) -> Gateway:
    """Node `name` on `segment` by data-plane interface `ifname`; hnvgwd not started.

    `mgmt` = (segment, "198.51.100.201/26"): a kernel interface `mg0` for the
    controller connection."""
    node = lab.node(name)
    port = node.attach(segment, ifname, dataplane=True, mac=uplink_mac)
    if mgmt is not None:
        node.attach(mgmt[0], "mg0", [mgmt[1]])
    return Gateway(lab, name, node, port, addresses, **kwargs)


def start_gateway(lab: Lab, name: str, segment: str, addresses: Sequence[str], *,
                  ifname: str = "ul0", hugepages: bool | None = None, ready_timeout: float = 20.0) -> Gateway:
    """Starts hnvgwd in node `name`, attached to `segment` on a data-plane interface."""
    return new_gateway(lab, name, segment, addresses, ifname=ifname, hugepages=hugepages).start(ready_timeout)
