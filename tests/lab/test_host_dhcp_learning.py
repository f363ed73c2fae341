"""Dynamic IP learning from DHCP (issue 4 scope; spec section 3: "CAs seen in
its ARP, gratuitous ARP, ND (DAD) and DHCP traffic become Dynamic records"):
vm-a2 (host2), whose MAC has an L2Only record, gets an address from a real
DHCP server (dnsmasq in vm-a1 on host1) with a real client (busybox udhcpc).
host2 learns the address from the DHCPACK delivered to the VM, the controller
lists a Dynamic record, and vm-a1 reaches the new address.
"""

from __future__ import annotations

import time

from hnvlab.process import wait_for
from hnvlab.tenants import l2only_record, start_overlay, two_tenants

LEASED = "10.0.1.100"
# udhcpc's event script: configure the leased address on "bound" (nothing else:
# the VM keeps its routes; /etc/resolv.conf is shared by every namespace).
CLIENT_SCRIPT = """#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr add "$ip/${mask:-24}" dev "$interface"
"""


def test_an_l2only_vm_gets_an_address_by_dhcp_and_is_learned(lab, hnv_bin):
    for binary in ("hnv-hostd", "hnv-controller", "hnvctl"):
        hnv_bin(binary)
    topo = two_tenants()
    a2 = topo.vms["vm-a2"]
    ctl, hosts, vms = start_overlay(lab, topo, [l2only_record(topo, "vm-a2")])
    vm1, vm2 = vms["vm-a1"], vms["vm-a2"]
    vm1.wait_ping(vm2, timeout=20)
    assert vm1.ping(LEASED, count=1, timeout=1, check=False).returncode != 0, "not known before the lease"

    logdir = lab.logdir
    server = vm1.node.start("dnsmasq", [
        "/usr/sbin/dnsmasq", "--no-daemon", "--port=0", "--interface=eth0", "--bind-interfaces", "--no-ping",
        "--no-resolv", "--no-hosts", f"--dhcp-range={LEASED},{LEASED},255.255.255.0,1h",
        f"--dhcp-leasefile={logdir}/dnsmasq.leases", "--log-dhcp", f"--pid-file={logdir}/dnsmasq.pid"])
    server.wait_for_log(r"DHCP, IP range", timeout=10)
    script = logdir / "udhcpc.sh"
    script.write_text(CLIENT_SCRIPT)
    script.chmod(0o755)
    started = time.monotonic()
    lease = vm2.exec(["busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", str(script)],
                     check=True, timeout=30)
    leased_after = time.monotonic() - started
    assert LEASED in lease.stdout + lease.stderr, lease.stdout + lease.stderr
    assert f"DHCPACK(eth0) {LEASED} {a2.mac}" in server.log_text(), server.log_text()

    host2 = hosts["host2"]
    wait_for(lambda: host2.ctl_json("policy")["learning"]["reported"] >= 1, timeout=10, interval=0.05,
             what="host2 to report the address the DHCPACK gave")
    records = ctl.ok("GET", "/v1/lookup-records?type=Dynamic")
    items = records["items"] if isinstance(records, dict) else records
    assert any(r["ca"] == LEASED and r["mac"] == a2.mac and r["pa"] == topo.hosts["host2"].pa for r in items), items

    def reached() -> bool:
        vm1.exec(["ip", "neigh", "flush", "to", LEASED])
        return vm1.exec(["ping", "-n", "-c", "1", "-W", "0.2", LEASED], check=False).returncode == 0

    wait_for(reached, timeout=20, interval=0.05, what=f"vm-a1 to reach the leased {LEASED}")
    print(f"\nDHCP learning: lease obtained in {leased_after * 1000:.0f} ms; "
          f"vm-a1 reaches {LEASED} {1000 * (time.monotonic() - started):.0f} ms after the client started")
    server.stop()
