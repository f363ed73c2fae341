"""Certificate authentication of S2S interfaces (issue 7 scope): each tenant's
tunnel authenticates both ends by X.509 certificates (EC P-256, made by
hnvlab/pki.py with the openssl command) against a stock strongSwan site, and
each interface trusts only its own CAs: a site presenting a certificate of
another tenant's CA, with the right name and address, is refused although
charon holds that CA for the other tenant's interface; an expired
certificate of the right CA is refused as such (lastError peer-cert-expired).
"""

from __future__ import annotations

import os
import stat


from hnvlab import wait_for
from hnvlab.vpn import require_vpn_lab, SITE, SITE_HOST, VpnPki, site_connection, start_vpn_lab, wait_connected


def test_tunnels_authenticate_by_certificates_and_each_interface_trusts_only_its_own_cas(lab, hnv_bin):
    require_vpn_lab(hnv_bin)
    pki = VpnPki.make(lab)
    # Site B shows a certificate of tenant A's CA with B's own name and address.
    forged = pki.ca["A"].issue("site-b", SITE["B"], tag="-forged")
    vl = start_vpn_lab(lab, pki=pki, site_changes={"B": {"certs": (forged.cert, forged.key, pki.ca["B"].cert)}})

    x = wait_connected(vl, tenants=("A",))
    assert x["A"]["lastError"] == "", x["A"]
    x = wait_for(lambda: (lambda i: i if i["B"]["lastError"] else None)(vl.interfaces()), timeout=30,
                 what="tenant B's interface to refuse the site's certificate")
    assert x["B"]["state"] != "connected" and x["B"]["lastError"] == "peer-auth-failed", x["B"]
    assert x["B"]["sas"] == [], x["B"]
    out = vl.vms["vm-a1"].node.ping(SITE_HOST, count=3, timeout=2, check=False)
    assert " 0% packet loss" in out.stdout, out.stdout

    # Site B shows a certificate of its own CA that expired in January 2025: refused, and why.
    expired = site_connection("B", pki)
    old = pki.ca["B"].issue_expired("site-b", SITE["B"])
    expired.certs = (old.cert, old.key, pki.ca["B"].cert)
    expired.start = True
    vl.sites["B"].load(expired)
    x = wait_for(lambda: (lambda i: i if i["B"]["lastError"] == "peer-cert-expired" else None)(vl.interfaces()),
                 timeout=30, what="tenant B's interface to refuse the expired site certificate")
    assert x["B"]["state"] != "connected" and x["B"]["sas"] == [], x["B"]

    # Site B gets its own certificate and initiates: both tenants reach their sites.
    good = site_connection("B", pki)
    good.start = True
    vl.sites["B"].load(good)
    x = wait_connected(vl, timeout=60)
    for tenant, vm in (("A", "vm-a1"), ("B", "vm-b1")):
        assert x[tenant]["ike"] == "up", x[tenant]
        out = vl.vms[vm].node.ping(SITE_HOST, count=3, timeout=2, check=False)
        assert " 0% packet loss" in out.stdout, f"{vm}:\n{out.stdout}"

    # The API never gives the private keys back; hnv-iked keeps them private.
    items = vl.controller.ok("GET", "/v1/vpn-s2s-interfaces")["items"]
    assert {i["authentication"] for i in items} == {"certificate"}, items
    assert all("privateKey" not in i and "BEGIN CERTIFICATE" in i["certificate"] for i in items), items
    keys = list((vl.iked.dir / "swanctl" / "private").iterdir())
    assert len(keys) == 2, keys
    for k in keys:
        assert stat.S_IMODE(os.stat(k).st_mode) == 0o600, k
    assert stat.S_IMODE(os.stat(vl.iked.dir / "swanctl" / "private").st_mode) == 0o700


def test_a_site_certificate_on_a_revocation_list_is_refused_until_a_new_list_leaves_it_out(lab, hnv_bin):
    """Revocation lists (crls) of each interface's CA, loaded into charon through hnv-iked:
    tenant B's list names site B's certificate, so its tunnel is refused although the
    chain and the names are right; tenant A checks strictly, with a current list that
    names nobody, and connects. A new list for B without the certificate lets site B in."""
    require_vpn_lab(hnv_bin)
    pki = VpnPki.make(lab)
    revoked = pki.ca["B"].revocation_list([pki.site["B"]])
    vl = start_vpn_lab(lab, pki=pki, interface_changes={
        "A": {"crls": pki.ca["A"].revocation_list([]), "revocation": "strict"},
        "B": {"crls": revoked}})

    x = wait_connected(vl, tenants=("A",))
    assert x["A"]["lastError"] == "", x["A"]
    x = wait_for(lambda: (lambda i: i if i["B"]["lastError"] else None)(vl.interfaces()), timeout=30,
                 what="tenant B's interface to refuse the revoked site certificate")
    # The reason charon gave, not only that the authentication failed.
    assert x["B"]["state"] != "connected" and x["B"]["lastError"] == "peer-cert-revoked", x["B"]
    assert x["B"]["sas"] == [], x["B"]
    assert "certificate was revoked" in vl.iked.process.log_text(), vl.iked.process.log_tail()
    crl_dir = vl.iked.dir / "swanctl" / "x509crl"
    files = sorted(crl_dir.iterdir())
    assert len(files) == 2, files
    assert all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in files), files
    b_file = next(f for f in files if f.read_text() == revoked)
    out = vl.vms["vm-a1"].node.ping(SITE_HOST, count=3, timeout=2, check=False)
    assert " 0% packet loss" in out.stdout, out.stdout

    # A new list of CA B leaves the certificate out; once hnv-iked has it, site B gets in.
    rdid_b = vl.topo.tenants["B"].rdid
    fresh = pki.ca["B"].revocation_list([])
    loaded = "connections loaded from the data plane"
    loads = vl.iked.process.log_text().count(loaded)
    vl.controller.ok("PATCH", f"/v1/vpn-s2s-interfaces/{rdid_b}/site-b", {"crls": fresh})
    wait_for(lambda: b_file.exists() and b_file.read_text() == fresh, timeout=30,
             what="hnv-iked to hold tenant B's new revocation list")
    wait_for(lambda: vl.iked.process.log_text().count(loaded) > loads, timeout=30,
             what="hnv-iked to load the new list")
    again = site_connection("B", pki)
    again.start = True
    vl.sites["B"].load(again)
    x = wait_connected(vl, timeout=60)
    assert x["B"]["ike"] == "up", x["B"]
    out = vl.vms["vm-b1"].node.ping(SITE_HOST, count=3, timeout=2, check=False)
    assert " 0% packet loss" in out.stdout, out.stdout
