#!/usr/bin/env bash
# Sets up, builds and explains a shipped sample capture.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
scripts/build.sh >/dev/null
./build/apps/tcpflow-explain --color never "${1:-samples/seed-1-merged-close/capture.pcap}"
