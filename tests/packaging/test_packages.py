"""The Debian packages (issue 10, acceptance 1): built from the build tree
by packaging/build-packages.sh, installed on this machine with dpkg -i,
their units verified by systemd-analyze, the daemons run the way their units
run them, upgraded with an edited configuration, removed and purged.

This machine has no systemd as PID 1, so a unit is run here as systemd
would start it, from the unit file itself: its ExecStart, as its User and
Group, with its AmbientCapabilities and CapabilityBoundingSet (setpriv),
NoNewPrivileges, its RuntimeDirectory and StateDirectory made as systemd
makes them, and NOTIFY_SOCKET/WATCHDOG_USEC pointing at a datagram socket
of the test, which must receive READY=1 and WATCHDOG=1. The sandboxing
options (ProtectSystem, PrivateTmp, ...) are not reproduced here; the
appliance image runs the units under systemd itself.

Needs root (dpkg, users, namespaces). Leaves the machine as it found it:
the packages are purged at the end (the service users stay, as Debian's
packages leave theirs).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("HNV_BUILD_DIR", ROOT / "build"))
PACKAGES = ["hnv-common", "hnv-gateway", "hnv-host", "hnv-controller", "hnvctl"]
UPGRADE_VERSION = "0.1.0+upgrade1"
NETNS = "hnvpkg"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="installs packages and runs daemons as service users: needs root")


def sh(*args: str, check: bool = True, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    args = tuple(str(a) for a in args)
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, **kw)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}")
    return done


def purge() -> None:
    """Purges whichever of the packages dpkg knows (installed or configuration left)."""
    installed = []
    for p in PACKAGES:
        q = sh("dpkg-query", "-W", "-f=${Status}", p, check=False)
        if q.returncode == 0 and not q.stdout.endswith("not-installed"):
            installed.append(p)
    if installed:
        sh("dpkg", "--purge", *installed)


def build_packages(out: Path, version: str | None = None) -> dict[str, Path]:
    """The five .deb files, built into `out` (a copy of <build>/packages)."""
    args = [str(ROOT / "packaging" / "build-packages.sh"), str(BUILD)] + ([version] if version else [])
    sh(*args, timeout=900)
    out.mkdir(parents=True, exist_ok=True)
    debs = {}
    for deb in (BUILD / "packages").glob("*.deb"):
        name = deb.name.split("_")[0]
        if version is None or f"_{version}_" in deb.name:
            shutil.copy(deb, out / deb.name)
            debs[name] = out / deb.name
    for deb in (BUILD / "packages").glob("*.deb"):
        deb.unlink()
    assert sorted(debs) == sorted(PACKAGES), sorted(debs)
    return debs


def unit(path: str) -> dict[str, list[str]]:
    """A unit file's settings: key -> values in order (comments dropped)."""
    settings: dict[str, list[str]] = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def seconds(value: str) -> float:
    m = re.fullmatch(r"(\d+)(ms|s|min)?", value)
    assert m, value
    n = float(m.group(1))
    return n / 1000 if m.group(2) == "ms" else n * 60 if m.group(2) == "min" else n


