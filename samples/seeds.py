#!/usr/bin/python3
"""Turn the five seed captures of /work/shared/seeds/SCENARIOS.md (kept as
tcpdump text in samples/seeds/*.txt) back into pcap files.

The conversion is data-driven: each .txt holds the tcpdump lines verbatim plus
a few '#!' directives (date, relative/absolute numbers, host and port names,
link type, exact payloads, checksum handling).  A parser of tcpdump's one-line
TCP format reads them; sequence numbers printed relative are made absolute
again, pure ACKs printed without a seq get the sender's next sequence number.
Every packet is then rebuilt with scapy and written with exact microsecond
timestamps.  Finally each pcap is read back with `tcpdump -nn -S -vv -r` and
every field of every line is compared with the seed; any difference is an
error (exit status 1).

Usage: /usr/bin/python3 samples/seeds.py [--out DIR] [--only NAME]
"""

import argparse
import ast
import calendar
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcaplib  # noqa: E402

from scapy.all import IP, IPv6, TCP, Ether, Raw  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_DIR = os.path.join(HERE, "seeds")

# Directory names of the generated samples, one per seed file.
SEEDS = [
    "seed-1-merged-close",
    "seed-2-server-first-merged",
    "seed-3-four-way-client-first",
    "seed-4-simultaneous-close",
    "seed-5-c-server",
]

WELL_KNOWN_PORTS = {"http": 80, "https": 443, "webcache": 8080}

# ---------------------------------------------------------------------------
# Parser of tcpdump's one-line TCP output (what -n/-nn/-S/-v/-vv print).

LINE_RE = re.compile(
    r"^(?:(?P<num>\d+)\s+)?"
    r"(?P<time>\d\d:\d\d:\d\d\.\d{6})\s+"
    r"(?P<ipv>IP6?)\s+"
    r"(?:\((?P<ipinfo>tos [^()]*?proto TCP \(6\), length \d+)\)\s+)?"
    r"(?P<src>\S+)\s+>\s+(?P<dst>\S+?):\s+"
    r"Flags \[(?P<flags>[^\]]*)\],?\s*(?P<rest>.*)$"
)
IPINFO_RE = re.compile(
    r"tos (?P<tos>0x[0-9a-f]+), ttl (?P<ttl>\d+), id (?P<id>\d+), "
    r"offset (?P<offset>\d+), flags \[(?P<ipflags>[^\]]*)\], proto TCP \(6\), "
    r"length (?P<iplen>\d+)"
)
CKSUM_RE = re.compile(r"cksum (0x[0-9a-f]+) \((correct|incorrect -> (0x[0-9a-f]+))\)")
SEQ_RE = re.compile(r"(?:^|, )seq (\d+)(?::(\d+))?")
ACK_RE = re.compile(r"(?:^|, )ack (\d+)")
WIN_RE = re.compile(r"(?:^|, )win (\d+)")
OPT_RE = re.compile(r"(?:^|, )options \[([^\]]*)\]")
LEN_RE = re.compile(r"(?:^|, )length (\d+)(?::\s*(.*))?")


def parse_options(text):
    """'mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7' -> scapy option list."""
    opts = []
    for tok in [t.strip() for t in text.split(",") if t.strip()]:
        if tok == "nop":
            opts.append(("NOP", None))
        elif tok == "eol":
            opts.append(("EOL", None))
        elif tok == "sackOK":
            opts.append(("SAckOK", b""))
        elif tok.startswith("mss "):
            opts.append(("MSS", int(tok[4:])))
        elif tok.startswith("wscale "):
            opts.append(("WScale", int(tok[7:])))
        elif tok.startswith("TS val "):
            m = re.match(r"TS val (\d+) ecr (\d+)$", tok)
            opts.append(("Timestamp", (int(m.group(1)), int(m.group(2)))))
        else:
            raise ValueError("unknown TCP option in seed: %r" % tok)
    return opts


def split_endpoint(text):
    """'192.168.101.5.webcache' -> ('192.168.101.5', 'webcache')."""
    host, _, port = text.rpartition(".")
    return host, port


