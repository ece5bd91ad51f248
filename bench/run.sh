#!/usr/bin/env bash
# One command from a clean clone: build in Release, generate the benchmark
# captures into bench/data/ (gitignored), time tcpflow-explain against a bare
# libpcap loop, tcptrace and tshark, check its counts against the generator's
# truth, and measure flow-table memory per open connection.
#
# Environment (all optional):
#   BUILD_DIR=build-release   BENCH_CONNECTIONS=100000  BENCH_CONCURRENCY=2000
#   BENCH_OPEN=1000000        BENCH_SEED=1              BENCH_RUNS=3 (best of N
#   for the libpcap loop and tcpflow-explain; tcptrace and tshark run once)
#   TSHARK_TIMEOUT=120        SKIP_BUILD=1              TFE_ARGS="" (extra tool
#   arguments; the tool's own default is --msl 30)
#   BENCH_CPU=<last CPU>      every timed command runs pinned to this CPU
#   (taskset); empty: not pinned. On a small VM one virtual CPU can be far
#   noisier than another (the same run took 0.43 s on one and 0.45-0.80 s on
#   the other), and every contender should see the same one.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD_DIR=${BUILD_DIR:-build-release}
CONNECTIONS=${BENCH_CONNECTIONS:-100000}
CONCURRENCY=${BENCH_CONCURRENCY:-2000}
OPEN=${BENCH_OPEN:-1000000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
TSHARK_TIMEOUT=${TSHARK_TIMEOUT:-120}
CPU=${BENCH_CPU-$(($(nproc) - 1))}
PIN=()
if [[ -n $CPU ]] && command -v taskset >/dev/null; then PIN=(taskset -c "$CPU"); fi
read -r -a TFE_EXTRA <<<"${TFE_ARGS:-}"
DATA=bench/data
TOOL=$BUILD_DIR/apps/tcpflow-explain
status=0

say() { printf '== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- build
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    say "configuring $BUILD_DIR (Release)"
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DTFE_BUILD_TESTS=OFF >/dev/null ||
        { say "cmake configure failed"; exit 1; }
    say "building benchmark tools"
    cmake --build "$BUILD_DIR" -j"$(nproc)" --target tfe_gen_capture tfe_pcap_read_loop >/dev/null ||
        { say "building bench/ failed"; exit 1; }
    say "building everything else (tcpflow-explain)"
    cmake --build "$BUILD_DIR" -j"$(nproc)" >"$BUILD_DIR/bench-build.log" 2>&1 ||
        say "full build failed (see $BUILD_DIR/bench-build.log); continuing with what exists"
fi
GEN=$BUILD_DIR/bench/tfe_gen_capture
LOOP=$BUILD_DIR/bench/tfe_pcap_read_loop
DECODE=$BUILD_DIR/bench/tfe_decode_loop
[[ -x $GEN && -x $LOOP ]] || { say "missing $GEN or $LOOP"; exit 1; }
HAVE_TOOL=0
if [[ -x $TOOL ]]; then HAVE_TOOL=1; else say "NOTE: $TOOL does not exist yet: its rows are n/a"; fi

if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time"
    apt-get install -y time >/dev/null 2>&1 || { say "need /usr/bin/time (apt-get install time)"; exit 1; }
fi

# ---------------------------------------------------------------- captures
mkdir -p "$DATA"
MIXED=$DATA/mixed-${CONNECTIONS}x${CONCURRENCY}.pcap
OPENCAP=$DATA/open-${OPEN}.pcap
TINY=$DATA/tiny.pcap
say "generating captures into $DATA"
"$GEN" --connections "$CONNECTIONS" --concurrency "$CONCURRENCY" --seed "$SEED" \
    --out "$MIXED" --truth "${MIXED%.pcap}.truth.json" --truth-lines "${MIXED%.pcap}.truth.jsonl" || exit 1
"$GEN" --concurrent-open "$OPEN" --seed "$SEED" --out "$OPENCAP" --truth "${OPENCAP%.pcap}.truth.json" || exit 1
"$GEN" --concurrent-open 10 --seed "$SEED" --out "$TINY" --truth "${TINY%.pcap}.truth.json" 2>/dev/null || exit 1

packets_of() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "$1"; }
MIXED_PACKETS=$(packets_of "${MIXED%.pcap}.truth.json")

# ---------------------------------------------------------------- measuring
# measure TIMEOUT CMD... : runs CMD once (stdout to /dev/null); sets WALL
# (s, ns resolution), RSS (KiB), RC. Best-of-N is keep()'s job below.
measure() {
    local timeout=$1 tmp t0 t1
    shift
    tmp=$(mktemp)
    WALL="" RSS=""
    t0=$(date +%s%N)
    timeout "$timeout" "${MPIN[@]}" /usr/bin/time -f '%e %M' -o "$tmp" "$@" >/dev/null 2>"$tmp.err"
    RC=$?
    t1=$(date +%s%N)
    if [[ $RC == 0 ]]; then
        WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
        RSS=$(awk 'END { print $2 }' "$tmp")
    fi
    rm -f "$tmp" "$tmp.err"
}

# measure's CPUs: one (PIN) for single-threaded contenders; every CPU
# (ALL_CPUS) for --threads 2 and the shards.
MPIN=("${PIN[@]}")
ALL_CPUS=()
((${#PIN[@]})) && ALL_CPUS=(taskset -c "0-$(($(nproc) - 1))")
THREADS=${BENCH_THREADS:-2}
# Two shards, each a process on its own CPU, then their JSON merged
# (scripts/merge-shards): what a cluster engine would run, here on one machine.
shard_merge() {
    local out=$1 tool=$2 cap=$3 k pids=()
    for ((k = 0; k < THREADS; k++)); do
        taskset -c $((k % $(nproc))) "$tool" --threads 1 --format json --shard "$k/$THREADS" "$cap" >"$out.$k" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || return 1; done
    scripts/merge-shards "$out".* >/dev/null
    rm -f "$out".*
}
export -f shard_merge
export THREADS

ROWS=()
add_row() {  # label wall rss note
    ROWS+=("$1|$2|$3|$4")
}

cat "$MIXED" >/dev/null  # every contender reads from the page cache

# The loop, the decoder and both modes take turns, run after run, so that
# a slow spell of the machine hits all of them alike; each keeps its best.
declare -A BEST_WALL=() BEST_RSS=() FAILED=()
keep() {  # name: records this run's WALL/RSS/RC under `name`
    if [[ $RC != 0 ]]; then FAILED[$1]=$RC; return; fi
    if [[ -z ${BEST_WALL[$1]:-} ]] || awk -v a="$WALL" -v b="${BEST_WALL[$1]}" 'BEGIN { exit !(a < b) }'; then
        BEST_WALL[$1]=$WALL
        BEST_RSS[$1]=$RSS
    fi
}
say "timing the libpcap loop, our decoder and both modes in turn, $RUNS runs$( ((${#PIN[@]})) && echo ", on CPU $CPU")"
for ((run = 0; run < RUNS; run++)); do
    measure 600 "$LOOP" "$MIXED"; keep loop
    if [[ -x $DECODE ]]; then measure 600 "$DECODE" "$MIXED"; keep decode; fi
    if ((HAVE_TOOL)); then
        measure 600 "$TOOL" "${TFE_EXTRA[@]}" --threads 1 --format json "$MIXED"; keep json
        measure 600 "$TOOL" "${TFE_EXTRA[@]}" --threads 1 "$MIXED"; keep text
        MPIN=("${ALL_CPUS[@]}")
        measure 600 "$TOOL" "${TFE_EXTRA[@]}" --threads "$THREADS" --format json "$MIXED"; keep json_threads
        measure 600 "$TOOL" "${TFE_EXTRA[@]}" --threads "$THREADS" "$MIXED"; keep text_threads
        measure 600 bash -c 'shard_merge "$@"' _ "$DATA/shard" "$TOOL" "$MIXED"; keep shards
        MPIN=("${PIN[@]}")
    fi
done

# row label name: adds the best run of `name`, or why there is none
timed_row() {
    if [[ -n ${FAILED[$2]:-} ]]; then add_row "$1" "" "" "failed (exit ${FAILED[$2]})"; status=1
    elif [[ -n ${BEST_WALL[$2]:-} ]]; then add_row "$1" "${BEST_WALL[$2]}" "${BEST_RSS[$2]}" ""
    else add_row "$1" "" "" "not built"; fi
}
timed_row "bare libpcap read loop" loop
LOOP_WALL=${BEST_WALL[loop]:-}
[[ -x $DECODE ]] && timed_row "our reader + decoder alone" decode
timed_row "tcpflow-explain --format json" json
timed_row "tcpflow-explain (text)" text
timed_row "--format json --threads $THREADS" json_threads
timed_row "text --threads $THREADS" text_threads
timed_row "$THREADS shards (processes) + merge" shards
JSON_WALL=${BEST_WALL[json]:-}
JSON_RSS=${BEST_RSS[json]:-}
TEXT_WALL=${BEST_WALL[text]:-}
[[ -n ${FAILED[json]:-} ]] && JSON_WALL=""
[[ -n ${FAILED[text]:-} ]] && TEXT_WALL=""

if command -v tcptrace >/dev/null; then
    say "tcptrace -n"
    measure 600 tcptrace -n "$MIXED"
    if [[ $RC == 0 ]]; then add_row "tcptrace -n" "$WALL" "$RSS" ""
    else add_row "tcptrace -n" "" "" "failed (exit $RC)"; fi
else
    add_row "tcptrace -n" "" "" "not installed"
fi

if command -v tshark >/dev/null; then
    say "tshark -q -z conv,tcp (up to ${TSHARK_TIMEOUT} s)"
    measure "$TSHARK_TIMEOUT" tshark -q -z conv,tcp -r "$MIXED"
    if [[ $RC == 0 ]]; then add_row "tshark -q -z conv,tcp" "$WALL" "$RSS" ""
    elif [[ $RC == 124 ]]; then add_row "tshark -q -z conv,tcp" "" "" "skipped: over ${TSHARK_TIMEOUT} s"
    else add_row "tshark -q -z conv,tcp" "" "" "failed (exit $RC)"; fi
else
    add_row "tshark -q -z conv,tcp" "" "" "not installed"
fi

# ---------------------------------------------------------------- report
echo
printf '%s: %s packets, %s connections (%s open at once), %s MB\n' "$MIXED" "$MIXED_PACKETS" \
    "$CONNECTIONS" "$CONCURRENCY" "$(( $(stat -c %s "$MIXED") / 1000000 ))"
printf '%-32s %10s %14s %14s %12s %8s\n' "" "wall s" "packets/s" "peak RSS MiB" "x JSON time" "x loop"
for row in "${ROWS[@]}"; do
    IFS='|' read -r label wall rss note <<<"$row"
    if [[ -z $wall ]]; then
        printf '%-32s %10s %14s %14s %12s %8s  %s\n' "$label" "-" "-" "-" "-" "-" "$note"
        continue
    fi
    awk -v l="$label" -v w="$wall" -v r="$rss" -v p="$MIXED_PACKETS" -v j="$JSON_WALL" -v lw="$LOOP_WALL" 'BEGIN {
        ratio = (j == "" || j == 0) ? "n/a" : sprintf("%.2f", w / j)
        lr = (lw == "" || lw == 0) ? "n/a" : sprintf("%.2f", w / lw)
        printf "%-32s %10.3f %14.0f %14.1f %12s %8s\n", l, w, p / w, r / 1024, ratio, lr }'
done

if [[ -n $JSON_WALL ]]; then
    awk -v w="$JSON_WALL" -v r="$JSON_RSS" -v p="$MIXED_PACKETS" -v l="$LOOP_WALL" -v t="$TEXT_WALL" 'BEGIN {
        pps = p / w; mib = r / 1024
        printf "target: JSON mode >= 5 M packets/s: %s (%.2f M)\n", (pps >= 5e6 ? "PASS" : "FAIL"), pps / 1e6
        if (l != "") printf "target: JSON mode <= 2 x the bare libpcap loop: %s (%.2f x)\n", (w <= 2 * l ? "PASS" : "FAIL"), w / l
        if (t != "") printf "target: text mode >= 2 M packets/s: %s (%.2f M)\n", (p / t >= 2e6 ? "PASS" : "FAIL"), p / t / 1e6
        printf "target: peak RSS <= 64 MiB: %s (%.1f MiB)\n", (mib <= 64 ? "PASS" : "FAIL"), mib }'
fi
if [[ -n ${BEST_WALL[json_threads]:-} && -n $LOOP_WALL ]]; then
    awk -v w="${BEST_WALL[json_threads]}" -v r="${BEST_RSS[json_threads]}" -v l="$LOOP_WALL" -v n="$THREADS" 'BEGIN {
        printf "target: JSON --threads %d <= 1.0 x the bare libpcap loop: %s (%.2f x)\n", n, (w <= l ? "PASS" : "FAIL"), w / l
        printf "target: JSON --threads %d peak RSS <= 64 MiB: %s (%.1f MiB)\n", n, (r / 1024 <= 64 ? "PASS" : "FAIL"), r / 1024 }'
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows every row)"

