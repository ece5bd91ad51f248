#!/usr/bin/env bash
# Makes the loopback captures the tshark agreement test decodes, ONCE, and
# saves tshark's `-z conv,tcp` table next to each. Run as root on a Linux box
# with tcpdump, dumpcap, tshark, curl and python3 (see MACHINE-NOTES.md):
#
#   tests/data/make_conv_captures.sh
#
# Output (committed):
#   conv_lo.pcap        tcpdump -i lo          (EN10MB, microseconds)
#   conv_any.pcap       tcpdump -i any         (LINUX_SLL2: each loopback frame twice)
#   conv_lo.pcapng      dumpcap -i lo          (pcapng)
#   *.conv.txt          tshark -q -z conv,tcp  on each
#   *.fields.txt        tshark per-frame 4-tuple and frame length, for exact bytes
#   *.badcksum.txt      how many TCP checksums tshark finds bad
set -euo pipefail
cd "$(dirname "$0")"
OUT=$PWD
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

FILTER='tcp portrange 18080-18089'
PY=/usr/bin/python3

# Wait until a capture tool says it is listening (tcpdump: "listening on",
# dumpcap: "Capturing on").
wait_for() {
    for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "capture did not start: $1" >&2; cat "$1" >&2; exit 1
}

tcpdump -i lo -B 65536 --immediate-mode -U -w "$WORK/conv_lo.pcap" "$FILTER" 2>"$WORK/lo.err" &
PIDS+=($!); LO=$!
tcpdump -i any -B 65536 --immediate-mode -U -w "$WORK/conv_any.pcap" "$FILTER" 2>"$WORK/any.err" &
PIDS+=($!); ANY=$!
dumpcap -q -i lo -B 64 -f "$FILTER" -w "$WORK/conv_lo.pcapng" 2>"$WORK/ng.err" &
PIDS+=($!); NG=$!
wait_for "$WORK/lo.err" "listening on"
wait_for "$WORK/any.err" "listening on"
wait_for "$WORK/ng.err" "Capturing on"

# Servers: HTTP over IPv4 and IPv6, with a file of a few kB.
mkdir "$WORK/www"
head -c 6000 /dev/urandom | base64 > "$WORK/www/file.txt"
(cd "$WORK/www" && exec $PY -m http.server 18080 --bind 127.0.0.1 >/dev/null 2>&1) &
PIDS+=($!)
(cd "$WORK/www" && exec $PY -m http.server 18081 --bind ::1 >/dev/null 2>&1) &
PIDS+=($!)
sleep 1

# Traffic: several connections, both families, a refused one (RST), and a
# client that half-closes first.
for _ in 1 2; do curl -s -o /dev/null http://127.0.0.1:18080/file.txt; done
curl -s -o /dev/null http://127.0.0.1:18080/
curl -s -g -o /dev/null "http://[::1]:18081/file.txt"
curl -s -o /dev/null http://127.0.0.1:18089/ || true   # nothing listens: RST
$PY - <<'PYEOF'
import socket
for family, host, port in ((socket.AF_INET, "127.0.0.1", 18080), (socket.AF_INET6, "::1", 18081)):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.connect((host, port))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    s.shutdown(socket.SHUT_WR)      # client FIN first
    while s.recv(4096):
        pass
    s.close()
PYEOF
sleep 1

kill -INT $LO $ANY $NG
wait $LO $ANY $NG 2>/dev/null || true

for f in conv_lo.pcap conv_any.pcap conv_lo.pcapng; do
    cp "$WORK/$f" "$OUT/$f"
    tshark -r "$OUT/$f" -q -z conv,tcp > "$OUT/$f.conv.txt" 2>/dev/null
    tshark -r "$OUT/$f" -T fields -E separator=' ' \
        -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e frame.len \
        > "$OUT/$f.fields.txt" 2>/dev/null
    # Loopback frames carry partial (offloaded) checksums: count tshark's bad ones.
    tshark -r "$OUT/$f" -o tcp.check_checksum:TRUE -Y 'tcp.checksum.status == 0' 2>/dev/null \
        | wc -l > "$OUT/$f.badcksum.txt"
    echo "$f: $(stat -c %s "$OUT/$f") bytes"
done
