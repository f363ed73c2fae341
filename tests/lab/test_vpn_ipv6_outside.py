"""A site-to-site tunnel over IPv6 (issue 7 scope: "IPv4 and IPv6 ... outer"):
tenant A's S2S interface ends at the gateway's IPv6 endpoint 2001:db8:113::5
on the wan (whose external interface also has 2001:db8:113::1/64) and at
site A's 2001:db8:113::2; tenant B's tunnel stays on IPv4 beside it. The site
is stock strongSwan (kernel-libipsec, ESP in UDP 4500). IKE reaches hnv-iked
over IPv6 (esp-input punts it, hnvgwd relays it), the site finds the endpoint
by neighbour discovery, and ESP is IPv6 + UDP (with the checksum IPv6
requires) both ways. hnvlab/vpn.py draws the lab (start_vpn_lab(outer6=...)).
"""

from __future__ import annotations

from hnvlab.host import tcp_transfer
from hnvlab.ipsec import swanctl
from hnvlab.vpn import ENDPOINT6, SITE6, SITE_HOST, require_vpn_lab, sa_packets, start_vpn_lab, wait_connected


def test_a_tunnel_between_ipv6_endpoints_carries_its_tenant_beside_an_ipv4_one(lab, hnv_bin):
    require_vpn_lab(hnv_bin)
    vl = start_vpn_lab(lab, outer6=("A",))
    x = wait_connected(vl)
    assert x["A"]["local"] == ENDPOINT6["A"] and x["A"]["remote"] == SITE6["A"], x["A"]
    assert ":" not in x["B"]["local"], x["B"]
    # The stock site's IKE and CHILD SAs are between the IPv6 addresses.
    sas = swanctl(vl.sites["A"].vici, "--list-sas").stdout
    assert f"local  '{SITE6['A']}' @ {SITE6['A']}[4500]" in sas, sas
    assert f"remote '{ENDPOINT6['A']}' @ {ENDPOINT6['A']}[4500]" in sas, sas

    a1, b1 = vl.vms["vm-a1"].node, vl.vms["vm-b1"].node
    site_a = vl.sites["A"].node
    start = vl.interfaces()
    out = a1.ping(SITE_HOST, count=5, timeout=2, check=False)
    assert " 0% packet loss" in out.stdout, out.stdout + out.stderr
    out = site_a.ping("10.0.1.20", count=5, timeout=2, check=False)
    assert " 0% packet loss" in out.stdout, out.stdout + out.stderr
    now = vl.interfaces()
    assert sa_packets(now["A"], "out") - sa_packets(start["A"], "out") >= 10
    assert sa_packets(now["A"], "in") - sa_packets(start["A"], "in") >= 10
    assert sa_packets(now["B"], "out") == sa_packets(start["B"], "out"), "tenant A's traffic went into B's tunnel"
    # 1 MiB over TCP from the site's LAN to a VM, through the IPv6 tunnel.
    client, server = tcp_transfer(site_a, vl.vms["vm-a2"].node, "10.0.1.20", port=7700, seed=71)
    assert client.endswith(" ok") and f"from {SITE_HOST}" in server, (client, server)
    # Tenant B's IPv4 tunnel still works beside it.
    out = b1.ping(SITE_HOST, count=3, timeout=2, check=False)
    assert " 0% packet loss" in out.stdout, out.stdout + out.stderr

    gw = vl.gateway
    assert gw.counter("hnv_node_errors_total", node="esp-input", error="wrong-tunnel") == 0
    assert gw.counter("hnv_node_errors_total", node="esp-input", error="decrypt-failed") == 0
    assert gw.counter("hnv_node_errors_total", node="ip6-lookup", error="unsupported-target") == 0
