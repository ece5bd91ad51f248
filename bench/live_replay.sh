#!/usr/bin/env bash
# Live throughput: replays a capture onto lo at top speed (tcpreplay) while
# `tcpflow-explain -i lo --format json` runs, then prints tcpreplay's rate,
# the kernel's drop count and how many connections were reported. Root only.
#   bench/live_replay.sh TOOL CAPTURE [more tool options, e.g. --immediate]
# Compare the connections with an offline run of the same file; frames
# tcpreplay injects that no capture on lo sees (tcpdump neither) are lost
# before any tap, not by the monitor.
set -uo pipefail
tool=$1 cap=$2
shift 2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$tool" -i lo --filter "tcp and not port 22 and not net 127.0.0.0/8" --format json -v "$@" \
    >"$out/live.jsonl" 2>"$out/live.err" &
monitor=$!
sleep 1.5
tcpreplay -i lo --topspeed "$cap" 2>&1 | grep -E "Rated|Successful"
sleep 3
kill -INT "$monitor"
wait "$monitor"
grep -E "frames received" "$out/live.err"
echo "connections reported live: $(wc -l <"$out/live.jsonl"); offline: $("$tool" --format json "$cap" | wc -l)"
