"""A UDP stream at a known rate, with sequence numbers, run inside lab namespaces (no extra package).

    python3 udp_stream.py send --to 203.0.113.254 --port 9999 --rate 200 --seconds 8
    python3 udp_stream.py receive --port 9999 --seconds 12

The sender sends --rate datagrams per second for --seconds, each carrying
its sequence number (8 bytes, big-endian), paced against the clock. The
receiver prints "listening on <port>" once bound, counts for --seconds
after the first datagram (or until --seconds pass without any) and then
prints one JSON line: {"received", "unique", "highest", "lost" (sequence
numbers below the highest that never came), "max_gap_ms" (the longest
silence between two arrivals), "from"}. Standalone on purpose, like
tcp_transfer.py.
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import sys
import time


def send(args: argparse.Namespace) -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start = time.monotonic()
    total = int(args.rate * args.seconds)
    for seq in range(total):
        wait = start + seq / args.rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        s.sendto(struct.pack("!Q", seq) + b"\0" * 56, (args.to, args.port))
    print(f"sent {total}", flush=True)
    return 0


def receive(args: argparse.Namespace) -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", args.port))
    s.settimeout(args.seconds)
    print(f"listening on {args.port}", flush=True)
    seen, received, last, gap, sender, end = set(), 0, None, 0.0, None, None
    while end is None or time.monotonic() < end:
        if end is not None:
            s.settimeout(max(0.01, end - time.monotonic()))
        try:
            data, sender = s.recvfrom(2048)
        except socket.timeout:
            break
        now = time.monotonic()
        if end is None:
            end = now + args.seconds
        if last is not None:
            gap = max(gap, now - last)
        last = now
        received += 1
        if len(data) >= 8:
            seen.add(struct.unpack("!Q", data[:8])[0])
    highest = max(seen) if seen else -1
    print(json.dumps({"received": received, "unique": len(seen), "highest": highest,
                      "lost": highest + 1 - len(seen), "max_gap_ms": round(gap * 1000, 1),
                      "from": f"{sender[0]}:{sender[1]}" if sender else None}), flush=True)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    a = sub.add_parser("send")
    a.add_argument("--to", required=True)
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--rate", type=float, default=200.0)
    a.add_argument("--seconds", type=float, default=5.0)
    r = sub.add_parser("receive")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args()
    return send(args) if args.mode == "send" else receive(args)


if __name__ == "__main__":
    sys.exit(main())
