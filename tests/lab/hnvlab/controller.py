"""Running hnv-controller in a lab namespace and talking to its REST API.

`start_controller()` writes a configuration file into the lab's log
directory, starts hnv-controller as a lab process inside a namespace of its
own (a lab node, loopback up, listening on 127.0.0.1) and waits for its
"listening" line. The returned Controller speaks HTTP to it from the test:
the client socket is created inside the controller's namespace (setns on the
calling thread only, then back), so nothing is exposed in the host namespace,
the port is fixed across restarts and parallel labs cannot collide.

    ctl = start_controller(lab, "controller", tokens=[admin_token("root")])
    status, body = ctl.request("GET", "/v1/status")
    with ctl.watch(body["revision"]) as w:
        for line in w: ...
    ctl.kill9(); ctl.restart()

Tokens are given in clear text; the configuration gets their SHA-256 as
printed by `hnv-controller hash-token`, so the test uses the controller's own
hashing.
"""

from __future__ import annotations

import ctypes
import http.client
import json
import os
import re
import socket
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .binaries import find_binary
from .errors import LabError
from .netns import NETNS_RUN_DIR
from .process import Process
from .topology import Lab, Node

DEFAULT_PORT = 8470
_READY_RE = (r"hnv-controller (?P<version>\S+) listening on (?P<address>\S+):(?P<port>\d+)(?: \(TLS\))?, "
             r"revision (?P<revision>\d+), (?P<objects>\d+) objects, store (?P<store>.+)$")

_CLONE_NEWNET = 0x40000000
_LIBC = ctypes.CDLL(None, use_errno=True)

# `token=` default of the request methods: the controller's first admin token.
DEFAULT_TOKEN: Any = object()


# -- sockets inside a namespace ---------------------------------------------------


def _setns(fd: int, netns: str) -> None:
    if _LIBC.setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise LabError(f"setns into the network namespace {netns} failed: {os.strerror(err)}")


def netns_socket(netns: str | None, family: int = socket.AF_INET, kind: int = socket.SOCK_STREAM) -> socket.socket:
    """A socket that lives in namespace `netns` (None: the caller's own).

    A socket belongs to the network namespace of the thread that creates it,
    so this thread enters `netns`, creates the socket and returns to where it
    was. Only the calling thread moves, and only for that instant.
    """
    if netns is None:
        return socket.socket(family, kind)
    with open(NETNS_RUN_DIR / netns, "rb") as target, open("/proc/thread-self/ns/net", "rb") as home:
        _setns(target.fileno(), netns)
        try:
            return socket.socket(family, kind)
        finally:
            _setns(home.fileno(), "of the test thread (back from " + netns + ")")


