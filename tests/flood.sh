#!/usr/bin/env bash
# --max-connections under a flood: a generated capture of SYNs from
# distinct 4-tuples to port 80 (no answer) and as many mid-stream segments
# of distinct connections. With a cap the peak memory stays under its
# bound, every connection is still reported once (evicted ones with
# end_reason "evicted", half-open ones first), the evictions are counted
# by kind on stderr and the summary names the flood.
#   flood.sh TOOL GEN_FLOOD [SYNS]
set -uo pipefail
tool=$1 gen=$2 syns=${3:-200000}
cap=50000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0
fail() { echo "flood: $*"; rc=1; }

"$gen" --syns "$syns" --mid-stream "$syns" --sources 1000 --port 80 --out "$work/flood.pcap" || exit 1

# Peak RSS in KiB of a command (its output to the files named).
peak_kib() {
    local out=$1 err=$2
    shift 2
    python3 - "$out" "$err" "$@" <<'PY'
import resource, subprocess, sys
out, err, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out, "w") as o, open(err, "w") as e:
    status = subprocess.call(cmd, stdout=o, stderr=e)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if status == 0 else -status)
PY
}

capped=$(peak_kib "$work/capped.jsonl" "$work/capped.err" "$tool" --format json --max-connections $cap "$work/flood.pcap")
uncapped=$(peak_kib "$work/uncapped.jsonl" "$work/uncapped.err" "$tool" --format json --max-connections 0 "$work/flood.pcap")
cat "$work/capped.err"
echo "flood: peak RSS $((capped / 1024)) MiB with --max-connections $cap, $((uncapped / 1024)) MiB without a cap"
((capped > 0)) || fail "the capped run failed ($capped)"
((uncapped > 0)) || fail "the uncapped run failed ($uncapped)"
# 50 000 connections take about 12 MiB; the rest is the program and its buffers.
((capped < 80 * 1024)) || fail "peak RSS $capped KiB with a cap of $cap is over 80 MiB"
((capped * 10 < uncapped * 7)) || fail "the cap did not lower the peak ($capped KiB against $uncapped KiB)"

# Every connection reported once: the two complete ones as they closed,
# the SYNs evicted first, then the oldest mid-stream ones; the newest
# $cap are still open at the end.
python3 - "$work/capped.jsonl" "$syns" "$cap" <<'PY' || rc=1
import collections, json, sys
path, syns, cap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seen, kinds = set(), collections.Counter()
for line in open(path):
    c = json.loads(line)
    key = (c["client"]["ip"], c["client"]["port"], c["server"]["ip"], c["server"]["port"])
    assert key not in seen, "reported twice: %s" % (key,)
    seen.add(key)
    kinds[(c["handshake"], c["end_reason"])] += 1
want = {("unanswered", "evicted"): syns, ("not-seen", "evicted"): syns - cap + 1,
        ("not-seen", "capture_end"): cap - 1, ("three-way", "time_wait"): 1, ("three-way", "capture_end"): 1}
if dict(kinds) != want:
    print("flood: reported %s, expected %s" % (dict(kinds), want))
    sys.exit(1)
PY
grep -q "warning: flood of $syns half-open connections to port 80 from 1000 sources" "$work/capped.err" ||
    fail "no flood line on stderr"
evicted=$((2 * syns - cap + 1))
grep -q "warning: $evicted connections evicted (the table was full at --max-connections $cap): $syns half-open, SYN unanswered · $((syns - cap + 1)) oldest idle" "$work/capped.err" ||
    fail "no eviction counts on stderr"
grep -q "evicted" "$work/uncapped.err" && fail "evictions without a cap"
exit $rc
