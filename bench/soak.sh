#!/usr/bin/env bash
# Soak: the live monitor on loopback under a steady connection rate for a
# long while, its memory sampled every 10 s. Root only.
#   bench/soak.sh TOOL [SECONDS [RATE [PORT]]]     (default 3600 s, 100/s)
# Prints the resident memory at 1 minute, at the end and at its peak, the
# growth from the tenth minute on, and whether the monitor reported every
# connection the traffic made. The samples are left in soak-rss.csv in
# the working directory (seconds, KiB).
set -uo pipefail
tool=$1 seconds=${2:-3600} rate=${3:-100} port=${4:-46100}
here=$(dirname "$0")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$tool" -i lo --filter "tcp and (port $port or port $((port + 1)))" --format json \
    --stats-interval 600 >"$out/live.jsonl" 2>"$out/live.err" &
monitor=$!
sleep 1.5
/usr/bin/python3 "$here/soak_traffic.py" "$port" "$rate" "$seconds" "$out/made" &
traffic=$!
rss() { awk '/^VmRSS/ {print $2}' "/proc/$monitor/status"; }
echo "seconds,rss_kib" >soak-rss.csv
t0=$(date +%s)
while kill -0 "$traffic" 2>/dev/null; do
    echo "$(($(date +%s) - t0)),$(rss)" >>soak-rss.csv
    sleep 10
done
sleep 2
echo "$(($(date +%s) - t0)),$(rss)" >>soak-rss.csv
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$monitor/status")
kill -INT "$monitor"
wait "$monitor"
cat "$out/live.err"
made=$(cat "$out/made")
reported=$(grep -c '"end_reason"' "$out/live.jsonl")
open=$(grep -c '"end_reason":"open"' "$out/live.jsonl")
awk -F, -v peak="$peak" 'NR == 1 {next}
    {t[NR] = $1 + 0; r[NR] = $2 + 0; n = NR}
    t[NR] >= 60 && !one {one = r[NR]}
    t[NR] >= 600 && !ten {ten = r[NR]; tten = t[NR]}
    END {
        printf "RSS: %.1f MiB at 1 min, %.1f MiB at the end (%d s), peak %.1f MiB\n",
            one / 1024, r[n] / 1024, t[n], peak / 1024
        if (ten) printf "growth from minute 10 on: %+.1f MiB an hour\n",
            (r[n] - ten) / 1024 * 3600 / (t[n] - tten)
    }' soak-rss.csv
echo "connections made: $made; reported: $reported ($open still open at the stop)"