echo
if ((HAVE_TOOL)); then
    say "count check on $MIXED"
    OUT=${MIXED%.pcap}.out.jsonl
    if "$TOOL" "${TFE_EXTRA[@]}" --format json "$MIXED" >"$OUT"; then
        /usr/bin/python3 bench/check_truth.py "${MIXED%.pcap}.truth.json" "$OUT" || status=1
    else
        echo "count check: tcpflow-explain failed"; status=1
    fi

    say "flow-table memory: $OPENCAP ($OPEN connections left ESTABLISHED)"
    # No cap: at the default --max-connections (500000) half of them would
    # be evicted, and the figure would no longer be per open connection.
    measure 600 "$TOOL" "${TFE_EXTRA[@]}" --format json --max-connections 0 "$TINY"
    TINY_RSS=$RSS
    measure 600 "$TOOL" "${TFE_EXTRA[@]}" --format json --max-connections 0 "$OPENCAP"
    if [[ $RC == 0 && -n $TINY_RSS ]]; then
        awk -v big="$RSS" -v tiny="$TINY_RSS" -v n="$OPEN" -v w="$WALL" 'BEGIN {
            per = (big - tiny) * 1024 / n
            printf "open connections: %d; peak RSS %.1f MiB (tiny capture %.1f MiB); %.0f bytes per open connection; %.3f s\n",
                n, big / 1024, tiny / 1024, per, w
            printf "target: <= 256 bytes per open connection above the base: %s (%.0f)\n", (per <= 256 ? "PASS" : "FAIL"), per }'
    else
        echo "open-connections run failed (exit $RC)"; status=1
    fi
else
    echo "count check and open-connection memory: skipped, $TOOL does not exist yet"
fi
exit $status
