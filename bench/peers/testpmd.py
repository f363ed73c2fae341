"""dpdk-testpmd io forwarding on virtual devices: the I/O ceiling of a port pair.

testpmd forwards port 0 -> port 1 (and 1 -> 0) unchanged on one forwarding
lcore. Given net_null ports, both receive and both send; given a net_pcap
receive port and a transmit-only net_null (no-rx=1), only 0 -> 1 carries
packets. The rate is the sum of the ports' Rx-pps of testpmd's last
periodic report; cycles per packet are TSC Hz / that rate.
"""

from __future__ import annotations

import re
import subprocess


def io_forward(vdevs: list[str], *, seconds: int = 8, main_core: int = 0, fwd_core: int = 1,
               mbufs: int = 16384, prefix: str = "hnvbench-tp") -> float:
    """Packets per second testpmd's forwarding lcore moves between the two vdevs."""
    argv = ["timeout", "-s", "INT", str(seconds), "dpdk-testpmd", "-l", f"{main_core},{fwd_core}", "--no-pci",
            "--in-memory", f"--file-prefix={prefix}", "--log-level=3"]
    for v in vdevs:
        argv += ["--vdev", v]
    argv += ["--", "--forward-mode=io", "--auto-start", "--stats-period", "2", f"--total-num-mbufs={mbufs}"]
    out = subprocess.run(argv, capture_output=True, text=True).stdout
    rates = [float(x) for x in re.findall(r"Rx-pps:\s+(\d+)", out)]
    if len(rates) < 2:
        raise RuntimeError(f"dpdk-testpmd printed no rates:\n{out[-2000:]}")
    return rates[-2] + rates[-1]
