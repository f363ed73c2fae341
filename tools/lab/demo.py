#!/usr/bin/python3
"""The lab demo: what hnv-gateway does today, with real processes and traffic.

Builds an underlay segment in network namespaces with a kernel-stack peer and
one hnvgwd on a DPDK af_packet port, then shows, step by step:

  1. the gateway answering ARP, ND and ping on its IPv4 and IPv6 provider
     addresses from its own data plane (the kernel side has no address);
  2. no answer for an address it does not own;
  3. an NVGRE packet to the provider address counted and dropped (no tenant
     is placed on the gateway yet), with the packet trace saying why;
  4. the gateway's ports and counters through hnvctl.

Everything is torn down at the end, also on Ctrl-C. The demo grows with each
capability (tenants, NAT, IPsec: see the issues list in README.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lab"))

from hnvlab import Lab, start_gateway, wait_for  # noqa: E402

SCAPY = ROOT / "tests" / "lab" / "scapy_send.py"


def step(title: str) -> None:
    print(f"\n\033[1m== {title}\033[0m", flush=True)


def show(cmd: str, text: str) -> None:
    print(f"$ {cmd}")
    print(text.rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep-logs", action="store_true", help="keep the lab's log directory")
    args = parser.parse_args()

    with Lab("demo", keep_logs=args.keep_logs or None) as lab:
        step("Building the lab: underlay segment, a peer (192.0.2.100) and hnvgwd gw1 (PA 192.0.2.1, 2001:db8::1)")
        lab.segment("underlay")
        peer = lab.node("peer")
        peer.attach("underlay", "eth0", ["192.0.2.100/24", "2001:db8::100/64"])
        gw = start_gateway(lab, "gw1", "underlay", ["192.0.2.1/24", "2001:db8::1/64"])
        print(f"gw1 is up: DPDK port on {gw.port.name} (MAC {gw.port.mac}), API socket {gw.socket}")

        step("1. ping and ping -6 to the provider addresses, answered by the DPDK data plane")
        show("peer$ ping -c 3 192.0.2.1", peer.ping("192.0.2.1", count=3).stdout)
        show("peer$ ping -6 -c 3 2001:db8::1", peer.ping("2001:db8::1", count=3).stdout)
        show("peer$ ip neigh", peer.exec(["ip", "neigh"]).stdout)

        step("2. An ARP request for 192.0.2.77, which gw1 does not own, gets no answer")
        out = peer.exec(["/usr/bin/python3", str(SCAPY), "arp-probe", "eth0", "192.0.2.77"]).stdout.strip()
        print(f"answer: {out}")

        step("3. An NVGRE packet (VSID 5001) to the PA: counted and dropped, no tenant is placed yet")
        gw.ctl("trace", "start", "--count", "4")
        peer.exec(["/usr/bin/python3", str(SCAPY), "nvgre", "eth0", gw.port.mac, "192.0.2.1", "5001", "7"])
        wait_for(lambda: gw.counter("hnv_node_errors_total", node="nvgre-input", error="unknown-vsid") >= 1,
                 timeout=5, what="the NVGRE packet to be counted")
        show("hnvctl trace show", gw.ctl("trace", "show").stdout)

        step("4. What the gateway reports")
        show("hnvctl ports", gw.ctl("ports").stdout)
        show("hnvctl counters --nonzero", gw.ctl("counters", "--nonzero").stdout)

        step("Tearing down")
    print("done: every namespace and process of the demo is gone.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
