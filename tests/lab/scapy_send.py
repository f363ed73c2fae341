"""Crafted packets for lab tests, run inside a namespace with /usr/bin/python3.

    scapy_send.py arp-probe IFACE TARGET_IP         prints the MAC that answered, or "none"
    scapy_send.py arp-owners IFACE TARGET_IP SECONDS
                                                    an ARP request for TARGET_IP every 100 ms for SECONDS,
                                                    each waiting 80 ms for every answer; prints a JSON list
                                                    of the sets of MACs that answered, one per probe
    scapy_send.py nvgre IFACE DST_MAC DST_IP VSID FLOWID
    scapy_send.py gre-ip IFACE DST_MAC DST_IP       plain GRE (no key, protocol IPv4): not NVGRE
    scapy_send.py nvgre-inner IFACE DST_MAC DST_IP VSID IN_SRC_MAC IN_DST_MAC IN_SRC_IP IN_DST_IP [VLAN]
                                                    NVGRE around an ICMP echo with the given inner
                                                    addresses (and an inner 802.1Q tag if VLAN)
    scapy_send.py gre-truncated IFACE DST_MAC DST_IP    IP protocol 47 with 3 bytes of GRE
    scapy_send.py ns-probe IFACE SRC6 TARGET6       a neighbour solicitation (to the solicited-node group);
                                                    prints the target link-layer address answered, or "none"
    scapy_send.py garp IFACE IP                     a gratuitous ARP request announcing IP; prints the
                                                    wall-clock time (time.time()) it was sent at
    scapy_send.py broadcast IFACE MARKER            a UDP broadcast (ff:ff:ff:ff:ff:ff, 255.255.255.255:9)
                                                    carrying MARKER, from the interface's address
    scapy_send.py malformed-underlay IFACE DST_MAC DST_IP COUNT VSID VM_MAC VM_CA GW_MAC HOST_PA
                                                    COUNT malformed frames to a gateway's PA, kinds in turn
                                                    (see MALFORMED_UNDERLAY); prints {kind: count} as JSON
    scapy_send.py malformed-trunk IFACE DST_MAC COUNT VLAN
                                                    COUNT malformed frames to a tenant interface on VLAN
                                                    (and on a VLAN nobody uses); prints {kind: count}
"""

import json
import sys
import time

from scapy.all import (ARP, ICMP, IP, GRE, UDP, Dot1Q, Ether, Raw, conf, get_if_addr, get_if_hwaddr,  # noqa: E402
                       sendp, srp)

conf.verb = 0


