#!/usr/bin/env python3
"""The HTML report in headless Chromium.

One page of every sample capture: every connection the JSON report lists
is a row of the page's table (drawn whole with #all=1), and filtering by
close kind (#close=KIND) shows as many as the JSON report has of that
kind. Seed case 4's page (#id=1): its ladder, drawn by the page's script,
has the arrows and the states, at the same places, of the program's own
--format svg. Screenshots of the overview and of seed 4's ladder are kept
in OUT_DIR. In Firefox too, when firefox-esr is installed (it has no DOM
dump headless): its screenshot of seed 4's ladder must be drawn (the
page's script ran), against the blank page of a connection that is not
there. Exits 77 (skipped) when Chromium is not installed.

usage: html_report.py TOOL SAMPLES_DIR OUT_DIR
"""
import collections
import html.parser
import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

failures = []
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")


class Dom(html.parser.HTMLParser):
    """Each element's tag and attributes, and the text inside those under #ladder."""

    def __init__(self):
        super().__init__()
        self.elements, self.stack, self.texts = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        if tag not in ("br", "input", "meta", "link", "img", "hr"):
            self.stack.append((tag, a))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if any(t == tag for t, _ in self.stack):
            while self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "text" and self.stack[-1][1].get("class") == "state":
            if any(a.get("id") == "ladder" for _, a in self.stack):
                self.texts.append((self.stack[-1][1], data))


def chromium(url, *extra):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=10000",
           *extra, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout


def dom(url):
    d = Dom()
    d.feed(chromium(url, "--dump-dom"))
    return d


def status(d):
    for tag, a in d.elements:
        if a.get("id") == "status":
            return int(a.get("data-shown", -1)), int(a.get("data-total", -1))
    failures.append("no #status in the page")
    return -1, -1


def check_listing(page, reports):
    d = dom(page.as_uri() + "#all=1")
    ids = sorted(int(a["data-id"]) for tag, a in d.elements if tag == "tr" and "data-id" in a)
    want = sorted(r["id"] for r in reports)
    if ids != want:
        failures.append(f"table rows {len(ids)} ids, JSON has {len(want)}: missing {sorted(set(want) - set(ids))[:10]}")
    shown, total = status(d)
    if shown != len(want) or total != len(want):
        failures.append(f"status says {shown} of {total}, JSON has {len(want)}")


def check_filters(page, reports):
    closes = collections.Counter(r["close"] for r in reports)
    for kind in sorted(closes):
        d = dom(page.as_uri() + "#close=" + kind + "&all=1")
        shown, _ = status(d)
        rows = sum(1 for tag, a in d.elements if tag == "tr" and "data-id" in a)
        if shown != closes[kind] or rows != closes[kind]:
            failures.append(f"#close={kind}: {shown} shown, {rows} rows; JSON has {closes[kind]}")
    return len(closes)


def svg_reference(tool, cap, *extra):
    root = ET.fromstring(subprocess.run([tool, "--format", "svg", "--id", "1", *extra, str(cap)], check=True,
                                        capture_output=True, text=True).stdout)
    ns = "{http://www.w3.org/2000/svg}"
    arrows = [g.get("data-frame") for g in root.iter(ns + "g") if "arrow" in (g.get("class") or "").split()]
    states = sorted((t.get("x"), t.get("y"), t.text) for g in root.iter(ns + "g") if g.get("class") == "mark"
                    for t in g.iter(ns + "text"))
    return arrows, states


def check_ladder(tool, cap, page, out_dir):
    d = dom(page.as_uri() + "#id=1")
    arrows = [a.get("data-frame") for tag, a in d.elements if tag == "g" and "arrow" in (a.get("class") or "").split()]
    states = sorted((a.get("x"), a.get("y"), text) for a, text in d.texts)
    want_arrows, want_states = svg_reference(tool, cap)
    if arrows != want_arrows:
        failures.append(f"seed 4's ladder in the page: arrows {arrows}, --format svg draws {want_arrows}")
    if states != want_states:
        failures.append(f"seed 4's ladder in the page: states {states}, --format svg draws {want_states}")
    chromium(page.as_uri() + "#id=1&detail=1", "--window-size=840,420", "--screenshot=" + str(out_dir / "seed-4-ladder.png"))


def page_arrows(url):
    d = dom(url)
    return [a.get("data-frame") for tag, a in d.elements if tag == "g" and "arrow" in (a.get("class") or "").split()]


