"""The gateway explains and survives (issue "Gateway data plane", acceptance 3 and 5).

- `hnvctl trace` names the node and the reason of a dropped tenant packet;
  `hnvctl capture` of the underlay and the trunk opens in tshark (with the
  shipped NVGRE dissector) showing the VSID, and each packet's comment names
  its tenant (and VLAN).
- 10,000 malformed frames from scapy (truncated headers, wrong lengths, bad
  checksums, unknown VSIDs, spoofed PAs, inner 802.1Q, unused VLANs, IPv6 on an
  IPv4-only tenant interface) on
  the underlay and on a tenant's VLAN are dropped with a named counter each,
  while a tenant's ping keeps being answered and TCP runs afterwards.

Lab of hnvlab/forwarding.py; skips while binaries, Open vSwitch or tshark are missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from hnvlab.forwarding import (GATEWAY_PA, GATEWAY_UPLINK_MAC, GATEWAY_VSID_MAC, REMOTE)
from hnvlab.host import PYTHON, tcp_transfer
from hnvlab.process import wait_for

DISSECTOR = Path(__file__).resolve().parents[2] / "tools" / "wireshark" / "nvgre.lua"
SCAPY_SEND = Path(__file__).resolve().parent / "scapy_send.py"


@pytest.fixture
def fwd(forwarding_lab):
    return forwarding_lab()


def test_trace_explains_a_drop_and_capture_names_vsid_and_tenant(fwd, hnv_bin):
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed (scripts/setup.sh installs it): it reads the pcapng files")
    gw = fwd.gateway
    rdid_a = fwd.topo.tenants["A"].rdid
    vm = fwd.vms["vm-a1"]
    vm.wait_ping(REMOTE, timeout=30)

    # A packet from tenant A's network to a CA nobody has: traced and explained.
    gw.ctl("trace", "start", "--count", "32")
    fwd.nets["A"].ping("10.0.1.99", count=1, timeout=1, check=False)
    trace = gw.ctl("trace", "show").stdout
    assert "overlay-output" in trace and "dropped: no-record" in trace, trace
    assert "ip4-lookup" in trace and "-> overlay-output" in trace, trace

    # Capture the underlay and the trunk while vm-a1 pings through the gateway.
    pcap = Path(fwd.gateway.lab.logdir) / "gw1.pcapng"
    capture = subprocess.Popen([str(hnv_bin("hnvctl")), "--socket", str(gw.socket), "--json", "capture", "--port",
                                "underlay", "--port", "trunk", "--file", str(pcap), "--count", "16", "--seconds", "10"],
                               stdout=subprocess.PIPE, text=True)
    wait_for(lambda: pcap.exists() and pcap.stat().st_size > 0, timeout=5, what="the capture file to be created")
    vm.ping(REMOTE, count=4, timeout=1, pattern="d1a90001")
    out, _ = capture.communicate(timeout=20)
    result = json.loads(out)
    assert result["packets"] == 16 and result["lost"] == 0, result
    fields = subprocess.run(["tshark", "-X", f"lua_script:{DISSECTOR}", "-r", str(pcap), "-T", "fields",
                             "-e", "frame.interface_name", "-e", "nvgre.vsid", "-e", "vlan.id", "-e", "frame.comment",
                             "-e", "icmp.type"], capture_output=True, text=True, timeout=60, check=True).stdout
    rows = [line.split("\t") for line in fields.splitlines() if line.strip()]
    underlay = [r for r in rows if r[0] == "underlay"]
    trunk = [r for r in rows if r[0] == "trunk"]
    assert len(underlay) == 8 and len(trunk) == 8, rows
    # Each echo and reply crosses both ports: in NVGRE (VSID 5001) and tagged 100 on the trunk.
    assert all(r[1] == "5001" and r[3].startswith("vsid=5001 ") and r[3].endswith(f"tenant={rdid_a}")
               for r in underlay), underlay
    assert all(r[2] == "100" and r[3] == f"tenant={rdid_a} vlan=100" for r in trunk), trunk


def scapy(node, *args: str) -> dict:
    done = node.exec([PYTHON, str(SCAPY_SEND), *args], check=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def drops(gw) -> dict[tuple[str, str], int]:
    out = {}
    for row in gw.ctl_json("counters", "--match", "hnv_node_errors_total"):
        if row["name"] == "hnv_node_errors_total":
            out[(row["labels"]["node"], row["labels"]["error"])] = int(row["value"])
    return out


def test_ten_thousand_malformed_frames_are_dropped_by_name_while_tenants_forward(fwd, lab):
    gw = fwd.gateway
    trunk_mac = next(x["mac"] for x in gw.ctl_json("tenants")["interfaces"] if x["vlan"] == 100)
    vm = fwd.vms["vm-a1"]
    vm.wait_ping(REMOTE, timeout=30)
    attacker = lab.node("attacker")
    attacker.attach("underlay", "eth0", ["192.0.2.66/24"])
    attacker.attach("trunk", "eth1", dataplane=True)
    before = drops(gw)

    # A tenant's ping runs all along: 0.1 s apart while the frames fly.
    stop = threading.Event()
    answered, sent = [0], [0]

    def keep_pinging() -> None:
        while not stop.is_set():
            sent[0] += 1
            if vm.ping(REMOTE, count=1, timeout=1, check=False).returncode == 0:
                answered[0] += 1

    pinger = threading.Thread(target=keep_pinging)
    pinger.start()
    try:
        a1 = fwd.topo.vms["vm-a1"]
        host1_pa = fwd.topo.hosts["host1"].pa
        kinds = scapy(attacker, "malformed-underlay", "eth0", GATEWAY_UPLINK_MAC, GATEWAY_PA, "7000", "5001", a1.mac,
                      a1.ca, GATEWAY_VSID_MAC["A"], host1_pa)
        kinds.update(scapy(attacker, "malformed-trunk", "eth1", trunk_mac, "3000", "100"))
    finally:
        stop.set()
        pinger.join(timeout=30)
    assert sum(kinds.values()) == 10000, kinds
    assert gw.running, "hnvgwd died"

    after = drops(gw)
    grew = {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}
    # Every kind lands on its own named counter.
    expected = {
        ("ip4-input", "malformed"): kinds["ip-truncated"] + kinds["ip-length-beyond-frame"],
        ("ip4-input", "bad-checksum"): kinds["ip-bad-checksum"],
        ("nvgre-input", "not-nvgre"): kinds["gre-not-nvgre"],
        ("nvgre-input", "truncated"): kinds["gre-truncated"],
        ("nvgre-input", "unknown-vsid"): kinds["nvgre-unknown-vsid"],
        ("nvgre-input", "inner-vlan"): kinds["nvgre-inner-vlan"],
        ("nvgre-input", "wrong-pa"): kinds["nvgre-spoofed-pa"],
        ("nvgre-input", "inner-malformed"): kinds["nvgre-inner-truncated"],
        ("eth-input", "vlan-not-configured"): kinds["unused-vlan"],
        ("eth-input", "tenant-unsupported-ethertype"): kinds["tagged-ipv6"],
        ("arp-input", "malformed"): kinds["tagged-arp-truncated"],
    }
    for key, n in expected.items():
        assert grew.get(key, 0) >= n, f"{key}: grew {grew.get(key, 0)}, expected {n}; all: {grew}"
    # The inner packets with bad headers and the tagged ones die in ip4-lookup.
    inner_bad = (kinds["nvgre-inner-bad-checksum"] + kinds["nvgre-inner-bad-length"] + kinds["tagged-ip-bad-checksum"] +
                 kinds["tagged-ip-truncated"] + kinds["tagged-ip-length-beyond-frame"])
    assert grew.get(("ip4-lookup", "bad-checksum"), 0) + grew.get(("ip4-lookup", "malformed"), 0) >= inner_bad, grew
    assert sum(grew.values()) >= 10000, grew

    # The tenant kept being served, and still is.
    assert sent[0] > 0 and answered[0] >= sent[0] - 1, f"{answered[0]} of {sent[0]} pings answered during the flood"
    tcp_transfer(vm.node, fwd.nets["A"], REMOTE, port=7301, nbytes=1 << 20, seed=9)
    out = fwd.nets["A"].ping(vm.ca, count=2, timeout=2)
    assert "2 received" in out.stdout, out.stdout



def metrics(text: str) -> dict[str, float]:
    """Prometheus text -> {"name{labels}": value}, checking every line is well formed."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            assert line.startswith(("# HELP ", "# TYPE ")) or not line, line
            continue
        key, value = line.rsplit(" ", 1)
        out[key] = float(value)
    return out