def parse_line(line):
    """One tcpdump TCP line -> dict of the printed fields (None if absent)."""
    m = LINE_RE.match(line.strip())
    if not m:
        raise ValueError("not a tcpdump TCP line: %r" % line)
    rec = {"num": m.group("num"), "time": m.group("time"), "ipv": m.group("ipv"),
           "flags": m.group("flags"), "ipinfo": None}
    if m.group("ipinfo"):
        im = IPINFO_RE.match(m.group("ipinfo"))
        rec["ipinfo"] = {"tos": int(im.group("tos"), 16), "ttl": int(im.group("ttl")),
                         "id": int(im.group("id")), "ipflags": im.group("ipflags"),
                         "iplen": int(im.group("iplen"))}
    rec["src"], rec["sport"] = split_endpoint(m.group("src"))
    rec["dst"], rec["dport"] = split_endpoint(m.group("dst"))
    rest = m.group("rest")
    # Options may contain ", "-free text only; cut them out before the scalar
    # fields so that 'TS val ... ecr' cannot be mistaken for anything else.
    om = OPT_RE.search(rest)
    rec["options"] = parse_options(om.group(1)) if om else None
    scalars = rest[: om.start()] if om else rest
    tail = rest[om.end():] if om else rest
    cm = CKSUM_RE.search(scalars)
    rec["cksum"] = int(cm.group(1), 16) if cm else None
    rec["cksum_should"] = (int(cm.group(3), 16) if cm.group(3) else int(cm.group(1), 16)) if cm else None
    sm = SEQ_RE.search(scalars)
    rec["seq"] = int(sm.group(1)) if sm else None
    rec["seq_end"] = int(sm.group(2)) if sm and sm.group(2) else None
    am = ACK_RE.search(scalars)
    rec["ack"] = int(am.group(1)) if am else None
    wm = WIN_RE.search(scalars)
    rec["win"] = int(wm.group(1)) if wm else None
    lm = LEN_RE.search(tail)
    rec["length"] = int(lm.group(1))
    rec["payload_text"] = lm.group(2)
    return rec


def tcpdump_flags_to_scapy(flags):
    table = {"S": "S", "F": "F", "P": "P", "R": "R", "U": "U", ".": "A", "E": "E", "W": "C"}
    return "".join(table[c] for c in flags if c != "none")


# ---------------------------------------------------------------------------
# Seed files: directives + verbatim lines.

def read_seed(path):
    directives = {"hosts": {}, "ports": dict(WELL_KNOWN_PORTS), "payloads": {},
                  "seq": "absolute", "link": "ethernet", "checksum": "correct",
                  "date": "2020-06-15"}
    lines = []
    with open(path) as f:
        for raw in f:
            raw = raw.rstrip("\n")
            if raw.startswith("#!"):
                d = raw[2:].strip()
                if d.startswith("host "):
                    name, addr = [x.strip() for x in d[5:].split("=", 1)]
                    directives["hosts"][name] = addr
                elif d.startswith("port "):
                    name, num = [x.strip() for x in d[5:].split("=", 1)]
                    directives["ports"][name] = int(num)
                elif d.startswith("payload "):
                    num, lit = d[8:].split("=", 1)
                    directives["payloads"][int(num)] = ast.literal_eval(lit.strip())
                else:
                    key, val = [x.strip() for x in d.split(":", 1)]
                    directives[key] = val
            elif raw.strip() and not raw.startswith("#"):
                lines.append(raw)
    return directives, lines


def resolve(directives, lines):
    """Parsed seed lines -> list of fully specified packets (absolute numbers)."""
    pkts = []
    isn = {}        # (addr, port) -> ISN, learned from SYNs
    next_seq = {}   # (addr, port) -> next sequence number the sender will use
    y, mo, d = [int(x) for x in directives["date"].split("-")]
    for i, line in enumerate(lines, 1):
        r = parse_line(line)
        src = directives["hosts"].get(r["src"], r["src"])
        dst = directives["hosts"].get(r["dst"], r["dst"])
        sport = directives["ports"].get(r["sport"]) or int(r["sport"])
        dport = directives["ports"].get(r["dport"]) or int(r["dport"])
        me, peer = (src, sport), (dst, dport)
        flags = r["flags"]
        seq, ack = r["seq"], r["ack"]
        relative = directives["seq"] == "relative" and "S" not in flags \
            and me in isn and peer in isn
        if relative:
            if seq is not None:
                seq = pcaplib.seq_add(seq, isn[me])
            if ack is not None:
                ack = pcaplib.seq_add(ack, isn[peer])
        if seq is None:
            if me not in next_seq:
                raise ValueError("line %d: no seq printed and none known" % i)
            seq = next_seq[me]
        if "S" in flags:
            isn[me] = seq
        length = r["length"]
        if r["seq_end"] is not None:
            end = r["seq_end"] if not relative else pcaplib.seq_add(r["seq_end"], isn[me])
            assert (end - seq) & 0xFFFFFFFF == length, "line %d: seq range != length" % i
        consumed = length + ("S" in flags) + ("F" in flags)
        next_seq[me] = pcaplib.seq_add(seq, consumed)
        h, mi, s = r["time"].split(":")
        sec, usec = s.split(".")
        micros = (calendar.timegm((y, mo, d, int(h), int(mi), int(sec))) * 1_000_000
                  + int(usec))
        payload = directives["payloads"].get(i, b"\0" * length)
        if len(payload) != length:
            raise ValueError("line %d: payload is %d bytes, seed says %d" % (i, len(payload), length))
        pkts.append({"line": i, "micros": micros, "ipv": r["ipv"], "src": src, "dst": dst,
                     "sport": sport, "dport": dport, "flags": flags, "seq": seq,
                     "ack": ack if ack is not None else 0, "ack_printed": ack is not None,
                     "win": r["win"], "options": r["options"] or [], "payload": payload,
                     "ipinfo": r["ipinfo"], "cksum": r["cksum"],
                     "cksum_should": r["cksum_should"], "text": line})
    return pkts


