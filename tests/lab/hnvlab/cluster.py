"""A gateway cluster in the NAT lab: two hnvgwd members serving node gw1.

    start_nat_lab(lab, members=MEMBERS)

Both members sit on the same underlay and "inet" segments with the same
provider addresses (192.0.2.1 and 2001:db8:0:2::1) and the same policy (node gw1: both run with
that node's identity and token); each has its own MACs, management address
and a kernel interface on the dedicated heartbeat segment "ha". The
controller is the witness.

    gw1-a  node gw1a  mgmt 198.51.100.201  ha 10.99.0.1  priority 200 (active at a cold start)
    gw1-b  node gw1b  mgmt 198.51.100.202  ha 10.99.0.2  priority 100
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from . import reference
from .forwarding import GATEWAY, GATEWAY_PA
from .gateway import Gateway, new_gateway
from .host import PYTHON, TCP_TRANSFER
from .nat import INTERNET
from .process import wait_for
from .topology import Lab, Node

HA = "ha"
CLUSTER_SECRET = "lab heartbeat secret"  # heartbeats and the sync's hello are authenticated with it
GATEWAY_PA6 = "2001:db8:0:2::1"  # the cluster's IPv6 provider address, announced by unsolicited NA
HA_PREFIX_LEN = 24
SCAPY_SEND = Path(__file__).resolve().parent.parent / "scapy_send.py"


@dataclass(frozen=True)
class MemberSpec:
    name: str       # the member (cluster.member, cluster-members)
    node: str       # the lab node
    uplink_mac: str
    mgmt: str
    ha: str
    priority: int


MEMBERS = (MemberSpec("gw1-a", "gw1a", "02:00:00:00:00:01", "198.51.100.201", "10.99.0.1", 200),
           MemberSpec("gw1-b", "gw1b", "02:00:00:00:00:02", "198.51.100.202", "10.99.0.2", 100))


def cluster_operations(members: Sequence[MemberSpec]) -> list[dict[str, Any]]:
    """The cluster serving gw1 and its members (nothing without members)."""
    if not members:
        return []
    ops = [{"op": "create", "kind": "gateway-clusters", "object": {"name": GATEWAY, "sharedSecret": CLUSTER_SECRET}}]
    for m in members:
        ops.append({"op": "create", "kind": "cluster-members",
                    "object": {"cluster": GATEWAY, "name": m.name, "heartbeatAddress": m.ha, "priority": m.priority}})
    return ops


def new_member(lab: Lab, m: MemberSpec, controller: Any, extra_config: dict | None = None) -> Gateway:
    """Lab node m.node running hnvgwd as member m.name of gw1's cluster (plus `extra_config`
    sections); not started."""
    reference.mgmt(lab)
    lab.segment(HA)
    gw = new_gateway(lab, m.node, reference.UNDERLAY, [f"{GATEWAY_PA}/24", f"{GATEWAY_PA6}/64"], uplink_mac=m.uplink_mac,
                     mgmt=(reference.MGMT, f"{m.mgmt}/{reference.MGMT_PREFIX_LEN}"), controller=controller,
                     extra_config={"node": {"name": GATEWAY}, "cluster": {"member": m.name}, **(extra_config or {})})
    gw.node.attach(HA, "ha0", [f"{m.ha}/{HA_PREFIX_LEN}"])
    gw.node.ns.disable_ipv6("ha0")
    return gw


def role(gw: Gateway) -> str:
    """The member's role as hnvctl cluster reports it ("down" when hnvgwd is not running)."""
    if not gw.running:
        return "down"
    return gw.ctl_json("cluster")["role"]


def wait_roles(members: Sequence[Gateway], want: Sequence[str], timeout: float = 20.0) -> None:
    wait_for(lambda: [role(g) for g in members] == list(want), timeout=timeout, interval=0.1,
             what=f"cluster roles {list(want)} (now {[role(g) for g in members]})")


def arp_owners(node: Node, iface: str, target: str, seconds: float) -> list[list[str]]:
    """Who answers ARP for `target` on `iface`, probed every 100 ms for `seconds`: the set of MACs per probe."""
    out = node.exec(["/usr/bin/python3", str(SCAPY_SEND), "arp-owners", iface, target, str(seconds)],
                    check=True, timeout=seconds + 30).stdout
    return json.loads(out)


UDP_STREAM = Path(__file__).resolve().parent / "udp_stream.py"


def start_udp_stream(vm, to: Node, address: str, rate: int, seconds: float, port: int = 9999):
    """A UDP stream of `rate` datagrams per second for `seconds` from `vm` to node `to`, reached at
    `address`. Returns (sender, receiver); the receiver's last line is its JSON summary (udp_result)."""
    receiver = to.start(f"udp-rx-{to.name}-{port}", [PYTHON, str(UDP_STREAM), "receive", "--port", str(port),
                                                     "--seconds", str(seconds + 2)])
    receiver.wait_for_log(r"listening on", timeout=10)
    sender = vm.node.start(f"udp-tx-{vm.name}-{port}", [PYTHON, str(UDP_STREAM), "send", "--to", address, "--port",
                                                        str(port), "--rate", str(rate), "--seconds", str(seconds)])
    return sender, receiver


def udp_result(receiver) -> dict:
    """The receiver's summary once it has finished."""
    receiver.wait(timeout=60)
    lines = [l for l in receiver.log_tail(20).splitlines() if l.startswith("{")]
    if not lines:
        raise AssertionError("the UDP receiver printed no summary: " + receiver.log_tail(20))
    return json.loads(lines[-1])


def start_download(nl, vm, nbytes: int, rate: int, port: int = 5001, seed: int = 7):
    """A paced TCP download by `vm` from the internet node, through NAT. Returns the two processes
    and the line the VM prints if every byte arrived on the one connection."""
    source = nl.internet.start(f"source-{port}", [PYTHON, str(TCP_TRANSFER), "source", "--port", str(port), "--bytes",
                                                  str(nbytes), "--seed", str(seed), "--rate", str(rate)])
    source.wait_for_log(r"listening on", timeout=10)
    fetch = vm.node.start(f"fetch-{vm.name}", [PYTHON, str(TCP_TRANSFER), "fetch", "--connect", INTERNET, "--port",
                                               str(port), "--timeout", "20"])
    data = random.Random(seed).randbytes(nbytes)
    return source, fetch, f"fetched {nbytes} {hashlib.sha256(data).hexdigest()}"


def wait_synced(standby, active) -> None:
    """The standby holds the active's whole state and the active has no unacknowledged frame."""
    wait_for(lambda: standby.ctl_json("cluster")["sync"]["synced"], timeout=10, interval=0.1,
             what=f"{standby.name} to sync")
    wait_for(lambda: active.ctl_json("cluster")["sync"]["unacked_frames"] == 0, timeout=10, interval=0.1,
             what=f"the sync lag of {active.name} to fall to zero")
