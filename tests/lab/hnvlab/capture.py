"""Packet captures with tcpdump, readable while they run.

Started through Lab.capture() / Node.capture(). tcpdump runs with
`-U --immediate-mode` so that every packet is in the file as soon as it is
seen (environment.md: otherwise packets are lost when the capture is stopped
by a signal), and with `-Z root` so that it can write into the lab's log
directory. frames() parses the classic pcap file itself, tolerating a record
that is still being written, so a test can poll a running capture without
importing scapy.
"""

from __future__ import annotations

import struct
from pathlib import Path

from .process import Process

_PCAP_MAGIC = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",   # microseconds
               b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}   # nanoseconds


def read_pcap_frames(path: Path) -> list[bytes]:
    """Frames of a classic pcap file; an incomplete last record is left out."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    if len(data) < 24:
        return []
    endian = _PCAP_MAGIC.get(data[:4])
    if endian is None:
        raise ValueError(f"{path}: not a classic pcap file (magic {data[:4].hex()})")
    frames = []
    offset = 24
    while offset + 16 <= len(data):
        _sec, _frac, incl_len, _orig_len = struct.unpack_from(endian + "IIII", data, offset)
        end = offset + 16 + incl_len
        if end > len(data):
            break
        frames.append(data[offset + 16:end])
        offset = end
    return frames


class Capture(Process):
    """A running tcpdump writing `pcap`; frames() reads what it has so far."""

    def __init__(self, name: str, ifname: str, pcap: Path, log_path: Path, *, netns: str | None,
                 bpf: str | None = None, snaplen: int = 0) -> None:
        argv = ["tcpdump", "-i", ifname, "-U", "--immediate-mode", "-n", "-Z", "root",
                "-s", str(snaplen), "-w", str(pcap)]
        if bpf:
            argv.append(bpf)
        super().__init__(name, argv, log_path, netns=netns)
        self.ifname = ifname
        self.pcap = Path(pcap)

    def start(self) -> "Capture":
        """Start tcpdump and return once it is capturing (it says "listening on")."""
        super().start()
        self.wait_for_log(r"listening on", timeout=10.0)
        return self

    def frames(self) -> list[bytes]:
        return read_pcap_frames(self.pcap)
