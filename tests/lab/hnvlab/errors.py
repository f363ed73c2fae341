"""Exceptions raised by the lab harness.

Every error names the namespace, the command and what the kernel or tool said,
so that a failed lab test can be understood from its report alone.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence


class LabError(RuntimeError):
    """Something in the lab could not be built, run or torn down."""


class CommandError(LabError):
    """A command (usually `ip`, `sysctl` or `ethtool`) failed.

    Keeps the pieces so that a caller can inspect them, and formats them as
    "namespace hnv1234-gw1: command 'ip link set ul0 up' failed (exit 1): <stderr>".
    """

    def __init__(
        self,
        argv: Sequence[str],
        returncode: int | None,
        stdout: str,
        stderr: str,
        netns: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.netns = netns
        where = f"namespace {netns}" if netns else "host namespace"
        status = "timed out" if returncode is None else f"failed (exit {returncode})"
        output = (stderr or stdout).strip() or "<no output>"
        message = f"{where}: command '{shlex.join(self.argv)}' {status}: {output}"
        if detail:
            message += f" [{detail}]"
        super().__init__(message)


class WaitTimeout(LabError, TimeoutError):
    """A polled condition did not become true before its deadline."""
