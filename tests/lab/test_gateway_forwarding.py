"""The forwarding gateway end to end (issue "Gateway data plane", acceptance 1 and 4).

Three tenants with the same CAs (10.0.1.10, 10.0.1.20) reach their own
physical networks, which also use the same addresses, through one hnvgwd:
A and B on VLANs 100 and 200 of one trunk port (an Open vSwitch 802.1Q
switch on the other side), C on a port of its own. Topology and policy:
hnvlab/forwarding.py. Everything is driven through the controller's REST API
and hnvctl, with real ping and TCP.

Skips while the binaries are not built or Open vSwitch is missing.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from hnvlab.forwarding import EXTERNAL_ROUTER, GATEWAY, REMOTE, VLAN
from hnvlab.host import tcp_transfer
from hnvlab.process import wait_for

# ping -p payload markers, one per tenant: a capture shows whose traffic it holds.
PATTERN = {"A": "a1a1a1a1", "B": "b2b2b2b2", "C": "c3c3c3c3"}


@pytest.fixture
def fwd(forwarding_lab):
    return forwarding_lab()


def vms_of(fwd, tenant: str):
    return [fwd.vms[p.name] for p in fwd.topo.vms_of(tenant)]


def marker(tenant: str) -> bytes:
    return bytes.fromhex(PATTERN[tenant] * 4)


def test_tenants_reach_their_own_networks_through_vlans_and_a_dedicated_port(fwd):
    gw = fwd.gateway
    listing = gw.ctl_json("tenants")
    assert sorted((x["port"], x["vlan"]) for x in listing["interfaces"]) == [("ext-c", 0), ("trunk", 100),
                                                                             ("trunk", 200)]
    assert len(listing["vrfs"]) == 3
    # Captures: every tenant's network and every VM, to prove nothing crosses tenants.
    net_caps = {t: node.capture("eth0", name=f"cap-net-{t.lower()}") for t, node in fwd.nets.items()}
    vm_caps = {name: vm.capture(name=f"cap-{name}") for name, vm in fwd.vms.items()}

    for tenant in ("A", "B", "C"):
        for vm in vms_of(fwd, tenant):
            vm.wait_ping(EXTERNAL_ROUTER, timeout=30)
            for target in (EXTERNAL_ROUTER, REMOTE):  # on-link, and through the gateway route
                out = vm.ping(target, count=3, timeout=2, pattern=PATTERN[tenant])
                assert "3 received" in out.stdout, f"{vm.name} -> {target}: {out.stdout}"
        # The external network reaches the VMs by their own addresses (no translation).
        for vm in vms_of(fwd, tenant):
            out = fwd.nets[tenant].ping(vm.ca, count=2, timeout=2)
            assert "2 received" in out.stdout, f"net-{tenant.lower()} -> {vm.name}: {out.stdout}"

    # A 1 MiB TCP transfer each way for every tenant, all tenants at once.
    jobs = []
    for i, tenant in enumerate(("A", "B", "C")):
        vm = vms_of(fwd, tenant)[0]
        net = fwd.nets[tenant]
        jobs.append((f"{vm.name} -> net-{tenant.lower()}", vm.ca,
                     lambda vm=vm, net=net, i=i: tcp_transfer(vm.node, net, REMOTE, port=7000 + i, seed=10 + i)))
        jobs.append((f"net-{tenant.lower()} -> {vm.name}", EXTERNAL_ROUTER,
                     lambda vm=vm, net=net, i=i: tcp_transfer(net, vm.node, vm.ca, port=7100 + i, seed=20 + i)))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [(name, peer, pool.submit(job)) for name, peer, job in jobs]
        for name, peer, future in futures:
            client, server = future.result(timeout=120)
            assert client.endswith(" ok"), f"{name}: {client}"
            assert f" from {peer}:" in server, f"{name}: the receiver saw {server!r}, expected the sender {peer}"

    # Isolation: each network and each VM saw its own tenant's marker and nobody else's.
    for tenant, cap in net_caps.items():
        data = b"".join(cap.frames())
        assert marker(tenant) in data, f"net-{tenant.lower()} never saw tenant {tenant}'s pings"
        for other in set(PATTERN) - {tenant}:
            assert marker(other) not in data, f"net-{tenant.lower()} saw tenant {other}'s traffic"
    for name, cap in vm_caps.items():
        tenant = fwd.topo.vms[name].tenant.name
        data = b"".join(cap.frames())
        for other in set(PATTERN) - {tenant}:
            assert marker(other) not in data, f"{name} (tenant {tenant}) saw tenant {other}'s traffic"

    # The SYNs from the networks (MSS 1460) were clamped to what the overlay carries.
    assert gw.counter("hnv_node_packets_total", node="ip4-lookup") > 0
    assert gw.counter("hnv_node_errors_total", node="iface-output", error="too-big") == 0
    assert gw.counter("hnv_node_errors_total", node="nvgre-encap", error="too-big") == 0


def test_trunk_carries_each_tenant_on_its_own_vlan(fwd):
    """What crosses the trunk: tenant A's traffic tagged 100 only, B's tagged 200 only."""
    trunk = fwd.switch.lab.get_segment("trunk").capture(name="cap-trunk")
    for tenant in ("A", "B"):
        vm = vms_of(fwd, tenant)[0]
        vm.wait_ping(EXTERNAL_ROUTER, timeout=30)
        out = vm.ping(REMOTE, count=3, timeout=2, pattern=PATTERN[tenant])
        assert "3 received" in out.stdout, out.stdout

    def tagged(frame: bytes) -> int | None:
        return int.from_bytes(frame[14:16], "big") & 0x0FFF if frame[12:14] == b"\x81\x00" else None

    def seen() -> dict[str, set]:
        out: dict[str, set] = {"A": set(), "B": set()}
        for f in trunk.frames():
            for tenant in out:
                if marker(tenant) in f:
                    out[tenant].add(tagged(f))
        return out

    wait_for(lambda: all(seen().values()), timeout=5, what="both tenants' pings on the trunk capture")
    assert seen() == {"A": {VLAN["A"]}, "B": {VLAN["B"]}}


def test_gateway_restarted_without_the_controller_forwards_from_its_saved_state(forwarding_lab):
    fwd = forwarding_lab(state_file=True)
    vm = vms_of(fwd, "A")[0]
    vm.wait_ping(REMOTE, timeout=30)
    saved = json.loads(fwd.gateway.state_file.read_text())
    assert saved["node"] == GATEWAY and saved["revision"] == fwd.revision

    fwd.controller.process.stop()
    fwd.gateway.restart()
    policy = fwd.gateway.ctl_json("policy")
    assert policy["applied_revision"] == fwd.revision
    assert policy["state_file"]["restored_revision"] == fwd.revision
    assert policy["controller"]["connected"] is False
    # Forwarding again, for every tenant, with the controller still down.
    for tenant in ("A", "B", "C"):
        for v in vms_of(fwd, tenant):
            v.wait_ping(REMOTE, timeout=30)
    out = fwd.nets["B"].ping(vms_of(fwd, "B")[0].ca, count=2, timeout=2)
    assert "2 received" in out.stdout, out.stdout
    assert fwd.gateway.ctl_json("policy")["controller"]["connected"] is False

    # The controller returns with a change made meanwhile: the gateway resyncs to it.
    fwd.controller.restart()
    fwd.controller.ok("PATCH", f"/v1/gateway-routes/{fwd.topo.tenants['A'].rdid}/203.0.113.0/24/ext",
                      {"metric": 5})
    head = int(fwd.controller.ok("GET", "/v1/status")["revision"])
    wait_for(lambda: fwd.gateway.ctl_json("policy")["applied_revision"] == head, timeout=30,
             what="the restarted gateway to apply the controller's newer revision")
    assert fwd.gateway.ctl_json("policy")["controller"]["connected"] is True
    assert json.loads(fwd.gateway.state_file.read_text())["revision"] == head
    vm.wait_ping(REMOTE, timeout=10)


def test_bad_gateway_policy_is_refused_with_a_clear_error_and_changes_nothing(fwd):
    """Acceptance 5, the policy half, through the REST API an operator uses."""
    ctl = fwd.controller
    before = int(ctl.ok("GET", "/v1/status")["revision"])
    unknown = "0f0f0f0f-0000-4000-8000-000000000099"
    # A route into a tenant that does not exist.
    r = ctl.call("POST", "/v1/gateway-routes", {"rdid": unknown, "destinationPrefix": "192.0.2.128/25",
                                                "interface": "ext", "nextHop": EXTERNAL_ROUTER})
    assert r.status == 400 and r.error["field"] == "rdid", r.json
    assert r.error["value"] == unknown and "routing domain that does not exist" in r.error["reason"], r.json
    # Tenant C onto VLAN 100 of the trunk, which tenant A has.
    rdid_a, rdid_c = fwd.topo.tenants["A"].rdid, fwd.topo.tenants["C"].rdid
    r = ctl.call("POST", "/v1/external-interfaces", {"rdid": rdid_c, "name": "second", "node": GATEWAY, "port": "trunk",
                                                     "vlan": VLAN["A"], "address": "192.168.7.1", "prefixLength": 24})
    assert r.status == 409 and r.error["field"] == "vlan", r.json
    assert f"already carries external interface {rdid_a}/ext of another tenant" in r.error["reason"], r.json
    # Nothing changed, and the gateway still forwards.
    assert int(ctl.ok("GET", "/v1/status")["revision"]) == before
    assert len(fwd.gateway.ctl_json("tenants")["interfaces"]) == 3
    fwd.vms["vm-a1"].wait_ping(REMOTE, timeout=30)
