"""Self-tests of the lab harness; they need root but no project binary.

Every lab test of the project relies on these properties: kernel peers can
talk over IPv4 and IPv6 at once, data-plane interfaces are silent but see the
segment's traffic, processes are stopped and logged, CPU use is measurable,
and nothing is left behind, whatever happens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from hnvlab import (BinaryNotFound, Lab, LabError, WaitTimeout, cleanup_stale, find_binary,
                    measure_cpu, wait_for)
from hnvlab.netns import check_ifname

LAB_DIR = Path(__file__).resolve().parent
PYTHON = "/usr/bin/python3"


def ip_netns_list() -> set[str]:
    """Namespace names as `ip netns list` prints them (not the harness's own view)."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def pid_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for init counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


# -- pure helpers ---------------------------------------------------------------


def test_wait_for_returns_value_and_names_what_timed_out() -> None:
    values = iter([0, None, "ready"])
    assert wait_for(lambda: next(values), timeout=2, interval=0.001, what="the value") == "ready"

    def refused() -> bool:
        raise ConnectionRefusedError("port 8080")

    with pytest.raises(WaitTimeout, match=r"waiting for the REST API .*ConnectionRefusedError: port 8080"):
        wait_for(refused, timeout=0.1, interval=0.01, what="the REST API", ignore=(ConnectionRefusedError,))


def test_interface_names_are_checked_before_the_kernel_sees_them() -> None:
    assert check_ifname("ul0") == "ul0"
    with pytest.raises(LabError, match="at most 15"):
        check_ifname("a-very-long-ifname")


def test_find_binary_names_the_missing_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HNV_BUILD_DIR", str(tmp_path))
    with pytest.raises(BinaryNotFound, match=str(tmp_path / "bin" / "hnvgwd")):
        find_binary("hnvgwd")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "hnvgwd").write_text("#!/bin/sh\n")
    (tmp_path / "bin" / "hnvgwd").chmod(0o755)
    assert find_binary("hnvgwd") == tmp_path / "bin" / "hnvgwd"


# -- topology -------------------------------------------------------------------


def test_kernel_peers_ping_each_other_over_ipv4_and_ipv6(lab: Lab) -> None:
    lab.segment("underlay", mtu=1600)
    a = lab.node("peer1")
    b = lab.node("peer2")
    a_if = a.attach("underlay", "eth0", ["192.0.2.100/24", "2001:db8::100/64"])
    b_if = b.attach("underlay", "eth0", ["192.0.2.101/24", "2001:db8::101/64"])
    assert a.ns.link("eth0")["mtu"] == 1600

    # Immediately usable: no DAD wait, no sleep.
    a.ping(b_if.ipv4)
    a.ping(b_if.ipv6)
    b.ping(a_if.ipv4)
    b.ping(a_if.ipv6)


def test_dataplane_interface_is_silent_but_sees_the_segment(lab: Lab) -> None:
    lab.segment("underlay", mtu=1600)
    peer = lab.node("peer")
    gw = lab.node("gw1")
    peer_if = peer.attach("underlay", "eth0", ["192.0.2.100/24"])
    ul0 = gw.attach("underlay", "ul0", dataplane=True)

    link = gw.ns.link("ul0")
    assert gw.ns.addresses("ul0") == [], "no IPv4 and no IPv6 link-local on a data-plane interface"
    assert gw.ns.read_sysctl("net.ipv6.conf.ul0.disable_ipv6") == "1"
    assert "NOARP" in link["flags"] and "UP" in link["flags"]
    assert link["mtu"] == 1600
    assert ul0.af_packet_vdev(1, qpairs=1) == "net_af_packet1,iface=ul0,qpairs=1"

    # What a DPDK af_packet port would read: the peer's ARP for the gateway.
    cap = gw.capture("ul0", bpf="arp")
    pinger = peer.start("ping-gw", ["ping", "-n", "-c", "1", "-W", "5", "192.0.2.1"])

    def arp_for_gateway() -> bool:
        return any(f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x01" and f[38:42] == bytes([192, 0, 2, 1])
                   for f in cap.frames())

    wait_for(arp_for_gateway, timeout=5, what="the peer's ARP request for 192.0.2.1 on gw1:ul0")
    gw_mac = bytes.fromhex(ul0.mac.replace(":", ""))
    assert all(f[6:12] != gw_mac for f in cap.frames()), "gw1's kernel must not send on ul0"
    pinger.stop()
    assert peer_if.mac != ul0.mac


# -- processes ------------------------------------------------------------------


