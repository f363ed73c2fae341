"""hnvgwd on its provider addresses: ARP, ND, ICMP echo, NVGRE accounting, idle cost.

Topology: an underlay segment with a kernel-stack peer (192.0.2.100,
2001:db8::100) and hnvgwd on an af_packet port (PA 192.0.2.1, 2001:db8::1).
Everything the gateway answers is answered by its DPDK data plane: the kernel
side of its interface has no address.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hnvlab import measure_cpu, start_gateway, wait_for

HERE = Path(__file__).resolve().parent
PA4, PA6 = "192.0.2.1", "2001:db8::1"
PEER4, PEER6 = "192.0.2.100/24", "2001:db8::100/64"


@pytest.fixture
def gw_lab(lab, hnv_bin):
    hnv_bin("hnvgwd")
    hnv_bin("hnvctl")
    lab.segment("underlay")
    peer = lab.node("peer")
    peer.attach("underlay", "eth0", [PEER4, PEER6])
    gw = start_gateway(lab, "gw1", "underlay", [f"{PA4}/24", f"{PA6}/64"])
    return lab, peer, gw


def scapy(node, *args: str) -> str:
    done = node.exec(["/usr/bin/python3", str(HERE / "scapy_send.py"), *args], check=True, timeout=30)
    return done.stdout.strip()


def test_ping_and_ping6_get_replies_from_the_data_plane(gw_lab):
    lab, peer, gw = gw_lab
    out4 = peer.ping(PA4, count=3, timeout=2)
    out6 = peer.ping(PA6, count=3, timeout=2)
    assert "3 received" in out4.stdout, out4.stdout
    assert "3 received" in out6.stdout, out6.stdout
    # The replies came from our nodes, not from a kernel.
    assert gw.counter("hnv_node_packets_total", node="icmp4-local") >= 3
    assert gw.counter("hnv_node_packets_total", node="icmp6-local") >= 3 + 1  # echoes and at least one NS
    assert gw.counter("hnv_node_packets_total", node="arp-input") >= 1


def test_arp_for_an_address_it_does_not_own_gets_no_reply(gw_lab):
    lab, peer, gw = gw_lab
    # Positive control: the same probe for the PA is answered with the port's MAC.
    assert scapy(peer, "arp-probe", "eth0", PA4) == gw.port.mac
    before = gw.counter("hnv_node_errors_total", node="arp-input", error="not-our-address")
    assert scapy(peer, "arp-probe", "eth0", "192.0.2.77") == "none"
    wait_for(lambda: gw.counter("hnv_node_errors_total", node="arp-input", error="not-our-address") > before,
             timeout=5, what="arp-input not-our-address to count the probe")


def test_nvgre_to_the_pa_is_counted_and_dropped_with_no_tenant(gw_lab):
    lab, peer, gw = gw_lab
    peer.ping(PA4, count=1)  # the path works before we look for a drop on it
    gw.ctl("trace", "start", "--count", "8")
    scapy(peer, "nvgre", "eth0", gw.port.mac, PA4, "5001", "7")
    wait_for(lambda: gw.counter("hnv_node_errors_total", node="nvgre-input", error="unknown-vsid") == 1,
             timeout=5, what="nvgre-input unknown-vsid == 1")
    # GRE that is not NVGRE is told apart.
    scapy(peer, "gre-ip", "eth0", gw.port.mac, PA4)
    wait_for(lambda: gw.counter("hnv_node_errors_total", node="nvgre-input", error="not-nvgre") == 1,
             timeout=5, what="nvgre-input not-nvgre == 1")
    # The trace shows the path and the reason.
    traces = gw.ctl_json("trace", "show")
    nvgre = [t for t in traces if "nvgre vsid 5001 flow 7" in t["summary"]]
    assert nvgre, [t["summary"] for t in traces]
    path = [(s["node"], s.get("next") or s.get("dropped") or s.get("end")) for s in nvgre[0]["path"]]
    assert path == [("port-rx", "eth-input"), ("eth-input", "ip4-input"), ("ip4-input", "nvgre-input"),
                    ("nvgre-input", "unknown-vsid"), ("drop", "freed")], path
    text = gw.ctl("trace", "show").stdout
    assert "dropped: unknown-vsid" in text, text


def test_three_idle_gateways_use_under_ten_percent_of_a_core(lab, hnv_bin):
    hnv_bin("hnvgwd")
    lab.segment("underlay")
    gws = [start_gateway(lab, f"gw{i}", "underlay", [f"192.0.2.{i}/24"]) for i in (1, 2, 3)]
    pids = [g.process.pid for g in gws]
    # Let start-up settle (EAL threads, first walks) before measuring.
    measure_cpu(pids, window=1.0)
    usage = measure_cpu(pids, window=5.0)
    total = sum(usage.values())
    print(f"\nidle CPU of 3 hnvgwd over 5 s: total {total * 100:.2f}% of one core; "
          + ", ".join(f"{g.name} {usage[g.process.pid] * 100:.2f}%" for g in gws), file=sys.stderr)
    for g in gws:
        g.process.assert_running()
    assert total < 0.10, usage
