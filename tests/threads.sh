#!/usr/bin/env bash
# --threads and --shard over every sample: the output (stdout, stderr and
# exit status) of --threads 2 and 3 is --threads 1's, byte for byte, in
# JSON, text, brief and --expect runs, from files and standard input; each
# --shard K/3 is the same with 1 and 2 threads; and the three shards,
# merged by scripts/merge-shards, are the unsharded run as a set of lines.
#   threads.sh TOOL SAMPLES_DIR MERGE_SHARDS
set -uo pipefail
tool=$1 samples=$2 merge=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0 runs=0
fail() { echo "threads: $*"; rc=1; }

# run OUT ARGS...: stdout and stderr to OUT, then the exit status.
run() {
    local out=$1
    shift
    "$tool" "$@" >"$out" 2>&1
    echo "rc=$?" >>"$out"
    runs=$((runs + 1))
}

same_as_one_thread() {
    local cap=$1
    shift
    run "$work/one" --threads 1 "$@" "$cap"
    for n in 2 3; do
        run "$work/many" --threads $n "$@" "$cap"
        cmp -s "$work/one" "$work/many" || fail "$cap $* --threads $n differs from --threads 1"
    done
}

shards_merge_to_whole() {
    local cap=$1
    "$tool" --threads 1 --format json "$cap" 2>/dev/null | LC_ALL=C sort >"$work/whole"
    for k in 0 1 2; do
        "$tool" --threads 1 --format json --shard $k/3 "$cap" >"$work/shard$k" 2>/dev/null
        "$tool" --threads 2 --format json --shard $k/3 "$cap" >"$work/shard$k.2" 2>/dev/null
        cmp -s "$work/shard$k" "$work/shard$k.2" || fail "$cap --shard $k/3: --threads 2 differs from 1"
    done
    "$merge" "$work"/shard0 "$work"/shard1 "$work"/shard2 | LC_ALL=C sort >"$work/merged"
    cmp -s "$work/whole" "$work/merged" || fail "$cap: the merged shards are not the unsharded run"
}

for dir in "$samples"/*/; do
    cap=$(ls "$dir"capture.pcap "$dir"capture.pcapng 2>/dev/null | head -1)
    [[ -n $cap ]] || continue
    same_as_one_thread "$cap" --format json
    same_as_one_thread "$cap" --color never
    same_as_one_thread "$cap" --brief --color never
    same_as_one_thread "$cap" --color never --all-segments
    if [[ -f ${dir}expected.jsonl ]]; then same_as_one_thread "$cap" --expect "${dir}expected.jsonl"; fi
    shards_merge_to_whole "$cap"
done
# Standard input (a stream: reports as each connection ends, the quiet
# seconds sent to every worker), and tcpdump's text (the seeds' .txt files).
for cap in "$samples"/*/capture.pcap; do
    for format in "--format json" "--brief --color never"; do
        # shellcheck disable=SC2086
        "$tool" --threads 1 $format - <"$cap" >"$work/one" 2>&1
        # shellcheck disable=SC2086
        "$tool" --threads 2 $format - <"$cap" >"$work/many" 2>&1
        runs=$((runs + 2))
        cmp -s "$work/one" "$work/many" || fail "standard input $cap $format: --threads 2 differs from 1"
    done
done
for txt in "$samples"/../tests/data/tcpdump-text/*.txt; do
    [[ -f $txt ]] || continue
    same_as_one_thread "$txt" --color never
done
# A cap one table reaches: the threads stop there and one table reads again.
cap=$samples/port-reuse/capture.pcap
same_as_one_thread "$cap" --format json --max-connections 1
# README's GNU parallel recipe, locally (when parallel is installed).
if command -v parallel >/dev/null && parallel --version 2>/dev/null | grep -q GNU; then
    cap=$samples/port-reuse/capture.pcap
    parallel -j3 "'$tool' --threads 1 --format json --shard {}/3 '$cap' 2>/dev/null" ::: 0 1 2 |
        "$merge" | LC_ALL=C sort >"$work/parallel"
    "$tool" --format json "$cap" 2>/dev/null | LC_ALL=C sort >"$work/whole"
    cmp -s "$work/parallel" "$work/whole" || fail "the GNU parallel recipe does not give the unsharded run"
else
    echo "threads: GNU parallel not installed: its recipe not run"
fi
echo "threads: $runs runs compared"
exit $rc