def test_process_runs_in_its_namespace_is_stopped_and_logged(lab: Lab) -> None:
    node = lab.node("svc")
    script = 'trap "echo got TERM; exit 3" TERM; echo ready; while :; do sleep 0.05; done'
    polite = node.start("polite", ["sh", "-c", script])
    polite.wait_for_log(r"^ready$")
    # The process itself (not `ip netns exec`) is in the node's namespace.
    assert os.stat(f"/proc/{polite.pid}/ns/net").st_ino == os.stat(f"/run/netns/{node.ns.name}").st_ino

    stubborn = node.start("stubborn", ["sh", "-c", 'trap "" TERM; echo ready; while :; do sleep 0.05; done'])
    stubborn.wait_for_log(r"^ready$")

    assert polite.stop() == 3
    assert polite.stopped_by == "SIGTERM"
    log = polite.log_path.read_text()
    assert "got TERM" in log and "ended with exit code 3" in log
    assert polite.log_path.parent == lab.logdir

    assert stubborn.stop(timeout=0.3) == -9
    assert "SIGKILL" in stubborn.stopped_by


def test_failed_process_is_reported_with_its_log(lab: Lab) -> None:
    crasher = lab.node("svc").start("crasher", ["sh", "-c", "echo cannot bind port >&2; exit 7"])
    with pytest.raises(LabError, match=r"(?s)exited with code 7 .*cannot bind port"):
        crasher.wait_for_log("listening", timeout=5)


def test_cpu_of_idle_and_busy_processes(lab: Lab) -> None:
    node = lab.node("cpu")
    idle = node.start("idle", ["sleep", "5"])
    busy = node.start("busy", [PYTHON, "-c", "while True: pass"])
    usage = measure_cpu([idle.pid, busy.pid], window=1.0)
    assert usage[idle.pid] < 0.05, usage
    assert usage[busy.pid] > 0.5, usage


# -- teardown -------------------------------------------------------------------


def test_teardown_leaves_nothing_after_an_exception() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with Lab("teardown-on-error") as inner:
            inner.segment("underlay")
            node = inner.node("a")
            node.attach("underlay", "eth0", ["192.0.2.10/24"])
            sleeper = node.start("sleeper", ["sleep", "30"])
            names = set(inner.namespaces)
            assert names <= ip_netns_list()
            raise RuntimeError("boom")
    assert not names & ip_netns_list()
    assert sleeper.returncode == -15
    assert inner.logs_kept, "a failed lab keeps its logs"
    assert "sleeper: pid" in (inner.logdir / "lab.txt").read_text()
    assert (inner.logdir / "netns-state.txt").exists()
    shutil.rmtree(inner.logdir)

    with Lab("teardown-on-success", keep_logs=False) as ok:
        ok.node("b").start("sleeper", ["sleep", "30"])
        names = set(ok.namespaces)
    assert not names & ip_netns_list()
    assert not ok.logs_kept, "a successful lab removes its logs"


def test_cleanup_stale_removes_crashed_runs_only(lab: Lab) -> None:
    mine = lab.node("alive").ns.name
    foreign = f"hnv-foreign-{os.getpid()}"  # outside the naming scheme: never touched
    subprocess.run(["ip", "netns", "add", foreign], check=True)
    try:
        # A harness process that dies by SIGKILL, as under a CTest timeout.
        crash = textwrap.dedent(f"""
            import os, signal, sys
            sys.path.insert(0, {str(LAB_DIR)!r})
            from hnvlab import Lab
            lab = Lab("crashed")
            node = lab.node("x")
            bound = node.start("bound", ["sleep", "60"])
            orphan = node.start("orphan", ["sleep", "60"], die_with_harness=False)
            print(node.ns.name, bound.pid, orphan.pid, lab.logdir, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        """)
        out = subprocess.run([PYTHON, "-c", crash], capture_output=True, text=True, timeout=30).stdout.split()
        stale, bound_pid, orphan_pid, crash_logs = out[0], int(out[1]), int(out[2]), out[3]
        shutil.rmtree(crash_logs, ignore_errors=True)
        shutil.rmtree(Path(crash_logs).parent, ignore_errors=True)  # that process's run directory
        assert stale in ip_netns_list()
        wait_for(lambda: not pid_alive(bound_pid), timeout=5, what="a process to die with its harness")
        assert pid_alive(orphan_pid)

        removed = cleanup_stale()

        assert stale in removed
        assert stale not in ip_netns_list()
        wait_for(lambda: not pid_alive(orphan_pid), timeout=5, what="cleanup_stale to kill the orphan")
        assert mine in ip_netns_list(), "a live run's namespaces stay"
        assert foreign in ip_netns_list(), "names outside the scheme stay"
    finally:
        subprocess.run(["ip", "netns", "del", foreign], check=False)


def test_failure_report_shows_process_log_tails(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(LAB_DIR))
    monkeypatch.setenv("HNV_LAB_LOGDIR", str(pytester.path / "logs"))
    pytester.makeconftest((LAB_DIR / "conftest.py").read_text())
    pytester.makepyfile(test_inner="""
        def test_deliberate_failure(lab):
            talker = lab.node("n").start("talker", ["sh", "-c", "echo marker-from-talker; exec sleep 30"])
            talker.wait_for_log("marker-from-talker")
            assert False, "deliberate"
    """)
    before = ip_netns_list()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*hnvlab test_deliberate_failure: talker*", "*marker-from-talker*",
                                 "*hnvlab: logs kept*", f"*{pytester.path / 'logs'}*"])
    assert ip_netns_list() <= before, "the inner run removed its namespaces"
