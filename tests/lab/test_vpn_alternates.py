"""Alternate destinations of an S2S interface (issue 7 scope): tenant A's site
answers at two addresses, 203.0.113.2 (the destination) and 203.0.113.12
(an alternate). The tunnel comes up to the first; when that address stops
answering (it is removed from the site), dead-peer detection notices, the
reconnection to the first address goes unanswered, and hnv-iked moves the
IKE SA on to the alternate: the tunnel is up again through it and the
tenant's traffic flows. Tenant B's tunnel is untouched throughout.
"""

from __future__ import annotations

import re
import time

from hnvlab import wait_for
from hnvlab.vpn import SITE, SITE_HOST, require_vpn_lab, start_vpn_lab, wait_connected

ALT = "203.0.113.12"


def test_a_persistent_interface_goes_on_to_an_alternate_when_its_site_address_stops_answering(lab, hnv_bin):
    require_vpn_lab(hnv_bin)
    vl = start_vpn_lab(lab, interface_changes={"A": {"alternateDestinations": [ALT], "remoteId": SITE["A"]}},
                       site_changes={"A": {"local_addr": f"{SITE['A']},{ALT}"}})
    site = vl.sites["A"].node
    # A second address in the subnet; it stays when the first goes.
    site.exec(["sysctl", "-qw", "net.ipv4.conf.eth0.promote_secondaries=1"], check=True)
    site.exec(["ip", "addr", "add", f"{ALT}/24", "dev", "eth0"], check=True)
    x = wait_connected(vl)
    assert x["A"]["destinations"] == [SITE["A"], ALT], x["A"]
    assert x["A"]["remote"] == SITE["A"], "a new connection starts at the destination"
    vm_a, vm_b = vl.vms["vm-a1"].node, vl.vms["vm-b1"].node
    for vm in (vm_a, vm_b):
        out = vm.ping(SITE_HOST, count=3, timeout=2, check=False).stdout
        assert " 0% packet loss" in out, out
    b_spis = {s["spi"] for s in x["B"]["sas"]}

    # The site's first address goes away: what reaches it now is dropped unanswered.
    site.exec(["ip", "addr", "del", f"{SITE['A']}/24", "dev", "eth0"], check=True)
    gone = time.monotonic()
    wait_for(lambda: vl.interfaces()["A"]["state"] != "connected", timeout=60, interval=0.5,
             what="dead-peer detection to take tenant A's tunnel down")
    down = time.monotonic() - gone
    moved = wait_for(lambda: (lambda a: a if a["state"] == "connected" and a["remote"] == ALT else None)(
        vl.interfaces()["A"]), timeout=90, interval=0.5, what="tenant A's tunnel to come up through the alternate")
    up = time.monotonic() - gone
    print(f"tunnel down {down:.1f} s after the address went, up through {ALT} after {up:.1f} s "
          f"(DPD 5 s, then one unanswered IKE_SA_INIT to the first address)")
    assert len(moved["sas"]) == 2, moved
    out = vm_a.ping(SITE_HOST, count=5, timeout=2, check=False).stdout
    assert " 0% packet loss" in out, f"tenant A through the alternate:\n{out}"
    # The gateway said why it moved.
    said = [line for line in vl.gateway.process.log_text().splitlines() if "trying its next address" in line]
    assert said and ALT in said[-1], said
    # B: the same SAs, connected all along.
    b = vl.interfaces()["B"]
    assert b["state"] == "connected" and {s["spi"] for s in b["sas"]} == b_spis, b
    out = vm_b.ping(SITE_HOST, count=3, timeout=2, check=False).stdout
    assert " 0% packet loss" in out, out


def test_an_on_demand_dial_tries_each_address_once_then_stops(lab, hnv_bin):
    """Neither of the site's addresses answers: a dial tries the destination,
    then the alternate, and stops there (keyingtries = 2); the last unanswered
    try moves nothing, and the interface shows the destination again, where
    the next dial starts."""
    require_vpn_lab(hnv_bin)
    vl = start_vpn_lab(lab, interface_changes={"A": {"connectionType": "on-demand", "idleTimeoutSeconds": 30,
                                                     "alternateDestinations": [ALT], "remoteId": SITE["A"]}})
    wait_connected(vl, tenants=("B",))
    # The site's address goes; the alternate is nobody's.
    vl.sites["A"].node.exec(["ip", "addr", "del", f"{SITE['A']}/24", "dev", "eth0"], check=True)
    vl.vms["vm-a1"].node.ping(SITE_HOST, count=2, timeout=1, check=False)
    start = time.monotonic()
    iked_log = vl.iked.process.log_text
    wait_for(lambda: "establishing IKE_SA failed, peer not responding" in iked_log(), timeout=90, interval=0.5,
             what="the dial to give up after trying both addresses")
    print(f"dial given up {time.monotonic() - start:.1f} s after the first packet")
    to_a = re.compile(rf"initiating IKE_SA .* to ({re.escape(SITE['A'])}|{re.escape(ALT)})$")
    initiated = [m.group(1) for m in map(to_a.search, iked_log().splitlines()) if m]
    assert initiated == [SITE["A"], ALT], f"the destination, then the alternate, once each: {initiated}"
    moved = [line for line in iked_log().splitlines() if "does not answer, trying" in line]
    assert len(moved) == 1 and ALT in moved[0], f"one move, to the alternate; none after the last try: {moved}"
    said = [line for line in vl.gateway.process.log_text().splitlines() if "trying its next address" in line]
    assert len(said) == 1 and ALT in said[0], said
    a = vl.interfaces()["A"]
    assert a["state"] != "connected" and a["lastError"] == "peer-unreachable", a
    assert a["remote"] == SITE["A"], f"the next dial starts at the destination: {a}"
    assert vl.interfaces()["B"]["state"] == "connected"
