"""A TCP transfer with a checked payload, run inside lab namespaces (no extra package).

    python3 tcp_transfer.py server --port 5001 [--bind 0.0.0.0] [--timeout 30]
    python3 tcp_transfer.py client --connect 10.0.1.20 --port 5001 --bytes 1048576 [--seed 1]
    python3 tcp_transfer.py source --port 5001 --bytes 8388608 [--seed 1] [--rate 1048576] [--timeout 30]
    python3 tcp_transfer.py fetch --connect 203.0.113.254 --port 5001 [--timeout 30]

The server accepts one connection, reads until EOF, answers with one line
"<bytes> <sha256>" and prints "received <bytes> <sha256> from <peer>". It
prints "listening on <addr>:<port>" once it accepts connections, so the
harness waits for that line instead of sleeping. The client sends a
pseudo-random payload derived from --seed, half-closes, reads the server's
line and prints "sent <bytes> <sha256> ok" when the server saw exactly the
bytes it sent (exit 0), or "sent ... MISMATCH server <line>" (exit 1).
A download: "source" accepts one connection, sends the payload of --seed
at --rate bytes per second (paced in 64 KiB writes) and closes; "fetch"
reads to the end and prints "fetched <bytes> <sha256>" (one connection: a
reset or a timeout ends it with exit 2). Standalone on purpose: it runs under `ip netns exec /usr/bin/python3` without
the hnvlab package on the path. VmHandle.tcp_transfer() in host.py drives it.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import socket
import sys
import time

CHUNK = 65536


def payload(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def accept_one(args: argparse.Namespace) -> tuple[socket.socket, tuple]:
    """Listens on --bind/--port, says so, and returns the first connection."""
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as srv:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((args.bind, args.port))
        srv.listen(1)
        srv.settimeout(args.timeout)
        print(f"listening on {args.bind}:{args.port}", flush=True)
        return srv.accept()


def read_to_end(conn: socket.socket) -> tuple[int, str]:
    """Reads until EOF: the byte count and the sha256 of what came."""
    digest, total = hashlib.sha256(), 0
    while True:
        data = conn.recv(CHUNK)
        if not data:
            return total, digest.hexdigest()
        digest.update(data)
        total += len(data)


def serve(args: argparse.Namespace) -> int:
    conn, peer = accept_one(args)
    with conn:
        conn.settimeout(args.timeout)
        total, digest = read_to_end(conn)
        line = f"{total} {digest}"
        conn.sendall(line.encode() + b"\n")
    print(f"received {line} from {peer[0]}:{peer[1]}", flush=True)
    return 0


def send(args: argparse.Namespace) -> int:
    data = payload(args.bytes, args.seed)
    expected = f"{len(data)} {hashlib.sha256(data).hexdigest()}"
    with socket.create_connection((args.connect, args.port), timeout=args.timeout) as conn:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while not answer.endswith(b"\n"):
            more = conn.recv(256)
            if not more:
                break
            answer += more
    got = answer.decode(errors="replace").strip()
    if got == expected:
        print(f"sent {expected} ok", flush=True)
        return 0
    print(f"sent {expected} MISMATCH server {got!r}", flush=True)
    return 1


def source(args: argparse.Namespace) -> int:
    data = payload(args.bytes, args.seed)
    conn, peer = accept_one(args)
    with conn:
        conn.settimeout(args.timeout)
        start = time.monotonic()
        for at in range(0, len(data), CHUNK):
            conn.sendall(data[at:at + CHUNK])
            if args.rate:
                ahead = (at + CHUNK) / args.rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
        conn.shutdown(socket.SHUT_WR)
    print(f"sent {len(data)} {hashlib.sha256(data).hexdigest()} to {peer[0]}:{peer[1]}", flush=True)
    return 0


def fetch(args: argparse.Namespace) -> int:
    with socket.create_connection((args.connect, args.port), timeout=args.timeout) as conn:
        total, digest = read_to_end(conn)
    print(f"fetched {total} {digest}", flush=True)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("server")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--bind", default="0.0.0.0")
    s.add_argument("--timeout", type=float, default=30.0)
    c = sub.add_parser("client")
    c.add_argument("--connect", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--bytes", type=int, default=1 << 20)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--timeout", type=float, default=30.0)
    so = sub.add_parser("source")
    so.add_argument("--port", type=int, required=True)
    so.add_argument("--bind", default="0.0.0.0")
    so.add_argument("--bytes", type=int, default=1 << 20)
    so.add_argument("--seed", type=int, default=1)
    so.add_argument("--rate", type=int, default=0)
    so.add_argument("--timeout", type=float, default=30.0)
    f = sub.add_parser("fetch")
    f.add_argument("--connect", required=True)
    f.add_argument("--port", type=int, required=True)
    f.add_argument("--timeout", type=float, default=30.0)
    args = p.parse_args()
    modes = {"server": serve, "client": send, "source": source, "fetch": fetch}
    try:
        return modes[args.mode](args)
    except OSError as exc:
        print(f"{args.mode}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
