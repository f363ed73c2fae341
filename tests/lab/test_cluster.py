"""Active/passive gateway cluster (issue "Active/passive gateway cluster").

Two hnvgwd members serve gateway node gw1 of the NAT lab (hnvlab/nat.py,
hnvlab/cluster.py): the same provider address and policy, a dedicated
heartbeat link, the controller as witness. Shown here with real traffic:
one member forwards while the other is silent; kill -9 of the active hands
the addresses to the standby, which announces them and forwards; cutting
only the heartbeat link never yields two owners of an address, probed from
the underlay and the internet side every 100 ms; a planned switchover.

The active streams its NAT44 sessions to the standby (TCP on the heartbeat
link): a paced TCP download through NAT survives kill -9 of the active and
a planned switchover on the same connection. ESP and IKE SAs are not
replicated yet. Blackouts are printed and recorded in docs/performance.md,
never asserted as timings.

Skips while the binaries are not built.
"""

from __future__ import annotations

import subprocess
import threading

import pytest

from hnvlab.cluster import (GATEWAY_PA6, MEMBERS, MemberSpec, new_member, arp_owners, role, start_download, start_udp_stream, udp_result, wait_roles,
                            wait_synced)
from hnvlab.forwarding import GATEWAY, GATEWAY_PA
from hnvlab.nat import EXTERNAL, INTERNET, start_nat_lab
from hnvlab import reference
from hnvlab.binaries import find_binary
from hnvlab.process import wait_for
from hnvlab.tenants import controller_link