# A long transfer's folded ladder, then unfolded (#unfold=1, what the fold
# and the button ask for): the arrows of --format svg, then of
# --format svg --all-segments.
def check_unfold(tool, cap, out_dir):
    page = out_dir / "large-transfer.html"
    with open(page, "w") as f:
        subprocess.run([tool, "--format", "html", str(cap)], stdout=f, check=True)
    folded, unfolded = page_arrows(page.as_uri() + "#id=1"), page_arrows(page.as_uri() + "#id=1&unfold=1")
    want_folded, _ = svg_reference(tool, cap)
    want_unfolded, _ = svg_reference(tool, cap, "--all-segments")
    if len(want_unfolded) <= len(want_folded):
        failures.append(f"{cap}: nothing is folded ({len(want_folded)} arrows either way): no test of unfolding")
    if folded != want_folded:
        failures.append(f"large transfer, folded: {len(folded)} arrows, --format svg draws {len(want_folded)}")
    if unfolded != want_unfolded:
        failures.append(f"large transfer, unfolded: {len(unfolded)} arrows, --all-segments draws {len(want_unfolded)}")
    return len(folded), len(unfolded)


def ink(png):
    """The share of a PNG's pixels that are not near-white (8-bit RGB or RGBA, not interlaced)."""
    data = Path(png).read_bytes()
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, channels = int.from_bytes(body[0:4], "big"), int.from_bytes(body[4:8], "big"), {2: 3, 6: 4}[body[9]]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, prev, dark = zlib.decompress(idat), width * channels, bytearray(width * channels), 0
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            pred = {0: 0, 1: a, 2: b, 3: (a + b) // 2}.get(kind)
            if pred is None:  # Paeth
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + pred) & 0xFF
        dark += sum(1 for x in range(0, stride, channels) if min(line[x:x + 3]) < 200)
        prev = line
    return dark / (width * height)


def check_firefox(seed4_page, out_dir):
    if not FIREFOX:
        print("html_report: firefox-esr not installed: the page not opened in Firefox")
        return
    env = dict(os.environ, HOME=str(out_dir / "firefox-home"))
    shots = {}
    for name, frag in (("firefox-seed-4-ladder.png", "#id=1&detail=1"), ("firefox-blank.png", "#id=999&detail=1")):
        subprocess.run([FIREFOX, "--headless", "--window-size=840,420", "--screenshot", str(out_dir / name),
                        seed4_page.as_uri() + frag], capture_output=True, timeout=120, env=env)
        shots[name] = ink(out_dir / name) if (out_dir / name).exists() else 0.0
    if not (shots["firefox-seed-4-ladder.png"] > 0.02 and shots["firefox-blank.png"] < 0.005):
        failures.append(f"Firefox: seed 4's ladder {shots['firefox-seed-4-ladder.png']:.3f} of its pixels drawn, "
                        f"the blank page {shots['firefox-blank.png']:.3f}: the page's script did not draw")


def main():
    if not CHROMIUM:
        print("SKIP: chromium is not installed")
        return 77
    tool, samples, out_dir = sys.argv[1], Path(sys.argv[2]).resolve(), Path(sys.argv[3]).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    caps = sorted(str(p) for p in samples.glob("*/capture.pcap"))
    page = out_dir / "samples.html"
    with open(page, "w") as f:
        subprocess.run([tool, "-q", "--format", "html", *caps], stdout=f, check=False)
    reports = [json.loads(line) for line in subprocess.run([tool, "-q", "--format", "json", *caps],
                                                           capture_output=True, text=True).stdout.splitlines()]
    if "http://" in page.read_text().replace("http://www.w3.org/2000/svg", ""):
        failures.append("the page names an http:// address: it must fetch nothing")
    started = time.monotonic()
    check_listing(page, reports)
    kinds = check_filters(page, reports)
    seed4 = samples / "seed-4-simultaneous-close" / "capture.pcap"
    seed4_page = out_dir / "seed-4.html"
    with open(seed4_page, "w") as f:
        subprocess.run([tool, "--format", "html", str(seed4)], stdout=f, check=True)
    check_ladder(tool, seed4, seed4_page, out_dir)
    check_firefox(seed4_page, out_dir)
    folded, unfolded = check_unfold(tool, samples / "large-transfer" / "capture.pcap", out_dir)
    chromium(page.as_uri(), "--window-size=1280,900", "--screenshot=" + str(out_dir / "overview.png"))
    for shot in ("overview.png", "seed-4-ladder.png"):
        if not (out_dir / shot).exists() or os.path.getsize(out_dir / shot) < 1000:
            failures.append(f"no screenshot {out_dir / shot}")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(reports)} connections of {len(caps)} samples, {kinds} close kinds filtered, "
          f"{time.monotonic() - started:.1f} s in Chromium; a fold of {folded} arrows unfolds to {unfolded}; "
          f"screenshots in {out_dir}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