def main(argv):
    cmd, iface = argv[1], argv[2]
    src_mac = get_if_hwaddr(iface)
    if cmd == "arp-probe":
        target = argv[3]
        req = Ether(src=src_mac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=src_mac, psrc=get_if_addr(iface), pdst=target)
        answered, _ = srp(req, iface=iface, timeout=1.5, retry=1)
        print(answered[0][1][ARP].hwsrc if answered else "none")
    elif cmd == "arp-owners":
        target, seconds = argv[3], float(argv[4])
        req = Ether(src=src_mac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=src_mac, psrc=get_if_addr(iface), pdst=target)
        rounds, end = [], time.time() + seconds
        while time.time() < end:
            answered, _ = srp(req, iface=iface, timeout=0.08, multi=True)
            rounds.append(sorted({r[ARP].hwsrc for _, r in answered if r.haslayer(ARP) and r[ARP].op == 2}))
            time.sleep(0.02)
        print(json.dumps(rounds))
    elif cmd == "nvgre":
        dst_mac, dst_ip, vsid, flow = argv[3], argv[4], int(argv[5]), int(argv[6])
        inner = Ether(src="02:00:00:00:aa:01", dst="02:00:00:00:bb:01") / IP(src="10.0.1.10", dst="10.0.1.20") / ICMP()
        pkt = (Ether(src=src_mac, dst=dst_mac) / IP(src=get_if_addr(iface), dst=dst_ip, flags="DF") /
               GRE(key_present=1, key=(vsid << 8) | flow, proto=0x6558) / inner)
        sendp(pkt, iface=iface)
    elif cmd == "gre-ip":
        dst_mac, dst_ip = argv[3], argv[4]
        pkt = (Ether(src=src_mac, dst=dst_mac) / IP(src=get_if_addr(iface), dst=dst_ip) / GRE(proto=0x0800) /
               IP(src="10.9.9.9", dst="10.9.9.8") / ICMP())
        sendp(pkt, iface=iface)
    elif cmd == "nvgre-inner":
        dst_mac, dst_ip, vsid = argv[3], argv[4], int(argv[5])
        in_src_mac, in_dst_mac, in_src_ip, in_dst_ip = argv[6:10]
        inner = Ether(src=in_src_mac, dst=in_dst_mac)
        if len(argv) > 10:
            inner = inner / Dot1Q(vlan=int(argv[10]))
        inner = inner / IP(src=in_src_ip, dst=in_dst_ip) / ICMP()
        pkt = (Ether(src=src_mac, dst=dst_mac) / IP(src=get_if_addr(iface), dst=dst_ip, flags="DF") /
               GRE(key_present=1, key=vsid << 8, proto=0x6558) / inner)
        sendp(pkt, iface=iface)
    elif cmd == "gre-truncated":
        dst_mac, dst_ip = argv[3], argv[4]
        pkt = Ether(src=src_mac, dst=dst_mac) / IP(src=get_if_addr(iface), dst=dst_ip, proto=47) / Raw(b"\x20\x00\x65")
        sendp(pkt, iface=iface)
    elif cmd == "ns-probe":
        from scapy.layers.inet6 import (ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6,
                                        in6_getnsma, in6_getnsmac, inet_pton, inet_ntop, socket)
        src, target = argv[3], argv[4]
        group = inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, target)))
        ns = (Ether(src=src_mac, dst=in6_getnsmac(inet_pton(socket.AF_INET6, group))) / IPv6(src=src, dst=group, hlim=255) /
              ICMPv6ND_NS(tgt=target) / ICMPv6NDOptSrcLLAddr(lladdr=src_mac))
        answered, _ = srp(ns, iface=iface, timeout=1.5, retry=1, filter="icmp6")
        na = [r for _, r in answered if ICMPv6ND_NA in r and r[ICMPv6ND_NA].tgt == target]
        print(na[0][ICMPv6NDOptDstLLAddr].lladdr if na and ICMPv6NDOptDstLLAddr in na[0] else "none")
    elif cmd == "garp":
        ip = argv[3]
        sendp(Ether(src=src_mac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=src_mac, psrc=ip, pdst=ip), iface=iface)
        print(f"{time.time():.6f}")
    elif cmd == "broadcast":
        pkt = (Ether(src=src_mac, dst="ff:ff:ff:ff:ff:ff") / IP(src=get_if_addr(iface), dst="255.255.255.255") /
               UDP(sport=9, dport=9) / Raw(argv[3].encode()))
        sendp(pkt, iface=iface)
    elif cmd == "malformed-underlay":
        dst_mac, dst_ip, count = argv[3], argv[4], int(argv[5])
        vsid, vm_mac, vm_ca, gw_mac, host_pa = int(argv[6]), argv[7], argv[8], argv[9], argv[10]
        print(json.dumps(send_kinds(iface, malformed_underlay(src_mac, get_if_addr(iface), dst_mac, dst_ip, vsid, vm_mac,
                                                              vm_ca, gw_mac, host_pa), count)))
    elif cmd == "malformed-trunk":
        dst_mac, count, vlan = argv[3], int(argv[4]), int(argv[5])
        print(json.dumps(send_kinds(iface, malformed_trunk(src_mac, dst_mac, vlan), count)))
    else:
        raise SystemExit(f"unknown command {cmd}")


