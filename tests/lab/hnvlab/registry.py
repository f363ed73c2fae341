"""Process-wide list of open labs, so that they are torn down on every exit path.

A test normally closes its Lab itself (the `with` block or the pytest fixture).
This module covers the rest: Ctrl-C (SIGINT), SIGTERM from a job runner, and a
Lab somebody forgot to close (atexit). It is module state on purpose: signal
handlers and atexit are process-wide, so the list they walk has to be too.

A SIGKILL cannot be caught; cleanup.cleanup_stale() handles its leftovers on
the next run.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import itertools
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .topology import Lab

_live: list["Lab"] = []
# Recently opened labs, closed or not, so that the pytest hook can show the logs
# of a lab that a test opened with `with Lab()` and that is already closed.
_recent: collections.deque["Lab"] = collections.deque(maxlen=256)
_serials = itertools.count(1)
_previous_handlers: dict[int, object] = {}
_closing_depth = 0
_pending_signals: list[int] = []
_installed = False


def next_serial() -> int:
    return next(_serials)


def last_serial() -> int:
    """Serial of the most recently opened lab (0 if none)."""
    return _recent[-1].serial if _recent else 0


def register(lab: "Lab") -> None:
    _install_handlers()
    _live.append(lab)
    _recent.append(lab)


def unregister(lab: "Lab") -> None:
    if lab in _live:
        _live.remove(lab)


def labs_since(serial: int) -> list["Lab"]:
    """Labs opened after `serial` (see last_serial()), oldest first."""
    return [lab for lab in _recent if lab.serial > serial]


@contextlib.contextmanager
def closing() -> Iterator[None]:
    """Mark a teardown in progress: a signal arriving now waits until it is done.

    Otherwise SIGTERM's default action would kill the process halfway through
    deleting namespaces.
    """
    global _closing_depth
    _closing_depth += 1
    try:
        yield
    finally:
        _closing_depth -= 1
        if _closing_depth == 0 and _pending_signals:
            signum = _pending_signals[0]
            _pending_signals.clear()
            _on_signal(signum, None)


def close_all(reason: str) -> None:
    """Close every open lab, keeping its logs (this is never a normal exit)."""
    for lab in reversed(list(_live)):
        try:
            lab.close(failed=True, reason=reason)
        except Exception as exc:  # keep closing the others
            print(f"hnvlab: teardown of lab {lab.name} after {reason}: {exc}", file=sys.stderr)


def _on_signal(signum: int, frame: object) -> None:
    if _closing_depth:
        _pending_signals.append(signum)
        return
    close_all(f"signal {signal.Signals(signum).name}")
    previous = _previous_handlers.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)  # SIGINT's default raises KeyboardInterrupt
    else:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def _install_handlers() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    atexit.register(close_all, "exit without closing the lab")
    if threading.current_thread() is not threading.main_thread():
        return  # signal.signal() only works there; atexit still covers us
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(signum)
        if previous is signal.SIG_IGN or previous is None:
            continue  # the caller wants this signal ignored; so do we
        _previous_handlers[signum] = previous
        signal.signal(signum, _on_signal)
