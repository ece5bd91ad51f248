#!/usr/bin/env python3
"""The SVG and Mermaid ladders of every seed sample (and a few others).

SVG: the file parses as XML, has a <title>, one arrow group per arrow of
the text ladder (counted in the text report's own ladder lines), each
side's states in the order the JSON report's transitions give them, and,
for seed case 4, the server's first FIN drawn crossing the client's.
Mermaid: the text equals the sample's expected.mmd golden.

usage: pictures.py TOOL SAMPLES_DIR
"""
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

SVG = "{http://www.w3.org/2000/svg}"
# Samples with one connection: the seeds (Mermaid goldens) and a few whose
# ladders have retransmissions, resets and folds.
EXTRA = ["refused", "abort-client", "crafted-syn-retrans-then-answered", "large-transfer", "crafted-data-after-fin"]

failures = []


def run(tool, *args):
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def text_arrows(text):
    """Arrows of the text ladder: lines with an arrow head or tail."""
    return sum(1 for line in text.splitlines() if "──▶" in line or "◀──" in line)


def json_states(report, side):
    """A side's states in order: the initial one, then each transition's."""
    states = [report["initial_state"][side]]
    states += [t["to"] for t in report["transitions"] if t["endpoint"] == side]
    return states


def svg_states(root, anchor):
    """State names drawn on one side (text-anchor end: client, start: server), top to bottom."""
    marks = [t for g in root.iter(SVG + "g") if g.get("class") == "mark" for t in g.iter(SVG + "text")]
    side = [(float(t.get("y")), re.sub(r" \[\d+\]$", "", t.text)) for t in marks if t.get("text-anchor") == anchor]
    return [name for _, name in sorted(side, key=lambda p: p[0])]


def check_svg(tool, name, cap):
    svg = run(tool, "--format", "svg", "--id", "1", str(cap))
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as e:
        failures.append(f"{name}: SVG does not parse: {e}")
        return None
    if root.find(SVG + "title") is None or not root.find(SVG + "title").text:
        failures.append(f"{name}: SVG has no <title>")
    arrows = [g for g in root.iter(SVG + "g") if "arrow" in (g.get("class") or "").split()]
    want = text_arrows(run(tool, "--color", "never", str(cap)))
    if len(arrows) != want:
        failures.append(f"{name}: {len(arrows)} arrows in the SVG, {want} in the text ladder")
    if any(g.find(SVG + "title") is None for g in arrows):
        failures.append(f"{name}: an arrow without a <title>")
    report = json.loads(run(tool, "--format", "json", str(cap)).splitlines()[0])
    for side, anchor in (("client", "end"), ("server", "start")):
        got, expected = svg_states(root, anchor), json_states(report, side)
        # A timer's state (TIME_WAIT → CLOSED) is drawn on the timer line;
        # every transition's state is drawn once.
        if got != expected:
            failures.append(f"{name}: {side} states drawn {got}, JSON says {expected}")
    return arrows


def check_crossing(arrows):
    by_frame = {g.get("data-frame"): g for g in arrows}
    if "crossed" not in by_frame["1"].get("class").split():
        failures.append("seed-4: the server's FIN (packet 1) is not drawn crossing")
    if "crossed" in by_frame["2"].get("class").split():
        failures.append("seed-4: the client's FIN (packet 2) is drawn crossing")
    # Geometrically: packet 1's arrow reaches the client below where packet
    # 2's leaves it, and leaves the server above where packet 2's reaches it.
    l1, l2 = by_frame["1"].find(SVG + "line"), by_frame["2"].find(SVG + "line")
    if not (float(l1.get("y2")) > float(l2.get("y1")) and float(l1.get("y1")) < float(l2.get("y2"))):
        failures.append("seed-4: the two FINs' arrows do not cross")


def main():
    tool, samples = sys.argv[1], Path(sys.argv[2])
    names = sorted(p.name for p in samples.glob("seed-*") if p.is_dir()) + EXTRA
    for name in names:
        cap = samples / name / "capture.pcap"
        arrows = check_svg(tool, name, cap)
        if name.startswith("seed-4") and arrows:
            check_crossing(arrows)
        golden = samples / name / "expected.mmd"
        if golden.exists():
            got = run(tool, "--format", "mermaid", "--id", "1", str(cap))
            if got != golden.read_text():
                failures.append(f"{name}: Mermaid differs from {golden}")
        elif name.startswith("seed-"):
            failures.append(f"{name}: no expected.mmd")
    # The README's picture is the tool's output, not a drawing that drifts.
    readme_svg = samples.parent / "docs" / "seed-1-ladder.svg"
    if run(tool, "--format", "svg", "--id", "1", str(samples / "seed-1-merged-close" / "capture.pcap")) != readme_svg.read_text():
        failures.append(f"{readme_svg} is not what --format svg --id 1 draws for seed 1 (make it again: see README)")
    bad = subprocess.run([tool, "--format", "svg", str(samples / names[0] / "capture.pcap")], capture_output=True)
    if bad.returncode != 2:
        failures.append(f"--format svg without --id exits {bad.returncode}, not 2")
    bad = subprocess.run([tool, "--format", "svg", "--id", "99", str(samples / names[0] / "capture.pcap")],
                         capture_output=True)
    if bad.returncode != 2 or bad.stdout:
        failures.append(f"--format svg --id 99 (no such connection) exits {bad.returncode}, not 2 with no output")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(names)} samples, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