def malformed_underlay(src_mac, src_ip, dst_mac, dst_ip, vsid, vm_mac, vm_ca, gw_mac, host_pa):
    """(kind, frame bytes) pairs: what an attacker on the underlay can throw at a gateway's PA."""
    eth = Ether(src=src_mac, dst=dst_mac)
    good_ip = IP(src=src_ip, dst=dst_ip, flags="DF")
    inner = Ether(src=vm_mac, dst=gw_mac) / IP(src=vm_ca, dst="203.0.113.10") / ICMP(id=0x4242)
    nvgre = GRE(key_present=1, key=vsid << 8, proto=0x6558)
    bad_sum = IP(src=vm_ca, dst="203.0.113.10", chksum=0x1234) / ICMP()
    kinds = [
        ("ip-truncated", bytes(eth / good_ip / ICMP())[:14 + 12]),
        ("ip-length-beyond-frame", bytes(Ether(src=src_mac, dst=dst_mac, type=0x0800)) +
         bytes(IP(src=src_ip, dst=dst_ip, len=900) / ICMP())),
        ("ip-bad-checksum", bytes(eth / IP(src=src_ip, dst=dst_ip, chksum=0xbeef) / ICMP())),
        ("gre-not-nvgre", bytes(eth / IP(src=src_ip, dst=dst_ip) / GRE(proto=0x0800) / IP() / ICMP())),
        ("gre-truncated", bytes(eth / IP(src=src_ip, dst=dst_ip, proto=47) / Raw(b"\x20\x00\x65"))),
        ("nvgre-unknown-vsid", bytes(eth / good_ip / GRE(key_present=1, key=9999 << 8, proto=0x6558) / inner)),
        ("nvgre-inner-vlan", bytes(eth / good_ip / nvgre / Ether(src=vm_mac, dst=gw_mac) / Dot1Q(vlan=5) /
                                   IP(src=vm_ca, dst="203.0.113.10") / ICMP())),
        ("nvgre-spoofed-pa", bytes(eth / good_ip / nvgre / inner)),
        ("nvgre-inner-truncated", bytes(eth / good_ip / nvgre / Raw(bytes(inner)[:10]))),
        # Outer source forged to the VM's host: passes receive validation; the inner header is bad.
        ("nvgre-inner-bad-checksum", bytes(eth / IP(src=host_pa, dst=dst_ip, flags="DF") / nvgre /
                                           Ether(src=vm_mac, dst=gw_mac) / bad_sum)),
        ("nvgre-inner-bad-length", bytes(eth / IP(src=host_pa, dst=dst_ip, flags="DF") / nvgre /
                                         Ether(src=vm_mac, dst=gw_mac, type=0x0800)) +
         bytes(IP(src=vm_ca, dst="203.0.113.10", len=1400) / ICMP())),
    ]
    return kinds


def malformed_trunk(src_mac, dst_mac, vlan):
    """(kind, frame bytes) pairs on a tenant's VLAN of a gateway's trunk, and on an unused VLAN."""
    from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
    eth = Ether(src=src_mac, dst=dst_mac) / Dot1Q(vlan=vlan)
    return [
        ("tagged-ip-bad-checksum", bytes(eth / IP(src="198.51.100.66", dst="10.0.1.10", chksum=0x1111) / ICMP())),
        ("tagged-ip-truncated", bytes(eth / IP(src="198.51.100.66", dst="10.0.1.10") / ICMP())[:18 + 10]),
        ("tagged-ip-length-beyond-frame", bytes(Ether(src=src_mac, dst=dst_mac) / Dot1Q(vlan=vlan, type=0x0800)) +
         bytes(IP(src="198.51.100.66", dst="10.0.1.10", len=700) / ICMP())),
        ("tagged-arp-truncated", bytes(eth / ARP(op=1, hwsrc=src_mac, psrc="198.51.100.66", pdst="198.51.100.1"))[:18 + 12]),
        ("unused-vlan", bytes(Ether(src=src_mac, dst=dst_mac) / Dot1Q(vlan=3999) / IP(dst="10.0.1.10") / ICMP())),
        ("tagged-ipv6", bytes(eth / IPv6(src="2001:db8::66", dst="2001:db8::1") / ICMPv6EchoRequest())),
    ]


def send_kinds(iface, kinds, count):
    """Sends `count` frames, cycling through the kinds, in batches; returns how many of each."""
    frames, sent = [], {}
    for i in range(count):
        kind, frame = kinds[i % len(kinds)]
        frames.append(frame)
        sent[kind] = sent.get(kind, 0) + 1
    sock = conf.L2socket(iface=iface)
    try:
        for i, frame in enumerate(frames):
            sock.send(frame)
            if i % 100 == 99:
                time.sleep(0.005)  # paced: the kernel's backlog between namespaces would drop a blast
    finally:
        sock.close()
    return sent


if __name__ == "__main__":
    main(sys.argv)
