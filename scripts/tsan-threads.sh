#!/usr/bin/env bash
# The threaded pipeline under ThreadSanitizer: builds tfe_pipeline_tests and
# the tool in build-tsan (-DTFE_SANITIZE=thread) and runs the random-stream
# tests and a few samples through --threads 3, from files and pipes. Minutes on two cores, so it
# is not part of scripts/test.sh.
#   scripts/tsan-threads.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${1:-$ROOT/build-tsan}
cmake -S "$ROOT" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTFE_SANITIZE=thread >/dev/null
ninja -C "$B" tfe_pipeline_tests tcpflow-explain
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
"$B/tests/tfe_pipeline_tests"
for cap in port-reuse failure-host-unreachable crafted-fin-retrans-time-wait pcapng; do
    f=$(ls "$ROOT/samples/$cap"/capture.pcap* | head -1)
    "$B/apps/tcpflow-explain" --threads 3 --format json "$f" >/dev/null
    "$B/apps/tcpflow-explain" --threads 3 --color never "$f" >/dev/null
    # A stream: the reader hands its partial batches over as the pipe goes quiet.
    (head -c 2000 "$f"; sleep 0.2; tail -c +2001 "$f") | "$B/apps/tcpflow-explain" --threads 3 --format json - >/dev/null
done
echo "tsan-threads: no race reported"
