"""Long-running processes in namespaces, polling, and CPU accounting.

A lab test starts daemons (hnvgwd, hnv-hostd, tcpdump, an HTTP server) that
must be observable and must always be stopped. Process gives each one its own
log file, stops it politely then firmly, and records how it ended. wait_for()
is the only way a test should wait: it polls a condition with a deadline and
says what it was waiting for when it gives up. The CPU helpers let a test
check that idle data-plane processes really back off.
"""

from __future__ import annotations

import ctypes
import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .errors import LabError, WaitTimeout

T = TypeVar("T")

# Default time a process gets to exit after SIGTERM before SIGKILL.
STOP_TIMEOUT_S = 5.0

_PR_SET_PDEATHSIG = 1
# Loaded once here: the child between fork and exec should do as little as possible.
_LIBC = ctypes.CDLL(None, use_errno=True)


def wait_for(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.05,
    what: str | None = None,
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Poll `predicate` until it returns a truthy value; return that value.

    Raises WaitTimeout naming `what` (e.g. "hnvgwd to answer on its REST port")
    after `timeout` seconds, with the last value seen. Exceptions listed in
    `ignore` count as "not yet" (useful for connection refused while a daemon
    starts); the last one is quoted in the error. Always evaluates the
    predicate at least once, and once more at the deadline.
    """
    what = what or getattr(predicate, "__qualname__", repr(predicate))
    deadline = time.monotonic() + timeout
    polls = 0
    last_value: object = None
    last_error: BaseException | None = None
    while True:
        polls += 1
        try:
            last_value = predicate()
            if last_value:
                return last_value  # type: ignore[return-value]
        except ignore as exc:
            last_error = exc
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(interval, remaining))
    detail = f"last value {last_value!r}"
    if last_error is not None:
        detail += f", last error {type(last_error).__name__}: {last_error}"
    raise WaitTimeout(f"timed out after {timeout:g} s waiting for {what} ({polls} polls; {detail})")


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGKILL it if the harness dies.

    Without this a SIGKILLed test run (CTest timeout) leaves its daemons
    running; the flag survives `ip netns exec`'s exec. The signal fires when
    the *thread* that started the process exits, so start processes from the
    test's main thread (or pass die_with_harness=False).
    """
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Process:
    """One process started by a lab, inside a namespace or in the host namespace.

    Standard input is /dev/null; standard output and error both go to
    `log_path`, which starts with a header naming the command and ends with a
    footer giving the exit code. The process leads its own process group so that
    stop() also reaches its children. Not thread-safe: use from the test thread.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        netns: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike | None = None,
        die_with_harness: bool = True,
    ) -> None:
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log_path = Path(log_path)
        self.netns = netns
        self.env = dict(env or {})
        self.cwd = cwd
        self.die_with_harness = die_with_harness
        self.returncode: int | None = None
        self.stopped_by: str | None = None
        self._popen: subprocess.Popen | None = None
        self._started_at = 0.0

    def __repr__(self) -> str:
        state = "running" if self.running else f"exit {self.returncode}"
        return f"Process({self.name!r}, pid={self.pid}, {state})"

    @property
    def where(self) -> str:
        return f"namespace {self.netns}" if self.netns else "host namespace"

    def start(self) -> "Process":
        if self._popen is not None:
            raise LabError(f"process {self.name} already started")
        full = ["ip", "netns", "exec", self.netns, *self.argv] if self.netns else self.argv
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"# hnvlab: {self.name} in {self.where}: {shlex.join(self.argv)}\n".encode())
            log.flush()
            try:
                self._popen = subprocess.Popen(
                    full,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=self.cwd,
                    start_new_session=True,
                    preexec_fn=_die_with_parent if self.die_with_harness else None,
                )
            except OSError as exc:
                raise LabError(f"{self.where}: cannot start {self.name} ({shlex.join(self.argv)}): {exc}") from exc
        self._started_at = time.monotonic()
        return self

    @property
    def pid(self) -> int | None:
        """Pid of the command itself (`ip netns exec` execs it, it does not fork)."""
        return self._popen.pid if self._popen else None

    @property
    def running(self) -> bool:
        if self._popen is None or self.returncode is not None:
            return False
        code = self._popen.poll()
        if code is None:
            return True
        self._record_exit(code, "exited")
        return False

    def wait(self, timeout: float) -> int:
        """Wait for the process to exit by itself and return its exit code."""
        if self._popen is None:
            raise LabError(f"process {self.name} was never started")
        try:
            code = self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise WaitTimeout(f"timed out after {timeout:g} s waiting for {self.name} ({self.where}) to exit") from None
        self._record_exit(code, "exited")
        return code

    def stop(self, timeout: float = STOP_TIMEOUT_S, sig: int = signal.SIGTERM) -> int | None:
        """Stop the process: `sig` (SIGTERM) first, SIGKILL to its group after `timeout`.

        Returns the exit code (negative for a signal, as in subprocess). Safe to
        call twice and on a process that already exited.
        """
        if self._popen is None:
            return None
        if self.returncode is None and self._popen.poll() is None:
            how = signal.Signals(sig).name
            self._signal(sig)
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                how = f"SIGKILL after {how} was ignored for {timeout:g} s"
                self._signal_group(signal.SIGKILL)
                self._popen.wait()
            self._record_exit(self._popen.returncode, how)
        elif self.returncode is None:
            self._record_exit(self._popen.returncode, "exited")
        # Children left in the process group outlive their parent otherwise.
        self._signal_group(signal.SIGKILL)
        return self.returncode

    def kill(self) -> int | None:
        return self.stop(timeout=0, sig=signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        try:
            os.kill(self._popen.pid, sig)  # type: ignore[union-attr]
        except ProcessLookupError:
            pass

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self._popen.pid, sig)  # type: ignore[union-attr]
        except (ProcessLookupError, PermissionError):
            pass

    def _record_exit(self, code: int, how: str) -> None:
        if self.returncode is not None:
            return
        self.returncode = code
        self.stopped_by = how
        ran = time.monotonic() - self._started_at
        with open(self.log_path, "ab") as log:
            log.write(f"\n# hnvlab: {self.name} ended with exit code {code} ({how}) after {ran:.2f} s\n".encode())

    # -- the log ----------------------------------------------------------------

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 50) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def wait_for_log(self, pattern: str, timeout: float = 10.0) -> re.Match[str]:
        """Wait until the log matches the regular expression `pattern`.

        Fails at once, with the log's tail, if the process exits first.
        """
        regex = re.compile(pattern, re.MULTILINE)

        def seen() -> re.Match[str] | None:
            match = regex.search(self.log_text())
            if not match and not self.running:
                raise LabError(
                    f"{self.name} ({self.where}) exited with code {self.returncode} before its log matched "
                    f"{pattern!r}; log tail:\n{self.log_tail(20)}"
                )
            return match

        return wait_for(seen, timeout, what=f"{self.name} to log {pattern!r}")

    def assert_running(self) -> None:
        """Raise with the log's tail if the process is no longer running."""
        if not self.running:
            raise LabError(f"{self.name} ({self.where}) exited with code {self.returncode}; log tail:\n{self.log_tail(20)}")


# -- CPU accounting -----------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a whole process, in seconds.

    /proc/<pid>/stat of a thread-group leader sums every thread, including
    threads that already exited, so a multi-threaded daemon is fully counted.
    Resolution is one clock tick (10 ms).
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        raise LabError(f"no process {pid}: cannot read its CPU time") from None
    fields = stat[stat.rindex(")") + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / CLOCK_TICKS


@dataclass(frozen=True)
class CpuSample:
    """CPU time of a process at a moment; two samples give its CPU usage."""

    pid: int
    cpu_s: float
    at_s: float

    @classmethod
    def take(cls, pid: int) -> "CpuSample":
        return cls(pid, cpu_seconds(pid), time.monotonic())

    def cores_since(self, earlier: "CpuSample") -> float:
        """Average number of cores used between `earlier` and this sample."""
        if earlier.pid != self.pid:
            raise LabError(f"CPU samples of different processes ({earlier.pid}, {self.pid})")
        wall = self.at_s - earlier.at_s
        if wall <= 0:
            raise LabError("CPU samples taken at the same moment")
        return (self.cpu_s - earlier.cpu_s) / wall


def measure_cpu(pids: Iterable[int], window: float = 1.0) -> dict[int, float]:
    """Cores used by each process over the next `window` seconds.

    The sleep here is the measurement window itself, not a synchronisation.
    Use at least 0.5 s: one tick is 10 ms, so shorter windows are coarse.
    """
    pids = list(pids)
    before = [CpuSample.take(pid) for pid in pids]
    time.sleep(window)
    return {b.pid: CpuSample.take(b.pid).cores_since(b) for b in before}
