#!/usr/bin/env bash
# Saves Wireshark's per-frame TCP analysis of every sample capture, so the
# agreement test (tests/test_wireshark_agreement.cpp) needs no tshark:
#
#   tests/data/make_tshark_analysis.sh        # needs tshark (apt-get install tshark)
#
# tshark-analysis/SAMPLE.tsv: a line per frame that has one of the flags
# compared, and the first frame of each TCP stream (so a connection can be
# matched to its stream): frame, tcp.stream, then one column per flag
# (1 or empty); then "#irtt STREAM SECONDS" for each stream whose initial
# RTT tshark gives. The first line names tshark's version.
set -euo pipefail
cd "$(dirname "$0")"
SAMPLES=../../samples
FLAGS=(tcp.analysis.retransmission tcp.analysis.fast_retransmission tcp.analysis.spurious_retransmission
       tcp.analysis.keep_alive tcp.analysis.out_of_order tcp.analysis.lost_segment
       tcp.analysis.ack_lost_segment tcp.analysis.zero_window tcp.analysis.duplicate_ack
       tcp.analysis.window_update tcp.analysis.window_full tcp.analysis.keep_alive_ack
       tcp.analysis.zero_window_probe)
args=()
for f in "${FLAGS[@]}"; do args+=(-e "$f"); done
for dir in "$SAMPLES"/*/; do
    cap=$(ls "$dir"capture.pcap "$dir"capture.pcapng 2>/dev/null | head -1) || true
    [ -n "$cap" ] || continue
    name=$(basename "$dir")
    {
        echo "# $(tshark --version 2>/dev/null | head -1); frame stream ${FLAGS[*]}"
        tshark -r "$cap" 2>/dev/null -Y tcp -T fields -E occurrence=f -e frame.number -e tcp.stream "${args[@]}" \
                -e tcp.analysis.initial_rtt |
            awk -F'\t' 'BEGIN { OFS = "\t" }
                         { if ($NF != "") irtt[$2] = $NF; if ($2 + 0 > max) max = $2 + 0; NF = NF - 1; any = 0
                           for (i = 3; i <= NF; ++i) if ($i != "") { $i = 1; any = 1 }
                           if (any || !seen[$2]++) { $1 = $1; print } }
                         END { for (s = 0; s <= max; ++s) if (s in irtt) print "#irtt", s, irtt[s] }'
    } > "tshark-analysis/$name.tsv"
done
