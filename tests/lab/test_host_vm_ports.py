"""VM ports bound by the controller (issue 4 scope: port configuration from
the controller, with allowed CAs): host1's VM ports vm-a1 and vm-b1 have no
VSID or MAC in hnv-hostd's configuration; the controller's vm-ports objects
bind them, live, through hnvctl. A VM sending from an address its port does
not allow is dropped and counted (spoofed-source-ca); widening the allowed
CAs lets the address through. With the controller away the host keeps the
last applied bindings; after the controller is back a change reaches it.

Topology: hnvlab.tenants.two_tenants (tenants A 5001 and B 6001 with the same
CAs, a VM of each on both hosts), plus a Static record placing 10.0.1.99 on
vm-a1 (its second address).
"""

from __future__ import annotations

import json
import subprocess

from hnvlab.binaries import find_binary
from hnvlab.process import wait_for
from hnvlab.tenants import start_overlay, two_tenants

SECOND_CA = "10.0.1.99"


def hnvctl(ctl, *args: str) -> dict | list | None:
    cmd = ["ip", "netns", "exec", ctl.netns, str(find_binary("hnvctl")), "--controller", ctl.url,
           "--token", ctl.default_token, "--json", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, f"hnvctl {' '.join(args)}: exit {p.returncode}: {p.stderr}"
    return json.loads(p.stdout) if p.stdout.strip() else None


def errors(host, error: str) -> int:
    return host.counter("hnv_node_errors_total", node="vm-input", error=error)


def port_state(host, name: str) -> dict:
    return next(p for p in host.ctl_json("policy")["vm_ports"] if p["port"] == name)


def test_the_controller_binds_vm_ports_and_their_allowed_cas(lab, hnv_bin):
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    topo = two_tenants()
    a1, b1 = topo.vms["vm-a1"], topo.vms["vm-b1"]
    host1_pa = topo.hosts["host1"].pa
    extra = [
        {"op": "create", "kind": "vm-ports",
         "object": {"node": "host1", "port": "vm-a1", "vsid": a1.tenant.vsid, "mac": a1.mac,
                    "allowedCas": [f"{a1.ca}/32"], "vmName": "vm-a1"}},
        {"op": "create", "kind": "lookup-records",
         "object": {"vsid": a1.tenant.vsid, "ca": SECOND_CA, "mac": a1.mac, "pa": host1_pa, "vmName": "vm-a1"}},
    ]

    def unbind_in_config(hosts):
        for name in ("vm-a1", "vm-b1"):
            hosts["host1"].vms[name].bound_by_config = False

    ctl, hosts, vms = start_overlay(lab, topo, extra, before_start=unbind_in_config)
    host1 = hosts["host1"]
    vm_a1, vm_a2, vm_b1, vm_b2 = vms["vm-a1"], vms["vm-a2"], vms["vm-b1"], vms["vm-b2"]

    # vm-a1 is bound by the controller, vm-b1 by nobody yet.
    a1_state = port_state(host1, "vm-a1")
    assert a1_state["bound"] and a1_state["from"] == "controller", a1_state
    assert a1_state["vsid"] == 5001 and a1_state["mac"] == a1.mac and a1_state["allowed_cas"] == [f"{a1.ca}/32"]
    assert a1_state["vm_name"] == "vm-a1"
    assert port_state(host1, "vm-b1")["bound"] is False
    vm_a1.wait_ping(vm_a2, timeout=20)
    before = errors(host1, "unbound-port")
    assert vm_b1.ping(vm_b2, count=2, timeout=1, check=False).returncode != 0
    assert errors(host1, "unbound-port") > before, "an unbound port's frames are counted drops"

    # An operator binds vm-b1 with hnvctl; the host applies it live.
    hnvctl(ctl, "vm-port", "new", "--node", "host1", "--port", "vm-b1", "--vsid", "6001", "--mac", b1.mac,
           "--vm-name", "vm-b1")
    wait_for(lambda: port_state(host1, "vm-b1")["bound"], timeout=20, interval=0.1, what="host1 to bind vm-b1")
    vm_b1.wait_ping(vm_b2, timeout=20)

    # vm-a1 sends from its second CA, which has a record but is not among its allowed CAs.
    vm_a1.exec(["ip", "addr", "add", f"{SECOND_CA}/24", "dev", "eth0"], check=True)
    before = errors(host1, "spoofed-source-ca")
    assert vm_a1.exec(["ping", "-n", "-c", "2", "-W", "1", "-I", SECOND_CA, vm_a2.ca], check=False).returncode != 0
    spoofed = errors(host1, "spoofed-source-ca") - before
    assert spoofed >= 2, f"each echo from {SECOND_CA} is a counted drop, got {spoofed}"
    vm_a1.wait_ping(vm_a2, timeout=5)  # its own CA still passes

    # The controller goes away: the host keeps serving its last bindings.
    ctl.stop()
    vm_a1.wait_ping(vm_a2, timeout=10)
    vm_b1.wait_ping(vm_b2, timeout=10)
    assert port_state(host1, "vm-a1")["allowed_cas"] == [f"{a1.ca}/32"]
    # It comes back (same database); the host reconnects and gets the next change.
    ctl.restart()
    hnvctl(ctl, "vm-port", "set", "--node", "host1", "--port", "vm-a1", "--allowed-cas", "10.0.1.0/24")
    wait_for(lambda: port_state(host1, "vm-a1")["allowed_cas"] == ["10.0.1.0/24"], timeout=30, interval=0.2,
             what="host1 to apply the widened allowed CAs after the controller came back")
    before = errors(host1, "spoofed-source-ca")
    wait_for(lambda: vm_a1.exec(["ping", "-n", "-c", "1", "-W", "1", "-I", SECOND_CA, vm_a2.ca], check=False).returncode == 0,
             timeout=20, interval=0.2, what=f"vm-a1 to reach vm-a2 from {SECOND_CA} once it is allowed")
    assert errors(host1, "spoofed-source-ca") == before
    assert port_state(host1, "vm-a1")["from"] == "controller"
    assert host1.ctl_json("policy")["vm_port_problems"] == []
    assert host1.ctl_json("extensions") == [], "the stock hnv-hostd loads no extension"
