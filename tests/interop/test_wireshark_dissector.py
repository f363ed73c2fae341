"""tools/wireshark/nvgre.lua against the tshark on this machine.

The test writes a small capture with scapy (NVGRE over IPv4 and IPv6, GRE
that is not NVGRE, a reserved VSID, NVGRE inside NVGRE), runs tshark with the
script, and checks the nvgre fields of every frame, that the inner frame is
still decoded, and that nvgre fields work in display filters. It needs no
root and no project binary; it is skipped only when tshark is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from scapy.layers.inet import ICMP, IP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import GRE, Ether
from scapy.utils import wrpcap

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "wireshark" / "nvgre.lua"

OUTER_MACS = {"src": "02:00:5e:00:00:01", "dst": "02:00:5e:00:00:02"}
INNER_MACS = {"src": "02:00:5e:00:01:01", "dst": "02:00:5e:00:01:02"}


def nvgre(vsid: int, flowid: int) -> GRE:
    return GRE(key_present=1, key=(vsid << 8) | flowid, proto=0x6558)


def inner_ping(src: str = "198.51.100.10", dst: str = "198.51.100.20") -> Ether:
    return Ether(**INNER_MACS) / IP(src=src, dst=dst) / ICMP(id=1, seq=1)


def outer4() -> Ether:
    return Ether(**OUTER_MACS) / IP(src="192.0.2.1", dst="192.0.2.2")


def outer6() -> Ether:
    return Ether(**OUTER_MACS) / IPv6(src="2001:db8::1", dst="2001:db8::2")


# Frame number -> (nvgre.vsid values, nvgre.flowid values, nvgre.reserved_vsid present,
# ip.src values). Empty tuples: the frame must carry no nvgre field at all.
FRAMES = [
    # 1: NVGRE over IPv4.
    (outer4() / nvgre(5001, 0x2A) / inner_ping(),
     ("5001",), (0x2A,), False, ("192.0.2.1", "198.51.100.10")),
    # 2: NVGRE over IPv6, the largest unreserved VSID.
    (outer6() / nvgre(16777214, 0) / inner_ping(),
     ("16777214",), (0,), False, ("198.51.100.10",)),
    # 3: GRE with a key that carries IPv4 (protocol 0x0800): not NVGRE.
    (outer4() / GRE(key_present=1, key=(5001 << 8) | 0x2A, proto=0x0800)
     / IP(src="203.0.113.5", dst="203.0.113.6") / ICMP(),
     (), (), False, ("192.0.2.1", "203.0.113.5")),
    # 4: GRE carrying Ethernet but without a key: not NVGRE.
    (outer4() / GRE(proto=0x6558) / inner_ping(),
     (), (), False, ("192.0.2.1", "198.51.100.10")),
    # 5: reserved VSID (0..0xFFF).
    (outer4() / nvgre(100, 0x01) / inner_ping(),
     ("100",), (0x01,), True, ("192.0.2.1", "198.51.100.10")),
    # 6: NVGRE inside NVGRE: each GRE header gets its own VSID and FlowID.
    (outer4() / nvgre(6001, 0x11)
     / Ether(**INNER_MACS) / IP(src="203.0.113.1", dst="203.0.113.2")
     / nvgre(6002, 0x22) / inner_ping(),
     ("6001", "6002"), (0x11, 0x22), False, ("192.0.2.1", "203.0.113.1", "198.51.100.10")),
]


@pytest.fixture(scope="module")
def tshark(tmp_path_factory: pytest.TempPathFactory):
    """Runs tshark with the script on the test capture; returns stdout."""
    binary = shutil.which("tshark")
    if binary is None:
        pytest.skip("tshark is not installed (Debian package tshark)")
    workdir = tmp_path_factory.mktemp("nvgre")
    pcap = workdir / "nvgre.pcap"
    wrpcap(str(pcap), [frame for frame, *_ in FRAMES])
    # A private HOME: a copy of nvgre.lua among the user's own Wireshark
    # plugins would register the protocol twice, and user preferences could
    # change the output.
    env = dict(os.environ, HOME=str(workdir), XDG_CONFIG_HOME=str(workdir / ".config"))

    def run(*args: str) -> str:
        cmd = [binary, "-n", "-X", f"lua_script:{SCRIPT}", "-r", str(pcap), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{proc.stderr}"
        assert "Lua" not in proc.stderr, f"{cmd} reported a Lua problem:\n{proc.stderr}"
        return proc.stdout

    return run


def fields(run, *names: str, display_filter: str | None = None) -> list[list[str]]:
    args = ["-T", "fields", "-E", "separator=|", "-E", "aggregator=,", "-e", "frame.number"]
    for name in names:
        args += ["-e", name]
    if display_filter is not None:
        args += ["-Y", display_filter]
    return [line.split("|") for line in run(*args).splitlines()]


def split(value: str) -> tuple[str, ...]:
    return tuple(value.split(",")) if value else ()


def test_fields_of_every_frame(tshark) -> None:
    rows = fields(tshark, "nvgre.vsid", "nvgre.flowid", "nvgre.reserved_vsid", "ip.src")
    assert [row[0] for row in rows] == [str(n) for n in range(1, len(FRAMES) + 1)]
    for row, (_, vsids, flowids, reserved, ip_srcs) in zip(rows, FRAMES):
        number, vsid, flowid, reserved_vsid, ip_src = row
        assert split(vsid) == vsids, f"frame {number}: nvgre.vsid"
        assert tuple(int(x, 0) for x in split(flowid)) == flowids, f"frame {number}: nvgre.flowid"
        if reserved:
            assert reserved_vsid in ("1", "True"), f"frame {number}: nvgre.reserved_vsid"
        else:
            assert reserved_vsid == "", f"frame {number}: nvgre.reserved_vsid"
        # The inner frame is still decoded: its IPv4 source follows the outer one.
        assert split(ip_src) == ip_srcs, f"frame {number}: ip.src"


def test_inner_frame_still_decoded(tshark) -> None:
    rows = fields(tshark, "ipv6.src", "eth.src", "icmp.type")
    by_frame = {row[0]: row[1:] for row in rows}
    ipv6_src, eth_src, icmp_type = by_frame["2"]
    assert ipv6_src == "2001:db8::1"
    assert split(eth_src) == (OUTER_MACS["src"], INNER_MACS["src"])
    assert icmp_type == "8"


def test_display_filter_on_vsid(tshark) -> None:
    assert fields(tshark, display_filter="nvgre.vsid == 5001") == [["1"]]
    assert fields(tshark, display_filter="nvgre.vsid == 16777214") == [["2"]]
    assert fields(tshark, display_filter="nvgre.reserved_vsid") == [["5"]]
    assert fields(tshark, display_filter="nvgre && !nvgre.reserved_vsid") == [["1"], ["2"], ["6"]]


def test_no_lua_errors_in_full_decode(tshark) -> None:
    out = tshark("-V")
    assert "Lua Error" not in out
    assert "Virtual Subnet ID: 5001" in out
