"""The benchmark's packets as a pcap file, for the peers that read real ports.

The frames are the ones gateway_bench builds in memory (bench/dataplane/
gateway_bench.cc): tenant t (0..tenants-1) has VSID 10000 + t, its VM
10.0.1.10 (MAC 02:0a:<t>) sits on host t % 64 (PA 192.0.2.(11 + t % 64),
MAC 02:0b:<host>), the gateway's PA is 192.0.2.1 with MAC 02:00:00:00:00:01
and each tenant's gateway MAC is 02:fe:<t>. Flow f of a tenant is UDP from
port 1000 + f to 203.0.113.(1 + f % 250):53. Packets go flow by flow, each
over every tenant, as gateway_bench sends them.

Written with the standard library only (no scapy): a classic pcap file,
microsecond timestamps, link type Ethernet.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterable

HOSTS = 64
FIRST_VSID = 10000
GATEWAY_PA = ipaddress.IPv4Address("192.0.2.1")
UNDERLAY_MAC = bytes.fromhex("020000000001")
VM_CA = ipaddress.IPv4Address("10.0.1.10")


def mac(kind: int, n: int) -> bytes:
    """02:<kind>:<n as 4 bytes>, the MAC plan of gateway_bench."""
    return bytes([0x02, kind]) + n.to_bytes(4, "big")


def mac_text(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


def host_pa(h: int) -> ipaddress.IPv4Address:
    return GATEWAY_PA + 10 + h


def remote_of(f: int) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address("203.0.113.0") + 1 + f % 250


def _checksum(data: bytes) -> int:
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src: ipaddress.IPv4Address, dst: ipaddress.IPv4Address, proto: int, payload: bytes) -> bytes:
    """An IPv4 header (DF, TTL 64, no options) with its checksum, then payload."""
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0, src.packed, dst.packed)
    return header[:10] + struct.pack("!H", _checksum(header)) + header[12:] + payload


def udp(sport: int, dport: int, payload: bytes) -> bytes:
    """UDP without checksum (0: none, legal for IPv4)."""
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def nvgre_from_vm(t: int, f: int, inner_bytes: int) -> bytes:
    """The decap-forward frame of tenant t, flow f: an inner frame of inner_bytes
    (Ethernet + IPv4 + UDP + 0xab fill) in NVGRE from the VM's host to the gateway."""
    h = t % HOSTS
    fill = bytes([0xAB]) * (inner_bytes - 14 - 20 - 8)
    inner = mac(0xFE, t) + mac(0x0A, t) + b"\x08\x00" + ipv4(VM_CA, remote_of(f), 17, udp(1000 + f, 53, fill))
    gre = struct.pack("!HHI", 0x2000, 0x6558, (FIRST_VSID + t) << 8)
    return UNDERLAY_MAC + mac(0x0B, h) + b"\x08\x00" + ipv4(host_pa(h), GATEWAY_PA, 47, gre + inner)


def decap_forward_frames(tenants: int, flows: int, inner_bytes: int) -> list[bytes]:
    return [nvgre_from_vm(t, f, inner_bytes) for f in range(flows) for t in range(tenants)]


def nat_external(t: int) -> ipaddress.IPv4Address:
    """Tenant t's NAT external address in nat_bench (the internet domain's 100.64.0.0/10)."""
    return ipaddress.IPv4Address("100.64.1.0") + t


def nat_from_vm(t: int, k: int) -> bytes:
    """nat_bench's session of tenant t, flow k: UDP 10.0.1.10:(1024 + k) -> 198.51.100.(1 + k % 200):53,
    a 106-byte inner frame in NVGRE (FlowID k mod 256) from the VM's host."""
    h = t % HOSTS
    remote = ipaddress.IPv4Address("198.51.100.0") + 1 + k % 200
    fill = bytes([0xAB]) * (106 - 14 - 20 - 8)
    inner = mac(0xFE, t) + mac(0x0A, t) + b"\x08\x00" + ipv4(VM_CA, remote, 17, udp(1024 + k, 53, fill))
    gre = struct.pack("!HHI", 0x2000, 0x6558, (FIRST_VSID + t) << 8 | (k & 0xFF))
    return UNDERLAY_MAC + mac(0x0B, h) + b"\x08\x00" + ipv4(host_pa(h), GATEWAY_PA, 47, gre + inner)


