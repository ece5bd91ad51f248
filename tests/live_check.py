"""Compares the live monitor's JSON lines with what live_traffic.py made.

usage: live_check.py EXPECTED REPORT
Every expected connection (by client port) must be reported once, with
every expected field equal; nothing else may be reported."""
import json
import sys

expected = {e.pop("client_port"): e for e in map(json.loads, open(sys.argv[1]))}
reported = {}
failures = []
for line in open(sys.argv[2]):
    c = json.loads(line)
    p = c["client"]["port"]
    if p in reported:
        failures.append("client port %d reported twice" % p)
    reported[p] = c
for p, want in expected.items():
    got = reported.get(p)
    if got is None:
        failures.append("client port %d (%s) not reported" % (p, want["close"]))
        continue
    for k, v in want.items():
        if got.get(k) != v:
            failures.append("client port %d: %s: expected %s, got %s" % (p, k, json.dumps(v), json.dumps(got.get(k))))
for p in set(reported) - set(expected):
    failures.append("client port %d reported but not made by the test" % p)
for f in failures:
    print("live_check: " + f)
print("live_check: %d connections expected, %d reported, %d differences" % (len(expected), len(reported), len(failures)))
sys.exit(1 if failures else 0)