@pytest.fixture
def cluster_lab(lab, hnv_bin):
    for binary in ("hnvgwd", "hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    nl = start_nat_lab(lab, members=MEMBERS)
    wait_roles(nl.members, ["active", "standby"])
    return nl


def inet_mac(gw) -> str:
    return gw.ports[0][1].mac


def controller_ctl(nl, *args: str) -> str:
    """hnvctl against the controller (inside its namespace), as an administrator."""
    ctl = nl.controller
    cmd = ["ip", "netns", "exec", ctl.netns, str(find_binary("hnvctl")), "--controller", ctl.url, "--token",
           ctl.default_token, *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, f"hnvctl {' '.join(args)}: exit {p.returncode}: {p.stderr}"
    return p.stdout


def cluster_status(nl) -> dict:
    return nl.controller.ok("GET", f"/v1/gateway-clusters/{GATEWAY}/status")


def test_one_member_forwards_and_the_other_is_silent(cluster_lab):
    nl = cluster_lab
    a, b = nl.members
    for vm in (nl.vms["vm-a1"], nl.vms["vm-b1"]):
        vm.wait_ping(INTERNET, timeout=30)
    # Only the active answers for A's external address on the internet side.
    rounds = arp_owners(nl.internet, "eth0", EXTERNAL["A"], 1.0)
    assert {m for r in rounds for m in r} == {inet_mac(a)}, rounds
    # The standby receives (broadcasts) and drops everything, and sends nothing.
    sb = b.ctl_json("cluster")
    assert sb["role"] == "standby" and sb["fenced"] and sb["peer"]["alive"] and sb["peer"]["role"] == "active", sb
    assert b.counter("hnv_node_errors_total", node="port-rx", error="fenced") > 0
    assert a.counter("hnv_node_errors_total", node="port-rx", error="fenced") == 0
    # Garbage on the heartbeat port, even from the peer's address, is counted and ignored: without
    # the cluster's authentication code, and with it but in a version nobody speaks.
    garbage = "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'{\"v\":9}', ('10.99.0.2', 7470))"
    a.node.exec(["/usr/bin/python3", "-c", garbage], check=True)
    wait_for(lambda: b.ctl_json("cluster")["heartbeats"]["rejected"] >= 1, timeout=5, interval=0.1,
             what="gw1-b to reject the datagram")
    sb = b.ctl_json("cluster")
    assert "carries no authentication code" in sb["heartbeats"]["last_rejection"] and sb["role"] == "standby", sb
    signed = ("import hmac, hashlib, socket; t = b'{\"v\":9}'; "
              "m = hmac.new(b'lab heartbeat secret', t, hashlib.sha256).hexdigest().encode(); "
              "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(t + b'\\n' + m, ('10.99.0.2', 7470))")
    a.node.exec(["/usr/bin/python3", "-c", signed], check=True)
    wait_for(lambda: b.ctl_json("cluster")["heartbeats"]["rejected"] >= 2, timeout=5, interval=0.1,
             what="gw1-b to reject the signed datagram")
    sb = b.ctl_json("cluster")
    assert "speaks heartbeat version 2" in sb["heartbeats"]["last_rejection"] and sb["role"] == "standby", sb
    # A real heartbeat of gw1-a, captured on the heartbeat link and sent again: refused as seen before.
    replay = ("import socket, struct\n"
              "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3)); s.bind(('ha0', 0))\n"
              "while True:\n"
              "    f, addr = s.recvfrom(4096)\n"
              "    ip = f[14:]; udp = ip[(ip[0] & 15) * 4:]\n"
              "    if addr[2] == socket.PACKET_OUTGOING and f[12:14] == b'\\x08\\x00' and ip[9] == 17 \\\n"
              "            and struct.unpack('!H', udp[2:4])[0] == 7470:\n"
              "        break\n"
              "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(udp[8:], ('10.99.0.2', 7470))\n")
    a.node.exec(["/usr/bin/python3", "-c", replay], check=True, timeout=10)
    wait_for(lambda: b.ctl_json("cluster")["heartbeats"]["rejected"] >= 3, timeout=5, interval=0.1,
             what="gw1-b to reject the replayed heartbeat")
    sb = b.ctl_json("cluster")
    assert "seen before" in sb["heartbeats"]["last_rejection"] and sb["role"] == "standby", sb
    text = a.ctl("cluster").stdout
    assert "member gw1-a: active, epoch 1, forwarding" in text and "peer gw1-b: alive, standby" in text, text
    # The controller's view: the lease holder and both members' reports.
    st = cluster_status(nl)
    assert st["holder"] == "gw1-a" and st["epoch"] == 1, st
    reports = {m["name"]: m["report"] for m in st["members"]}
    assert reports["gw1-a"]["role"] == "active" and reports["gw1-b"]["role"] == "standby", st
    wait_for(lambda: "synced" in controller_ctl(nl, "gateway-cluster", "status", "--name", GATEWAY), timeout=5,
             interval=0.2, what="the standby's report to say it is synced")
    text = controller_ctl(nl, "gateway-cluster", "status", "--name", GATEWAY)
    assert 'lease held by "gw1-a", epoch 1' in text and '"gw1-b" (priority 100): "standby"' in text, text


def neighbour_mac6(node, address: str) -> str | None:
    """The MAC `node`'s kernel has for `address` on eth0 (None if none)."""
    out = node.exec(["ip", "-6", "neigh", "show", address, "dev", "eth0"], check=True).stdout.split()
    return out[out.index("lladdr") + 1] if "lladdr" in out else None


def test_kill_9_of_the_active_hands_everything_to_the_standby(cluster_lab, lab):
    nl = cluster_lab
    a, b = nl.members
    # A neighbour on the underlay that knows the IPv6 PA at gw1-a's MAC (then sends nothing more).
    probe = lab.node("probe6")
    probe.attach(reference.UNDERLAY, "eth0")
    probe.exec(["ip", "addr", "add", "2001:db8:0:2::99/64", "dev", "eth0", "nodad"], check=True)
    wait_for(lambda: probe.exec(["ping", "-6", "-n", "-c", "1", "-W", "1", GATEWAY_PA6], check=False).returncode == 0,
             timeout=15, interval=0.2, what="the probe to reach the IPv6 PA")
    assert neighbour_mac6(probe, GATEWAY_PA6) == a.port.mac
    vm = nl.vms["vm-b1"]
    vm.wait_ping(INTERNET, timeout=30)
    nl.vms["vm-a1"].wait_ping(INTERNET, timeout=30)
    source, fetch, expected = start_download(nl, nl.vms["vm-a1"], 8 << 20, 1 << 20)  # 8 s through A's NAT
    sender, receiver = start_udp_stream(vm, nl.internet, INTERNET, 200, 8.0)  # 200 datagrams/s for 8 s, B's NAT
    threading.Event().wait(2.0)
    wait_synced(b, a)
    synced = b.ctl_json("cluster")["sync"]
    assert synced["records_applied"] > 0 and synced["import_errors"] == 0, synced
    a.process.kill()  # SIGKILL: no goodbye, no lease release
    wait_roles([b], ["active"], timeout=10)
    udp = udp_result(receiver)
    print(f"kill -9 failover: UDP at 200/s: {udp['highest'] + 1} sent, {udp['lost']} lost, "
          f"blackout {udp['max_gap_ms']:.0f} ms")
    assert udp["highest"] + 1 == 1600 and udp["lost"] < 800, f"the stream resumed through the standby: {udp}"
    fetch.wait(timeout=30)
    assert expected in fetch.log_tail(20), "the download broke: " + fetch.log_tail(20) + source.log_tail(20)
    status = b.ctl_json("cluster")
    assert status["epoch"] == 2 and not status["fenced"], status
    assert "peer gw1-a lost: no heartbeat for" in status["last_activation"]["why"], status
    print(f"peer silent {status['last_activation']['peer_silence_ms']} ms when gw1-b became active")
    st = cluster_status(nl)
    assert st["holder"] == "gw1-b" and st["epoch"] == 2, st
    # The internet side now reaches A's external address at gw1-b.
    rounds = arp_owners(nl.internet, "eth0", EXTERNAL["A"], 0.5)
    assert {m for r in rounds for m in r} == {inet_mac(b)}, rounds
    # The unsolicited NA moved the IPv6 PA in the probe's cache without a word from the probe.
    wait_for(lambda: neighbour_mac6(probe, GATEWAY_PA6) == b.port.mac, timeout=5, interval=0.1,
             what="the probe's neighbour cache to follow the unsolicited NA")
    # The failed member rejoins as standby and gets the whole state again.
    a.start()
    wait_roles(nl.members, ["standby", "active"])
    wait_synced(a, b)
    st = b.ctl_json("cluster")["sync"]
    assert st["snapshots_sent"] >= 1 and st["lag_ms"] == 0, st


def test_cutting_only_the_heartbeat_link_never_makes_two_actives(cluster_lab, lab):
    nl = cluster_lab
    a, b = nl.members
    probe = lab.node("probe")  # a kernel interface on the underlay, to ask who owns the PA
    probe.attach(reference.UNDERLAY, "eth0", ["192.0.2.99/24"])
    probe.ns.disable_ipv6("eth0")
    results: dict[str, list] = {}

    def watch(name, node, target):
        results[name] = arp_owners(node, "eth0", target, 5.0)

    threads = [threading.Thread(target=watch, args=("pa", probe, GATEWAY_PA)),
               threading.Thread(target=watch, args=("external", nl.internet, EXTERNAL["A"]))]
    for t in threads:
        t.start()
    threading.Event().wait(0.5)
    b.node.exec(["ip", "link", "set", "ha0", "down"], check=True)
    threading.Event().wait(2.0)
    during = b.ctl_json("cluster")
    for t in threads:
        t.join()
    b.node.exec(["ip", "link", "set", "ha0", "up"], check=True)
    assert during["role"] == "standby" and not during["peer"]["alive"], during
    assert during["witness"]["holder"] == "gw1-a", "gw1-b asked and was refused"
    for name, rounds in results.items():
        assert len(rounds) >= 30, (name, rounds)
        assert all(len(r) <= 1 for r in rounds), f"{name}: two owners at once: {rounds}"
    assert {m for r in results["external"] for m in r} == {inet_mac(a)}, results["external"]
    assert {m for r in results["pa"] for m in r} == {a.port.mac}, results["pa"]
    # The link back: the members hear each other again; nobody took over.
    wait_for(lambda: b.ctl_json("cluster")["peer"]["alive"], timeout=5, interval=0.1, what="gw1-b to hear gw1-a again")
    assert [role(g) for g in nl.members] == ["active", "standby"]
    assert cluster_status(nl)["epoch"] == 1, "no takeover happened"


def test_a_planned_switchover(cluster_lab):
    nl = cluster_lab
    a, b = nl.members
    vm = nl.vms["vm-b1"]
    vm.wait_ping(INTERNET, timeout=30)
    nl.vms["vm-a1"].wait_ping(INTERNET, timeout=30)
    refused = b.ctl("cluster", "switchover", check=False)
    assert refused.returncode != 0 and "only the active member switches over" in refused.stderr, refused.stderr
    source, fetch, expected = start_download(nl, nl.vms["vm-a1"], 5 << 20, 1 << 20)  # 5 s
    sender, receiver = start_udp_stream(vm, nl.internet, INTERNET, 200, 5.0)
    threading.Event().wait(1.5)
    wait_synced(b, a)
    a.ctl("cluster", "switchover")
    wait_roles(nl.members, ["standby", "active"], timeout=5)
    udp = udp_result(receiver)
    print(f"planned switchover: UDP at 200/s: {udp['highest'] + 1} sent, {udp['lost']} lost, "
          f"blackout {udp['max_gap_ms']:.0f} ms")
    assert udp["highest"] + 1 == 1000, udp
    fetch.wait(timeout=30)
    assert expected in fetch.log_tail(20), "the download broke: " + fetch.log_tail(20) + source.log_tail(20)
    st = b.ctl_json("cluster")
    assert st["last_activation"]["why"] == "peer gw1-a handed over (planned switchover)", st
    assert role(a) == "standby"
    # And back, asked of the controller: the active hears it at its next renewal.
    wait_synced(a, b)
    controller_ctl(nl, "gateway-cluster", "switchover", "--name", GATEWAY)
    wait_roles(nl.members, ["active", "standby"], timeout=5)
    assert cluster_status(nl)["epoch"] == 3


def test_an_appliance_the_cluster_does_not_list_stays_fenced_and_says_why(cluster_lab, lab):
    nl = cluster_lab
    a, b = nl.members
    stranger = MemberSpec("gw1-z", "gw1z", "02:00:00:00:00:03", "198.51.100.203", "10.99.0.3", 250)
    z = new_member(lab, stranger, controller_link(nl.controller, GATEWAY))
    z.add_port("inet", "inet", "in0")
    z.start()
    # Its policy is refused, naming the member; it never leaves "init" nor unfences.
    wait_for(lambda: "gw1-z: is not a member of gateway cluster gw1" in str(z.ctl_json("policy")), timeout=15,
             interval=0.2, what="gw1-z to refuse the policy")
    status = z.ctl_json("cluster")
    assert status["role"] == "init" and status["fenced"], status
    threading.Event().wait(1.0)
    assert [role(g) for g in nl.members] == ["active", "standby"]
    rounds = arp_owners(nl.internet, "eth0", EXTERNAL["A"], 0.5)
    assert {m for r in rounds for m in r} == {inet_mac(a)}, rounds
