"""pytest glue for lab tests: the `lab` and `hnv_bin` fixtures and failure reports.

- Before the session, namespaces left by crashed runs (dead owners) are removed.
- `lab` is a function-scoped Lab; it knows whether its test failed and keeps
  the logs then.
- When a test fails, its report gets one section per lab it opened: where the
  logs are, and the tail of every process log (HNV_LAB_LOG_TAIL lines, 50 by
  default). The session ends with the list of kept log directories.
- `hnv_bin("hnvgwd")` is the path of a built project binary, or skips the test
  naming the missing path (fails instead with HNV_LAB_REQUIRE_BINARIES=1,
  which CI should set once the binaries exist).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hnvlab import BinaryNotFound, Lab, cleanup_stale, find_binary
from hnvlab import registry

# pytester runs a pytest inside a test; test_harness.py uses it to check the failure report.
pytest_plugins = ["pytester"]

_REPORTS = pytest.StashKey[dict]()
_FIRST_SERIAL = pytest.StashKey[int]()


def _is_root() -> bool:
    return os.geteuid() == 0


def pytest_sessionstart(session: pytest.Session) -> None:
    if not _is_root():
        return
    removed = cleanup_stale()
    if removed:
        print(f"\nhnvlab: removed {len(removed)} namespace(s) left by crashed runs: {' '.join(removed)}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _is_root():
        return
    skip = pytest.mark.skip(reason="lab tests need root (network namespaces, veth, bridges)")
    for item in items:
        item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_FIRST_SERIAL] = registry.last_serial()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    if not report.failed or report.when == "teardown":
        return
    tail = int(os.environ.get("HNV_LAB_LOG_TAIL", "50"))
    for lab in registry.labs_since(item.stash.get(_FIRST_SERIAL, 0)):
        lines = [f"lab {lab.name}: namespaces {' '.join(lab.namespaces) or '-'}",
                 f"logs: {lab.logdir}" + ("" if lab.closed and not lab.logs_kept else " (kept)")]
        report.sections.append((f"hnvlab {lab.name}", "\n".join(lines)))
        for proc in lab.processes:
            state = "running" if proc.running else f"exit {proc.returncode}, {proc.stopped_by}"
            title = f"hnvlab {lab.name}: {proc.name} ({proc.where}, {state}), last {tail} lines of {proc.log_path}"
            report.sections.append((title, proc.log_tail(tail) or "<empty log>"))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    kept = [lab.logdir for lab in registry.labs_since(0) if lab.closed and lab.logs_kept]
    if kept:
        terminalreporter.section("hnvlab: logs kept")
        for path in kept:
            terminalreporter.write_line(str(path))


@pytest.fixture
def lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    """A Lab for one test, torn down after it; logs kept if the test failed."""
    the_lab = Lab(request.node.name)
    try:
        yield the_lab
    finally:
        reports = request.node.stash.get(_REPORTS, {})
        # No call report and no failed or skipped setup means the run was interrupted.
        # (A setup that skips, e.g. hnv_bin() for a binary not built, is not a failure.)
        skipped = any(r.skipped for r in reports.values())
        failed = any(r.failed for r in reports.values()) or ("call" not in reports and not skipped)
        the_lab.close(failed=failed, reason="test failed" if failed else None)


@pytest.fixture(scope="session")
def hnv_bin() -> Callable[[str], Path]:
    """`hnv_bin("hnvgwd")` -> Path of the built binary, or skip the test if it is missing."""
    require = os.environ.get("HNV_LAB_REQUIRE_BINARIES", "") not in ("", "0")

    def find(name: str) -> Path:
        try:
            return find_binary(name)
        except BinaryNotFound as exc:
            if require:
                pytest.fail(str(exc), pytrace=False)
            pytest.skip(str(exc))

    return find


@pytest.fixture
def forwarding_lab(lab, hnv_bin):
    """`forwarding_lab(**kwargs)` -> hnvlab.forwarding.ForwardingLab, started (skips while a binary
    or Open vSwitch, the tenants' VLAN switch, is missing)."""
    from hnvlab.forwarding import start_forwarding_lab
    from hnvlab.ovs import ovs_missing

    def start(**kwargs):
        for binary in ("hnvgwd", "hnv-hostd", "hnv-controller", "hnvctl"):
            hnv_bin(binary)
        why = ovs_missing()
        if why:
            pytest.skip(f"the tenants' VLAN switch is Open vSwitch: {why}")
        return start_forwarding_lab(lab, **kwargs)

    return start
