"""Run prefixes, their owners, and removal of what crashed runs left behind.

Each Lab claims a prefix `hnv<N>` (N = pid % 10000 if free) by creating an
owner marker /run/hnv-lab/owners/hnv<N> that holds the owner's pid and its
start time. Both live on the same tmpfs as /run/netns, so they vanish together
at reboot. A namespace `hnv<N>-<short>` is stale when no live process owns
`hnv<N>`: the owning test was SIGKILLed (CTest timeout), the machine lost
power mid-run, and so on. cleanup_stale() removes exactly those, and kills the
processes still running inside them; it never touches a namespace outside the
harness's naming scheme, nor one whose owner is alive (a parallel run).

Command line (from tests/lab): `/usr/bin/python3 -m hnvlab cleanup [--all] [--prefix REGEX]`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import LabError
from .netns import NAMESPACE_RE, PREFIX_RE, Netns, list_netns

OWNER_DIR = Path("/run/hnv-lab/owners")


def process_start_time(pid: int) -> int | None:
    """Start time of a process in clock ticks since boot, None if it is gone.

    Stored next to the pid so that a recycled pid is not taken for the owner.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # Field 22; the command name (field 2) may contain spaces and ')'.
    return int(stat[stat.rindex(")") + 2:].split()[19])


def owner_alive(prefix: str) -> bool:
    """True while the process that claimed `prefix` is still running."""
    try:
        pid_text, start_text = (OWNER_DIR / prefix).read_text().split()
    except (FileNotFoundError, ValueError):
        return False
    return process_start_time(int(pid_text)) == int(start_text)


def claim_prefix() -> str:
    """Claim a free run prefix for this process and return it (e.g. "hnv1234").

    Starts at pid % 10000 so that the prefix shows which test process made a
    namespace; moves on when that number is taken by a live owner (another run
    whose pid has the same last digits, or a second Lab of this process). A
    prefix whose owner died is cleaned and reused.
    """
    OWNER_DIR.mkdir(parents=True, exist_ok=True)
    me = os.getpid()
    content = f"{me} {process_start_time(me)}\n"
    tmp = OWNER_DIR / f".claim-{me}"
    tmp.write_text(content)
    try:
        for step in range(10000):
            prefix = f"hnv{(me + step) % 10000}"
            for _attempt in range(2):
                try:
                    # link() is atomic and fails if the marker exists, so the
                    # marker is never seen half-written.
                    os.link(tmp, OWNER_DIR / prefix)
                except FileExistsError:
                    if owner_alive(prefix):
                        break
                    cleanup_stale(prefix)
                    continue
                # A namespace of this prefix without a live owner is a leftover.
                _delete_namespaces(prefix)
                return prefix
        raise LabError(f"no free lab prefix: all of hnv0..hnv9999 are owned by live processes (see {OWNER_DIR})")
    finally:
        tmp.unlink(missing_ok=True)


def release_prefix(prefix: str) -> None:
    """Drop this process's claim on `prefix` (after its namespaces are gone)."""
    marker = OWNER_DIR / prefix
    try:
        pid_text = marker.read_text().split()[0]
    except (FileNotFoundError, IndexError):
        return
    if int(pid_text) == os.getpid():
        marker.unlink(missing_ok=True)


def _delete_namespaces(prefix: str) -> list[str]:
    removed = []
    for name in list_netns():
        match = NAMESPACE_RE.fullmatch(name)
        if match and match["prefix"] == prefix:
            Netns(name).delete()
            removed.append(name)
    return removed


def cleanup_stale(prefix_pattern: str = PREFIX_RE.pattern, *, include_live: bool = False) -> list[str]:
    """Delete leftover lab namespaces (and kill what runs in them); return their names.

    `prefix_pattern` is a regular expression that must match the whole prefix,
    e.g. the default r"hnv\\d{1,4}" (every run) or "hnv1234" (one run). Only
    names of the form `hnv<N>-<short>` qualify, whatever the pattern says.
    Namespaces whose owner is still running are kept unless `include_live`
    (which would break a parallel run: use it only by hand).
    """
    wanted = re.compile(prefix_pattern)
    removed: list[str] = []
    prefixes = set()
    for name in list_netns():
        match = NAMESPACE_RE.fullmatch(name)
        if not match or not wanted.fullmatch(match["prefix"]):
            continue
        prefixes.add(match["prefix"])
        if include_live or not owner_alive(match["prefix"]):
            Netns(name).delete()
            removed.append(name)
    if OWNER_DIR.is_dir():
        prefixes.update(p.name for p in OWNER_DIR.iterdir())
    for prefix in prefixes:
        if PREFIX_RE.fullmatch(prefix) and wanted.fullmatch(prefix) and (include_live or not owner_alive(prefix)):
            (OWNER_DIR / prefix).unlink(missing_ok=True)
    return removed