def nat_in2out_frames(tenants: int, flows: int) -> list[bytes]:
    """Every session once, consecutive packets of different tenants (nat_bench's order)."""
    return [nat_from_vm(t, k) for k in range(flows) for t in range(tenants)]


def write_pcap(path: str, frames: Iterable[bytes]) -> int:
    """Write frames to a classic pcap file; returns how many."""
    n = 0
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for frame in frames:
            out.write(struct.pack("<IIII", n // 1_000_000, n % 1_000_000, len(frame), len(frame)) + frame)
            n += 1
    return n


def nat_from_internet(t: int, k: int) -> bytes:
    """nat_bench's answer to session (t, k): UDP 198.51.100.(1 + k % 200):53 -> tenant t's
    external address, port 1024 + k, from the provider's router on the internet port."""
    remote = ipaddress.IPv4Address("198.51.100.0") + 1 + k % 200
    fill = bytes([0xCD]) * (106 - 14 - 20 - 8)
    return mac(0x01, 1) + mac(0x99, 1) + b"\x08\x00" + ipv4(remote, nat_external(t), 17, udp(53, 1024 + k, fill))


def nat_out2in_frames(tenants: int, flows: int) -> list[bytes]:
    return [nat_from_internet(t, k) for k in range(flows) for t in range(tenants)]


# overlay_bench's scale plan (bench/dataplane/overlay_bench.cc, "at scale"):
# tenant t has VSID 10000 + t and subnet 10.1.0.0/16; its record k is CA
# 10.1.0.10 + k with MAC 02:0c:<t:16>:<k:16> on remote host (t + k) % 64
# (PA 192.0.2.100 + h, MAC 02:0b:00:00:00:<h>); record 0 of tenants below
# --vms is the local VM, on host1 (PA 192.0.2.11, uplink MAC 02:00:5e:00:53:11).
HOST1_PA = ipaddress.IPv4Address("192.0.2.11")
HOST1_MAC = bytes.fromhex("02005e005311")


def record_mac(t: int, k: int) -> bytes:
    return bytes([0x02, 0x0C, t >> 8 & 0xFF, t & 0xFF, k >> 8 & 0xFF, k & 0xFF])


def record_ca(k: int) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address("10.1.0.10") + k


def remote_host(t: int, k: int) -> int:
    return (t + k) % HOSTS


def remote_pa(h: int) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address("192.0.2.100") + h


def remote_host_mac(h: int) -> bytes:
    return bytes([0x02, 0x0B, 0, 0, 0, h])


def _vm_udp(src_mac: bytes, dst_mac: bytes, src, dst) -> bytes:
    return dst_mac + src_mac + b"\x08\x00" + ipv4(src, dst, 17, udp(1000, 2000, bytes([0xAB]) * 64))


def host_encap_frames(vms: int, records: int) -> list[bytes]:
    """VM v to record k of its subnet, k over the records, each over every VM (106 B frames)."""
    return [_vm_udp(record_mac(v, 0), record_mac(v, k), record_ca(0), record_ca(k))
            for k in range(1, records) for v in range(vms)]


def host_decap_frames(vms: int, records: int) -> list[bytes]:
    """The answers: NVGRE from record k's host to host1, the inner frame to VM v."""
    out = []
    for k in range(1, records):
        for v in range(vms):
            h = remote_host(v, k)
            inner = _vm_udp(record_mac(v, k), record_mac(v, 0), record_ca(k), record_ca(0))
            gre = struct.pack("!HHI", 0x2000, 0x6558, (FIRST_VSID + v) << 8 | (k & 0xFF))
            out.append(HOST1_MAC + remote_host_mac(h) + b"\x08\x00" + ipv4(remote_pa(h), HOST1_PA, 47, gre + inner))
    return out


def host_pairs(vms: int, records: int) -> list[tuple[bytes, bytes, int, str]]:
    """(VM MAC, remote MAC, VSID, remote PA) of every flow of those frames."""
    return [(record_mac(v, 0), record_mac(v, k), FIRST_VSID + v, str(remote_pa(remote_host(v, k))))
            for k in range(1, records) for v in range(vms)]
