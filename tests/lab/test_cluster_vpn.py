"""A gateway cluster serving site-to-site tunnels (issue "Active/passive
gateway cluster", acceptance 1, the IPsec part).

The VPN lab (hnvlab/vpn.py) with a two-member cluster serving gw1
(hnvlab/cluster.py), each member with its own hnv-iked; the sites run stock
strongSwan. Only the active member's hnv-iked starts tunnels (the
standby's loads its connections with start_action none). IKE and ESP SAs
are not replicated yet: after kill -9 of the active the new active's
hnv-iked negotiates new SAs with each site (the sites replace the old IKE
SA of the same identities), and the test measures how long a UDP stream
through the tunnel stops. Printed with -s, never asserted as a timing.

Skips while the binaries are not built or strongSwan is missing.
"""

from __future__ import annotations

import threading

import pytest

from hnvlab.cluster import MEMBERS, start_udp_stream, udp_result, wait_roles
from hnvlab.ipsec import strongswan_missing
from hnvlab.process import wait_for
from hnvlab.vpn import SITE_HOST, start_vpn_lab


@pytest.fixture
def vpn_cluster(lab, hnv_bin):
    for binary in ("hnvgwd", "hnv-hostd", "hnv-controller", "hnvctl", "hnv-iked"):
        hnv_bin(binary)
    missing = strongswan_missing()
    if missing:
        pytest.skip(missing)
    vl = start_vpn_lab(lab, members=MEMBERS)
    wait_roles(vl.members, ["active", "standby"])
    return vl


def interfaces(gw, topo) -> dict[str, dict]:
    """A member's vpn-interfaces by tenant name."""
    out = {}
    for x in gw.ctl_json("vpn-interfaces")["interfaces"]:
        for name, t in topo.tenants.items():
            if x["name"].startswith(t.rdid):
                out[name] = x
    return out


def wait_tunnels(gw, topo, timeout: float = 30) -> dict[str, dict]:
    def up():
        x = interfaces(gw, topo)
        return x if all(x.get(t, {}).get("state") == "connected" for t in ("A", "B")) else None
    return wait_for(up, timeout=timeout, interval=0.1, what=f"both tunnels on {gw.name}")


def test_the_new_active_brings_the_tunnels_back_after_kill_9(vpn_cluster):
    vl = vpn_cluster
    a, b = vl.members
    before = wait_tunnels(a, vl.topo)
    assert all(x["state"] != "connected" for x in interfaces(b, vl.topo).values()), "the standby holds no tunnel"
    vm = vl.vms["vm-a1"]
    wait_for(lambda: vm.ping(SITE_HOST, timeout=1, check=False).returncode == 0, timeout=20, interval=0.2,
             what="vm-a1 to reach site A through the tunnel")
    sender, receiver = start_udp_stream(vm, vl.sites["A"].node, SITE_HOST, 200, 10.0)
    threading.Event().wait(2.0)
    a.process.kill()
    wait_roles([b], ["active"], timeout=10)
    after = wait_tunnels(b, vl.topo)
    udp = udp_result(receiver)
    print(f"kill -9 with S2S tunnels: UDP at 200/s through the tunnel: {udp['highest'] + 1} sent, {udp['lost']} lost, "
          f"blackout {udp['max_gap_ms']:.0f} ms (failover and a new IKE and CHILD SA)")
    assert udp["highest"] + 1 == 2000 and udp["lost"] < 1000, f"the stream came back through the new tunnel: {udp}"
    spis = lambda x: {s["spi"] for s in x["sas"]}  # noqa: E731
    assert not spis(after["A"]) & spis(before["A"]), "new SAs: negotiated afresh (not replicated yet)"
    vl.vms["vm-b1"].ping(SITE_HOST, count=1, timeout=5)
