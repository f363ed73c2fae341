"""hnvlab: the lab harness of hnv-gateway's integration tests.

Builds network namespaces, bridges and veth links on demand, runs processes in
them with per-process logs, and always tears everything down. See README.md
in tests/lab for a walk-through.
"""

from .binaries import BinaryNotFound, build_dir, find_binary
from .capture import Capture, read_pcap_frames
from .cleanup import cleanup_stale
from .errors import CommandError, LabError, WaitTimeout
from .daemon import DaemonClient, hugepages_available
from .gateway import Gateway, gateway_config, new_gateway, start_gateway
from .host import ControllerLink, Host, Vm, VmSpec, new_host, start_host
from .netns import Netns, list_netns
from .process import CpuSample, Process, cpu_seconds, measure_cpu, wait_for
from .topology import Interface, Lab, Node, Segment

__all__ = [
    "BinaryNotFound", "Capture", "ControllerLink", "DaemonClient", "Gateway", "gateway_config", "Host",
    "hugepages_available", "new_gateway", "new_host", "start_gateway", "start_host", "CommandError", "CpuSample", "Interface", "Lab",
    "LabError", "Netns", "Vm", "VmSpec",
    "Node", "Process", "Segment", "WaitTimeout", "build_dir", "cleanup_stale", "cpu_seconds",
    "find_binary", "list_netns", "measure_cpu", "read_pcap_frames", "wait_for",
]