def test_prometheus_endpoint_counts_each_tenant_apart(fwd):
    gw = fwd.gateway
    assert gw.scrape("/health").strip() == "ok"
    vm = fwd.vms["vm-a1"]
    vm.wait_ping(REMOTE, timeout=30)
    vm.ping(REMOTE, count=5, timeout=2)
    m = metrics(gw.scrape())
    a, b = fwd.topo.tenants["A"].rdid, fwd.topo.tenants["B"].rdid

    def tenant(name: str, rdid: str, path: str | None = None) -> float:
        labels = f'tenant="{rdid}"' + (f',path="{path}"' if path else "")
        return m[f"{name}{{{labels}}}"]

    assert tenant("hnv_tenant_packets_total", a, "to-external") >= 6
    assert tenant("hnv_tenant_packets_total", a, "from-external") >= 6  # the replies
    assert tenant("hnv_tenant_bytes_total", a, "to-external") >= 6 * 84
    assert tenant("hnv_tenant_packets_total", b, "to-external") == 0
    assert tenant("hnv_tenant_drops_total", b) == 0
    # Node counters are there too, with their labels.
    assert any(k.startswith('hnv_node_packets_total{node="ip4-lookup"') for k in m), sorted(m)[:20]
    # A drop is counted for its tenant.
    fwd.nets["B"].ping("10.0.1.99", count=1, timeout=1, check=False)
    assert metrics(gw.scrape())[f'hnv_tenant_drops_total{{tenant="{b}"}}'] >= 1
