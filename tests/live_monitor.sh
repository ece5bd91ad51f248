#!/usr/bin/env bash
# Live monitoring end to end, on loopback, with the real Linux stack:
#  1. connections of every common kind (client closes first, server first
#     with a merged close, reset, refused, one left open) while the monitor
#     runs with JSON, -w and --stats-interval; SIGINT stops it, and every
#     line must say what the kernel did (the open one reported as open);
#  2. the file -w saved, read offline, gives the same connections;
#  3. -c stops the monitor by itself after that many frames;
#  4. --duration stops it by itself, and what it saved with -w, read
#     offline, gives the same connections.
# Root only (exit 77 = skipped otherwise).
#   live_monitor.sh TOOL
set -uo pipefail
tool=$1
here=$(dirname "$0")
port=45900
if [[ $(id -u) -ne 0 ]]; then
    echo "live_monitor: needs root; skipped"
    exit 77
fi
work=$(mktemp -d)
driver=
trap '[[ -n $driver ]] && kill "$driver" 2>/dev/null; rm -rf "$work"' EXIT
rc=0
fail() { echo "live_monitor: $*"; rc=1; }

"$tool" -i lo --filter "tcp and (port $port or port $((port + 1)))" --format json \
    -w "$work/saved.pcap" --stats-interval 1 >"$work/live.jsonl" 2>"$work/live.err" &
monitor=$!
sleep 1.5
/usr/bin/python3 "$here/live_traffic.py" "$port" "$work/expected.jsonl" &
driver=$!
for _ in $(seq 100); do [[ -s $work/expected.jsonl ]] && break; sleep 0.2; done
[[ -s $work/expected.jsonl ]] || fail "the traffic driver did not finish"
sleep 1
kill -INT "$monitor"
wait "$monitor"
status=$?
kill "$driver" 2>/dev/null
wait "$driver" 2>/dev/null
driver=

cat "$work/live.err"
((status == 0)) || fail "exit status $status after SIGINT"
/usr/bin/python3 "$here/live_check.py" "$work/expected.jsonl" "$work/live.jsonl" || fail "live report differs"
grep -q "frames, .* MiB.*connections: .* open.*, .* reported; dropped: 0 by the kernel" "$work/live.err" ||
    fail "no status line from --stats-interval"

"$tool" --format json "$work/saved.pcap" >"$work/offline.jsonl" || fail "the saved capture cannot be read"
/usr/bin/python3 "$here/live_check.py" "$work/expected.jsonl" "$work/offline.jsonl" ||
    fail "the file saved with -w, read offline, differs"

# -c: three frames, then the monitor stops by itself.
"$tool" -i lo --port "$((port + 2))" -c 3 -w "$work/count.pcap" --format json >"$work/count.jsonl" 2>&1 &
monitor=$!
sleep 1.5
/usr/bin/python3 -c "
import socket
s = socket.socket(); s.connect_ex(('127.0.0.1', $((port + 2)))); s.close()
s = socket.socket(); s.connect_ex(('127.0.0.1', $((port + 2)))); s.close()"
for _ in $(seq 50); do kill -0 "$monitor" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$monitor" 2>/dev/null; then
    kill -INT "$monitor"
    fail "-c 3 did not stop the monitor"
fi
wait "$monitor" || fail "-c: exit status $?"
frames=$(tcpdump -nr "$work/count.pcap" 2>/dev/null | wc -l)
((frames == 3)) || fail "-c 3 -w saved $frames frames"

# --duration: the monitor stops by itself; the open connection is
# reported as open, and the saved file says the same offline.
dport=$((port + 3))
start=$(date +%s)
"$tool" -i lo --filter "tcp and (port $dport or port $((dport + 1)))" --duration 4 -w "$work/dur.pcap" \
    --format json >"$work/dur.jsonl" 2>"$work/dur.err" &
monitor=$!
sleep 1
/usr/bin/python3 "$here/live_traffic.py" "$dport" "$work/dur-expected.jsonl" &
driver=$!
wait "$monitor"
status=$?
elapsed=$(($(date +%s) - start))
kill "$driver" 2>/dev/null
wait "$driver" 2>/dev/null
driver=
((status == 0)) || fail "--duration: exit status $status"
((elapsed <= 7)) || fail "--duration 4 ran $elapsed s"
/usr/bin/python3 "$here/live_check.py" "$work/dur-expected.jsonl" "$work/dur.jsonl" || fail "--duration: live report differs"
"$tool" --format json "$work/dur.pcap" >"$work/dur-offline.jsonl" || fail "--duration: the saved capture cannot be read"
/usr/bin/python3 "$here/live_check.py" "$work/dur-expected.jsonl" "$work/dur-offline.jsonl" ||
    fail "--duration: the file saved with -w, read offline, differs"
exit $rc
