"""The 802.1Q lab switch (hnvlab/vlan_switch.py) tags, untags and isolates: real frames, no hnvgwd.

    tester (scapy; tr0 data-plane, MAC 02:00:00:00:fe:01, stands for a gateway's trunk port)
       |
    segment "trunk" (Linux bridge; captured)
       |
    sw1: OVS br-vlan, tr0 trunk (all VLANs)
       |-- tag=100 -- ext100 198.51.100.1/24 (02:00:00:00:64:01), default via 198.51.100.254
       |-- tag=200 -- ext200 198.51.100.1/24 (02:00:00:00:c8:01)      same address: tenants overlap

The tester sends tagged ARP requests and ICMP echo requests with scapy and
reads the answers with tcpdump; every frame is compared byte for byte at each
hop. Needs only Open vSwitch (openvswitch-switch) and scapy; skips without OVS.
"""

from __future__ import annotations

from collections import Counter

import pytest

from hnvlab import wait_for
from hnvlab.ovs import ovs_missing
from hnvlab.vlan_switch import Probe, new_vlan_switch, send_probes, split_tag, start_vlan_switch

TESTER_MAC, TESTER_IP = "02:00:00:00:fe:01", "198.51.100.254"
HOST_IP = "198.51.100.1"
EXT = {100: ("ext100", "02:00:00:00:64:01"), 200: ("ext200", "02:00:00:00:c8:01")}
BROADCAST = "ff:ff:ff:ff:ff:ff"


@pytest.fixture
def ovs_available():
    why = ovs_missing()
    if why:
        pytest.skip(why)


def mac_bytes(mac: str) -> bytes:
    return bytes.fromhex(mac.replace(":", ""))


def tci(frame: bytes) -> bytes:
    """The 4 bytes after the MACs: TPID and TCI of a tagged frame."""
    return frame[12:16]


def is_echo_reply_with(frame: bytes, marker: bytes) -> bool:
    """An untagged IPv4 ICMP echo reply carrying `marker`."""
    return frame[12:14] == b"\x08\x00" and frame[23] == 1 and frame[34] == 0 and marker in frame


def is_arp_reply(frame: bytes, sender_mac: str, sender_ip: str) -> bool:
    """An untagged ARP reply from sender_mac for sender_ip, to the tester."""
    return (frame[12:14] == b"\x08\x06" and frame[20:22] == b"\x00\x02" and frame[22:28] == mac_bytes(sender_mac)
            and frame[28:32] == bytes(map(int, sender_ip.split("."))) and frame[32:38] == mac_bytes(TESTER_MAC))


