"""IPv6 inside a site-to-site tunnel (issue 7 scope: "IPv4 and IPv6 inner"):
tenant A's VSID is dual-stack and its S2S interface carries IPv6 only, from
fd00:1::/64 to site A's IPv6 LAN fd00:5::/64; tenant B keeps its IPv4 tunnel
on the same gateway. The site is stock strongSwan (kernel-libipsec), the ESP
outside stays IPv4. A VM's IPv6 packet goes NVGRE -> gateway (ip6-lookup in
the tenant's VRF) -> esp-encrypt, and the site's comes back esp-input ->
ip6-lookup -> NVGRE; hnvlab/vpn.py draws the lab (start_vpn_lab(inner6=...)).
An IPv6 destination the tenant has no route to is answered with ICMPv6 from
the tenant's IPv6 gateway address.
"""

from __future__ import annotations

from hnvlab.host import tcp_transfer
from hnvlab.ipsec import swanctl
from hnvlab.vpn import (SITE_HOST, SITE_HOST6, fetch, require_vpn_lab, sa_packets, serve_blob, start_vpn_lab,
                        wait_connected)


def test_a_tenants_ipv6_crosses_its_tunnel_both_ways_beside_another_tenants_ipv4(lab, hnv_bin):
    require_vpn_lab(hnv_bin)
    vl = start_vpn_lab(lab, inner6=("A",))
    x = wait_connected(vl)
    out_sa = next(s for s in x["A"]["sas"] if s["direction"] == "out")
    assert out_sa["localSelectors"] == ["fd00:1::-fd00:1::ffff:ffff:ffff:ffff"], out_sa
    assert out_sa["remoteSelectors"] == ["fd00:5::-fd00:5::ffff:ffff:ffff:ffff"], out_sa
    b_sa = next(s for s in x["B"]["sas"] if s["direction"] == "out")
    assert b_sa["remoteSelectors"] == ["172.16.1.0-172.16.1.255"], b_sa
    # The stock site agrees: its CHILD SA joins the two IPv6 prefixes.
    sas = swanctl(vl.sites["A"].vici, "--list-sas").stdout
    assert "local  fd00:5::/64" in sas and "remote fd00:1::/64" in sas, sas

    a1, a2, b1 = vl.vms["vm-a1"].node, vl.vms["vm-a2"].node, vl.vms["vm-b1"].node
    site_a = vl.sites["A"].node
    # Pings each way, counted on tenant A's SAs only.
    start = vl.interfaces()
    out = a1.ping(SITE_HOST6, count=5, timeout=2, check=False)
    assert " 0% packet loss" in out.stdout, out.stdout + out.stderr
    out = site_a.ping("fd00:1::20", count=5, timeout=2, check=False)
    assert " 0% packet loss" in out.stdout, out.stdout + out.stderr
    now = vl.interfaces()
    assert sa_packets(now["A"], "out") - sa_packets(start["A"], "out") >= 10
    assert sa_packets(now["A"], "in") - sa_packets(start["A"], "in") >= 10
    assert sa_packets(now["B"], "out") == sa_packets(start["B"], "out"), "tenant A's IPv6 went into B's tunnel"
    # An address in no route of the tenant's IPv6 table: the gateway answers from the
    # tenant's IPv6 gateway address, and the VM's ping says so.
    out = a1.ping("fd00:6::1", count=1, timeout=2, check=False)
    assert "From fd00:1::1" in out.stdout and "No route" in out.stdout, out.stdout + out.stderr
    # A site packet whose hop limit ends at the gateway: "time exceeded" goes back through the tunnel.
    out = site_a.exec(["ping", "-6", "-c", "1", "-W", "2", "-t", "1", "fd00:1::20"], check=False)
    assert "From fd00:1::1" in out.stdout and "Time exceeded" in out.stdout, out.stdout + out.stderr
    # Tenant A's IPv4 has no tunnel now (its interface is IPv6); B's IPv4 tunnel still works.
    out = a1.ping(SITE_HOST, count=2, timeout=1, check=False)
    assert "100% packet loss" in out.stdout, out.stdout
    out = b1.ping(SITE_HOST, count=3, timeout=2, check=False)
    assert " 0% packet loss" in out.stdout, out.stdout + out.stderr
    # TCP both ways over IPv6: 1 MiB from the site's HTTP server to vm-a1, 1 MiB from the site to vm-a2.
    digest = serve_blob(site_a, lab, "site-A6", SITE_HOST6, 1 << 20)
    assert fetch(a1, f"http://[{SITE_HOST6}]:8000/blob") == f"{1 << 20} {digest}"
    client, server = tcp_transfer(site_a, a2, "fd00:1::20", nbytes=1 << 20, seed=6)
    assert client.endswith(" ok"), client
    assert SITE_HOST6 in server, server
    gw = vl.gateway
    assert gw.counter("hnv_node_errors_total", node="esp-encrypt", error="family-mismatch") == 0
    assert gw.counter("hnv_node_errors_total", node="esp-input", error="selector-mismatch") == 0
    assert gw.counter("hnv_node_errors_total", node="ip4-lookup", error="no-route") >= 2, \
        "vm-a1's IPv4 pings to the site have no route"
    assert gw.counter("hnv_node_errors_total", node="ip6-lookup", error="no-route") == 1
    assert gw.counter("hnv_node_errors_total", node="ip6-lookup", error="hop-limit-exceeded") == 1
