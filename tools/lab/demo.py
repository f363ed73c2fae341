#!/usr/bin/python3
"""The lab demo: what hnv-gateway does today, with real processes and traffic.

Builds an underlay segment in network namespaces with a kernel-stack peer and
one hnvgwd on a DPDK af_packet port, then shows, step by step:

  1. the gateway answering ARP, ND and ping on its IPv4 and IPv6 provider
     addresses from its own data plane (the kernel side has no address);
  2. no answer for an address it does not own;
  3. an NVGRE packet to the provider address counted and dropped (no tenant
     is placed on the gateway yet), with the packet trace saying why;
  4. the gateway's ports and counters through hnvctl;
  5. hnv-controller, the policy store: two tenants with the same customer
     address 10.0.1.10, created with hnvctl, resolved apart by
     Select-NetVirtualizationNextHop, and a tenant token that sees only its
     own tenant;
  6. the host overlay: two hnv-hostd hosts, tenants A and B with the same
     CAs 10.0.1.10 and 10.0.1.20, a VM of each on each host; each tenant's
     VMs ping each other across the NVGRE underlay, and the CA connectivity
     test shows the route.
  7. The forwarding gateway: hnvgwd gives three tenants with the same CAs
     their own physical networks (VLANs 100 and 200 of a trunk, a dedicated
     port), ping and TCP both ways, per-tenant counters on /metrics.
  8. NAT44: tenants A and B, with the same CAs, download a file from an
     "internet" node at the same time, each from its own external address;
     a static mapping publishes vm-a2's port 80; the sessions through hnvctl.
  9. Site-to-site IPsec: tenants A and B, with the same CAs, each reach their
     own remote site (stock strongSwan, both sites using 172.16.1.0/24)
     through IKEv2 (hnv-iked) and ESP in hnvgwd's data plane; ping and
     1 MiB by TCP, the tunnels through hnvctl vpn-interfaces.

Everything is torn down at the end, also on Ctrl-C. The demo grows with each
capability (see the issues list in README.md).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lab"))

from hnvlab import Lab, start_gateway, wait_for  # noqa: E402
from hnvlab.binaries import find_binary  # noqa: E402
from hnvlab.controller import admin_token, start_controller, tenant_token  # noqa: E402
from hnvlab.forwarding import REMOTE, start_forwarding_lab  # noqa: E402
from hnvlab.host import tcp_transfer  # noqa: E402
from hnvlab.nat import EXTERNAL, INTERNET, WEB_PORT, http_fetch, start_http_server, start_nat_lab  # noqa: E402
from hnvlab.ovs import ovs_missing  # noqa: E402
from hnvlab.tenants import start_overlay, two_tenants  # noqa: E402
from hnvlab.ipsec import strongswan_missing  # noqa: E402
from hnvlab.vpn import SITE_HOST, start_vpn_lab, wait_connected  # noqa: E402

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

        step("5. hnv-controller: two tenants with the same CA, kept apart by the policy store")
        contoso, fabrikam = "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a", "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"
        ctl = start_controller(lab, "controller", tokens=[admin_token("ops"), tenant_token("contoso", [contoso])])
        hnvctl = str(find_binary("hnvctl"))

        def cli(*argv: str, token: str = "ops") -> str:
            # hnvctl runs in the controller's namespace, where it listens on loopback.
            cmd = ["ip", "netns", "exec", ctl.netns, hnvctl, "--controller", ctl.url, "--token", ctl.token(token)]
            p = subprocess.run(cmd + list(argv), capture_output=True, text=True, timeout=30)
            if p.returncode != 0:
                raise SystemExit(f"hnvctl {' '.join(argv)} failed: {p.stderr}")
            show("hnvctl " + " ".join(argv), p.stdout)
            return p.stdout

        for rdid, name, vsid, mac, pa in ((contoso, "contoso", "5001", "00:15:5d:00:00:01", "192.0.2.11"),
                                          (fabrikam, "fabrikam", "6001", "00:15:5d:00:00:02", "192.0.2.12")):
            cli("routing-domain", "new", "--rdid", rdid, "--name", name)
            cli("virtual-subnet", "new", "--vsid", vsid, "--rdid", rdid, "--prefixes", "10.0.1.0/24")
            cli("lookup-record", "new", "--vsid", vsid, "--ca", "10.0.1.10", "--mac", mac, "--pa", pa, "--vm-name", name + "-web")
        cli("lookup-record", "get", "--ca", "10.0.1.10")
        cli("next-hop", "select", "--source-vsid", "5001", "--destination-ca", "10.0.1.10")
        cli("next-hop", "select", "--source-vsid", "6001", "--destination-ca", "10.0.1.10")
        print("contoso's own token sees only contoso:")
        cli("lookup-record", "get", token="contoso")

        step("Tearing down")

    # The host overlay has a controller of its own: a lab of its own.
    with Lab("demo-hosts", keep_logs=args.keep_logs or None) as lab:
        step("6. Two hosts (hnv-hostd), tenants A and B with the same CAs, VMs reaching each other over NVGRE")
        topo = two_tenants()
        _, hosts, vms = start_overlay(lab, topo)
        for tenant in ("a", "b"):
            one, two = vms[f"vm-{tenant}1"], vms[f"vm-{tenant}2"]
            one.wait_ping(two, timeout=20)
            show(f"vm-{tenant}1$ ping -c 3 {two.ca}", one.ping(two, count=3).stdout)
        show("host1$ hnvctl nexthop --vsid 6001 10.0.1.20", hosts["host1"].ctl("nexthop", "--vsid", "6001", "10.0.1.20").stdout)
        show("host1$ hnvctl ca-test --port vm-a1 --sender 10.0.1.10 --receiver 10.0.1.20",
             hosts["host1"].ctl("ca-test", "--port", "vm-a1", "--sender", "10.0.1.10", "--receiver", "10.0.1.20").stdout)

        step("Tearing down")

    # The forwarding gateway: tenants reaching their own physical networks.
    if ovs_missing() is None:
        with Lab("demo-gateway", keep_logs=args.keep_logs or None) as lab:
            step("7. hnvgwd routes three tenants with the same CAs to their own networks: VLANs 100 and 200 of a trunk "
                 "(Open vSwitch as the 802.1Q switch) and a port of its own, without translation")
            fwd = start_forwarding_lab(lab)
            show("gw1$ hnvctl tenants", fwd.gateway.ctl("tenants").stdout)
            for tenant in ("A", "B", "C"):
                vm = next(fwd.vms[p.name] for p in fwd.topo.vms_of(tenant))
                vm.wait_ping(REMOTE, timeout=30)
                show(f"{vm.name} (tenant {tenant}, {vm.ca})$ ping -c 2 {REMOTE}", vm.ping(REMOTE, count=2).stdout)
                _, seen = tcp_transfer(fwd.nets[tenant], vm.node, vm.ca, port=7400, nbytes=1 << 20)
                print(f"net-{tenant.lower()} sent 1 MiB by TCP to {vm.ca} in tenant {tenant}: the VM {seen}")
            show("gw1$ curl http://127.0.0.1:9470/metrics | grep tenant_packets",
                 "\n".join(line for line in fwd.gateway.scrape().splitlines() if line.startswith("hnv_tenant_packets")))
            step("Tearing down")
    else:
        step(f"7. (skipped: {ovs_missing()})")
    # NAT44: the tenants reach the internet from their own external addresses.
    with Lab("demo-nat", keep_logs=args.keep_logs or None) as lab:
        step("8. NAT44: tenants A and B (the same CAs) reach the internet, each from its own external address")
        nl = start_nat_lab(lab)
        server, digest = start_http_server(nl, lab, 1 << 20)
        for name in ("vm-a1", "vm-b1"):
            nl.vms[name].wait_ping(INTERNET, timeout=30)
            show(f"{name} ({nl.vms[name].ca})$ fetch http://{INTERNET}:8000/blob (1 MiB; sha256 {digest[:16]}...)",
                 http_fetch(nl.vms[name]))
        show("internet$ tail http.server log",
             "\n".join(line for line in server.log_tail(20).splitlines() if "GET /blob" in line))
        a2 = nl.vms["vm-a2"]
        _, seen = tcp_transfer(nl.internet, a2.node, EXTERNAL["A"], port=WEB_PORT, nbytes=1 << 20)
        print(f"internet sent 1 MiB by TCP to {EXTERNAL['A']}:{WEB_PORT} (static mapping to vm-a2 {a2.ca}:{WEB_PORT}): "
              f"vm-a2 {seen}")
        show("gw1$ hnvctl nat-sessions", nl.gateway.ctl("nat-sessions").stdout)
        step("Tearing down")
    # Site-to-site IPsec: each tenant reaches its own remote site.
    if strongswan_missing():
        step(f"9. (skipped: {strongswan_missing()})")
        print("done: every namespace and process of the demo is gone.")
        return 0
    with Lab("demo-vpn", keep_logs=args.keep_logs or None) as lab:
        step("9. Site-to-site IPsec: tenants A and B (the same CAs) each reach their own site (both 172.16.1.0/24)")
        vl = start_vpn_lab(lab)
        wait_connected(vl)
        for name in ("vm-a1", "vm-b1"):
            show(f"{name} ({vl.vms[name].ca})$ ping -c 3 {SITE_HOST}",
                 vl.vms[name].node.ping(SITE_HOST, count=3, timeout=2, check=False).stdout)
        for tenant, vm in (("A", "vm-a2"), ("B", "vm-b2")):
            _, seen = tcp_transfer(vl.sites[tenant].node, vl.vms[vm].node, vl.vms[vm].ca, nbytes=1 << 20)
            print(f"site-{tenant.lower()} ({SITE_HOST}) sent 1 MiB by TCP through its tunnel to {vm} "
                  f"({vl.vms[vm].ca}): {vm} {seen}")
        show("gw1$ hnvctl vpn-interfaces", vl.gateway.ctl("vpn-interfaces").stdout)
        step("Tearing down")
    print("done: every namespace and process of the demo is gone.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
