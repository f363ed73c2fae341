"""NAT44 end to end (issue "Per-tenant NAT44", acceptance 1, 2 and 5).

Tenants A and B use the same CAs; each reaches the internet node through
hnvgwd's NAT from its own external address, and A's web VM is published
by a static mapping. Topology and policy: hnvlab/nat.py. Real HTTP and
TCP between network namespaces, policy through the controller's REST API,
sessions through hnvctl.

Skips while the binaries are not built.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from hnvlab.host import PYTHON, tcp_transfer
from hnvlab.nat import EXTERNAL, HTTP_PORT, INTERNET, WEB_PORT, http_fetch, start_http_server, start_nat_lab

BLOB = 4 << 20  # bytes each VM downloads


@pytest.fixture
def nat_lab(lab, hnv_bin):
    for binary in ("hnvgwd", "hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    return start_nat_lab(lab)


def test_overlapping_tenants_download_at_once_each_from_its_own_external_address(nat_lab, lab):
    nl = nat_lab
    server, digest = start_http_server(nl, lab, BLOB)
    a1, b1 = nl.vms["vm-a1"], nl.vms["vm-b1"]
    assert a1.ca == b1.ca, "the tenants overlap on purpose"
    for vm in (a1, b1):
        vm.wait_ping(INTERNET, timeout=30)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(http_fetch, (a1, b1)))
    assert results == [f"{BLOB} {digest}"] * 2, results
    # The server saw one download from each tenant's external address and none from a CA.
    log = server.log_tail(200)
    clients = re.findall(r"^(\S+) - - .*\"GET /blob HTTP/1\.1\" 200", log, re.M)
    assert sorted(clients) == sorted(EXTERNAL.values()), log
    # The sessions, as the operator sees them.
    for name, vm in (("A", a1), ("B", b1)):
        rdid = nl.topo.tenants[name].rdid
        listing = nl.gateway.ctl_json("nat-sessions", "--tenant", rdid, "--protocol", "tcp")
        remotes = {s["remote"] for s in listing["sessions"]}
        assert f"{INTERNET}:{HTTP_PORT}" in remotes, listing
        assert all(s["external"].startswith(EXTERNAL[name] + ":") and s["inside"].startswith(vm.ca + ":")
                   for s in listing["sessions"]), listing
    # By inside address: the same CA in both tenants, so both tenants' sessions.
    inside = nl.gateway.ctl_json("nat-sessions", "--inside", a1.ca)
    assert {s["external"].split(":")[0] for s in inside["sessions"]} == set(EXTERNAL.values()), inside
    text = nl.gateway.ctl("nat-sessions", "--external", EXTERNAL["B"]).stdout
    assert EXTERNAL["B"] in text and EXTERNAL["A"] not in text, text
    assert nl.gateway.counter("hnv_nat_sessions_created_total", tenant=nl.topo.tenants["A"].rdid) >= 2


def test_a_static_mapping_publishes_one_port_and_nothing_else_gets_in(nat_lab):
    nl = nat_lab
    a2 = nl.vms["vm-a2"]
    a2.wait_ping(INTERNET, timeout=30)
    # The internet reaches vm-a2's port 80 through A's external address, both ways.
    client, server = tcp_transfer(nl.internet, a2.node, EXTERNAL["A"], port=WEB_PORT, nbytes=1 << 20, seed=5)
    assert client.endswith(" ok"), client
    assert f" from {INTERNET}:" in server, f"vm-a2 saw {server!r}: the remote address is not translated"
    rdid_a = nl.topo.tenants["A"].rdid
    before = nl.gateway.counter("hnv_nat_drops_total", tenant=rdid_a, reason="no-mapping")
    # Nothing else: another port of A's address, B's address, a ping to either.
    probe = ("import socket,sys;s=socket.socket();s.settimeout(2);"
             "print('open' if s.connect_ex((sys.argv[1],int(sys.argv[2])))==0 else 'closed')")
    for addr, port in ((EXTERNAL["A"], 81), (EXTERNAL["A"], 22), (EXTERNAL["B"], WEB_PORT)):
        out = nl.internet.exec([PYTHON, "-c", probe, addr, str(port)], check=True, timeout=15).stdout.strip()
        assert out == "closed", f"{addr}:{port} is reachable from the internet"
    for addr in EXTERNAL.values():
        assert nl.internet.ping(addr, count=1, timeout=1, check=False).returncode != 0, f"{addr} answers pings"
    after = nl.gateway.counter("hnv_nat_drops_total", tenant=rdid_a, reason="no-mapping")
    assert after >= before + 3, (before, after)
