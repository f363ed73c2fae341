"""Bandwidth limits of S2S interfaces (issue 7 scope, per-tenant QoS in
kbit/s): tenant A's tunnel is limited to 2000 kbit/s each way, tenant B's
is not. A 1 MiB download from each site shows A's limit (it cannot finish
sooner than the limit allows: a lower bound, which noise cannot break) and
the drops that enforce it, counted by name; B's transfer meets no limit.
"""

from __future__ import annotations

import time

from hnvlab.vpn import (SITE_HOST, fetch, require_vpn_lab, serve_blob, start_vpn_lab, wait_connected)

KBPS = 2000
SIZE = 1 << 20


def limited_drops(gw, node: str) -> int:
    return gw.counter("hnv_node_errors_total", node=node, error="rate-limited")


def test_a_tunnels_bandwidth_limit_holds_its_tenants_transfer_and_not_the_others(lab, hnv_bin):
    require_vpn_lab(hnv_bin)
    vl = start_vpn_lab(lab, interface_changes={"A": {"egressKbps": KBPS, "ingressKbps": KBPS}})
    wait_connected(vl)
    sums = {t: serve_blob(site.node, lab, f"site-{t}", SITE_HOST, SIZE) for t, site in vl.sites.items()}
    floor = (SIZE - 2 * KBPS * 1000 / 8 / 10) / (KBPS * 1000 / 8)  # the limit, less two buckets of 100 ms
    took = {}
    for tenant, vm in (("B", "vm-b1"), ("A", "vm-a1")):
        before = limited_drops(vl.gateway, "esp-input")
        start = time.monotonic()
        got = fetch(vl.vms[vm].node, f"http://{SITE_HOST}:8000/blob")
        took[tenant] = time.monotonic() - start
        assert got == f"{SIZE} {sums[tenant]}", f"{vm} got {got}"
        drops = limited_drops(vl.gateway, "esp-input") - before
        print(f"tenant {tenant}: 1 MiB in {took[tenant]:.2f} s ({SIZE * 8 / took[tenant] / 1000:.0f} kbit/s), "
              f"{drops} packets over the limit dropped")
        if tenant == "B":
            assert drops == 0, "tenant B's tunnel has no limit"
        else:
            assert drops > 0, "the site sends faster than the limit: some packets must have met it"
    assert took["A"] >= floor, f"tenant A's 1 MiB took {took['A']:.2f} s, less than its limit allows ({floor:.2f} s)"
    # The other way: what A's VM sends to its site is limited too (its ACKs alone would not be):
    # 300 pings of 1428 bytes a millisecond apart are about 11 Mbit/s.
    before = limited_drops(vl.gateway, "esp-encrypt")
    out = vl.vms["vm-a1"].node.exec(["ping", "-n", "-q", "-c", "300", "-i", "0.001", "-s", "1400", "-W", "1",
                                     SITE_HOST], check=False, timeout=30).stdout
    assert limited_drops(vl.gateway, "esp-encrypt") > before, out
    assert " 0% packet loss" in vl.vms["vm-b1"].node.exec(
        ["ping", "-n", "-c", "40", "-i", "0.01", "-s", "1200", "-W", "1", SITE_HOST], check=False, timeout=30).stdout
