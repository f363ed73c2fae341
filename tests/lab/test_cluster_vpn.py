"""A gateway cluster serving site-to-site tunnels (issue "Active/passive
gateway cluster", acceptance 1, the IPsec part).

The VPN lab (hnvlab/vpn.py) with a two-member cluster serving gw1
(hnvlab/cluster.py), each member with its own hnv-iked; the sites run stock
strongSwan. Only the active member's hnv-iked initiates.

With the IKE state sync (hnv-iked --ha-local/--ha-remote: strongSwan's ha
plugin on the heartbeat link) the standby's charon holds every IKE and
CHILD SA of the active, passive, and its hnvgwd holds the ESP SAs; the
active's hnvgwd reports its outbound sequence numbers in the cluster's
state sync. With NAT as well (start_vpn_lab(nat=True)): both tenants
download or stream through NAT and stream through their tunnels while the
active hnvgwd gets kill -9; the new active continues the NAT sessions and
the same SAs (outbound sequence numbers advanced by a margin): the
download completes on its one connection, and the sites see no new IKE or
CHILD SA. Then the failed member rejoins, and a planned switchover hands
the same SAs back.

Without it, the new active's hnv-iked negotiates new SAs with each site.

Blackouts are printed with -s, never asserted as timings.

Skips while the binaries are not built or strongSwan is missing.
"""

from __future__ import annotations

import re
import threading

import pytest

from hnvlab.cluster import MEMBERS, start_download, start_udp_stream, udp_result, wait_roles, wait_synced
from hnvlab.ipsec import strongswan_missing
from hnvlab.nat import INTERNET
from hnvlab.process import wait_for
from hnvlab.vpn import SITE_HOST, start_vpn_lab


def start(lab, hnv_bin, ike_sync: bool, nat: bool = False):
    for binary in ("hnvgwd", "hnv-hostd", "hnv-controller", "hnvctl", "hnv-iked"):
        hnv_bin(binary)
    missing = strongswan_missing()
    if missing:
        pytest.skip(missing)
    vl = start_vpn_lab(lab, members=MEMBERS, ike_sync=ike_sync, nat=nat)
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


def spis(x: dict) -> set[str]:
    return {s["spi"] for s in x["sas"]}


def wait_same_sas(active, standby, topo, timeout: float = 30) -> dict[str, dict]:
    """Until the standby holds the active's SAs (from its hnv-iked's passive copies), fenced;
    returns the active's vpn-interfaces by tenant."""
    def same():
        x, y = wait_tunnels(active, topo), interfaces(standby, topo)
        return x if all(spis(x[t]) == spis(y.get(t, {"sas": []})) for t in ("A", "B")) else None
    return wait_for(same, timeout=timeout, interval=0.2, what=f"{standby.name} to hold {active.name}'s SAs")


_IKE_UP = re.compile(r"IKE_SA \S+ established between")
_CHILD_UP = re.compile(r"CHILD_SA \S+ established with SPIs")


def negotiations(vl) -> dict[str, tuple[int, int]]:
    """Per site: how many IKE and CHILD SAs its charon has established so far."""
    return {name: (len(_IKE_UP.findall(s.log())), len(_CHILD_UP.findall(s.log()))) for name, s in vl.sites.items()}


def stream(vl, tenant: str, seconds: float):
    """200 datagrams/s from the tenant's second VM to its site, through its tunnel."""
    vm = vl.vms[f"vm-{tenant.lower()}2"]
    wait_for(lambda: vm.ping(SITE_HOST, timeout=1, check=False).returncode == 0, timeout=20, interval=0.2,
             what=f"{vm.name} to reach site {tenant} through the tunnel")
    return start_udp_stream(vm, vl.sites[tenant].node, SITE_HOST, 200, seconds)


