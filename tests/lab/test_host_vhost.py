"""A vhost-user VM port (issue 4: "vhost-user for real VMs through the same
port code"): hnv-hostd opens net_vhost as a VM port, creates the socket a
QEMU guest connects to, and reports the port down until one does. No guest
runs in the lab (no QEMU), so traffic over vhost-user is not tested here;
the overlay nodes are the same as for net_tap (tests/packet, other labs).
"""

from __future__ import annotations

import os

from hnvlab import reference
from hnvlab.host import new_host
from hnvlab.process import wait_for


def test_vhost_user_vm_port_opens_and_waits_for_a_guest(lab, hnv_bin):
    hnv_bin("hnv-hostd")
    hnv_bin("hnvctl")
    reference.underlay(lab)
    sock = f"{lab.logdir}/vm1.vhost.sock"
    host = new_host(lab, "host1", reference.UNDERLAY, ["192.0.2.11/24"])
    base = host.config()
    ports = base["ports"] + [{"name": "vm1", "vdev": f"net_vhost0,iface={sock},queues=1", "role": "vm",
                              "vsid": 5001, "vm_mac": "02:00:0a:00:01:0a", "mtu": 1458}]
    host.extra = {"ports": ports}
    host.start()
    wait_for(lambda: os.path.exists(sock), timeout=5, what="the vhost-user socket to appear")
    port = next(p for p in host.ctl_json("ports") if p["name"] == "vm1")
    assert (port["role"], port["mtu"], port["link_up"]) == ("vm", 1458, False), port
    policy = host.ctl_json("policy")
    assert [(p["port"], p["vsid"], p["mac"]) for p in policy["vm_ports"]] == [("vm1", 5001, "02:00:0a:00:01:0a")]
