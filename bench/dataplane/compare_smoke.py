#!/usr/bin/python3
"""perf-smoke.compare: the comparison runner end to end, briefly and small.

Runs side_by_side.py on two paths (host-decap, with Open vSwitch, and
decap-encrypt, which has no OVS peer) with small tables, one round of one
second, callgrind on, and checks what it wrote: the JSON has both paths
with our cycles, testpmd's I/O, OVS's figure and ratio for the first and
the reason for its absence on the second, instruction counts and memory;
the Markdown table names both; the PNG is a PNG. No timing is asserted.

Usage: compare_smoke.py BUILD_DIR OUT_DIR   (as root: hugepages, OVS in a namespace)
"""

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "peers"))
import ovs_dpdk  # noqa: E402

SKIP = 77  # CTest SKIP_RETURN_CODE


def main() -> int:
    build, out = Path(sys.argv[1]), Path(sys.argv[2])
    if os.geteuid() != 0:
        print("compare_smoke: skipped: needs root (hugepages, Open vSwitch in a network namespace)")
        return SKIP
    why = ovs_dpdk.missing()
    if why:
        print(f"compare_smoke: skipped: {why}")
        return SKIP
    out.mkdir(parents=True, exist_ok=True)
    runner = Path(__file__).resolve().parent / "side_by_side.py"
    argv = ["/usr/bin/python3", str(runner), "--build", str(build), "--rounds", "1", "--seconds", "1",
            "--path", "host-decap", "--path", "decap-encrypt", "--host-tenants", "64", "--records", "16",
            "--vms", "4", "--tunnels", "16", "--walks", "50",
            "--json", str(out / "c.json"), "--md", str(out / "c.md"), "--chart", str(out / "c.png")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        return 1
    doc = json.loads((out / "c.json").read_text())
    problems = []
    paths = {p["path"]: p for p in doc["paths"]}
    if set(paths) != {"host-decap", "decap-encrypt"}:
        problems.append(f"paths {sorted(paths)}")
    for name, p in paths.items():
        m = p["median"]
        for key in ("oursNetCyclesPerPacket", "oursWithIoCyclesPerPacket", "testpmdPcapCyclesPerPacket"):
            if not m.get(key, 0) > 0:
                problems.append(f"{name}: {key} = {m.get(key)}")
        if not m.get("oursMaxRssBytes", 0) > 2**20:
            problems.append(f"{name}: oursMaxRssBytes = {m.get('oursMaxRssBytes')}")
        if not p.get("instructions", {}).get("netPerPacket", 0) > 100:
            problems.append(f"{name}: instructions {p.get('instructions')}")
    hd = paths.get("host-decap", {}).get("median", {})
    if not (hd.get("ovsCyclesPerPacket", 0) > 0 and hd.get("ovsOverOurs", 0) > 0 and hd.get("ovsRssBytes", 0) > 0):
        problems.append(f"host-decap: no OVS figures: {hd}")
    if "ESP" not in (paths.get("decap-encrypt", {}).get("ovsAbsent") or ""):
        problems.append("decap-encrypt: no reason for the missing OVS figure")
    if not doc.get("testpmdNullCyclesPerPacket", 0) > 0:
        problems.append("no I/O ceiling")
    md = (out / "c.md").read_text()
    for want in ("| host-decap |", "| decap-encrypt |", "I/O ceiling"):
        if want not in md:
            problems.append(f"Markdown lacks {want!r}")
    if (out / "c.png").read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
        problems.append("the chart is not a PNG")
    for p in problems:
        print("compare_smoke:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