def test_nat_and_tunnels_survive_kill_9_and_a_switchover_without_renegotiation(lab, hnv_bin):
    vl = start(lab, hnv_bin, ike_sync=True, nat=True)
    a, b = vl.members
    before = wait_same_sas(a, b, vl.topo)
    assert b.ctl_json("cluster")["ike_state_sync"] == "strongSwan ha plugin 10.99.0.2<->10.99.0.1"
    # Both tenants through NAT (A: a paced TCP download, B: UDP) and through their tunnels (UDP).
    for vm in ("vm-a1", "vm-b1"):
        vl.vms[vm].wait_ping(INTERNET, timeout=30)
    source, fetch, expected = start_download(vl, vl.vms["vm-a1"], 8 << 20, 1 << 20)  # 8 s
    nat_udp = start_udp_stream(vl.vms["vm-b1"], vl.internet, INTERNET, 200, 10.0)
    s2s = {t: stream(vl, t, 10.0) for t in ("A", "B")}
    threading.Event().wait(2.0)
    wait_synced(b, a)
    negotiated = negotiations(vl)
    # One IKE SA per site; more than one CHILD SA when the standby's hnv-iked
    # loaded its connections after gw1-a's tunnels came up (healed by a resync).
    assert all(n[0] == 1 for n in negotiated.values()), negotiated
    a.process.kill()  # hnvgwd only: its hnv-iked loses its data plane and stands by
    wait_roles([b], ["active"], timeout=10)
    results = {"NAT B": udp_result(nat_udp[1]), **{f"S2S {t}": udp_result(r) for t, (_, r) in s2s.items()}}
    for what, udp in results.items():
        print(f"kill -9, {what}: UDP at 200/s: {udp['highest'] + 1} sent, {udp['lost']} lost, "
              f"blackout {udp['max_gap_ms']:.0f} ms")
        assert udp["highest"] + 1 == 2000 and udp["lost"] < 1000, f"{what}: the stream went on: {udp}"
    fetch.wait(timeout=30)
    assert expected in fetch.log_tail(20), "the download broke: " + fetch.log_tail(20) + source.log_tail(20)
    after = wait_tunnels(b, vl.topo)
    for t in ("A", "B"):
        assert spis(after[t]) == spis(before[t]), f"tunnel {t}: the same SAs carry it: {after[t]['sas']}"
        assert all(s["replayed"] == 0 and s["authFailed"] == 0 for s in after[t]["sas"]), after[t]["sas"]
    # Both ways through both tunnels: the sites' replies come in through the same inbound SAs.
    for t, vm in (("A", "vm-a1"), ("B", "vm-b1")):
        vl.vms[vm].ping(SITE_HOST, count=1, timeout=5)
        inbound = [s for s in interfaces(b, vl.topo)[t]["sas"] if s["direction"] == "in"]
        assert inbound and inbound[0]["packets"] > 0 and inbound[0]["replayed"] == 0, inbound
    assert negotiations(vl) == negotiated, "no new IKE or CHILD SA at either site"

    # gw1-a's hnvgwd comes back: standby, with the SAs from its hnv-iked and
    # the sequence numbers and NAT sessions from gw1-b. A planned switchover hands them back.
    a.start()
    wait_roles(vl.members, ["standby", "active"])
    wait_synced(a, b)
    wait_tunnels(a, vl.topo)
    sender, receiver = stream(vl, "A", 5.0)
    threading.Event().wait(1.5)
    b.ctl("cluster", "switchover")
    wait_roles(vl.members, ["active", "standby"], timeout=5)
    udp = udp_result(receiver)
    print(f"planned switchover, S2S A: UDP at 200/s: {udp['highest'] + 1} sent, {udp['lost']} lost, "
          f"blackout {udp['max_gap_ms']:.0f} ms")
    assert udp["highest"] + 1 == 1000 and udp["lost"] < 100, udp
    back = interfaces(a, vl.topo)
    assert spis(back["A"]) == spis(before["A"]), back["A"]["sas"]
    vl.vms["vm-b1"].ping(SITE_HOST, count=1, timeout=5)
    assert negotiations(vl) == negotiated, "still no new IKE or CHILD SA"


