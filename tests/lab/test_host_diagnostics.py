"""Diagnostics of hnv-hostd through hnvctl (issue 4 acceptance 10): PA ping
between hosts by the data plane, and next-hop selection for both tenants'
identical CAs.
"""

from __future__ import annotations

from hnvlab.tenants import start_overlay, two_tenants


def test_pa_ping_and_next_hop(lab, hnv_bin):
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    topo = two_tenants()
    ctl, hosts, vms = start_overlay(lab, topo)
    host1, pa2 = hosts["host1"], topo.hosts["host2"].pa

    r = host1.ctl_json("pa-ping", pa2, "--count", "3", "--interval", "50")
    assert (r["sent"], r["received"], r["source"]) == (3, 3, topo.hosts["host1"].pa), r
    assert all(rtt is not None and 0 < rtt < 1000 for rtt in r["rtt_ms"]), r
    text = host1.ctl("pa-ping", pa2, "--count", "1").stdout
    assert f"reply from {pa2}" in text and "1 received" in text, text

    # A PA nobody owns: every probe unanswered, reported as such (not an error).
    r = host1.ctl_json("pa-ping", "192.0.2.77", "--count", "2", "--interval", "50", "--timeout", "300")
    assert (r["sent"], r["received"], r["rtt_ms"]) == (2, 0, [None, None]), r
    # Off every PA subnet: refused with the reason.
    bad = host1.ctl("pa-ping", "203.0.113.9", check=False)
    assert bad.returncode == 1 and "none of this node's provider address subnets" in bad.stderr, bad.stderr

    # Next hop: the same CA in two tenants leads to each tenant's own VM.
    a = host1.ctl_json("nexthop", "--vsid", "5001", "10.0.1.20")
    b = host1.ctl_json("nexthop", "--vsid", "6001", "10.0.1.20")
    assert (a["via"], a["pa"], a["mac"]) == ("on-link", pa2, topo.vms["vm-a2"].mac), a
    assert (b["via"], b["pa"], b["mac"]) == ("on-link", pa2, topo.vms["vm-b2"].mac), b
    assert a["pa_mac"] == topo.hosts["host2"].uplink_mac, a  # resolved by the pings above
    local = host1.ctl_json("nexthop", "--vsid", "5001", "10.0.1.10")
    assert local["local_port"] == "vm-a1", local
    gw = host1.ctl_json("nexthop", "--vsid", "5001", "10.0.1.1")
    assert (gw["via"], gw["mac"]) == ("default-gateway", topo.tenants["A"].router_mac), gw
    assert host1.ctl_json("nexthop", "--vsid", "5001", "172.16.0.1")["via"] == "none"
    unknown = host1.ctl("nexthop", "--vsid", "7001", "10.0.1.20", check=False)
    assert unknown.returncode == 1 and "not in this node's policy" in unknown.stderr, unknown.stderr
