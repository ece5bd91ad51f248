#!/usr/bin/env bash
# Prints an md5 for every sample's report in each output mode (text, JSON,
# brief, --all-segments text, -S JSON) and, when given, for the JSON of a
# bench capture: refactors compare this listing before and after.
#   scripts/output-digest.sh [TOOL] [BENCH_CAPTURE]
set -uo pipefail
cd "$(dirname "$0")/.."
tool=${1:-build/apps/tcpflow-explain}
bench=${2:-}
modes=("--format json" "--color never" "--brief --color never" "--all-segments --color never" "-S --format json")
for dir in samples/*/; do
    cap=$(ls "$dir"capture.pcap* 2>/dev/null | head -1)
    [[ -n $cap ]] || continue
    for m in "${modes[@]}"; do
        # shellcheck disable=SC2086
        sum=$("$tool" $m "$cap" 2>&1 | md5sum | cut -c1-32)
        printf '%s  %s  %s\n' "$sum" "$cap" "$m"
    done
done
if [[ -n $bench ]]; then
    printf '%s  %s  --format json\n' "$("$tool" --format json "$bench" | md5sum | cut -c1-32)" "$bench"
fi
