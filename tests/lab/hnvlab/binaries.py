"""Where the project's binaries are, for lab tests that run them.

CTest sets HNV_BUILD_DIR to the CMake binary directory; by hand the default is
`<repo>/build`, the repository root being found from this file's location.
Binaries are in `<build>/bin` (CMAKE_RUNTIME_OUTPUT_DIRECTORY).
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import LabError

REPO_ROOT = Path(__file__).resolve().parents[3]  # tests/lab/hnvlab/ -> repo


class BinaryNotFound(LabError):
    """A project binary is not built (or not executable)."""


def build_dir() -> Path:
    return Path(os.environ.get("HNV_BUILD_DIR") or REPO_ROOT / "build")


def find_binary(name: str) -> Path:
    """Path of `<build>/bin/<name>`; BinaryNotFound names the path looked at."""
    path = build_dir() / "bin" / name
    if not path.is_file() or not os.access(path, os.X_OK):
        raise BinaryNotFound(f"project binary {name} not built: {path} is missing or not executable "
                             f"(build the project, or set HNV_BUILD_DIR)")
    return path