def build_frames(directives, pkts):
    ip_ids = {}
    frames = []
    for p in pkts:
        if p["ipinfo"]:
            ttl, ip_id, tos = p["ipinfo"]["ttl"], p["ipinfo"]["id"], p["ipinfo"]["tos"]
        else:
            # Not printed: TTL 64 and a per-sender counter, as Linux does with DF.
            ttl, tos = 64, 0
            base = sum(int(x) for x in p["src"].split(".")) * 257 + p["sport"]
            ip_ids[p["src"]] = ip_ids.get(p["src"], base & 0xFFFF)
            ip_id = ip_ids[p["src"]]
            ip_ids[p["src"]] = (ip_id + 1) & 0xFFFF
        tcp = TCP(sport=p["sport"], dport=p["dport"], seq=p["seq"], ack=p["ack"],
                  flags=tcpdump_flags_to_scapy(p["flags"]), window=p["win"],
                  options=p["options"])
        if directives["checksum"] == "as-printed" and p["cksum"] is not None:
            tcp.chksum = p["cksum"]
        ip = IP(src=p["src"], dst=p["dst"], ttl=ttl, id=ip_id, tos=tos, flags="DF")
        if directives["link"] == "loopback":
            eth = Ether(src=pcaplib.LOOPBACK_MAC, dst=pcaplib.LOOPBACK_MAC)
        else:
            eth = Ether(src=pcaplib.mac_for(p["src"]), dst=pcaplib.mac_for(p["dst"]))
        frame = eth / ip / tcp
        if p["payload"]:
            frame = frame / Raw(p["payload"])
        frames.append((p["micros"], bytes(frame)))
    return frames


# ---------------------------------------------------------------------------
# Verification: read the pcap back with tcpdump and compare field by field.

def tcpdump_lines(pcap):
    out = subprocess.run(["tcpdump", "-nn", "-S", "-vv", "-r", pcap],
                         capture_output=True, text=True, timeout=30, env=dict(os.environ, TZ="UTC"))
    if out.returncode != 0:
        raise RuntimeError("tcpdump -r %s failed: %s" % (pcap, out.stderr))
    joined = []
    for l in out.stdout.splitlines():
        if l[:1] in (" ", "\t") and joined:
            joined[-1] += " " + l.strip()
        else:
            joined.append(l)
    return [l for l in joined if l.strip()]


def verify(pkts, pcap):
    errors = []
    got = tcpdump_lines(pcap)
    if len(got) != len(pkts):
        return ["%s: %d packets read back, seed has %d" % (pcap, len(got), len(pkts))]
    for p, line in zip(pkts, got):
        r = parse_line(line)
        want_time = p["text"].split()[1] if p["text"].split()[0].isdigit() else p["text"].split()[0]
        checks = [
            ("time", r["time"], want_time),
            ("src", (r["src"], int(r["sport"])), (p["src"], p["sport"])),
            ("dst", (r["dst"], int(r["dport"])), (p["dst"], p["dport"])),
            ("flags", r["flags"], p["flags"]),
            ("seq", r["seq"], p["seq"]),
            ("win", r["win"], p["win"]),
            ("options", r["options"] or [], p["options"]),
            ("length", r["length"], len(p["payload"])),
        ]
        if p["ack_printed"]:
            checks.append(("ack", r["ack"], p["ack"]))
        if p["ipinfo"]:
            checks += [("ttl", r["ipinfo"]["ttl"], p["ipinfo"]["ttl"]),
                       ("ip id", r["ipinfo"]["id"], p["ipinfo"]["id"]),
                       ("ip length", r["ipinfo"]["iplen"], p["ipinfo"]["iplen"])]
        if p["cksum"] is not None:
            checks += [("cksum", r["cksum"], p["cksum"]),
                       ("correct cksum", r["cksum_should"], p["cksum_should"])]
        for name, a, b in checks:
            if a != b:
                errors.append("%s line %d: %s is %r, seed says %r" % (pcap, p["line"], name, a, b))
    return errors


