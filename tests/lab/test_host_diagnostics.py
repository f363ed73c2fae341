"""Diagnostics of hnv-hostd through hnvctl (issue 4 acceptance 10): PA ping
between hosts by the data plane, the CA connectivity test
(Test-VMNetworkAdapter) and next-hop selection, for both tenants' identical
CAs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from hnvlab.process import wait_for
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


def test_ca_connectivity_test_crosses_the_overlay_and_reports_the_routing(lab, hnv_bin):
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    topo = two_tenants()
    ctl, hosts, vms = start_overlay(lab, topo)
    host1, pa1, pa2 = hosts["host1"], topo.hosts["host1"].pa, topo.hosts["host2"].pa
    vms["vm-a1"].wait_ping(vms["vm-a2"], timeout=20)
    sender_view = vms["vm-a1"].capture(bpf="icmp")
    receiver_view = vms["vm-a2"].capture(bpf="icmp")

    for tenant, receiver_mac in (("a", topo.vms["vm-a2"].mac), ("b", topo.vms["vm-b2"].mac)):
        r = host1.ctl_json("ca-test", "--port", f"vm-{tenant}1", "--sender", "10.0.1.10", "--receiver", "10.0.1.20",
                           "--count", "3", "--interval", "50")
        assert (r["sent"], r["received"]) == (3, 3), r
        assert all(rtt is not None and rtt > 0 for rtt in r["rtt_ms"]), r
        routing = r["routing"]
        assert routing["sender_pa"] == pa1 and routing["sender_vsid"] == topo.tenants[tenant.upper()].vsid, routing
        assert (routing["next_hop"]["pa"], routing["next_hop"]["mac"]) == (pa2, receiver_mac), routing

    marker = b"hnv-ca-test"
    # The request reached the receiver VM (its kernel answered it) ...
    assert sum(marker in f for f in receiver_view.frames()) >= 3, "the receiver VM did not see the 3 test echoes"
    # ... and the sender VM never saw the replies: they were taken out for the test.
    assert not any(marker in f for f in sender_view.frames()), "the test's echo reply reached the sender VM"

    text = host1.ctl("ca-test", "--port", "vm-a1", "--sender", "10.0.1.10", "--receiver", "10.0.1.20",
                     "--count", "1").stdout
    assert "1 received" in text and "routing:" in text, text
    wrong = host1.ctl("ca-test", "--port", "vm-a1", "--sender", "10.0.1.20", "--receiver", "10.0.1.10", check=False)
    assert wrong.returncode == 1 and "is not a CA of the VM on port vm-a1" in wrong.stderr, wrong.stderr
    nowhere = host1.ctl("ca-test", "--port", "vm-a1", "--sender", "10.0.1.10", "--receiver", "172.16.0.1",
                        check=False)
    assert nowhere.returncode == 1 and "no next hop" in nowhere.stderr, nowhere.stderr


def test_capture_at_a_vm_port_and_the_uplink_to_pcapng_with_the_vsid(lab, hnv_bin):
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed (scripts/setup.sh installs it): it reads the pcapng files")
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    topo = two_tenants()
    ctl, hosts, vms = start_overlay(lab, topo)
    host1 = hosts["host1"]
    vms["vm-b1"].wait_ping(vms["vm-b2"], timeout=20)
    pcap = Path(lab.logdir) / "host1.pcapng"
    # 8 packets: vm-b1's 4 echo requests out of the VM port... and 4 replies into it, plus their NVGRE on ul0.
    capture = subprocess.Popen([str(hnv_bin("hnvctl")), "--socket", str(host1.socket), "--json", "capture",
                                "--port", "vm-b1", "--port", "ul0", "--file", str(pcap), "--count", "16",
                                "--seconds", "10"], stdout=subprocess.PIPE, text=True)
    wait_for(lambda: pcap.exists() and pcap.stat().st_size > 0, timeout=5, what="the capture file to be created")
    vms["vm-b1"].ping(vms["vm-b2"], count=4, timeout=1, pattern="c0ffee00")
    out, _ = capture.communicate(timeout=20)
    result = json.loads(out)
    assert result["packets"] == 16 and result["lost"] == 0, result
    fields = subprocess.run(["tshark", "-r", str(pcap), "-T", "fields", "-e", "frame.interface_name",
                             "-e", "frame.comment", "-e", "icmp.type"], capture_output=True, text=True,
                            timeout=60, check=True).stdout.splitlines()
    rows = [line.split("\t") for line in fields if line.strip()]
    vm_port = [r for r in rows if r[0] == "vm-b1"]
    uplink = [r for r in rows if r[0] == "ul0"]
    assert len(vm_port) == 8 and len(uplink) == 8, rows
    assert all(r[1] == "vsid=6001" for r in vm_port), vm_port
    assert all(r[1].startswith("vsid=6001 flowid=") for r in uplink), uplink
    assert sorted(r[2] for r in vm_port) == ["0"] * 4 + ["8"] * 4, vm_port  # requests out, replies in
