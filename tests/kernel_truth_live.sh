#!/usr/bin/env bash
# Kernel-truth test, live: the lab (samples/lab.py) runs real clients and
# servers on loopback right now, captures them and asks the kernel (ss) for
# each socket's state; then the sample tests compare our final states with
# the kernel's for every connection. Needs root (tcpdump, ss); exits 77
# (skipped) without it.
#   kernel_truth_live.sh SAMPLE_TEST_BINARY
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")/.." && pwd)
if [[ $(id -u) -ne 0 ]] || ! command -v tcpdump >/dev/null; then
  echo "kernel_truth_live: needs root and tcpdump; skipped"
  exit 77
fi
summary=$(mktemp)
/usr/bin/python3 "$here/samples/lab.py" --check-live >"$summary"
lab_status=$?
if [[ $lab_status -ge 2 ]]; then
  echo "kernel_truth_live: the lab could not run (exit $lab_status)"
  cat "$summary"
  exit 1
fi
dir=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dir"])' "$summary")
# The lab's own checks (did each scenario do what it meant?) are reported
# but do not decide: a race the lab lost is not our bug. Our claim is that
# whatever happened, our final states are the kernel's.
/usr/bin/python3 - "$summary" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for r in s["scenarios"]:
    bad = [c["what"] for c in r["checks"] if not c["ok"]]
    print("lab: %-24s %-14s %s" % (r["name"], r["status"], "; ".join(bad)))
PY
TFE_SAMPLES_DIR="$dir" "$bin" "[kernel]"
status=$?
rm -rf "$dir" "$summary"
exit $status
