"""hnv-iked (libcharon embedded, our kernel-ipsec backend) against stock Debian
strongSwan (issue 7: acceptance 5, and the IKE side of acceptance 4).

    gw: hnv-iked 192.0.2.1 (standalone: SAs go to its key log)
          |  wan (veth)
    site-a: stock charon + kernel-libipsec 192.0.2.2, LAN 172.16.1.0/24 (on lo), log level 4
    site-b: the same at 192.0.2.3, for the second tenant

The peer at log level 4 prints the keys it derives; every key hnv-iked handed
its data plane must equal them, with the SPIs and directions matching.
"""

from __future__ import annotations

import re

import pytest

from hnvlab import wait_for
from hnvlab.ipsec import Connection, Iked, Site, peer_child_keys, strongswan_missing

GW, SITE_A, SITE_B = "192.0.2.1", "192.0.2.2", "192.0.2.3"


@pytest.fixture
def swan(lab, hnv_bin):
    why = strongswan_missing()
    if why:
        pytest.skip(why)
    hnv_bin("hnv-iked")
    return lab


def topology(lab, sites=("site-a",)):
    gw = lab.node("gw")
    wan = lab.segment("wan")
    gw.attach(wan, "wan0", [f"{GW}/24"])
    nodes = {}
    for i, name in enumerate(sites):
        node = lab.node(name)
        node.attach(wan, "wan0", [f"192.0.2.{2 + i}/24"])
        node.exec(["ip", "addr", "add", "172.16.1.1/24", "dev", "lo"])
        nodes[name] = node
    return gw, nodes


def pair(tenant: str, site_addr: str, if_id: int, psk: str, *, esp: str, ike: str = "aes256-sha256-modp2048",
         site_psk: str | None = None, site_esp: str | None = None) -> tuple[Connection, Connection]:
    ours = Connection(name=f"s2s-{tenant}", local_addr=GW, remote_addr=site_addr, local_id=f"gw-{tenant}",
                      remote_id=f"site-{tenant}", psk=psk, local_ts="10.0.1.0/24", remote_ts="172.16.1.0/24",
                      proposals=ike, esp_proposals=esp, child=f"tenant-{tenant}", if_id=if_id, start=True)
    theirs = Connection(name="gw", local_addr=site_addr, remote_addr=GW, local_id=f"site-{tenant}",
                        remote_id=f"gw-{tenant}", psk=site_psk or psk, local_ts="172.16.1.0/24",
                        remote_ts="10.0.1.0/24", proposals=ike, esp_proposals=site_esp or esp, child="lan")
    return ours, theirs


def established(site: Site, child: str = "lan") -> list[dict]:
    return [c for c in peer_child_keys(site.log()) if c["child"] == child]


@pytest.mark.parametrize("esp,enc,integ", [("aes256gcm16-modp2048", 20, 1024), ("aes128gcm16", 20, 1024),
                                           ("aes256-sha256-modp2048", 12, 12)],
                         ids=["aes256gcm16-pfs", "aes128gcm16", "aes256cbc-sha256-pfs"])
def test_the_keys_hnv_iked_hands_the_data_plane_are_the_keys_the_stock_peer_derived(swan, esp, enc, integ):
    gw, nodes = topology(swan)
    site = Site(swan, nodes["site-a"], "site-a").start()
    ours, theirs = pair("a", SITE_A, 7, "psk-tenant-a", esp=esp)
    site.load(theirs)
    iked = Iked(swan, gw).start()
    iked.load(ours)
    wait_for(lambda: len(iked.keys()) >= 2 and established(site), timeout=20,
             what="the CHILD_SA established on the peer and two SAs in hnv-iked's key log")
    peer = established(site)[0]
    got = {k["spi"]: k for k in iked.keys()}
    outbound, inbound = got[f"0x{peer['spi_in']}"], got[f"0x{peer['spi_out']}"]
    # We initiated: our outbound SA carries initiator -> responder traffic.
    assert outbound["inbound"] == "0" and inbound["inbound"] == "1"
    assert outbound["src"] == GW and outbound["dst"] == SITE_A
    assert inbound["src"] == SITE_A and inbound["dst"] == GW
    assert outbound["enc"] == inbound["enc"] == str(enc)
    assert outbound["int"] == inbound["int"] == str(integ)
    assert outbound["key"] == peer["keys"]["encryption initiator"], "outbound encryption key differs from the peer's"
    assert inbound["key"] == peer["keys"]["encryption responder"], "inbound encryption key differs from the peer's"
    if integ != 1024:
        assert outbound["intkey"] == peer["keys"]["integrity initiator"]
        assert inbound["intkey"] == peer["keys"]["integrity responder"]
    else:
        assert outbound["intkey"] == inbound["intkey"] == ""
    # kernel-libipsec only does ESP in UDP: both ends encapsulate.
    assert outbound["encap"] == inbound["encap"] == "1"
    assert outbound["if_id"] == inbound["if_id"] == "7", "the tenant travels as the SA's if_id"


def test_two_tenants_with_the_same_lan_get_their_own_sas_and_tenant_ids(swan):
    gw, nodes = topology(swan, ("site-a", "site-b"))
    sites = {}
    iked = Iked(swan, gw).start()
    for tenant, name, addr, if_id in (("a", "site-a", SITE_A, 7), ("b", "site-b", SITE_B, 8)):
        sites[tenant] = Site(swan, nodes[name], name).start()
        ours, theirs = pair(tenant, addr, if_id, f"psk-tenant-{tenant}", esp="aes256gcm16")
        sites[tenant].load(theirs)
        iked.load(ours)
    wait_for(lambda: len(iked.keys()) >= 4 and all(established(s) for s in sites.values()), timeout=25,
             what="both tenants' CHILD_SAs")
    by_spi = {k["spi"]: k for k in iked.keys()}
    for tenant, if_id, addr in (("a", "7", SITE_A), ("b", "8", SITE_B)):
        peer = established(sites[tenant])[0]
        out = by_spi[f"0x{peer['spi_in']}"]
        assert out["if_id"] == if_id and out["dst"] == addr
        assert out["key"] == peer["keys"]["encryption initiator"]
    assert len({k["key"] for k in iked.keys()}) == 4, "every SA has its own key"


def iked_events(iked: Iked) -> str:
    return iked.process.log_text()


@pytest.mark.parametrize("case", ["wrong-psk", "esp-proposal-mismatch", "ike-proposal-mismatch"])
def test_failures_are_reported_by_name_and_install_nothing(swan, case):
    gw, nodes = topology(swan)
    site = Site(swan, nodes["site-a"], "site-a", log_level=1).start()
    if case == "wrong-psk":
        ours, theirs = pair("a", SITE_A, 7, "psk-tenant-a", esp="aes256gcm16", site_psk="not-the-same")
        expect = r"ike alert.*what=(local|peer)-auth-failed"
    elif case == "esp-proposal-mismatch":
        ours, theirs = pair("a", SITE_A, 7, "psk", esp="aes256gcm16", site_esp="aes128-sha1")
        expect = r"ike alert.*what=child-proposal-mismatch"
    else:
        ours, theirs = pair("a", SITE_A, 7, "psk", esp="aes256gcm16", ike="aes128-sha1-modp2048")
        theirs.proposals = "aes256-sha512-ecp384"
        expect = r"ike alert.*what=ike-proposal-mismatch"
    site.load(theirs)
    iked = Iked(swan, gw).start()
    iked.load(ours)
    wait_for(lambda: re.search(expect, iked_events(iked)), timeout=20, what=f"hnv-iked to report {expect!r}")
    assert iked.keys() == [], "no SA may reach the data plane"
