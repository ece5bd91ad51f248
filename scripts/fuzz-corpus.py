#!/usr/bin/env python3
"""Builds the fuzz targets' seed corpora from samples/ (and tests/data):
   scripts/fuzz-corpus.py OUTDIR   ->  OUTDIR/<target>/<seed files>
capture_file, pcap_pipeline: every capture as it is.
decode_frame: each distinct frame of the classic pcap captures, behind the
  byte that picks its link type (fuzz/fuzz_decode_frame.cpp).
pcapng: every pcapng capture, with tests/data/pcapng's crafted ones.
flow_table: each capture's TCP segments in that target's 8-byte records
  (fuzz/fuzz_flow_table.cpp), on its first four 4-tuples.
tcpdump_text: the seed texts, and tcpdump's text of each capture."""

import hashlib
import pathlib
import struct
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# fuzz_decode_frame.cpp's kLinkTypes, by DLT value.
LINK_INDEX = {1: 0, 113: 1, 276: 2, 12: 3, 101: 4, 228: 5, 229: 6, 0: 7, 108: 8}


def classic_records(data):
    magic = data[:4]
    order = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
             b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if order is None or len(data) < 24:
        return None, []
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    dlt = struct.unpack(order + "I", data[20:24])[0] & 0x0FFFFFFF
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(order + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        out.append((sec * 10**9 + (frac if nano else frac * 1000), frame))
        off += 16 + caplen
    return dlt, out


def ip_of(dlt, frame):
    """(ip packet) after the link header, or None."""
    if dlt == 1:
        off, etype = 12, frame[12:14]
        while etype in (b"\x81\x00", b"\x88\xa8"):
            off += 4
            etype = frame[off:off + 2]
        return frame[off + 2:]
    if dlt == 113:
        return frame[16:]
    if dlt == 276:
        return frame[20:]
    if dlt in (0, 108):
        return frame[4:]
    return frame


def tcp_of(ip):
    """(src, dst, tcp header+payload, payload length) or None."""
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4 and ip[9] == 6:
        ihl, total = (ip[0] & 15) * 4, struct.unpack(">H", ip[2:4])[0]
        return ip[12:16], ip[16:20], ip[ihl:], total - ihl
    if ip[0] >> 4 == 6 and len(ip) >= 40 and ip[6] == 6:
        return ip[8:24], ip[24:40], ip[40:], struct.unpack(">H", ip[4:6])[0]
    return None


def time_code(delta_ns):
    if delta_ns <= 0:
        return 0
    ms = delta_ns // 1_000_000
    if ms < 28:
        return max(1, ms)
    return 28 if ms < 2000 else 29 if ms < 50_000 else 30


def flow_records(dlt, records):
    tuples, isn, out, last_ts = {}, {}, bytearray(b"\x00\x01"), None
    for ts, frame in records:
        t = tcp_of(ip_of(dlt, frame))
        if t is None or len(t[2]) < 20:
            continue
        src, dst, tcp, ip_payload = t
        sport, dport, seq, ack = struct.unpack(">HHII", tcp[:12])
        a, b = (src, sport), (dst, dport)
        key = (a, b) if (a, b) in tuples or (b, a) not in tuples else (b, a)
        if key not in tuples:
            if len(tuples) == 4:
                continue
            tuples[key] = len(tuples)
        forward = key == (a, b)
        isn.setdefault((key, forward), seq)
        isn.setdefault((key, not forward), ack)
        rel_seq = (seq - isn[(key, forward)]) & 0xFFFF
        rel_ack = (ack - isn[(key, not forward)]) & 0xFFFF
        length = max(0, ip_payload - (tcp[12] >> 4) * 4)
        code = time_code(ts - last_ts) if last_ts is not None else 0
        last_ts = ts
        out += bytes([tuples[key] | (0 if forward else 4) | code << 3, tcp[13]])
        out += struct.pack(">HHBB", rel_seq, rel_ack, min(length, 255), 10)
    return bytes(out)


def write(dirpath, content):
    dirpath.mkdir(parents=True, exist_ok=True)
    (dirpath / hashlib.sha1(content).hexdigest()).write_bytes(content)


def main():
    out = pathlib.Path(sys.argv[1])
    captures = sorted(ROOT.glob("samples/*/capture.pcap*")) + sorted(ROOT.glob("tests/data/*.pcap*"))
    for path in sorted(ROOT.glob("tests/data/pcapng/*.pcapng")) + [p for p in captures if p.suffix == ".pcapng"]:
        write(out / "pcapng", path.read_bytes())
    for path in captures:
        data = path.read_bytes()
        write(out / "capture_file", data)
        write(out / "pcap_pipeline", data)
        dlt, records = classic_records(data)
        if dlt not in LINK_INDEX:
            continue
        for _, frame in records[:64]:
            write(out / "decode_frame", bytes([LINK_INDEX[dlt]]) + frame)
        flows = flow_records(dlt, records)
        if len(flows) > 2:
            write(out / "flow_table", flows)
    # tcpdump_text: the seed texts as pasted, and tcpdump's own output of
    # each sample in a few forms when tcpdump is installed.
    for path in sorted(ROOT.glob("tests/data/tcpdump-text/*.txt")):
        write(out / "tcpdump_text", path.read_bytes())
    for path in captures:
        for form in ([], ["-nn", "-S"], ["-v"], ["-tttt", "-#"]):
            try:
                text = subprocess.run(["tcpdump", *form, "-r", str(path)], capture_output=True,
                                      timeout=30).stdout
            except (OSError, subprocess.TimeoutExpired):
                break
            if text:
                write(out / "tcpdump_text", text[:65536])
    for target in ("capture_file", "pcap_pipeline", "decode_frame", "flow_table", "tcpdump_text", "pcapng"):
        print(f"fuzz-corpus: {target}: {len(list((out / target).iterdir()))} seeds")


main()
