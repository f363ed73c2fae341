"""hnvctl against a real hnv-controller: every policy kind created, read,
filtered, updated where allowed and removed through the CLI, as an operator
would, plus the CLI's errors and exit codes.

hnvctl runs inside the controller's namespace (ip netns exec), so it reaches
the controller on its loopback address.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from hnvlab.binaries import find_binary
from hnvlab.controller import admin_token, start_controller
from hnvlab.pki import CertificateAuthority

RD = "8a5d6f3e-0c4b-4d1a-9b7e-2f1e3d4c5b6a"
RD_OTHER = "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"
CUSTOMER = "0f0e0d0c-0b0a-4908-8706-050403020100"


class Cli:
    def __init__(self, ctl):
        self.ctl = ctl
        self.hnvctl = str(find_binary("hnvctl"))

    def run(self, *args: str, json_out: bool = True) -> subprocess.CompletedProcess:
        cmd = ["ip", "netns", "exec", self.ctl.netns, self.hnvctl, "--controller", self.ctl.url,
               "--token", self.ctl.default_token]
        if json_out:
            cmd.append("--json")
        return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=30)

    def ok(self, *args: str):
        p = self.run(*args)
        assert p.returncode == 0, f"hnvctl {' '.join(args)}: exit {p.returncode}: {p.stderr}"
        return json.loads(p.stdout) if p.stdout.strip() else None

    def refused(self, code: int, *args: str) -> str:
        p = self.run(*args)
        assert p.returncode == code, f"hnvctl {' '.join(args)}: expected exit {code}, got {p.returncode}: {p.stdout}{p.stderr}"
        return p.stderr


@pytest.fixture
def cli(lab):
    ctl = start_controller(lab, "controller", tokens=[admin_token("ops")])
    return Cli(ctl)


def test_every_kind_through_hnvctl(cli):
    # Create one of each kind (the cmdlets' New- verbs).
    cli.ok("routing-domain", "new", "--rdid", RD, "--name", "contoso", "--customer-id", CUSTOMER)
    cli.ok("routing-domain", "new", "--rdid", RD_OTHER, "--name", "fabrikam")
    cli.ok("virtual-subnet", "new", "--vsid", "5001", "--rdid", RD, "--prefixes", "10.0.1.0/24,fd00:1::/64",
           "--default-gateway-mac", "02:00:00:00:50:01")
    cli.ok("virtual-subnet", "new", "--vsid", "5002", "--rdid", RD, "--prefixes", "10.0.2.0/24")
    cli.ok("node", "new", "--name", "host1", "--role", "host")
    cli.ok("node", "new", "--name", "gw1", "--role", "gateway", "--tenants", RD)
    cli.ok("provider-address", "new", "--node", "host1", "--address", "192.0.2.11", "--interface", "uplink0",
           "--prefix-length", "24", "--mac", "02:00:00:00:00:11", "--vlan", "12")
    cli.ok("provider-route", "new", "--node", "host1", "--destination-prefix", "0.0.0.0/0", "--next-hop", "192.0.2.1",
           "--interface", "uplink0")
    rec = cli.ok("lookup-record", "new", "--vsid", "5001", "--ca", "10.0.1.10", "--mac", "00-15-5D-00-00-01",
                 "--pa", "192.0.2.11", "--vm-name", "web1", "--customer-id", CUSTOMER)
    assert rec["mac"] == "00:15:5d:00:00:01" and rec["type"] == "Static" and rec["unusable"] is False
    cli.ok("lookup-record", "new", "--vsid", "5001", "--mac", "00:15:5d:00:00:02", "--pa", "192.0.2.11",
           "--type", "L2Only")
    cli.ok("lookup-record", "new", "--vsid", "5002", "--ca", "10.0.2.20", "--mac", "00:15:5d:00:00:03",
           "--pa", "192.0.2.12")
    cli.ok("customer-route", "new", "--rdid", RD, "--vsid", "5001", "--destination-prefix", "0.0.0.0/0",
           "--next-hop", "10.0.1.10", "--metric", "10")

    # Get- with filters, in the spellings an operator types.
    assert len(cli.ok("lookup-record", "get")) == 3
    got = cli.ok("lookup-record", "get", "--mac", "00-15-5D-00-00-01")
    assert [r["ca"] for r in got] == ["10.0.1.10"]
    assert [r["type"] for r in cli.ok("lookup-record", "get", "--type", "L2Only")] == ["L2Only"]
    assert [r["vsid"] for r in cli.ok("virtual-subnet", "get", "--rdid", RD.upper())] == [5001, 5002]
    assert [n["name"] for n in cli.ok("node", "get", "--tenants", RD)] == ["gw1"]
    assert cli.ok("provider-address", "get", "--node", "host1")[0]["vlan"] == 12
    assert cli.ok("global", "get")["useExternalRouter"] is False

    # Set- changes mutable fields of the one object the immutable fields select.
    assert cli.ok("lookup-record", "set", "--vsid", "5001", "--ca", "10.0.1.10", "--mac", "00:15:5d:00:00:01",
                  "--pa", "192.0.2.99", "--context", "moved")["pa"] == "192.0.2.99"
    assert cli.ok("customer-route", "set", "--rdid", RD, "--vsid", "5001", "--destination-prefix", "0.0.0.0/0",
                  "--metric", "5")["metric"] == 5
    assert cli.ok("routing-domain", "set", "--rdid", RD, "--name", "contoso-prod")["name"] == "contoso-prod"
    assert cli.ok("virtual-subnet", "set", "--vsid", "5002", "--multicast-group", "239.1.1.1")["multicastGroup"] == "239.1.1.1"
    assert cli.ok("node", "set", "--name", "gw1", "--tenants", f"{RD},{RD_OTHER}")["tenants"] == [RD, RD_OTHER]
    assert cli.ok("provider-address", "set", "--node", "host1", "--address", "192.0.2.11",
                  "--state", "Deprecated")["state"] == "Deprecated"
    assert cli.ok("provider-route", "set", "--node", "host1", "--destination-prefix", "0.0.0.0/0",
                  "--next-hop", "192.0.2.1", "--metric", "7")["metric"] == 7
    assert cli.ok("global", "set", "--use-external-router", "true")["useExternalRouter"] is True

    # Select-NetVirtualizationNextHop.
    hop = cli.ok("next-hop", "select", "--source-vsid", "5002", "--destination-ca", "10.0.1.10",
                 "--source-ca", "10.0.2.20")
    assert hop["nextHopMac"] == "00:15:5d:00:00:01"

    # Remove- by filter, children before parents.
    assert cli.ok("lookup-record", "remove", "--vsid", "5001") == {"removed": 2}
    assert cli.ok("lookup-record", "remove", "--all") == {"removed": 1}
    cli.ok("customer-route", "remove", "--rdid", RD)
    cli.ok("provider-route", "remove", "--node", "host1")
    cli.ok("provider-address", "remove", "--node", "host1")
    cli.ok("node", "remove", "--all")
    cli.ok("virtual-subnet", "remove", "--rdid", RD)
    cli.ok("routing-domain", "remove", "--all")
    for noun in ("routing-domain", "virtual-subnet", "lookup-record", "customer-route", "node", "provider-address",
                 "provider-route"):
        assert cli.ok(noun, "get") == [], noun


def test_hnvctl_errors_say_what_to_fix_and_change_nothing(cli):
    cli.ok("routing-domain", "new", "--rdid", RD)
    cli.ok("virtual-subnet", "new", "--vsid", "5001", "--rdid", RD, "--prefixes", "10.0.1.0/24")
    cli.ok("lookup-record", "new", "--vsid", "5001", "--ca", "10.0.1.10", "--mac", "00:15:5d:00:00:01",
           "--pa", "192.0.2.11")
    cli.ok("lookup-record", "new", "--vsid", "5001", "--ca", "10.0.1.11", "--mac", "00:15:5d:00:00:02",
           "--pa", "192.0.2.11")
    before = cli.ok("controller", "status")["revision"]

    # Refused by the controller: exit 1, the field and the reason.
    err = cli.refused(1, "lookup-record", "new", "--vsid", "12", "--ca", "10.0.1.12", "--mac", "00:15:5d:00:00:03",
                      "--pa", "192.0.2.11")
    assert "vsid: 12: tenant VSIDs range from 4096 to 16777214" in err
    err = cli.refused(1, "lookup-record", "new", "--vsid", "5001", "--ca", "10.9.9.9", "--mac", "00:15:5d:00:00:03",
                      "--pa", "192.0.2.11")
    assert "ca: 10.9.9.9" in err and "prefixes" in err
    err = cli.refused(1, "customer-route", "new", "--rdid", RD, "--vsid", "5001", "--destination-prefix",
                      "10.0.0.0/8", "--next-hop", "fd00::1")
    assert "nextHop" in err and "family" in err
    err = cli.refused(1, "lookup-record", "set", "--vsid", "5001", "--pa", "192.0.2.12")
    assert "select 2 objects; set needs exactly one" in err
    # Bad command lines: exit 2, nothing sent.
    assert "--bogus" in cli.refused(2, "lookup-record", "new", "--bogus", "1")
    assert "must be a whole number" in cli.refused(2, "lookup-record", "get", "--vsid", "five")
    assert "unknown verb" in cli.refused(2, "lookup-record", "frobnicate")
    assert "needs a value" in cli.refused(2, "lookup-record", "new", "--vsid")
    cli.refused(2, "lookup-record", "remove")  # removing everything needs --all
    # Unreachable controller: exit 1 naming the address.
    p = subprocess.run(["ip", "netns", "exec", cli.ctl.netns, cli.hnvctl, "--controller", "http://127.0.0.1:1",
                        "--token", "x", "controller", "status"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "127.0.0.1:1" in p.stderr, p.stderr
    # --help of a noun lists its fields.
    p = cli.run("lookup-record", "--help", json_out=False)
    assert p.returncode == 0 and "--vm-name" in p.stdout and "(immutable)" in p.stdout

    assert cli.ok("controller", "status")["revision"] == before


def test_an_s2s_interface_by_certificates_reads_its_pem_from_files(cli, lab):
    """--FIELD-file: the certificate, its key and the CAs from files (the key never on the command line)."""
    wan = "e5e6e7e8-0000-4000-8000-0000000000e5"
    ca = CertificateAuthority(lab.logdir / "pki", "ca-a")
    gw = ca.issue("gw-a", "203.0.113.5")
    files = {}
    for name, text in (("gw.pem", gw.cert), ("gw.key", gw.key)):
        files[name] = lab.logdir / "pki" / name
        files[name].write_text(text)
    cli.ok("routing-domain", "new", "--rdid", RD)
    cli.ok("routing-domain", "new", "--rdid", wan)
    cli.ok("node", "new", "--name", "gw1", "--role", "gateway", "--tenants", f"{RD},{wan}")
    common = ["--rdid", RD, "--node", "gw1", "--external-rdid", wan, "--local-address", "203.0.113.5",
              "--local-prefixes", "10.0.1.0/24", "--remote-prefixes", "172.16.1.0/24:20,172.16.2.0/24",
              "--authentication", "certificate", "--certificate-file", str(files["gw.pem"])]
    missing = str(lab.logdir / "pki" / "no-such.key")
    err = cli.refused(2, "vpn-s2s-interface", "new", "--name", "site-a", "--destination", "203.0.113.2", *common,
                      "--private-key-file", missing, "--ca-certificates-file", str(ca.cert_path))
    assert f"--private-key-file: {missing}: cannot be read" in err, err
    # A PSK from a file an editor wrote (one line end, dropped); a directory is refused.
    psk = lab.logdir / "pki" / "psk.txt"
    psk.write_text("a long pre-shared key from a file\n")
    err = cli.refused(2, "vpn-s2s-interface", "new", "--sharedSecret-file", str(lab.logdir / "pki"))
    assert "is not a regular file" in err, err
    cli.ok("vpn-s2s-interface", "new", "--rdid", RD, "--name", "site-psk", "--node", "gw1", "--external-rdid", wan,
           "--local-address", "203.0.113.5", "--destination", "203.0.113.9", "--local-prefixes", "10.0.1.0/24",
           "--remote-prefixes", "172.16.9.0/24", "--shared-secret-file", str(psk))
    cli.ok("vpn-s2s-interface", "new", "--name", "site-a", "--destination", "203.0.113.2", *common,
           "--private-key-file", str(files["gw.key"]), "--ca-certificates-file", str(ca.cert_path))
    got = cli.ok("vpn-s2s-interface", "get", "--rdid", RD)
    items = got["items"] if isinstance(got, dict) else got
    items = [i for i in items if i["name"] == "site-a"]
    assert len(items) == 1 and items[0]["authentication"] == "certificate", items
    assert items[0]["certificate"] == gw.cert and "privateKey" not in items[0], items
    assert items[0]["remotePrefixes"] == ["172.16.1.0/24:20", "172.16.2.0/24"], items
    p = cli.run("vpn-s2s-interface", "--help", json_out=False)
    assert "--FIELD-file PATH" in p.stdout, p.stdout