def test_tagged_frames_reach_only_their_vlan_and_come_back_tagged(lab, ovs_available):
    trunk = lab.segment("trunk")
    wire = trunk.capture(name="capture-trunk")          # from before the switch exists: all that crosses
    tester = lab.node("tester")
    tester.attach(trunk, "tr0", dataplane=True)
    sw = new_vlan_switch(lab, "sw1")
    sw.trunk(trunk, "tr0")
    ext = {100: sw.access(100, "ext100", f"{HOST_IP}/24", gateway=TESTER_IP, mac=EXT[100][1])}  # before start
    sw.start()
    ext[200] = sw.access(200, "ext200", f"{HOST_IP}/24", mac=EXT[200][1])                      # after start
    at_tester = tester.capture("tr0")
    at_switch = sw.node.capture("tr0")                    # the trunk port as OVS reads it, past the bridge
    at_host = {vlan: node.capture("eth0") for vlan, node in ext.items()}

    # The access hosts are plain kernel hosts, IPv4 only; the switch's own interfaces are silent.
    assert ext[100].exec(["ip", "route", "show", "default"]).stdout.split()[:3] == ["default", "via", TESTER_IP]
    for vlan, node in ext.items():
        assert node.ns.mac("eth0") == EXT[vlan][1]
        assert node.ns.read_sysctl("net.ipv6.conf.eth0.disable_ipv6") == "1"
        assert [a["local"] for a in node.ns.addresses("eth0")] == [HOST_IP]
    for port in sw.ports.values():
        assert sw.node.ns.addresses(port.name) == [], f"{port.name} has a kernel address"
        assert "NOARP" in sw.node.ns.link(port.name)["flags"]
        assert sw.node.ns.read_sysctl(f"net/ipv6/conf/{port.name}/disable_ipv6") == "1"
    assert sw.vsctl("get", "port", "a100-ext100", "tag", "vlan_mode").stdout.split() == ["100", "access"]
    assert sw.vsctl("get", "port", "tr0", "vlan_mode").stdout.split() == ["trunk"]
    for key in ("call-iptables", "call-ip6tables", "call-arptables", "filter-vlan-tagged"):
        assert trunk.ns.read_sysctl(f"net.bridge.bridge-nf-{key}") == "0", f"bridge netfilter {key} on the trunk"

    def probe(vlan, dst_mac, marker=b"", kind="echo", size=0, src_ip=TESTER_IP):
        payload = (marker * (size // len(marker) + 1))[:size] if size else marker * 4
        return Probe(vlan, TESTER_MAC, dst_mac, src_ip, HOST_IP, kind=kind, payload=payload)

    # Round 1, per VLAN: ARP for the shared address, then an echo; VLAN 200 also at full size
    # (1500-byte IP packets, 1518-byte tagged frames on a trunk of MTU 1500).
    good = [probe(100, BROADCAST, kind="arp"), probe(100, EXT[100][1], b"ECHO-100"),
            probe(200, BROADCAST, kind="arp"), probe(200, EXT[200][1], b"ECHO-200"),
            probe(200, EXT[200][1], b"BIG-200!", size=1472)]
    sent = send_probes(tester, "tr0", good)
    assert len(sent[-1]) == 1518 and tci(sent[-1]) == b"\x81\x00\x00\xc8"

    def answered(vlan: int, marker: bytes) -> bytes | None:
        for frame in at_tester.frames():
            tag, inner = split_tag(frame)
            if tag == vlan and inner[6:12] == mac_bytes(EXT[vlan][1]) and is_echo_reply_with(inner, marker):
                return frame
        return None

    for vlan, marker in ((100, b"ECHO-100"), (200, b"ECHO-200"), (200, b"BIG-200!")):
        wait_for(lambda: answered(vlan, marker), timeout=10,
                 what=f"the tagged echo reply from {EXT[vlan][0]} on VLAN {vlan} ({marker!r})")
    big = answered(200, b"BIG-200!")
    assert len(big) == 1518, f"full-size reply: {len(big)} bytes on the trunk"

    # Each ARP request got exactly one answer, tagged with its VLAN, from that VLAN's host.
    arp_replies = [(split_tag(f)[0], split_tag(f)[1]) for f in at_tester.frames()
                   if split_tag(f)[1][12:14] == b"\x08\x06" and split_tag(f)[1][20:22] == b"\x00\x02"]
    assert sorted(tag for tag, _ in arp_replies) == [100, 200], arp_replies
    for tag, inner in arp_replies:
        assert is_arp_reply(inner, EXT[tag][1], HOST_IP), f"VLAN {tag}: ARP reply {inner.hex()}"

    # Round 2: frames that must reach no access port, then one sentinel echo per VLAN. OVS
    # reads the trunk in order: once the sentinels are through, the others had their chance.
    bad = [probe(None, BROADCAST, kind="arp", src_ip="198.51.100.250"),   # untagged broadcast ARP
           probe(None, EXT[100][1], b"UNTAG100"), probe(None, EXT[200][1], b"UNTAG200"),
           probe(300, BROADCAST, kind="arp", src_ip="198.51.100.251"),    # a VLAN without access port
           probe(300, EXT[100][1], b"VLAN-300"),
           probe(100, EXT[200][1], b"CROSS100")]                          # VLAN 100 to VLAN 200's host MAC
    sentinels = [probe(100, EXT[100][1], b"SENT-100"), probe(200, EXT[200][1], b"SENT-200")]
    sent += send_probes(tester, "tr0", bad + sentinels)
    for vlan, marker in ((100, b"SENT-100"), (200, b"SENT-200")):
        wait_for(lambda: answered(vlan, marker), timeout=10, what=f"the sentinel echo reply on VLAN {vlan}")
        wait_for(lambda: any(marker in f for f in at_host[vlan].frames()), timeout=5,
                 what=f"tcpdump on {EXT[vlan][0]} to see the sentinel")
    wait_for(lambda: set(sent) <= set(at_switch.frames()), timeout=5,
             what="tcpdump on sw1:tr0 to see every frame the tester sent, unmodified")

    # Above: the trunk path (veth, Linux bridge, veth) passes tagged frames unmodified, what OVS
    # reads is exactly what scapy sent. Below: nothing but the test's frames crossed the trunk,
    # from before the switch existed.
    wait_for(lambda: set(sent) <= set(wire.frames()), timeout=5,
             what="tcpdump on the trunk bridge to see every frame the tester sent")
    wire_frames = wire.frames()
    allowed_senders = {mac_bytes(TESTER_MAC)} | {mac_bytes(mac) for _name, mac in EXT.values()}
    strays = [f.hex() for f in wire_frames if f[6:12] not in allowed_senders]
    assert not strays, f"frames on the trunk from neither the tester nor an access host: {strays}"

    # Each access host received exactly its VLAN's frames, untagged and otherwise byte for byte
    # what was sent (the VLAN-100 frame to ext200's MAC included: unknown unicast, flooded in VLAN 100).
    # Nothing untagged, nothing of VLAN 300, nothing of the other VLAN.
    for vlan, node in ext.items():
        received = [f for f in at_host[vlan].frames() if f[6:12] != mac_bytes(EXT[vlan][1])]
        expected = [split_tag(f)[1] for f in sent if split_tag(f)[0] == vlan]
        assert Counter(received) == Counter(expected), (
            f"{node.name} (VLAN {vlan}) received {[f.hex() for f in received]}, expected {[f.hex() for f in expected]}")

    # Everything the hosts sent left the trunk tagged with their VLAN (TCI = VLAN, priority 0),
    # with the rest of the frame unchanged; no answer to any frame of round 2 but the sentinels.
    def from_hosts() -> dict[int, list[bytes]]:
        return {vlan: [f for f in at_host[vlan].frames() if f[6:12] == mac_bytes(EXT[vlan][1])] for vlan in ext}

    on_trunk = [f for f in at_tester.frames() if f[6:12] != mac_bytes(TESTER_MAC)]
    wait_for(lambda: sum(map(len, from_hosts().values())) >= len(on_trunk), timeout=5,
             what="the access hosts' captures to hold every frame the tester received")
    sent_by = from_hosts()
    assert on_trunk, "no replies on the trunk"
    for frame in on_trunk:
        tag, inner = split_tag(frame)
        assert tag in ext and tci(frame) == b"\x81\x00" + tag.to_bytes(2, "big"), f"reply {frame.hex()}"
        assert inner[6:12] == mac_bytes(EXT[tag][1]), f"VLAN {tag} frame from {inner[6:12].hex(':')}"
        assert inner in sent_by[tag], f"VLAN {tag}: {inner.hex()} was not sent by {EXT[tag][0]}"
    for marker in (b"UNTAG100", b"UNTAG200", b"VLAN-300", b"CROSS100"):
        assert not any(marker in f for f in on_trunk), f"{marker!r} was answered"
    assert not any(f[38:42] in (bytes([198, 51, 100, 250]), bytes([198, 51, 100, 251])) for f in on_trunk)

    # The switch learned per VLAN: the tester's MAC on the trunk in both VLANs, each host in its own.
    learned = set(sw.fdb())
    assert {("tr0", 100, TESTER_MAC), ("tr0", 200, TESTER_MAC),
            ("a100-ext100", 100, EXT[100][1]), ("a200-ext200", 200, EXT[200][1])} <= learned, learned


def test_access_ports_switch_within_their_vlan_and_a_trunk_can_be_limited(lab, ovs_available):
    sw = start_vlan_switch(lab, "sw1", "trunk", vlans=[100])
    a = sw.access(100, "host-a", "198.51.100.1/24")
    b = sw.access(100, "host-b", "198.51.100.2/24")
    c = sw.access(200, "host-c", "198.51.100.2/24")    # the same address as host-b, in VLAN 200
    assert sw.vsctl("get", "port", "tr0", "trunks").stdout.strip() == "[100]"
    assert sw.hosts == {"host-a": a, "host-b": b, "host-c": c}
    assert sw.access_port("host-c").vlan == 200 and sw.access_port("host-c").kind == "access"

    # Kernel to kernel within VLAN 100: host-a reaches host-b, never host-c.
    wait_for(lambda: a.ping("198.51.100.2", check=False).returncode == 0, timeout=10,
             what="host-a to ping host-b through the switch")
    neigh = a.exec(["ip", "-j", "neigh", "show", "198.51.100.2", "dev", "eth0"]).stdout.lower()
    assert b.ns.mac("eth0") in neigh and c.ns.mac("eth0") not in neigh, neigh
    assert c.ping("198.51.100.1", check=False, timeout=1).returncode != 0, "host-c (VLAN 200) reached VLAN 100"

    # The trunk carries VLAN 100 only: a VLAN-200 or untagged ARP for host-c's address is dropped
    # on ingress; the VLAN-100 one (sent last) is answered by host-b.
    tester = lab.node("tester")
    tester.attach("trunk", "tr0", dataplane=True)
    at_tester = tester.capture("tr0")
    at_c = c.capture("eth0")
    send_probes(tester, "tr0", [Probe(200, TESTER_MAC, BROADCAST, "198.51.100.254", "198.51.100.2", kind="arp"),
                                Probe(None, TESTER_MAC, BROADCAST, "198.51.100.253", "198.51.100.2", kind="arp"),
                                Probe(100, TESTER_MAC, BROADCAST, "198.51.100.252", "198.51.100.2", kind="arp")])

    def replies() -> list[tuple[int | None, bytes]]:
        return [split_tag(f) for f in at_tester.frames() if f[6:12] != mac_bytes(TESTER_MAC)]

    got = wait_for(replies, timeout=10, what="host-b's ARP reply on the trunk")
    assert [(tag, inner[6:12]) for tag, inner in got] == [(100, mac_bytes(b.ns.mac("eth0")))], got
    assert not any(f[6:12] == mac_bytes(TESTER_MAC) for f in at_c.frames()), "host-c saw the tester's ARP"