def test_without_the_ike_state_sync_the_new_active_negotiates_afresh(lab, hnv_bin):
    vl = start(lab, hnv_bin, ike_sync=False)
    a, b = vl.members
    before = wait_tunnels(a, vl.topo)
    assert all(x["state"] != "connected" for x in interfaces(b, vl.topo).values()), "the standby holds no tunnel"
    assert b.ctl_json("cluster")["ike_state_sync"].startswith("none"), b.ctl_json("cluster")
    sender, receiver = stream(vl, "A", 10.0)
    threading.Event().wait(2.0)
    negotiated = negotiations(vl)
    a.process.kill()
    wait_roles([b], ["active"], timeout=10)
    after = wait_tunnels(b, vl.topo)
    udp = udp_result(receiver)
    print(f"kill -9 with S2S tunnels, no IKE state sync: UDP at 200/s through the tunnel: {udp['highest'] + 1} "
          f"sent, {udp['lost']} lost, blackout {udp['max_gap_ms']:.0f} ms (failover and a new IKE and CHILD SA)")
    assert udp["highest"] + 1 == 2000 and udp["lost"] < 1000, f"the stream came back through the new tunnel: {udp}"
    assert not spis(after["A"]) & spis(before["A"]), "new SAs: negotiated afresh"
    vl.vms["vm-b1"].ping(SITE_HOST, count=1, timeout=5)
    again = negotiations(vl)
    assert all(again[s][0] == negotiated[s][0] + 1 for s in again), (negotiated, again)


def test_a_whole_member_crash_and_its_return(lab, hnv_bin):
    """The active appliance dies whole (hnvgwd and hnv-iked): the standby's
    charon takes the passive SAs on its own role change. The member comes
    back with an empty hnv-iked, which asks the other for a resync: the IKE
    SAs come over as they are, the CHILD SAs by a rekey (the plugin cannot
    send CHILD SA keys afterwards), and a switchover hands them back."""
    vl = start(lab, hnv_bin, ike_sync=True)
    a, b = vl.members
    iked_a = vl.ikeds[0]
    before = wait_same_sas(a, b, vl.topo)
    sender, receiver = stream(vl, "A", 8.0)
    threading.Event().wait(2.0)
    negotiated = negotiations(vl)
    iked_a.process.kill()
    a.process.kill()
    wait_roles([b], ["active"], timeout=10)
    udp = udp_result(receiver)
    print(f"kill -9 of hnvgwd and hnv-iked: UDP at 200/s through tunnel A: {udp['highest'] + 1} sent, "
          f"{udp['lost']} lost, blackout {udp['max_gap_ms']:.0f} ms")
    assert udp["highest"] + 1 == 1600 and udp["lost"] < 800, udp
    after = wait_tunnels(b, vl.topo)
    assert spis(after["A"]) == spis(before["A"]), after["A"]["sas"]
    assert negotiations(vl) == negotiated, "the standby's charon took the SAs over by itself"

    iked_a.start()
    a.start()
    wait_roles(vl.members, ["standby", "active"])
    wait_synced(a, b)
    # gw1-a's hnvgwd sees SAs in gw1-b's sequence reports that its new
    # hnv-iked lacks and asks for a resync: the same IKE SAs, new CHILD SAs
    # (rekeyed by gw1-b), on both members.
    rekeyed = wait_same_sas(b, a, vl.topo)
    assert all(not spis(rekeyed[t]) & spis(before[t]) for t in ("A", "B")), (rekeyed, before)
    assert a.ctl_json("cluster")["ike_resyncs"]["asked"] >= 1
    assert b.ctl_json("cluster")["ike_resyncs"]["served"] >= 1
    n = negotiations(vl)
    assert all(n[s][0] == negotiated[s][0] for s in n), f"no new IKE SA: {negotiated} -> {n}"
    sender, receiver = stream(vl, "A", 5.0)
    threading.Event().wait(1.5)
    b.ctl("cluster", "switchover")
    wait_roles(vl.members, ["active", "standby"], timeout=5)
    udp = udp_result(receiver)
    print(f"switchover back to the restarted member: UDP at 200/s: {udp['highest'] + 1} sent, {udp['lost']} lost, "
          f"blackout {udp['max_gap_ms']:.0f} ms")
    assert udp["highest"] + 1 == 1000 and udp["lost"] < 100, udp
    assert spis(interfaces(a, vl.topo)["A"]) == spis(rekeyed["A"])
    assert all(negotiations(vl)[s][0] == negotiated[s][0] for s in n), "still no new IKE SA"