class NotifySocket:
    """systemd's side of sd_notify: a datagram socket the service user may write to."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(mode=0o755)
        directory.chmod(0o755)
        self.path = directory / "notify"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        os.chmod(self.path, 0o666)
        self.sock.setblocking(False)
        self.messages: list[str] = []

    def wait_for(self, text: str, timeout: float, proc: subprocess.Popen, log: Path) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"the service exited {proc.returncode} before {text!r}:\n{log.read_text()[-3000:]}")
            try:
                self.messages.append(self.sock.recv(4096).decode())
                continue
            except BlockingIOError:
                pass
            if any(text in m.split("\n") for m in self.messages):
                return
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} from the service in {timeout} s; got {self.messages}\n{log.read_text()[-3000:]}")

    def close(self) -> None:
        self.sock.close()


def run_like_systemd(unit_path: str, notify: NotifySocket, log: Path, env_file: str | None = None) -> subprocess.Popen:
    """Starts the unit's ExecStart as systemd would (see the module's docstring)."""
    u = unit(unit_path)
    command = u["ExecStart"][0]
    if env_file:  # EnvironmentFile=-...: its variables in the command line
        for line in Path(env_file).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                k, _, v = line.partition("=")
                command = command.replace(f"${k.strip()}", v.strip())
    user, group = u["User"][0], u["Group"][0]
    for kind, mode_key in (("RuntimeDirectory", "RuntimeDirectoryMode"), ("StateDirectory", "StateDirectoryMode")):
        for name in u.get(kind, []):
            base = "/run" if kind == "RuntimeDirectory" else "/var/lib"
            d = Path(base) / name
            d.mkdir(parents=True, exist_ok=True)
            shutil.chown(d, user, group)
            os.chmod(d, int(u.get(mode_key, ["0755"])[0], 8))
    caps = [c.lower().removeprefix("cap_") for c in " ".join(u.get("AmbientCapabilities", [])).split()]
    bounding = [c.lower().removeprefix("cap_") for c in " ".join(u.get("CapabilityBoundingSet", [])).split()]
    assert sorted(caps) == sorted(bounding), "ambient capabilities outside the bounding set"
    plus = ",".join("+" + c for c in caps)
    setpriv = ["setpriv", f"--reuid={user}", f"--regid={group}", "--init-groups",
               f"--bounding-set=-all{',' + plus if plus else ''}"]
    if plus:
        setpriv += [f"--inh-caps={plus}", f"--ambient-caps={plus}"]
    if u.get("NoNewPrivileges", ["no"])[0] == "yes":
        setpriv.append("--no-new-privs")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NOTIFY_SOCKET": str(notify.path)}
    for assignment in u.get("Environment", []):
        k, _, v = assignment.partition("=")
        env[k] = v.replace("%t", "/run")
    if "WatchdogSec" in u:
        env["WATCHDOG_USEC"] = str(int(seconds(u["WatchdogSec"][0]) * 1_000_000))
    out = open(log, "w")
    return subprocess.Popen(["ip", "netns", "exec", NETNS, *setpriv, *command.split()], env=env, stdout=out,
                            stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def scrape(url: str) -> str:
    code = f"import urllib.request,sys; sys.stdout.write(urllib.request.urlopen({url!r}, timeout=5).read().decode())"
    return sh("ip", "netns", "exec", NETNS, "/usr/bin/python3", "-c", code, timeout=20).stdout


@pytest.fixture(scope="module")
def workdir():
    d = Path(tempfile.mkdtemp(prefix="hnv-packages-"))
    os.chmod(d, 0o755)
    purge()
    sh("ip", "netns", "del", NETNS, check=False)
    sh("ip", "netns", "add", NETNS)
    sh("ip", "-n", NETNS, "link", "set", "lo", "up")
    sh("ip", "-n", NETNS, "link", "add", "pkg0", "type", "veth", "peer", "name", "pkg1")
    for ifname in ("pkg0", "pkg1"):
        sh("ip", "-n", NETNS, "link", "set", ifname, "up")
    yield d
    purge()
    for leftover in ("/run/hnvgwd", "/run/hnv-iked"):
        shutil.rmtree(leftover, ignore_errors=True)
    sh("ip", "netns", "del", NETNS, check=False)
    shutil.rmtree(d, ignore_errors=True)


def test_packages_install_run_upgrade_and_purge(workdir: Path):
    v1 = build_packages(workdir / "v1")

    # Install.
    sh("dpkg", "-i", *v1.values())
    for p in PACKAGES:
        assert sh("dpkg-query", "-W", "-f=${Status} ${Version}", p).stdout == "install ok installed 0.1.0", p
    for user in ("hnv", "hnv-controller"):
        entry = sh("getent", "passwd", user).stdout
        assert entry.rstrip().endswith(":/nonexistent:/usr/sbin/nologin"), entry
    conffiles = sh("dpkg-query", "-W", "-f=${Conffiles}", "hnv-gateway").stdout
    assert "/etc/hnv/hnvgwd.json" in conffiles and "/etc/hnv/hnv-iked.conf" in conffiles, conffiles
    for path, group in (("/etc/hnv/hnvgwd.json", "hnv"), ("/etc/hnv/hnv-hostd.json", "hnv"),
                        ("/etc/hnv/hnv-controller.json", "hnv-controller")):
        st = os.stat(path)
        assert (oct(st.st_mode & 0o777), st.st_uid) == ("0o640", 0), path
        assert sh("stat", "-c", "%G", path).stdout.strip() == group, path
    for binary in ("/usr/sbin/hnvgwd", "/usr/sbin/hnv-hostd", "/usr/sbin/hnv-iked", "/usr/sbin/hnv-controller",
                   "/usr/bin/hnvctl"):
        assert os.access(binary, os.X_OK), binary
    assert Path("/run/charon.ha").exists(), "the tmpfiles entry for hnv-iked's ha FIFO mount point"
    rule = Path("/usr/lib/udev/rules.d/60-hnv-vfio.rules").read_text()
    assert 'SUBSYSTEM=="vfio", GROUP="hnv", MODE="0660"' in rule, rule

    # Every unit passes systemd-analyze verify, with nothing to say.
    units = sorted(str(p) for p in Path("/lib/systemd/system").glob("hnv*.service"))
    assert [Path(u).name for u in units] == ["hnv-controller.service", "hnv-hostd.service", "hnv-hugepages.service",
                                             "hnv-iked.service", "hnvgwd.service"]
    verify = sh("systemd-analyze", "verify", *units, check=False)
    assert verify.returncode == 0 and verify.stdout + verify.stderr == "", verify.stdout + verify.stderr

    # The shipped configurations are valid, read as the service users.
    for user, command in (("hnv", "/usr/sbin/hnvgwd --config /etc/hnv/hnvgwd.json --check-config"),
                          ("hnv", "/usr/sbin/hnv-hostd --config /etc/hnv/hnv-hostd.json --check-config"),
                          ("hnv-controller", "/usr/sbin/hnv-controller --config /etc/hnv/hnv-controller.json --check-config")):
        sh("setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", *command.split())

    # The operator's edit: this machine's port, plain memory, a node name.
    cfg = Path("/etc/hnv/hnvgwd.json")
    edited = cfg.read_text().replace('"name": "gw1"', '"name": "pkg-gw"') \
        .replace('"eal": {"lcores": "0,1", "hugepages": true}', '"eal": {"lcores": "0,1", "hugepages": false}') \
        .replace("iface=eth1", "iface=pkg0")
    assert edited.count("pkg-gw") == 1 and "iface=pkg0" in edited and '"hugepages": false' in edited
    cfg.write_text(edited)

    # hnvgwd and hnv-iked as their units run them.
    notify_gw, notify_ike = NotifySocket(workdir / "gw"), None
    gw = run_like_systemd("/lib/systemd/system/hnvgwd.service", notify_gw, workdir / "hnvgwd.log")
    ike = None
    try:
        notify_gw.wait_for("READY=1", 60, gw, workdir / "hnvgwd.log")
        notify_gw.wait_for("WATCHDOG=1", 15, gw, workdir / "hnvgwd.log")
        assert scrape("http://127.0.0.1:9470/health").strip() == "ok"
        assert "hnv_node_packets_total" in scrape("http://127.0.0.1:9470/metrics")
        status = json.loads(sh("ip", "netns", "exec", NETNS, "/usr/bin/hnvctl", "--json", "status").stdout)
        assert status.get("node") == "pkg-gw", status
        notify_ike = NotifySocket(workdir / "ike")
        ike = run_like_systemd("/lib/systemd/system/hnv-iked.service", notify_ike, workdir / "hnv-iked.log",
                               env_file="/etc/hnv/hnv-iked.conf")
        notify_ike.wait_for("READY=1", 30, ike, workdir / "hnv-iked.log")
        deadline = time.monotonic() + 20
        while "hnv-iked connected" not in (workdir / "hnvgwd.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "hnv-iked connected" in (workdir / "hnvgwd.log").read_text()
        caps = Path(f"/proc/{ike.pid}/status").read_text()
        assert re.search(r"^CapEff:\s+0+$", caps, re.M), "hnv-iked gives up its capabilities"
    finally:
        for p in (ike, gw):
            if p is not None:
                stop(p)
        for n in (notify_gw, notify_ike):
            if n is not None:
                n.close()
    log = (workdir / "hnvgwd.log").read_text()
    assert gw.returncode == 0 and "hnvgwd: stopped" in log, log[-2000:]

    # Upgrade: the new version is installed, the edit kept.
    v2 = build_packages(workdir / "v2", UPGRADE_VERSION)
    sh("dpkg", "-i", *v2.values())
    for p in PACKAGES:
        assert sh("dpkg-query", "-W", "-f=${Version}", p).stdout == UPGRADE_VERSION, p
    assert cfg.read_text() == edited, "the upgrade kept the edited configuration"

    # Remove keeps the configuration and the state; purge removes both.
    Path("/var/lib/hnvgwd/policy.json").write_text("{}")
    sh("dpkg", "-r", "hnv-gateway")
    assert cfg.read_text() == edited and Path("/var/lib/hnvgwd/policy.json").exists()
    assert not Path("/usr/sbin/hnvgwd").exists()
    sh("dpkg", "--purge", "hnv-gateway")
    assert not cfg.exists() and not Path("/var/lib/hnvgwd").exists()