NOTES = """{name}: crafted from published data, not captured here.

Source: seed case {case} of /work/shared/seeds/SCENARIOS.md (tcpdump lines
kept verbatim in samples/seeds/{name}.txt); converted by samples/seeds.py,
which parses the lines, restores absolute sequence numbers and writes the
packets with scapy.  Read back with `tcpdump -nn -S -vv -r` every line
matches the seed (time, addresses, flags, seq, ack, win, options, length{extra}).

There is no kernel.json: no kernel of ours saw this connection; the truth is
the article's, summarised below.

{truth}
"""

TRUTH = {
    "seed-1-merged-close": (
        1, ", TTL, IP id, checksums",
        "Client 192.168.101.25:57290 ('localhost.localdomain' in the seed; the\n"
        "address is the one the seed's checksums imply, see the .txt), server\n"
        "192.168.101.5:8080.  Three-way handshake; 142-byte HTTP request, 267-byte\n"
        "answer; the client closes first (FIN seq 143 relative), the server's FIN\n"
        "carries ack 144 and so acknowledges the client's FIN: merged close, three\n"
        "segments (FIN, FIN+ACK, ACK).  Client: FIN_WAIT_1 -> TIME_WAIT (directly, the\n"
        "peer's FIN acknowledges ours).  Server: CLOSE_WAIT -> LAST_ACK -> CLOSED.\n"
        "The client's packets carry 'incorrect' checksums (offload on the capture\n"
        "host, the stored value is the pseudo-header sum); they must still be\n"
        "analysed.  Dates: 2020-06-15, wall clock stored as UTC."),
    "seed-2-server-first-merged": (
        2, "",
        "Client 172.16.196.142:41334, server 172.16.196.145:60000.  Three-way\n"
        "handshake, 3 bytes up, 6 bytes ('200 ok') down.  The server closes first;\n"
        "the client first ACKs only the data (ack 4195434205, not covering the FIN\n"
        "at 4195434205), then sends FIN+ACK with ack 4195434206 (covers the server's\n"
        "FIN): merged close, three closing segments.  Server: FIN_WAIT_1 ->\n"
        "FIN_WAIT_2 -> TIME_WAIT.  Client: CLOSE_WAIT -> LAST_ACK -> CLOSED."),
    "seed-3-four-way-client-first": (
        3, "",
        "Client 172.16.196.142:41424, server 172.16.196.145:60000.  Three-way\n"
        "handshake, 3 bytes up, 6 bytes down.  The client closes first; the server\n"
        "ACKs the FIN (40 ms later), and sends its own FIN 100 ms after the client's:\n"
        "four-way close (FIN, ACK, FIN, ACK).  Client: FIN_WAIT_1 -> FIN_WAIT_2 ->\n"
        "TIME_WAIT.  Server: CLOSE_WAIT -> LAST_ACK -> CLOSED."),
    "seed-4-simultaneous-close": (
        4, "",
        "10.29.64.142:443 (server, by port) and 10.25.137.230:46556 (client).  The\n"
        "capture starts mid-connection: no SYN, no options, roles inferred, ISNs\n"
        "unknown.  Both send FIN before either is acknowledged (line 2's ack\n"
        "3633446994 does not cover line 1's FIN at 3633446994): simultaneous close.\n"
        "Each side: FIN_WAIT_1 -> CLOSING -> TIME_WAIT.  Both end in TIME_WAIT."),
    "seed-5-c-server": (
        5, "",
        "Loopback ('neptune.local' mapped to 127.0.0.1), client port 49493, server\n"
        "port 20000.  Three-way handshake; the server sends 255 bytes and closes;\n"
        "the client's FIN+ACK acknowledges the server's FIN (ack 1311371211):\n"
        "merged close.  Server: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT.  Client:\n"
        "CLOSE_WAIT -> LAST_ACK -> CLOSED."),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--only", action="append")
    args = ap.parse_args()
    all_errors = []
    for name in SEEDS:
        if args.only and name not in args.only:
            continue
        directives, lines = read_seed(os.path.join(SEED_DIR, name + ".txt"))
        pkts = resolve(directives, lines)
        frames = build_frames(directives, pkts)
        outdir = os.path.join(args.out, name)
        os.makedirs(outdir, exist_ok=True)
        pcap = os.path.join(outdir, "capture.pcap")
        pcaplib.write_pcap(pcap, frames)
        case, extra, truth = TRUTH[name]
        with open(os.path.join(outdir, "notes.txt"), "w") as f:
            f.write(NOTES.format(name=name, case=case, extra=extra, truth=truth))
        errors = verify(pkts, pcap)
        all_errors += errors
        print("%-32s %2d packets  %s" % (name, len(pkts), "OK" if not errors else "MISMATCH"))
    for e in all_errors:
        print("  " + e, file=sys.stderr)
    return 1 if all_errors else 0


if __name__ == "__main__":
    sys.exit(main())
