"""Traffic selectors by protocol and port (issue 7 scope) against a stock
strongSwan site: tenant A's interface carries only TCP to the site's port
8000 (protocol tcp, remotePorts 8000). charon negotiates those selectors with
the site, the data plane enforces them: an HTTP transfer to port 8000 goes
through the tunnel, a ping routed into it is dropped by esp-encrypt as
selector-mismatch, and tenant B's tunnel (every protocol) is unaffected.
"""

from __future__ import annotations

from hnvlab.vpn import SITE_HOST, fetch, require_vpn_lab, serve_blob, start_vpn_lab, wait_connected


def mismatches(gw) -> int:
    return gw.counter("hnv_node_errors_total", node="esp-encrypt", error="selector-mismatch")


def test_a_tunnel_narrowed_to_one_tcp_port_carries_that_and_drops_the_rest(lab, hnv_bin):
    require_vpn_lab(hnv_bin)
    vl = start_vpn_lab(lab, interface_changes={"A": {"protocol": "tcp", "remotePorts": "8000"}})
    x = wait_connected(vl)
    out_sa = next(s for s in x["A"]["sas"] if s["direction"] == "out")
    assert out_sa["remoteSelectors"] == ["172.16.1.0-172.16.1.255 proto 6 port 8000"], out_sa
    assert out_sa["localSelectors"] == ["10.0.1.0-10.0.1.255 proto 6"], out_sa
    b_sa = next(s for s in x["B"]["sas"] if s["direction"] == "out")
    assert b_sa["remoteSelectors"] == ["172.16.1.0-172.16.1.255"], b_sa

    digest = serve_blob(vl.sites["A"].node, lab, "site-A", SITE_HOST, 1 << 18)
    assert fetch(vl.vms["vm-a1"].node, f"http://{SITE_HOST}:8000/blob") == f"{1 << 18} {digest}"

    before = mismatches(vl.gateway)
    out = vl.vms["vm-a1"].node.ping(SITE_HOST, count=3, timeout=2, check=False)
    assert "100% packet loss" in out.stdout, out.stdout
    assert mismatches(vl.gateway) >= before + 3
    out = vl.vms["vm-b1"].node.ping(SITE_HOST, count=3, timeout=2, check=False)
    assert " 0% packet loss" in out.stdout, out.stdout
