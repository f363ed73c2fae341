"""hnvlab: the lab harness of hnv-gateway's integration tests.

Builds network namespaces, bridges and veth links on demand, runs processes in
them with per-process logs, and always tears everything down. See README.md
in tests/lab for a walk-through.
"""

from .binaries import BinaryNotFound, build_dir, find_binary
from .capture import Capture, read_pcap_frames
from .cleanup import cleanup_stale
from .errors import CommandError, LabError, WaitTimeout
from .gateway import Gateway, gateway_config, hugepages_available, start_gateway
from .netns import Netns, list_netns
from .process import CpuSample, Process, cpu_seconds, measure_cpu, wait_for
from .topology import Interface, Lab, Node, Segment

__all__ = [
    "BinaryNotFound", "Capture", "Gateway", "gateway_config", "hugepages_available", "start_gateway", "CommandError", "CpuSample", "Interface", "Lab", "LabError", "Netns",
    "Node", "Process", "Segment", "WaitTimeout", "build_dir", "cleanup_stale", "cpu_seconds",
    "find_binary", "list_netns", "measure_cpu", "read_pcap_frames", "wait_for",
]