class NetnsHTTPConnection(http.client.HTTPConnection):
    """http.client.HTTPConnection whose socket is created inside a namespace."""

    def __init__(self, netns: str | None, host: str, port: int, timeout: float | None = 30.0) -> None:
        super().__init__(host, port, timeout=timeout)
        self.netns = netns

    def connect(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = netns_socket(self.netns, family)
        try:
            sock.settimeout(self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.connect((self.host, self.port))
        except BaseException:
            sock.close()
            raise
        self.sock = sock


# -- tokens and configuration --------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A bearer token of the lab controller, in clear text, with its role."""

    name: str
    secret: str
    role: str = "admin"
    routing_domains: tuple[str, ...] = ()
    node: str | None = None

    def config_entry(self, hnv_controller: Path) -> dict:
        entry: dict[str, Any] = {"name": self.name, "sha256": hash_token(hnv_controller, self.secret), "role": self.role}
        if self.routing_domains:
            entry["routingDomains"] = list(self.routing_domains)
        if self.node is not None:
            entry["node"] = self.node
        return entry


def admin_token(name: str = "admin", secret: str | None = None) -> Token:
    return Token(name, secret or f"lab-{name}-secret", "admin")


def tenant_token(name: str, routing_domains: Sequence[str], secret: str | None = None) -> Token:
    return Token(name, secret or f"lab-{name}-secret", "tenant", tuple(routing_domains))


def node_token(name: str, node: str, secret: str | None = None) -> Token:
    return Token(name, secret or f"lab-{name}-secret", "node", node=node)


def hash_token(hnv_controller: Path, secret: str) -> str:
    """SHA-256 of a token as the controller computes it (`hnv-controller hash-token -`)."""
    done = subprocess.run([str(hnv_controller), "hash-token", "-"], input=secret + "\n", capture_output=True,
                          text=True, timeout=10)
    digest = done.stdout.strip()
    if done.returncode != 0 or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise LabError(f"hnv-controller hash-token failed (exit {done.returncode}): {done.stderr.strip() or digest!r}")
    return digest


# -- replies and watch streams ---------------------------------------------------------


@dataclass
class Reply:
    """One HTTP reply: status, headers (lower-case names), raw body and the JSON in it."""

    status: int
    headers: dict[str, str]
    body: bytes
    json: Any = None

    @property
    def error(self) -> dict:
        """The `error` object of an error reply ({} if there is none)."""
        return self.json.get("error", {}) if isinstance(self.json, dict) else {}


class ControllerError(LabError):
    """A request that the test expected to succeed did not."""

    def __init__(self, what: str, reply: Reply) -> None:
        super().__init__(f"{what}: HTTP {reply.status} {reply.body[:500]!r}")
        self.reply = reply


def _reply(resp: http.client.HTTPResponse, body: bytes) -> Reply:
    parsed = None
    if body:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
    return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body, parsed)


class Watch:
    """A `GET .../watch` stream: iterate to get each NDJSON line as parsed JSON.

    The connection is raw http.client with chunked transfer decoding; every
    read waits at most `timeout` seconds (socket.timeout otherwise), so a
    stream that stops delivering fails the test instead of hanging it.
    Iteration ends when the server ends the stream. close() drops the TCP
    connection at once (that is how a client leaves a watch).
    """

    def __init__(self, conn: NetnsHTTPConnection, resp: http.client.HTTPResponse, path: str) -> None:
        self.conn = conn
        self.resp = resp
        self.path = path
        self.closed = False
        self.lines = 0

    def __iter__(self) -> Iterator[dict]:
        return self

    def __next__(self) -> dict:
        if self.closed:
            raise StopIteration
        line = self.resp.readline()
        if not line:
            raise StopIteration
        if not line.endswith(b"\n"):
            raise LabError(f"watch {self.path}: stream ended inside a line: {line[:200]!r}")
        self.lines += 1
        try:
            return json.loads(line)
        except ValueError as exc:
            raise LabError(f"watch {self.path}: line {self.lines} is not JSON ({exc}): {line[:200]!r}") from None

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        # Closing the connection closes the socket and the response reading from it.
        self.conn.close()
        self.resp.close()

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- the controller --------------------------------------------------------------------


@dataclass
class Controller:
    """One hnv-controller of a lab, its configuration and its HTTP client side."""

    lab: Lab
    name: str
    node: Node
    binary: Path
    config_path: Path
    config: dict
    tokens: dict[str, Token]
    address: str
    port: int
    process: Process | None = None
    ready: dict = field(default_factory=dict)  # the fields of the last "listening" line
    ready_timeout: float = 20.0

    @property
    def netns(self) -> str:
        return self.node.ns.name

    @property
    def url(self) -> str:
        """Base URL, valid inside the controller's namespace (ip netns exec NS curl URL)."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}"

    @property
    def database(self) -> Path:
        return Path(self.config["database"])

    @property
    def default_token(self) -> str | None:
        return next((t.secret for t in self.tokens.values() if t.role == "admin"), None)

    def token(self, name: str) -> str:
        """The clear-text secret of the token called `name`."""
        try:
            return self.tokens[name].secret
        except KeyError:
            raise LabError(f"controller {self.name} has no token {name} (has {sorted(self.tokens)})") from None

    # -- lifetime -------------------------------------------------------------

    def _start(self) -> None:
        self.process = self.node.start(self.name, [str(self.binary), "--config", str(self.config_path)])
        match = self.process.wait_for_log(_READY_RE, timeout=self.ready_timeout)
        self.ready = {**match.groupdict(), "revision": int(match["revision"]), "objects": int(match["objects"]),
                      "port": int(match["port"])}

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM (SIGKILL after `timeout`); returns the exit code (0: clean stop)."""
        return self.process.stop(timeout=timeout) if self.process else None

    def kill9(self) -> int | None:
        """SIGKILL at once, as a crash would."""
        return self.process.kill() if self.process else None

    def restart(self) -> "Controller":
        """Stop the running process if any (SIGTERM) and start a new one on the same configuration."""
        if self.process is not None and self.process.running:
            self.stop()
        self._start()
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running

    # -- HTTP -----------------------------------------------------------------

    def connection(self, timeout: float | None = 30.0) -> NetnsHTTPConnection:
        """A new (not yet connected) HTTP connection to the controller."""
        return NetnsHTTPConnection(self.netns, self.address, self.port, timeout=timeout)

    def _headers(self, token: Any, headers: Mapping[str, str] | None) -> dict[str, str]:
        out: dict[str, str] = {}
        if token is DEFAULT_TOKEN:
            token = self.default_token
        if token is not None:
            out["Authorization"] = f"Bearer {token}"
        out.update(headers or {})
        return out

    @staticmethod
    def _encode(body: Any) -> bytes | None:
        if body is None:
            return None
        if isinstance(body, bytes):
            return body
        if isinstance(body, str):
            return body.encode()
        return json.dumps(body, separators=(",", ":")).encode()

    def call(self, method: str, path: str, body: Any = None, *, token: Any = DEFAULT_TOKEN,
             headers: Mapping[str, str] | None = None, timeout: float | None = 60.0) -> Reply:
        """One request on a fresh connection; `body` is JSON-encoded unless bytes or str."""
        data = self._encode(body)
        hdrs = self._headers(token, headers)
        if data is not None:
            hdrs.setdefault("Content-Type", "application/json")
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return _reply(resp, resp.read())
        finally:
            conn.close()

    def request(self, method: str, path: str, body: Any = None, token: Any = DEFAULT_TOKEN,
                headers: Mapping[str, str] | None = None) -> tuple[int, Any]:
        """(status, parsed JSON body or None)."""
        reply = self.call(method, path, body, token=token, headers=headers)
        return reply.status, reply.json

    def ok(self, method: str, path: str, body: Any = None, token: Any = DEFAULT_TOKEN,
           expect: Sequence[int] = (200, 201)) -> Any:
        """The JSON of a request that must succeed; ControllerError otherwise."""
        reply = self.call(method, path, body, token=token)
        if reply.status not in expect:
            raise ControllerError(f"{method} {path} (expected {'/'.join(map(str, expect))})", reply)
        return reply.json

    def status(self) -> dict:
        return self.ok("GET", "/v1/status")

    def revision(self) -> int:
        return int(self.status()["revision"])

    def batch(self, operations: Sequence[Mapping], token: Any = DEFAULT_TOKEN) -> dict:
        """POST /v1/batch that must succeed: {"revision", "changes"}."""
        return self.ok("POST", "/v1/batch", {"operations": list(operations)}, token=token)

    def watch(self, from_rev: int | None, token: Any = DEFAULT_TOKEN, kind: str | None = None, *,
              path: str = "/v1/watch", timeout: float = 15.0) -> Watch:
        """Open a watch stream (from=None: from the current revision).

        Raises ControllerError if the server answers anything but a 200 stream.
        """
        query = []
        if from_rev is not None:
            query.append(f"from={from_rev}")
        if kind is not None:
            query.append(f"kind={kind}")
        full = path + ("?" + "&".join(query) if query else "")
        conn = self.connection(timeout)
        try:
            conn.request("GET", full, headers=self._headers(token, None))
            resp = conn.getresponse()
        except BaseException:
            conn.close()
            raise
        if resp.status != 200:
            reply = _reply(resp, resp.read())
            conn.close()
            raise ControllerError(f"GET {full}", reply)
        return Watch(conn, resp, full)


def start_controller(lab: Lab, name: str = "controller", *, tokens: Sequence[Token] | None = None,
                     history_limit: int | None = None, database: str | os.PathLike | None = None,
                     max_body_bytes: int | None = None, heartbeat_seconds: int | None = None,
                     node: str | None = None, address: str = "127.0.0.1", port: int = DEFAULT_PORT,
                     extra: Mapping[str, Any] | None = None, ready_timeout: float = 20.0) -> Controller:
    """Start hnv-controller `name` in lab node `node` (default: a node called `name`).

    `tokens` defaults to one admin token; `database` to `<logdir>/<name>.db`
    (a second controller, or a restart, may reuse an existing file).
    `extra` adds or overrides configuration keys. Returns once the
    controller printed its "listening" line.
    """
    binary = find_binary("hnv-controller")
    tokens = list(tokens) if tokens is not None else [admin_token()]
    names = [t.name for t in tokens]
    if len(set(names)) != len(names):
        raise LabError(f"token names must be unique: {names}")
    lab_node = lab.node(node or name)
    listen = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    config: dict[str, Any] = {
        "listen": listen,
        "database": str(database if database is not None else Path(lab.logdir) / f"{name}.db"),
        "tokens": [t.config_entry(binary) for t in tokens],
    }
    if history_limit is not None:
        config["historyLimit"] = history_limit
    if max_body_bytes is not None:
        config["maxBodyBytes"] = max_body_bytes
    if heartbeat_seconds is not None:
        config["heartbeatSeconds"] = heartbeat_seconds
    config.update(extra or {})
    config_path = Path(lab.logdir) / f"{name}.json"
    config_path.write_text(json.dumps(config, indent=2) + "\n")
    ctl = Controller(lab, name, lab_node, binary, config_path, config, {t.name: t for t in tokens}, address, port,
                     ready_timeout=ready_timeout)
    ctl._start()
    return ctl
