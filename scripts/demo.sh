#!/usr/bin/env bash
# Sets up, builds and runs the lab demo: what the product can do today, with
# real processes and real traffic in network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec /usr/bin/python3 tools/lab/demo.py "$@"
