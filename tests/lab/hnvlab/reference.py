"""Names and addresses of the reference topology in docs TESTING.md.

Lab tests use these instead of repeating literals, so that the whole suite
agrees on which segment is which and which address belongs to whom. Only the
parts a test asks for are built.
"""

from __future__ import annotations

from .topology import Lab, Segment

# PA (provider address) network between hosts and gateways. NVGRE adds 42 bytes
# to a 1500-byte tenant frame, so the underlay needs an MTU of at least 1542.
UNDERLAY = "underlay"
UNDERLAY_MTU = 1600
UNDERLAY_V4 = "192.0.2.0/24"
CLUSTER_PA = "192.0.2.1"
HOST_PA = {"host1": "192.0.2.11", "host2": "192.0.2.12"}
# MACs of the hosts' uplink ports (the af_packet veth takes it; provider-address objects name it).
HOST_UPLINK_MAC = {"host1": "02:00:00:00:00:11", "host2": "02:00:00:00:00:12"}

# Management network: the controller's REST API and the agents reaching it
# through their kernel stack (the hosts' underlay ports belong to DPDK and have
# no kernel address). A /26 of 198.51.100.0/24 that keeps clear of SITE_ADDR.
MGMT = "mgmt"
MGMT_MTU = 1500
MGMT_V4 = "198.51.100.192/26"
MGMT_PREFIX_LEN = 26
CONTROLLER_MGMT = "198.51.100.200"
HOST_MGMT = {"host1": "198.51.100.211", "host2": "198.51.100.212"}

# Uplink of the gateway pair towards the "internet" and the remote sites.
UPLINK = "uplink"
UPLINK_MTU = 1500
UPLINK_V4 = "203.0.113.0/24"
INET_ADDR = "203.0.113.100"
SITE_ADDR = {"site-a": "198.51.100.10", "site-b": "198.51.100.20"}
SITE_LAN = "172.16.1.0/24"  # the same LAN prefix behind both sites, on purpose

# Customer addresses: the same CA in two tenants, on purpose.
VM_CA = {"vm-a1": "10.0.1.10", "vm-b1": "10.0.1.10"}


def underlay(lab: Lab) -> Segment:
    """The PA underlay segment (bridge namespace `<prefix>-underlay`, MTU 1600)."""
    return lab.segment(UNDERLAY, mtu=UNDERLAY_MTU)


def mgmt(lab: Lab) -> Segment:
    """The management segment (bridge namespace `<prefix>-mgmt`): controller and agents."""
    return lab.segment(MGMT, mtu=MGMT_MTU)


def uplink(lab: Lab) -> Segment:
    """The uplink segment (bridge namespace `<prefix>-uplink`, MTU 1500)."""
    return lab.segment(UPLINK, mtu=UPLINK_MTU)
