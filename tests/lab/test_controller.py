"""hnv-controller over real HTTP: persistence, crash atomicity, watch streams,
tenant isolation, the documented API surface and bad requests.

Each test runs its own controller(s) in lab namespaces (hnvlab.controller):
the controller listens on 127.0.0.1 inside its namespace and the test's
sockets are created in that namespace, so nothing is exposed on the host.
Nothing sleeps to synchronise: readiness is the "listening" line, progress is
polled with wait_for, watch streams are read with per-read deadlines.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import threading
import time

import pytest

from hnvlab import wait_for
from hnvlab.binaries import REPO_ROOT
from hnvlab.controller import (Controller, ControllerError, Watch, admin_token, netns_socket, start_controller,
                               tenant_token)

OPENAPI_FILE = REPO_ROOT / "docs" / "api" / "openapi.json"

RD_A = "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a"
RD_B = "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"
VSID_A, VSID_B = 5001, 6001
SHARED_CA = "10.0.1.10"
MAC_A, MAC_B = "00:15:5d:00:00:01", "00:15:5d:00:00:02"
HOST_PA = "192.0.2.10"

# Fields the controller derives when it answers; they are not part of the stored object.
DERIVED = ("unusable", "unsynchronized")


@pytest.fixture(autouse=True)
def _needs_controller(hnv_bin):
    hnv_bin("hnv-controller")


# -- helpers ----------------------------------------------------------------------------


def routing_domain(rdid: str, name: str) -> dict:
    return {"rdid": rdid, "name": name}


def subnet(vsid: int, rdid: str, prefixes: list[str], name: str = "") -> dict:
    return {"vsid": vsid, "rdid": rdid, "name": name or f"vs{vsid}", "prefixes": prefixes}


def record(vsid: int, ca: str, mac: str, pa: str = HOST_PA, **extra) -> dict:
    return {"vsid": vsid, "ca": ca, "mac": mac, "pa": pa, **extra}


def record_key(vsid: int, ca: str, mac: str) -> str:
    return f"{vsid}/{ca}/{mac}"


def mac_of(i: int) -> str:
    return "00:15:5d:%02x:%02x:%02x" % ((i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF)


def ca_of(base: str, i: int) -> str:
    return str(ipaddress.IPv4Address(int(ipaddress.IPv4Address(base)) + i))


def create(kind: str, obj: dict) -> dict:
    return {"op": "create", "kind": kind, "object": obj}


KINDS = ["routing-domains", "virtual-subnets", "lookup-records", "customer-routes", "nodes", "provider-addresses",
         "provider-routes", "external-interfaces", "nat-instances", "nat-external-addresses", "nat-static-mappings",
         "gateway-routes", "vpn-s2s-interfaces", "gateway-clusters", "cluster-members"]


def snapshot(ctl: Controller, token=None) -> dict:
    """Every object of every kind (lists as the server orders them), the global settings and the status."""
    kw = {} if token is None else {"token": token}
    out = {kind: ctl.ok("GET", f"/v1/{kind}", **kw)["items"] for kind in KINDS}
    out["global"] = ctl.ok("GET", "/v1/global", **kw)
    status = ctl.ok("GET", "/v1/status", **kw)
    out["status"] = {k: status[k] for k in ("revision", "compactedRevision", "objects")}
    return out


def read_until(watch: Watch, until: int, changes: list[dict], *, stop_after: int | None = None,
               dense: bool = False) -> bool:
    """Read `watch` into `changes` until a bookmark at revision >= `until`.

    Returns True at that bookmark, False once `changes` holds `stop_after`
    changes. dense=True (unfiltered admin streams): a bookmark at B means
    every change up to B was sent, so the last change received is B itself.
    """
    for line in watch:
        kind = line.get("type")
        if kind == "change":
            if changes:
                assert line["revision"] > changes[-1]["revision"], \
                    f"{watch.path}: revision {line['revision']} after {changes[-1]['revision']}"
            changes.append(line)
            if stop_after is not None and len(changes) >= stop_after:
                return False
        elif kind == "bookmark":
            if dense and changes:
                assert changes[-1]["revision"] == line["revision"], \
                    f"{watch.path}: bookmark {line['revision']} but the last change received is {changes[-1]['revision']}"
            if line["revision"] >= until:
                return True
        else:
            raise AssertionError(f"{watch.path}: unexpected line {line}")
    raise AssertionError(f"{watch.path}: the stream ended before a bookmark at revision {until} "
                         f"({len(changes)} changes received)")


def history(ctl: Controller, from_rev: int, token=None, kind: str | None = None) -> list[dict]:
    """All changes after `from_rev` up to the current revision, through a watch."""
    head = ctl.revision()
    changes: list[dict] = []
    kw = {} if token is None else {"token": token}
    with ctl.watch(from_rev, kind=kind, **kw) as w:
        read_until(w, head, changes)
    return changes


def strip_derived(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in DERIVED}


def probe(ctl: Controller, method: str, path: str, body=None, token=...) -> tuple[int, dict, object]:
    """One request whose reply may be a watch stream: (status, headers, JSON or None).

    A 200 NDJSON stream is not read (it never ends by itself): the connection
    is dropped once the status line and headers arrived.
    """
    conn = ctl.connection(timeout=15)
    try:
        headers = {} if token is None else {"Authorization": f"Bearer {ctl.default_token if token is ... else token}"}
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        if hdrs.get("content-type", "").startswith("application/x-ndjson"):
            return resp.status, hdrs, None
        raw = resp.read()
        return resp.status, hdrs, (json.loads(raw) if raw else None)
    finally:
        conn.close()


def raw_exchange(ctl: Controller, data: bytes, method: str = "POST") -> tuple[int, dict, object]:
    """Send raw bytes on a new connection, then read one HTTP reply.

    For requests http.client will not send (a body larger than announced
    limits, hand-made chunking). A send cut short by the server closing is
    tolerated: the reply is what counts.
    """
    sock = netns_socket(ctl.netns)
    sock.settimeout(15)
    try:
        sock.connect((ctl.address, ctl.port))
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = http.client.HTTPResponse(sock, method=method)
        resp.begin()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, (json.loads(body) if body else None)
    finally:
        sock.close()


def assert_no_route(status: int, body, what: str) -> None:
    assert status == 404 and body and body["error"]["field"] == "path", f"{what}: expected no-such-route 404, got {status} {body}"


def is_no_route(status: int, body) -> bool:
    return status == 404 and isinstance(body, dict) and body.get("error", {}).get("field") == "path"


# -- a. persistence ------------------------------------------------------------------------


def test_objects_and_revision_survive_a_restart(lab):
    ctl = start_controller(lab, "controller")
    assert ctl.ready["revision"] == 0 and ctl.ready["objects"] == 0, ctl.ready
    ctl.ok("POST", "/v1/routing-domains", routing_domain(RD_A, "tenant-a"))
    ctl.ok("POST", "/v1/virtual-subnets", subnet(VSID_A, RD_A, ["10.0.1.0/24", "2001:db8:5001::/64"]))
    for i in range(5):
        ctl.ok("POST", "/v1/lookup-records", record(VSID_A, f"10.0.1.{10 + i}", mac_of(i), vmName=f"vm{i}"))
    ctl.ok("POST", "/v1/lookup-records", record(VSID_A, "2001:db8:5001::10", mac_of(0)))
    ctl.ok("POST", "/v1/customer-routes", {"rdid": RD_A, "vsid": VSID_A, "destinationPrefix": "0.0.0.0/0",
                                           "nextHop": "10.0.1.254", "metric": 10})
    ctl.ok("POST", "/v1/nodes", {"name": "host1", "role": "host", "description": "lab host", "vsids": [VSID_A]})
    ctl.ok("POST", "/v1/provider-addresses", {"node": "host1", "address": HOST_PA, "interface": "eth0",
                                              "prefixLength": 24, "mac": "02:00:00:00:00:10"})
    ctl.ok("POST", "/v1/provider-routes", {"node": "host1", "destinationPrefix": "0.0.0.0/0",
                                           "nextHop": "192.0.2.1", "interface": "eth0"})
    ctl.ok("PATCH", "/v1/global", {"useExternalRouter": True})
    # Updates and a delete, so that revision != createdRevision somewhere and history has a delete.
    ctl.ok("PATCH", f"/v1/lookup-records/{record_key(VSID_A, '10.0.1.11', mac_of(1))}", {"vmName": "renamed"})
    ctl.ok("PATCH", f"/v1/virtual-subnets/{VSID_A}", {"name": "front-end"})
    ctl.ok("DELETE", f"/v1/lookup-records/{record_key(VSID_A, '10.0.1.12', mac_of(2))}")

    before = snapshot(ctl)
    changes_before = history(ctl, 0)
    assert before["status"]["revision"] == 16 == len(changes_before), (before["status"], len(changes_before))
    assert len(before["lookup-records"]) == 5, before["lookup-records"]

    code = ctl.stop()
    assert code == 0, f"SIGTERM should stop hnv-controller cleanly, exit code {code} ({ctl.process.stopped_by})"
    ctl.restart()
    assert ctl.ready["revision"] == before["status"]["revision"], ctl.ready
    assert ctl.ready["objects"] == before["status"]["objects"], ctl.ready

    after = snapshot(ctl)
    for key in before:
        assert after[key] == before[key], f"{key} differs after the restart:\nbefore {before[key]}\nafter  {after[key]}"
    assert history(ctl, 0) == changes_before, "the change history differs after the restart"
    # The store keeps counting from where it was.
    created = ctl.ok("POST", "/v1/lookup-records", record(VSID_A, "10.0.1.99", mac_of(99)))
    assert created["revision"] == created["createdRevision"] == before["status"]["revision"] + 1, created


# -- b. kill -9 in the middle of a large batch -------------------------------------------------

BIG_BATCH = 60_000
BIG_PREFIX, BIG_FIRST_CA = "10.1.0.0/16", "10.1.0.2"  # 10.1.0.1 is the distributed router


def _big_batch_body() -> bytes:
    ops = [create("lookup-records", record(VSID_A, ca_of(BIG_FIRST_CA, i), mac_of(i))) for i in range(BIG_BATCH)]
    return json.dumps({"operations": ops}, separators=(",", ":")).encode()


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize("trigger", ["body-sent", "wal-growing", "wal-settled"])
def test_kill9_during_a_large_batch_keeps_all_or_nothing(lab, capsys, trigger):
    """kill -9 while POST /v1/batch of 60,000 creates is in flight: all or nothing after restart.

    The kill is triggered (never asserted on) at three moments: right after the
    body was sent (parsing/validating), while the SQLite WAL is growing (the
    commit is being written), and once the WAL stopped growing (commit likely
    done, reply not yet sent).
    """
    body = _big_batch_body()
    ctl = start_controller(lab, "controller", max_body_bytes=64 << 20)
    ctl.ok("POST", "/v1/routing-domains", routing_domain(RD_A, "big"))
    ctl.ok("POST", "/v1/virtual-subnets", subnet(VSID_A, RD_A, [BIG_PREFIX]))
    st0 = ctl.status()
    rev0, objects0 = st0["revision"], st0["objects"]
    wal = f"{ctl.database}-wal"
    wal0 = _file_size(wal)

    outcome: dict = {}
    sent = threading.Event()

    def post() -> None:
        conn = ctl.connection(timeout=120)
        try:
            conn.request("POST", "/v1/batch", body=body, headers={
                "Authorization": f"Bearer {ctl.default_token}", "Content-Type": "application/json"})
            outcome["sent"] = True
            sent.set()
            resp = conn.getresponse()
            outcome["status"] = resp.status
            outcome["body"] = resp.read()
        except Exception as exc:  # the kill cuts the connection
            outcome["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            sent.set()
            conn.close()

    thread = threading.Thread(target=post, name="big-batch", daemon=True)
    started = time.monotonic()
    thread.start()
    wait_for(sent.is_set, timeout=30, what="the batch body to be sent")
    grew = 1 << 20
    if trigger in ("wal-growing", "wal-settled"):
        wait_for(lambda: _file_size(wal) > wal0 + grew or not thread.is_alive(), timeout=60, interval=0.002,
                 what="the controller to start writing the batch to its WAL")
    if trigger == "wal-settled":
        last = {"size": -1, "since": time.monotonic()}

        def settled() -> bool:
            size = _file_size(wal)
            now = time.monotonic()
            if size != last["size"]:
                last.update(size=size, since=now)
            return not thread.is_alive() or now - last["since"] >= 0.15  # a trigger, not an assertion

        wait_for(settled, timeout=60, interval=0.01, what="the WAL to stop growing")
    wal_at_kill = _file_size(wal)
    replied_before_kill = "status" in outcome
    ctl.kill9()
    killed_after = time.monotonic() - started
    thread.join(60)
    assert not thread.is_alive(), "the batch request did not end after the controller was killed"
    assert outcome.get("sent"), f"the batch was never completely sent: {outcome}"

    ctl.restart()
    st = ctl.status()
    items = ctl.ok("GET", f"/v1/lookup-records?vsid={VSID_A}")["items"]
    n = len(items)
    result = "none" if n == 0 else "all" if n == BIG_BATCH else f"PARTIAL ({n})"
    moment = ("reply already received" if replied_before_kill else
              "WAL still growing: mid-write" if trigger == "wal-growing" and wal_at_kill > wal0 + grew else
              "WAL grown and settled" if wal_at_kill > wal0 + grew else "WAL untouched")
    with capsys.disabled():
        print(f"\n  kill -9 [{trigger}] after {killed_after:.2f} s, WAL {wal0} -> {wal_at_kill} bytes ({moment}), client got "
              f"{outcome.get('status') or outcome.get('error')}: {result} of {BIG_BATCH} records after restart, "
              f"revision {rev0} -> {st['revision']}")
    assert n in (0, BIG_BATCH), f"a killed batch left {n} of {BIG_BATCH} records"
    if n == 0:
        assert st["revision"] == rev0 and st["objects"] == objects0, (st, rev0, objects0)
        assert outcome.get("status") != 200, f"the batch was acknowledged ({outcome}) but lost by kill -9"
    else:
        assert st["revision"] == rev0 + BIG_BATCH and st["objects"] == objects0 + BIG_BATCH, (st, rev0, objects0)
        revisions = sorted(item["revision"] for item in items)
        assert revisions == list(range(rev0 + 1, rev0 + BIG_BATCH + 1)), "record revisions are not rev0+1..rev0+N"
        assert all(item["createdRevision"] == item["revision"] for item in items)
    assert ctl.ready["revision"] == st["revision"], ctl.ready


# -- c. watch: 10,000 changes, a disconnect, a resume -------------------------------------------

WATCH_CHANGES, WATCH_CHUNK, DISCONNECT_AFTER = 10_000, 500, 2_987


def _watch_workload(first_ca: str) -> list[list[dict]]:
    """20 batches of 500 operations: creates, then creates/patches/deletes of live records."""
    live: dict[str, dict] = {}
    order: list[str] = []
    next_i = 0
    batches = []
    for chunk in range(WATCH_CHANGES // WATCH_CHUNK):
        ops: list[dict] = []
        if chunk < 4:
            plan = ["create"] * WATCH_CHUNK
        else:
            plan = (["create"] * 2 + ["patch"] * 2 + ["delete"]) * (WATCH_CHUNK // 5)
        for verb in plan:
            if verb == "create":
                obj = record(VSID_A, ca_of(first_ca, next_i), mac_of(next_i), vmName=f"vm{next_i}")
                key = record_key(VSID_A, obj["ca"], obj["mac"])
                next_i += 1
                live[key] = obj
                order.append(key)
                ops.append(create("lookup-records", obj))
            elif verb == "patch":
                key = order[(len(ops) * 7 + chunk * 13) % len(order)]
                live[key] = {**live[key], "vmName": f"{live[key]['vmName']}+{chunk}"}
                ops.append({"op": "patch", "kind": "lookup-records", "key": key,
                            "object": {"vmName": live[key]["vmName"]}})
            else:
                key = order.pop((chunk * 31 + len(ops)) % len(order))
                del live[key]
                ops.append({"op": "delete", "kind": "lookup-records", "key": key})
        batches.append(ops)
    return batches


def test_watch_10000_changes_with_a_disconnect_and_resume(lab):
    ctl = start_controller(lab, "controller")
    ctl.ok("POST", "/v1/routing-domains", routing_domain(RD_A, "watched"))
    ctl.ok("POST", "/v1/virtual-subnets", subnet(VSID_A, RD_A, ["10.2.0.0/16"]))
    base = ctl.revision()
    batches = _watch_workload("10.2.0.2")
    assert sum(map(len, batches)) == WATCH_CHANGES

    received: list[dict] = []
    first = ctl.watch(base)
    resumed: Watch | None = None
    try:
        head = base
        for i, ops in enumerate(batches):
            reply = ctl.batch(ops)
            assert reply == {"revision": head + len(ops), "changes": len(ops)}, reply
            head = reply["revision"]
            if first is not None and not first.closed:
                if not read_until(first, head, received, stop_after=DISCONNECT_AFTER, dense=True):
                    first.close()  # drop the TCP connection in the middle of the stream
            elif resumed is None and i >= 12:
                # Resume while writes go on: the backlog since the last change, then live changes.
                resumed = ctl.watch(received[-1]["revision"])
            if resumed is not None:
                read_until(resumed, head, received, dense=True)
        assert first.closed, f"the first watch received only {len(received)} changes"
        if resumed is None:
            resumed = ctl.watch(received[-1]["revision"])
            read_until(resumed, head, received, dense=True)
    finally:
        first.close()
        if resumed is not None:
            resumed.close()

    revisions = [c["revision"] for c in received]
    expected = list(range(base + 1, base + WATCH_CHANGES + 1))
    if revisions != expected:
        dups = len(revisions) - len(set(revisions))
        gaps = sorted(set(expected) - set(revisions))[:10]
        raise AssertionError(f"received {len(revisions)} changes, {dups} duplicates, first gaps {gaps}")

    # Replaying the changes gives exactly the objects the server lists.
    replayed: dict[str, dict] = {}
    for c in received:
        assert c["kind"] == "lookup-records", c
        if c["op"] == "put":
            assert c["object"]["revision"] == c["revision"], c
            replayed[c["key"]] = c["object"]
        else:
            assert c["op"] == "delete" and c["key"] in replayed, c
            del replayed[c["key"]]
    final = ctl.ok("GET", "/v1/lookup-records")["items"]
    listed = {record_key(o["vsid"], o["ca"], o["mac"]): strip_derived(o) for o in final}
    assert listed == replayed


def test_watch_from_a_compacted_revision_is_410(lab):
    ctl = start_controller(lab, "controller", history_limit=1000)
    ctl.ok("POST", "/v1/routing-domains", routing_domain(RD_A, "compacted"))
    ctl.ok("POST", "/v1/virtual-subnets", subnet(VSID_A, RD_A, ["10.3.0.0/16"]))
    for chunk in range(3):  # 1,300 changes: more than historyLimit + 1/8
        n = 500 if chunk < 2 else 300
        ctl.batch([create("lookup-records", record(VSID_A, ca_of("10.3.0.2", chunk * 500 + i), mac_of(chunk * 500 + i)))
                   for i in range(n)])
    st = ctl.status()
    compacted = st["compactedRevision"]
    assert st["revision"] == 1302, st
    assert 0 < compacted and st["revision"] - compacted >= 1000, f"history was not compacted as configured: {st}"

    for from_rev in (0, 1, compacted - 1):
        with pytest.raises(ControllerError) as err:
            ctl.watch(from_rev).close()
        reply = err.value.reply
        assert reply.status == 410, f"watch from {from_rev} (compacted {compacted}): {reply.status} {reply.json}"
        assert reply.error.get("field") == "from", reply.json

    # Exactly at the compacted revision is still complete.
    changes: list[dict] = []
    with ctl.watch(compacted) as w:
        read_until(w, st["revision"], changes, dense=True)
    assert [c["revision"] for c in changes] == list(range(compacted + 1, st["revision"] + 1))


# -- d. tenant isolation -----------------------------------------------------------------------


def _in_domain(change: dict, rdid: str, vsids: set[int]) -> bool:
    obj = change["object"]
    if "rdid" in obj:
        return obj["rdid"] == rdid
    if change["kind"] == "lookup-records":
        return obj["vsid"] in vsids
    return False


def test_tenants_see_only_their_routing_domains(lab):
    tokens = [admin_token(), tenant_token("tenant-a", [RD_A]), tenant_token("tenant-b", [RD_B])]
    ctl = start_controller(lab, "controller", tokens=tokens)
    ta, tb = ctl.token("tenant-a"), ctl.token("tenant-b")
    start = ctl.revision()
    watch_a = ctl.watch(start, token=ta)
    try:
        ctl.ok("POST", "/v1/routing-domains", routing_domain(RD_A, "tenant-a"))
        ctl.ok("POST", "/v1/routing-domains", routing_domain(RD_B, "tenant-b"))
        ctl.ok("POST", "/v1/virtual-subnets", subnet(VSID_A, RD_A, ["10.0.1.0/24"]))
        ctl.ok("POST", "/v1/virtual-subnets", subnet(VSID_B, RD_B, ["10.0.1.0/24"]))
        ctl.ok("POST", "/v1/nodes", {"name": "host1", "role": "host", "vsids": [VSID_A, VSID_B]})
        ctl.ok("POST", "/v1/provider-addresses", {"node": "host1", "address": HOST_PA, "interface": "eth0",
                                                  "prefixLength": 24, "mac": "02:00:00:00:00:10"})
        key_a = record_key(VSID_A, SHARED_CA, MAC_A)
        key_b = record_key(VSID_B, SHARED_CA, MAC_B)
        ctl.ok("POST", "/v1/lookup-records", record(VSID_B, SHARED_CA, MAC_B, vmName="b-secret"))
        ctl.ok("POST", "/v1/customer-routes", {"rdid": RD_B, "vsid": VSID_B, "destinationPrefix": "0.0.0.0/0",
                                               "nextHop": "10.0.1.1"})
        # Tenant A writes in its own domain.
        status, body = ctl.request("POST", "/v1/lookup-records", record(VSID_A, SHARED_CA, MAC_A), token=ta)
        assert status == 201, body
        ctl.ok("PATCH", f"/v1/lookup-records/{key_b}", {"vmName": "b-renamed"})
        rev = ctl.revision()

        # Reads: only A's objects, B's are invisible.
        records_a = ctl.ok("GET", "/v1/lookup-records", token=ta)["items"]
        assert [(r["vsid"], r["ca"], r["mac"]) for r in records_a] == [(VSID_A, SHARED_CA, MAC_A)], records_a
        filtered = ctl.ok("GET", f"/v1/lookup-records?ca={SHARED_CA}", token=ta)["items"]
        assert [r["vsid"] for r in filtered] == [VSID_A], filtered
        assert [d["rdid"] for d in ctl.ok("GET", "/v1/routing-domains", token=ta)["items"]] == [RD_A]
        assert [s["vsid"] for s in ctl.ok("GET", "/v1/virtual-subnets", token=ta)["items"]] == [VSID_A]
        assert ctl.ok("GET", "/v1/customer-routes", token=ta)["items"] == []
        assert [r["vsid"] for r in ctl.ok("GET", "/v1/lookup-records", token=tb)["items"]] == [VSID_B]
        for kind in ("nodes", "provider-addresses", "provider-routes"):
            assert ctl.ok("GET", f"/v1/{kind}", token=ta)["items"] == [], f"tenant A sees {kind}"

        for path in (f"/v1/lookup-records/{key_b}", f"/v1/routing-domains/{RD_B}", f"/v1/virtual-subnets/{VSID_B}",
                     f"/v1/customer-routes/{RD_B}/{VSID_B}/0.0.0.0/0", "/v1/nodes/host1",
                     f"/v1/provider-addresses/host1/{HOST_PA}"):
            status, body = ctl.request("GET", path, token=ta)
            assert status == 404, f"tenant A GET {path}: {status} {body}"
            assert "b-renamed" not in json.dumps(body)
        assert ctl.ok("GET", f"/v1/lookup-records/{key_a}", token=ta)["mac"] == MAC_A
        status, body = ctl.request("GET", f"/v1/lookup-records/{key_a}", token=tb)
        assert status == 404, f"tenant B GET of A's record: {status} {body}"
        status, body = ctl.request("GET", f"/v1/next-hop?sourceVsid={VSID_B}&destinationCa={SHARED_CA}", token=ta)
        assert status == 404 and HOST_PA not in json.dumps(body), (status, body)

        # Writes into B's domain: 403 for a create, 404 (invisible) for B's existing objects.
        status, body = ctl.request("POST", "/v1/lookup-records", record(VSID_B, "10.0.1.20", "00:15:5d:00:00:20"),
                                   token=ta)
        assert status == 403 and body["error"]["code"] == "permission-denied", (status, body)
        for method, payload in (("PATCH", {"vmName": "hijacked"}), ("PUT", record(VSID_B, SHARED_CA, MAC_B, "192.0.2.66")),
                                ("DELETE", None)):
            status, body = ctl.request(method, f"/v1/lookup-records/{key_b}", payload, token=ta)
            assert status == 404, f"tenant A {method} of B's record: {status} {body}"
        status, body = ctl.request("POST", "/v1/nodes", {"name": "rogue", "role": "host"}, token=ta)
        assert status == 403, (status, body)
        # A batch that touches B's domain fails as a whole, A's own part included.
        status, body = ctl.request("POST", "/v1/batch", {"operations": [
            create("lookup-records", record(VSID_A, "10.0.1.30", "00:15:5d:00:00:30")),
            create("lookup-records", record(VSID_B, "10.0.1.30", "00:15:5d:00:00:31"))]}, token=ta)
        assert status == 403, (status, body)
        assert ctl.revision() == rev, "a refused tenant write changed the revision"
        assert ctl.ok("GET", f"/v1/lookup-records/{key_b}")["vmName"] == "b-renamed"
        assert len(ctl.ok("GET", "/v1/lookup-records")["items"]) == 2

        # A's watch (opened before anything existed) shows exactly A's changes.
        seen_a: list[dict] = []
        read_until(watch_a, rev, seen_a)
    finally:
        watch_a.close()
    everything = history(ctl, start)
    expected_a = [c for c in everything if _in_domain(c, RD_A, {VSID_A})]
    leaked = [c for c in seen_a if not _in_domain(c, RD_A, {VSID_A})]
    assert not leaked, f"tenant A's watch shows other objects: {leaked}"
    assert seen_a == expected_a
    assert [c["kind"] for c in expected_a] == ["routing-domains", "virtual-subnets", "lookup-records"]
    # Replayed from history (the backlog path, not the live one) and filtered by kind.
    assert history(ctl, start, token=ta) == expected_a
    assert history(ctl, start, token=ta, kind="provider-addresses") == []
    assert history(ctl, start, token=tb, kind="lookup-records") == [
        c for c in everything if c["kind"] == "lookup-records" and c["object"]["vsid"] == VSID_B]


# -- e. the documented API surface -----------------------------------------------------------

PATH_VALUES = {
    "rdid": RD_A, "vsid": str(VSID_A), "ca": SHARED_CA, "mac": MAC_A, "name": "host1", "node": "host1",
    "address": HOST_PA, "destinationAddress": "0.0.0.0", "destinationLength": "0", "nextHop": "0.0.0.0",
    "interface": "ext", "protocol": "tcp", "externalAddress": "203.0.113.10", "externalPort": "80", "cluster": "gw1",
    "port": "vm0",
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _fill(path: str) -> str:
    out = path
    for name, value in PATH_VALUES.items():
        out = out.replace("{" + name + "}", value)
    assert "{" not in out, f"no value for a parameter of {path}"
    return out


def test_every_documented_route_exists_and_the_document_matches(lab):
    ctl = start_controller(lab, "controller")
    documented = json.loads(OPENAPI_FILE.read_text())
    status, served = ctl.request("GET", "/v1/openapi.json", token=None)
    assert status == 200
    assert served == documented, f"GET /v1/openapi.json differs from {OPENAPI_FILE}; regenerate it with " \
                                 f"hnv-controller --print-openapi | python3 -m json.tool --indent 2"

    # Some objects, so that most routes reach their handler's success path.
    ctl.ok("POST", "/v1/routing-domains", routing_domain(RD_A, "a"))
    ctl.ok("POST", "/v1/virtual-subnets", subnet(VSID_A, RD_A, ["10.0.1.0/24"]))
    ctl.ok("POST", "/v1/lookup-records", record(VSID_A, SHARED_CA, MAC_A))
    ctl.ok("POST", "/v1/nodes", {"name": "host1", "role": "host", "vsids": [VSID_A]})

    problems = []
    count = 0
    for path, item in documented["paths"].items():
        methods = {m.upper() for m in item if m.upper() in METHODS}
        assert methods, f"{path} documents no method"
        url = _fill(path)
        for method in sorted(methods):
            body = {} if method in ("POST", "PUT", "PATCH") else None
            query = "?from=0" if url.endswith("/watch") else ""
            status, headers, reply = probe(ctl, method, url + query, body)
            count += 1
            if is_no_route(status, reply) or status in (401, 405) or status >= 500:
                problems.append(f"{method} {url}: {status} {reply}")
        # Undocumented methods on a documented path: 405 naming the documented ones, unless a
        # generic /v1/{kind}/{key} route also matches the path (nodes/{name}/... are node keys too).
        for method in sorted(set(METHODS) - methods):
            if method == "DELETE" and url.startswith("/v1/nodes/host1/"):
                continue  # would be DELETE /v1/nodes/{key}: not this path's route
            status, headers, reply = probe(ctl, method, url, {} if method != "GET" and method != "DELETE" else None)
            if status == 405:
                allowed = {m.strip() for m in headers.get("allow", "").split(",")}
                if not methods <= allowed or method in allowed:
                    problems.append(f"{method} {url}: 405 with Allow {headers.get('allow')!r}, documented {sorted(methods)}")
            elif not url.startswith("/v1/nodes/host1/"):
                problems.append(f"{method} {url} (undocumented method): expected 405, got {status} {reply}")
    assert count >= 40, f"only {count} documented operations"
    assert not problems, "documented routes the server does not serve as documented:\n" + "\n".join(problems)

    for path in ("/v1/bogus", "/v2/status", "/v1", "/", "/v1/status/extra", "/v1/global/default", "/v1/openapi.yaml",
                 "/v1/batch/extra", "/v1/routing-domain"):
        status, headers, reply = probe(ctl, "GET", path)
        assert_no_route(status, reply, f"GET {path}")


# -- f. bad requests at the HTTP level ---------------------------------------------------------

BODY_LIMIT = 64 * 1024


def test_bad_http_requests_are_refused_and_change_nothing(lab):
    ctl = start_controller(lab, "controller", max_body_bytes=BODY_LIMIT,
                           tokens=[admin_token(), tenant_token("tenant-a", [RD_A])])
    ctl.ok("POST", "/v1/routing-domains", routing_domain(RD_A, "a"))
    ctl.ok("POST", "/v1/virtual-subnets", subnet(VSID_A, RD_A, ["10.0.1.0/24"]))
    rev = ctl.revision()
    good_op = create("lookup-records", record(VSID_A, SHARED_CA, MAC_A))
    auth = f"Authorization: Bearer {ctl.default_token}\r\n"

    def unchanged(what: str) -> None:
        now = ctl.status()
        assert now["revision"] == rev and now["objects"] == 2, f"{what} changed the store: {now}"

    # Malformed JSON: 400 malformed naming line:column. The batch's valid first operation is not applied.
    for text, where in (('{"operations": [\n  ' + json.dumps(good_op) + ',\n  {"op": "create",, }\n]}', "3:19"),
                        ('{"operations": [' + json.dumps(good_op), "1:" + str(len('{"operations": [' + json.dumps(good_op)) + 1)),
                        ("\n\n   nux", "3:6")):
        reply = ctl.call("POST", "/v1/batch", text)
        assert reply.status == 400 and reply.error["code"] == "malformed", (reply.status, reply.json)
        assert reply.error["field"] == f"body:{where}", f"{text!r}: {reply.json}"
        unchanged("malformed JSON")
    reply = ctl.call("PUT", f"/v1/virtual-subnets/{VSID_A}", '{"vsid": 5001,\n "rdid": }')
    assert reply.status == 400 and reply.error["code"] == "malformed" and reply.error["field"] == "body:2:10", reply.json
    unchanged("malformed PUT")

    # Over the body limit: announced by Content-Length, and sent in full.
    big = json.dumps({"operations": [good_op] * (BODY_LIMIT // len(json.dumps(good_op)) + 10)}).encode()
    assert len(big) > BODY_LIMIT
    status, _, body = raw_exchange(ctl, b"POST /v1/batch HTTP/1.1\r\nHost: lab\r\n" + auth.encode() +
                                   f"Content-Type: application/json\r\nContent-Length: {len(big)}\r\n\r\n".encode() + big)
    assert status == 413 and body["error"]["field"] == "body", (status, body)
    unchanged("an over-limit body")
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(big[i:i + 4096]), big[i:i + 4096]) for i in range(0, len(big), 4096))
    status, _, body = raw_exchange(ctl, b"POST /v1/batch HTTP/1.1\r\nHost: lab\r\n" + auth.encode() +
                                   b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks +
                                   b"0\r\n\r\n")
    assert status == 413, (status, body)
    unchanged("an over-limit chunked body")
    # Just under the limit is fine (and is a real write).
    small = json.dumps({"operations": [good_op]}).encode()
    reply = ctl.call("POST", "/v1/batch", small + b" " * (BODY_LIMIT - len(small)))
    assert reply.status == 200, reply
    ctl.ok("DELETE", f"/v1/lookup-records/{record_key(VSID_A, SHARED_CA, MAC_A)}")
    rev = ctl.revision()

    # Wrong method: 405 with Allow.
    for method, path, allow in (("DELETE", "/v1/status", {"GET"}), ("GET", "/v1/batch", {"POST"}),
                                ("POST", "/v1/global", {"GET", "PUT", "PATCH"}),
                                ("POST", f"/v1/virtual-subnets/{VSID_A}", {"GET", "PUT", "PATCH", "DELETE"}),
                                ("DELETE", "/v1/lookup-records", {"GET", "POST"})):
        reply = ctl.call(method, path, {} if method == "POST" else None)
        assert reply.status == 405 and reply.error["code"] == "unsupported", (method, path, reply.status, reply.json)
        assert {m.strip() for m in reply.headers.get("allow", "").split(",")} == allow, (method, path, reply.headers)
        unchanged(f"{method} {path}")

    # Missing or unknown token: 401, for reads and writes alike.
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer "},
                    {"Authorization": f"Basic {ctl.default_token}"}, {"Authorization": ctl.default_token}):
        for method, path, body in (("GET", "/v1/status", None), ("GET", "/v1/lookup-records", None),
                                   ("POST", "/v1/batch", {"operations": [good_op]}),
                                   ("DELETE", f"/v1/virtual-subnets/{VSID_A}", None)):
            reply = ctl.call(method, path, body, token=None, headers=headers)
            assert reply.status == 401, (method, path, headers, reply.status, reply.json)
            assert reply.error["code"] == "permission-denied", reply.json
        unchanged(f"a request with {headers}")
    with pytest.raises(ControllerError) as err:
        ctl.watch(rev, token="not-a-token").close()
    assert err.value.reply.status == 401

    # Bad percent escapes in the path and in the query: 400.
    for path, field in (("/v1/virtual-subnets/50%zz1", "path"), ("/v1/virtual-subnets/5001%", "path"),
                        ("/v1/virtual%2", "path"), ("/v1/lookup-records?vsid=50%G1", "query"),
                        ("/v1/lookup-records?ca%=1", "query")):
        for method in ("GET", "DELETE"):
            reply = ctl.call(method, path)
            assert reply.status == 400 and reply.error["field"] == field, (method, path, reply.status, reply.json)
        unchanged(f"bad escape {path}")
    # A good escape works: %2D is '-'.
    assert ctl.call("GET", "/v1/routing-domains/" + RD_A.replace("-", "%2D")).json["rdid"] == RD_A
    unchanged("the checks")
    assert ctl.running


# -- d'. tenant watches when a VSID changes hands ------------------------------------------------


def test_tenant_watch_keeps_record_changes_with_their_domain(lab):
    """A record's changes belong to the domain its VSID had when they happened.

    Tenant A removes its subnet together with its records in one batch, then
    the admin gives the same VSID to tenant B, who adds a record. A's watch
    must show A's record deletes; B's watch (from before) must never show A's
    records, neither live nor replayed from history.
    """
    tokens = [admin_token(), tenant_token("tenant-a", [RD_A]), tenant_token("tenant-b", [RD_B])]
    ctl = start_controller(lab, "controller", tokens=tokens)
    ta, tb = ctl.token("tenant-a"), ctl.token("tenant-b")
    ctl.ok("POST", "/v1/routing-domains", routing_domain(RD_A, "tenant-a"))
    ctl.ok("POST", "/v1/routing-domains", routing_domain(RD_B, "tenant-b"))
    start = ctl.revision()
    vsid = 7001
    a_records = [record(vsid, f"10.7.0.{10 + i}", mac_of(0x70 + i), vmName=f"a-secret-{i}") for i in range(3)]
    live_a, live_b = ctl.watch(start, token=ta), ctl.watch(start, token=tb)
    try:
        ctl.ok("POST", "/v1/virtual-subnets", subnet(vsid, RD_A, ["10.7.0.0/24"]), token=ta)
        ctl.batch([create("lookup-records", r) for r in a_records], token=ta)
        ctl.batch([{"op": "delete", "kind": "lookup-records", "key": record_key(vsid, r["ca"], r["mac"])}
                   for r in a_records] + [{"op": "delete", "kind": "virtual-subnets", "key": str(vsid)}], token=ta)
        ctl.ok("POST", "/v1/virtual-subnets", subnet(vsid, RD_B, ["10.7.0.0/24"]))
        ctl.ok("POST", "/v1/lookup-records", record(vsid, "10.7.0.10", "00:15:5d:00:0b:01", vmName="b-own"), token=tb)
        head = ctl.revision()
        seen_live_a: list[dict] = []
        seen_live_b: list[dict] = []
        read_until(live_a, head, seen_live_a)
        read_until(live_b, head, seen_live_b)
    finally:
        live_a.close()
        live_b.close()
    everything = history(ctl, start)
    assert len(everything) == head - start == 10, [(c["revision"], c["kind"], c["op"]) for c in everything]
    owner = {}  # revision -> the domain the change belongs to
    for c in everything:
        owner[c["revision"]] = RD_A if c["revision"] <= start + 8 else RD_B
    problems = []
    for who, rdid, stream in (("A live", RD_A, seen_live_a), ("B live", RD_B, seen_live_b),
                              ("A replayed", RD_A, history(ctl, start, token=ta)),
                              ("B replayed", RD_B, history(ctl, start, token=tb))):
        got = [c["revision"] for c in stream]
        want = [r for r, d in sorted(owner.items()) if d == rdid]
        if got != want:
            problems.append(f"tenant {who}: revisions {got}, expected {want}; "
                            f"foreign: {[(c['revision'], c['kind'], c['op'], c['key']) for c in stream if owner[c['revision']] != rdid]}; "
                            f"missing: {[(c['revision'], c['kind'], c['op'], c['key']) for c in everything if c['revision'] in set(want) - set(got)]}")
    assert not problems, "\n".join(problems)
