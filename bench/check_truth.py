#!/usr/bin/python3
"""Compare tcpflow-explain's JSON Lines output with tfe_gen_capture's truth.

usage: check_truth.py TRUTH.json OUTPUT.jsonl

OUTPUT has one JSON object per connection with the fields `handshake`,
`close`, `close_initiator` (a side or null) and `final_state` {client,
server}; lines without `handshake` (summaries, if any) are ignored.
Counts of each field's values must equal the truth's. final_state is not
compared for connections whose handshake the truth lists under
`final_state_excluded` (their state is not knowable from the capture).
Prints MATCH, or the differences and exits 1.
"""
import collections
import json
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    truth = json.load(open(sys.argv[1]))
    excluded = set(truth.get("final_state_excluded", {}).get("handshake", []))

    seen = {f: collections.Counter() for f in
            ("handshake", "close", "close_initiator", "final_state.client", "final_state.server")}
    connections = ignored = 0
    with open(sys.argv[2]) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{sys.argv[2]}:{number}: not JSON: {e}")
            if not isinstance(obj, dict) or "handshake" not in obj:
                ignored += 1
                continue
            connections += 1
            seen["handshake"][str(obj.get("handshake"))] += 1
            seen["close"][str(obj.get("close"))] += 1
            initiator = obj.get("close_initiator")
            seen["close_initiator"]["null" if initiator is None else str(initiator)] += 1
            if obj.get("handshake") in excluded:
                continue
            final = obj.get("final_state") or {}
            seen["final_state.client"][str(final.get("client"))] += 1
            seen["final_state.server"][str(final.get("server"))] += 1

    expected = {
        "handshake": truth["handshake"],
        "close": truth["close"],
        "close_initiator": truth["close_initiator"],
        "final_state.client": truth["final_state"]["client"],
        "final_state.server": truth["final_state"]["server"],
    }
    differences = []
    if connections != truth["connections"]:
        differences.append(f"connections: expected {truth['connections']}, got {connections}")
    for field, want in expected.items():
        want = {k: v for k, v in want.items() if v}
        got = seen[field]
        for value in sorted(set(want) | set(got)):
            if want.get(value, 0) != got.get(value, 0):
                differences.append(f"{field}={value}: expected {want.get(value, 0)}, got {got.get(value, 0)}")

    note = f" ({ignored} non-connection lines ignored)" if ignored else ""
    if differences:
        print(f"MISMATCH against {sys.argv[1]}{note}:")
        for d in differences:
            print("  " + d)
        sys.exit(1)
    print(f"MATCH: {connections} connections{note}")


if __name__ == "__main__":
    main()
