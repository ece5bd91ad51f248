#!/usr/bin/python3
"""Crafted captures for what the kernel will not produce on demand on
loopback (loss, reordering, crossing SYNs, spoofed RSTs, ...).

Each scenario is written as a short conversation between a client and a
server; a small `Conversation` keeps each side's sequence numbers, ACKs, TCP
timestamps, IP ids and windows the way a Linux stack would, so the script
only states what is unusual (a lost segment, a retransmission, an explicit
sequence number).  Frames are built with scapy, all checksums correct, and
written with exact microsecond timestamps.  Each directory gets a notes.txt
with the expected truth (RFC 9293 states).

Usage: /usr/bin/python3 samples/craft.py [--out DIR] [--only NAME] [--list]
"""

import argparse
import calendar
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcaplib  # noqa: E402

from scapy.all import IP, IPv6, TCP, Ether, Dot1Q, Raw  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = calendar.timegm((2020, 6, 15, 12, 0, 0)) * 1_000_000   # fixed date

# Addresses from the documentation ranges (RFC 5737, RFC 3849): these frames
# exist only in files.
CLIENT4, SERVER4 = "192.0.2.10", "198.51.100.20"
CLIENT6, SERVER6 = "2001:db8::10", "2001:db8::20"

M32 = 0xFFFFFFFF


class Side:
    def __init__(self, name, addr, port, isn, ts_base, ip_id, mss=1460, wscale=7,
                 win=502, syn_win=64240):
        self.name, self.addr, self.port = name, addr, port
        self.isn = isn
        self.snd_nxt = isn
        self.rcv_nxt = None
        self.ts_base = ts_base
        self.ts_recent = 0
        self.ip_id = ip_id
        self.mss, self.wscale = mss, wscale
        self.win, self.syn_win = win, syn_win


class Conversation:
    """Builds the frames of one capture.  send() takes the sender's side and
    what it sends; by default seq is the sender's snd_nxt and ack its
    rcv_nxt, and the segment is delivered to the peer (rcv_nxt advances if
    it is in order).  deliver=False: lost after the capture point."""

    def __init__(self, client, server, ipv6=False, vlan=None, t0=T0, encap=None):
        self.c, self.s = client, server
        self.ipv6, self.vlan = ipv6, vlan
        self.encap = encap     # inner IP packet, sender -> whole frame (tunnels)
        self.t = t0
        self.t0 = t0
        self.frames = []
        self.lines = []        # readable log, for notes
        self.uncaptured = None  # a side whose every frame the capture misses (one-sided captures)

    def peer(self, side):
        return self.s if side is self.c else self.c

    def tsval(self, side):
        return (side.ts_base + (self.t - self.t0) // 1000) & M32

    def send(self, side, flags, data=0, dt=100, seq=None, ack=None, win=None,
             options=None, ts=True, deliver=True, note=""):
        """dt: microseconds since the previous frame."""
        self.t += dt
        peer = self.peer(side)
        payload = bytes(data) if isinstance(data, int) else data
        if seq is None:
            seq = side.snd_nxt
        if ack is None:
            ack = side.rcv_nxt if ("A" in flags and side.rcv_nxt is not None) else 0
        if win is None:
            win = side.syn_win if "S" in flags and "R" not in flags else (0 if "R" in flags else side.win)
        if options is None:
            if "R" in flags or not ts:
                options = []
            elif "S" in flags:
                options = [("MSS", side.mss), ("SAckOK", b""),
                           ("Timestamp", (self.tsval(side), side.ts_recent if "A" in flags else 0)),
                           ("NOP", None), ("WScale", side.wscale)]
            else:
                options = [("NOP", None), ("NOP", None),
                           ("Timestamp", (self.tsval(side), side.ts_recent))]
        tcp = TCP(sport=side.port, dport=peer.port, seq=seq, ack=ack, flags=flags,
                  window=win, options=options)
        if self.ipv6:
            ip = IPv6(src=side.addr, dst=peer.addr, hlim=64)
        else:
            ip = IP(src=side.addr, dst=peer.addr, ttl=64, id=side.ip_id, flags="DF")
            side.ip_id = (side.ip_id + 1) & 0xFFFF
        eth = Ether(src=pcaplib.mac_for(side.addr), dst=pcaplib.mac_for(peer.addr))
        inner = ip / tcp / Raw(payload) if payload else ip / tcp
        if self.encap:
            frame = self.encap(inner, side is self.c)
        else:
            frame = eth / Dot1Q(vlan=self.vlan) / inner if self.vlan else eth / inner
        if side is not self.uncaptured:
            self.frames.append((self.t, bytes(frame)))
        elif not note:
            note = "not captured"
        consumed = len(payload) + ("S" in flags) + ("F" in flags)
        end = (seq + consumed) & M32
        # An RST consumes no sequence space and (forged or not) says nothing
        # about what the sender will send next.
        if "R" not in flags and ((end - side.snd_nxt) & M32) < 0x80000000:
            side.snd_nxt = end
        if deliver:
            if "S" in flags:
                peer.rcv_nxt = end
            elif seq == peer.rcv_nxt and "R" not in flags:
                peer.rcv_nxt = end
            if options and "R" not in flags:
                peer.ts_recent = self.tsval(side)
        rel_t = (self.t - self.t0) / 1e6
        self.lines.append("%9.6f %s > %s %-3s seq %u ack %u len %d%s" % (
            rel_t, side.name, peer.name, flags, seq, ack, len(payload),
            ("  " + note) if note else ""))

    def handshake(self, rtt=60):
        self.send(self.c, "S", dt=0)
        self.send(self.s, "SA", dt=rtt)
        self.send(self.c, "A", dt=rtt)

    def exchange(self, up=120, down=480, rtt=60, think=900):
        """Client request, server ACK, server answer, client ACK."""
        self.send(self.c, "PA", up, dt=200)
        self.send(self.s, "A", dt=rtt)
        self.send(self.s, "PA", down, dt=think)
        self.send(self.c, "A", dt=rtt)

    def four_way(self, first, rtt=60, pause=40000, last_ack_lost=False):
        """Returns the sequence number of the second FIN (for retransmitting
        it); last_ack_lost: the final ACK is lost after the capture point."""
        other = self.peer(first)
        self.send(first, "FA", dt=2000)
        self.send(other, "A", dt=rtt)
        self.send(other, "FA", dt=pause)
        second_fin = (other.snd_nxt - 1) & M32
        if last_ack_lost:
            self.send(first, "A", dt=rtt, deliver=False, note="last ACK lost after the capture point")
        else:
            self.send(first, "A", dt=rtt)
        return second_fin


def new_pair(c_isn=1000000000, s_isn=3000000000, ipv6=False, cport=51000, sport=80):
    ca, sa = (CLIENT6, SERVER6) if ipv6 else (CLIENT4, SERVER4)
    c = Side("client", ca, cport, c_isn, ts_base=3100000000, ip_id=21000)
    s = Side("server", sa, sport, s_isn, ts_base=700000000, ip_id=0, win=509, syn_win=65160)
    return c, s


# ---------------------------------------------------------------------------
# Scenarios: each returns (Conversation, truth text)

def syn_retrans_then_answered():
    c, s = new_pair(cport=51001)
    cv = Conversation(c, s)
    cv.send(c, "S", dt=0, deliver=False, note="lost before the server")
    cv.send(c, "S", dt=1_000_000, seq=c.isn, note="retransmission, same ISN, 1 s later")
    cv.send(s, "SA", dt=60)
    cv.send(c, "A", dt=60)
    cv.exchange()
    cv.four_way(c)
    return cv, """\
The first SYN gets no answer; the client retransmits it 1 s later with the
SAME ISN (so it is the same connection attempt, not a new one), the server
answers it with SYN+ACK, and the handshake completes.
Handshake: three-way, after one SYN retransmission.
Data: 120 bytes up, 480 bytes down.
Close: four-way, the client closes first (FIN, ACK, FIN, ACK).
Final states: client TIME_WAIT; server CLOSED (LAST_ACK -> CLOSED on the
last ACK)."""


def synack_retrans():
    c, s = new_pair(cport=51002)
    cv = Conversation(c, s)
    cv.send(c, "S", dt=0)
    cv.send(s, "SA", dt=60)
    cv.send(c, "A", dt=60, deliver=False, note="lost after the capture point")
    cv.send(s, "SA", dt=1_000_000, seq=s.isn, note="SYN+ACK retransmitted, same ISN")
    cv.send(c, "A", dt=60, note="the client ACKs again")
    cv.exchange()
    cv.four_way(c)
    return cv, """\
Captured near the client.  The client's ACK of the SYN+ACK is lost after the
capture point, so the server stays in SYN_RECEIVED and retransmits its
SYN+ACK (same ISN) 1 s later; the client, already ESTABLISHED, ACKs it again,
and this time the server gets it.
Handshake: three-way, with a SYN+ACK retransmission (the client is
ESTABLISHED from its first ACK, the server only from the second).
Data: 120 bytes up, 480 bytes down.
Close: four-way, the client closes first.
Final states: client TIME_WAIT; server CLOSED."""


def simultaneous_open():
    a = Side("peer-a", CLIENT4, 5000, 2200000000, ts_base=100000, ip_id=100)
    b = Side("peer-b", SERVER4, 6000, 900000000, ts_base=500000, ip_id=200)
    cv = Conversation(a, b)
    cv.send(a, "S", dt=0, deliver=False, note="SYN, in flight")
    cv.send(b, "S", dt=20, deliver=False, note="SYN crosses it")
    # Each SYN now arrives at the other side, which is in SYN_SENT: it moves
    # to SYN_RECEIVED and answers SYN+ACK with its ORIGINAL ISN.
    a.rcv_nxt, b.rcv_nxt = (b.isn + 1) & M32, (a.isn + 1) & M32
    a.ts_recent, b.ts_recent = cv.tsval(b), cv.tsval(a)
    cv.send(a, "SA", dt=60, seq=a.isn, deliver=False)
    cv.send(b, "SA", dt=5, seq=b.isn, deliver=False)
    a.ts_recent, b.ts_recent = cv.tsval(b), cv.tsval(a)
    cv.send(a, "PA", 64, dt=300)
    cv.send(b, "A", dt=60)
    cv.send(b, "PA", 64, dt=400)
    cv.send(a, "A", dt=60)
    cv.four_way(a)
    return cv, """\
Two endpoints (ports 5000 and 6000) both actively open: peer-a's SYN and
peer-b's SYN cross in the network.  Each receives the other's SYN in
SYN_SENT, moves to SYN_RECEIVED and sends SYN+ACK (seq = its own ISN, ack =
the peer's ISN + 1); each SYN+ACK moves its receiver to ESTABLISHED
(RFC 9293 section 3.5, figure 7).  No third ACK is needed.
There is no client/server: neither side listened.
Handshake: simultaneous open (SYN, SYN, SYN+ACK, SYN+ACK).
Data: 64 bytes each way.
Close: four-way, peer-a closes first.
Final states: peer-a TIME_WAIT; peer-b CLOSED."""


def rst_out_of_window():
    c, s = new_pair(cport=51004)
    cv = Conversation(c, s)
    cv.handshake()
    cv.exchange()
    bogus = (s.snd_nxt + 0x40000000) & M32
    cv.send(s, "R", dt=5000, seq=bogus, deliver=False,
            note="seq far outside the client's window: ignored")
    cv.send(c, "PA", 100, dt=20000)
    cv.send(s, "A", dt=60)
    cv.send(s, "PA", 300, dt=500)
    cv.send(c, "A", dt=60)
    cv.four_way(c)
    return cv, """\
Mid-connection an RST arrives 'from the server' whose sequence number is
2^30 beyond the client's RCV.NXT, far outside the receive window.  RFC 9293
section 3.10.7.4 (and RFC 5961 section 3.2): an RST is acceptable only if its
sequence number is in the window; otherwise it is discarded.  The
connection goes on: another request and answer, then a normal close.
Handshake: three-way.
RST: out of window, ignored (no state change).
Close: four-way, the client closes first.
Final states: client TIME_WAIT; server CLOSED."""


def fin_retrans_time_wait():
    c, s = new_pair(cport=51005)
    cv = Conversation(c, s)
    cv.handshake()
    cv.exchange()
    fin_seq = cv.four_way(c, last_ack_lost=True)
    cv.send(s, "FA", dt=200_000, seq=fin_seq, note="LAST_ACK side retransmits its FIN")
    cv.send(c, "A", dt=60, note="TIME_WAIT side ACKs again")
    return cv, """\
Captured near the client.  Four-way close, the client first; the client's
last ACK is lost after the capture point, so the server (LAST_ACK)
retransmits its FIN 0.2 s later with the same sequence number; the client,
in TIME_WAIT, ACKs it again and restarts its 2*MSL timer (RFC 9293 section
3.10.7.4, TIME-WAIT: "the only thing that can arrive in this state is a
retransmission of the remote FIN. Acknowledge it, and restart the 2 MSL
timeout").  The retransmitted FIN is not a new close.
Handshake: three-way.
Close: four-way, the client closes first, with a FIN retransmission.
Final states: client TIME_WAIT (timer restarted); server CLOSED once the
second ACK arrives (LAST_ACK -> CLOSED)."""


def fin_retrans_after_linger():
    c, s = new_pair(cport=51013)
    cv = Conversation(c, s)
    cv.handshake()
    cv.exchange()
    fin_seq = cv.four_way(c, last_ack_lost=True)
    # Linux's retransmission timer from a 200 ms RTO, doubling each time.
    for n, rto in enumerate((200_000, 400_000, 800_000, 1_600_000, 3_200_000), 1):
        cv.send(s, "FA", dt=rto - 60, seq=fin_seq, note="FIN sent again (%d)" % n)
        cv.send(c, "A", dt=60, deliver=n == 5,
                note="TIME_WAIT side ACKs again" + ("" if n == 5 else ", lost again"))
    return cv, """\
Captured near the client.  Four-way close, the client first; every ACK the
client sends for the server's FIN is lost after the capture point until the
fifth retransmission, so the server (LAST_ACK) sends its FIN again 0.2, 0.6,
1.4, 3.0 and 6.2 s after the first (Linux's doubling retransmission timer)
and the client (TIME_WAIT) ACKs each copy.  The gap before the fifth copy,
3.2 s, is longer than the tool's 2 s linger: the connection has been
reported when it arrives, so that FIN and the ACK after it are counted as
late segments (the text report's Input section says the FIN was sent again
and what that means), not narrated.
Handshake: three-way.
Close: four-way, the client closes first, with FIN retransmissions.
Final states: client TIME_WAIT; server CLOSED.  The report, out before
the fifth FIN, shows the server CLOSED at the ACK after the fourth copy
(packet 19), taken as delivered because nothing came back within the
linger; with --linger 4 the report waits for the fifth copy and shows the
server CLOSED at the last ACK (packet 21)."""


def data_after_fin():
    c, s = new_pair(cport=51006)
    cv = Conversation(c, s)
    cv.handshake()
    cv.exchange()
    cv.send(s, "FA", dt=1000, note="the server application close()s")
    cv.send(c, "A", dt=60)
    cv.send(c, "PA", 30, dt=50000, note="client data after the server's FIN")
    cv.send(s, "R", dt=40, seq=s.snd_nxt, ack=0,
            note="the server has closed: reset (RFC 9293 3.6.1)")
    return cv, """\
The server answers and closes its socket (close(), not shutdown): FIN.  The
client ACKs the FIN (CLOSE_WAIT) and then sends 30 more bytes, which TCP
allows in CLOSE_WAIT (half-close: only the server's direction is closed).
But the server's application has gone, so the server answers the new data
with RST (RFC 9293 section 3.6.1, half-duplex close: "if new data is
received after CLOSE is called, its TCP implementation SHOULD send an RST";
Linux counts this as TCPAbortOnData).  The RST's seq is the server's
SND.NXT (FIN + 1), exactly the client's RCV.NXT: acceptable.
Handshake: three-way.
Close: the server closes first (FIN, ACK), then data from the client, then
RST from the server: an abort after a half-close, not a FIN exchange.
Final states: client CLOSED (RST received in CLOSE_WAIT); server CLOSED
(sent RST from FIN_WAIT_2)."""


def wraparound():
    c, s = new_pair(c_isn=0xFFFFFFF0, s_isn=0xFFFFFF00, cport=51007)
    cv = Conversation(c, s)
    cv.handshake()
    cv.send(c, "PA", 200, dt=200, note="crosses 2^32 after 15 bytes")
    cv.send(s, "A", dt=60)
    cv.send(c, "PA", 100, dt=100)
    cv.send(s, "A", dt=60)
    cv.send(s, "A", 400, dt=900, note="crosses 2^32 after 255 bytes")
    cv.send(s, "PA", 300, dt=10)
    cv.send(c, "A", dt=60)
    cv.four_way(c)
    return cv, """\
ISNs near 2^32: client 0xfffffff0, server 0xffffff00, so both sequence
spaces wrap to 0 during the data transfer (client after 15 bytes, server
after 255 bytes).  Every comparison must be modulo 2^32.
Handshake: three-way.
Data: 300 bytes up (200 + 100), 700 bytes down (400 + 300).
Close: four-way, the client closes first (client FIN at relative seq 301,
server FIN at relative seq 701).
Final states: client TIME_WAIT; server CLOSED."""


def fin_before_last_data():
    c, s = new_pair(cport=51008)
    cv = Conversation(c, s)
    cv.handshake()
    cv.send(c, "PA", 120, dt=200)
    cv.send(s, "A", dt=60)
    d1 = s.snd_nxt
    cv.send(s, "A", 1448, dt=900)
    d2 = s.snd_nxt
    # The second data segment and the FIN are sent back to back; the network
    # reorders them: the FIN is captured (and arrives) first.
    s.snd_nxt = (d2 + 1000) & M32
    cv.send(s, "FA", dt=15, deliver=False, note="FIN overtakes the last data segment")
    fin_seq = (s.snd_nxt - 1) & M32
    cv.send(c, "A", dt=40, note="immediate ACK still at the gap: the FIN is out of order")
    c_dup_ack = c.rcv_nxt
    cv.send(s, "PA", 1000, dt=30, seq=d2, note="the last data segment, late")
    cv.send(c, "A", dt=40, ack=(d2 + 1000) & M32, note="ACK of the data")
    c.rcv_nxt = (fin_seq + 1) & M32
    cv.send(c, "A", dt=10, note="ACK of the FIN (it takes effect at its seq)")
    cv.send(c, "FA", dt=30000)
    cv.send(s, "A", dt=60)
    assert c_dup_ack == d2 and d1 != d2
    return cv, """\
The server sends 1448 + 1000 bytes and its FIN; the network reorders the
last two: the FIN (seq = end of the data) is captured before the last 1000
bytes.  The client's ACKs tell the story: an ACK still at the gap
(the FIN is out of order and cannot be processed), then, when the data
arrives, an ACK of the data (FIN not covered), then an ACK of the FIN.
A FIN takes effect at its sequence position, not on arrival (RFC 9293
section 3.10.7.4, eighth step: only when all data up to the FIN has been
received).
Handshake: three-way.
Close: four-way, the server closes first (FIN, ACK of FIN, FIN, ACK); the
client's CLOSE_WAIT begins at the ACK of the FIN, not at the FIN's arrival.
Final states: server TIME_WAIT (FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT);
client CLOSED (CLOSE_WAIT -> LAST_ACK -> CLOSED)."""


def new_syn_in_time_wait():
    c, s = new_pair(cport=51009)
    cv = Conversation(c, s)
    cv.handshake()
    cv.exchange()
    cv.four_way(s)                                 # the server closes first
    old_c, old_s = c.snd_nxt, s.snd_nxt
    c.isn = (old_c + 1_000_000) & M32
    c.snd_nxt = c.isn
    c.rcv_nxt = None
    s.isn = (old_s + 2_000_000) & M32              # larger than any seq it used
    s.snd_nxt = s.isn
    cv.send(c, "S", dt=1_000_000, note="new SYN, same 4-tuple, new ISN")
    cv.send(s, "SA", dt=60)
    cv.send(c, "A", dt=60)
    cv.exchange(up=80, down=200)
    cv.four_way(c)
    return cv, """\
Two connections on one 4-tuple.  The first closes four-way with the SERVER
first, so the server is in TIME_WAIT.  1 s later the client sends a new SYN
from the same port with a different (larger) ISN.  RFC 9293 section 3.6.1 /
RFC 6191: a TIME_WAIT endpoint MAY accept a new SYN to reopen the
connection if the new ISN is larger than anything seen before; the server
does, with a new ISN of its own, and a second connection follows.
Connection 1: handshake three-way; close four-way, server first; final:
server TIME_WAIT (until the new SYN ends it), client CLOSED.
Connection 2 (new ISNs): handshake three-way; close four-way, client first;
final: client TIME_WAIT, server CLOSED.
A different ISN on a SYN after the close is a new connection, not a
retransmission."""


def mid_stream_four_way():
    c, s = new_pair(c_isn=1804289383, s_isn=846930886, cport=51234, sport=443)
    # The capture starts after the handshake: no SYN in the file.
    c.snd_nxt = (c.isn + 1 + 5000) & M32
    s.snd_nxt = (s.isn + 1 + 88000) & M32
    c.rcv_nxt, s.rcv_nxt = s.snd_nxt, c.snd_nxt
    cv = Conversation(c, s)
    cv.send(c, "PA", 517, dt=0)
    cv.send(s, "A", dt=60)
    cv.send(s, "A", 1448, dt=800)
    cv.send(s, "PA", 700, dt=5)
    cv.send(c, "A", dt=60)
    cv.four_way(c, pause=20000)
    return cv, """\
The capture starts mid-connection (no SYN): data both ways, then a
four-way close.  Roles must be inferred (port 443 is the server), ISNs and
window scaling are unknown (the narrative must say so); relative numbers
start at the first byte seen.
Handshake: not seen.
Close: four-way, the client (port 51234) closes first.
Final states: client TIME_WAIT; server CLOSED.  Before the first packet both
were, as far as the capture shows, ESTABLISHED."""


def rst_in_syn_sent_bad_ack():
    c, s = new_pair(cport=51011)
    cv = Conversation(c, s)
    cv.send(c, "S", dt=0)
    bad_ack = (c.isn + 1 + 700000) & M32
    cv.send(s, "RA", dt=30, seq=0, ack=bad_ack, deliver=False,
            note="RST whose ack does not acknowledge the SYN: ignored")
    cv.send(s, "SA", dt=30)
    cv.send(c, "A", dt=60)
    cv.exchange()
    cv.four_way(c)
    return cv, """\
Right after the client's SYN, an RST+ACK arrives whose ACK number does not
acknowledge the SYN (ack = ISN + 700001, not ISN + 1): a stale or spoofed
reset.  RFC 9293 section 3.10.7.3 (SYN-SENT): if the ACK bit is set and
SEG.ACK =< ISS or SEG.ACK > SND.NXT the ACK is unacceptable, and an RST
carrying it is dropped; only an RST that acknowledges the SYN resets the
connection.  The real SYN+ACK follows and the connection proceeds.
Handshake: three-way (the RST is ignored; the client stays in SYN_SENT).
Close: four-way, the client closes first.
Final states: client TIME_WAIT; server CLOSED."""


def refused_retried():
    c, s = new_pair(cport=51103)
    cv = Conversation(c, s)
    cv.send(c, "S", dt=0, deliver=False)
    syn_ack = (c.isn + 1) & M32
    cv.send(s, "RA", dt=40, seq=0, ack=syn_ack, note="refused: nothing listens")
    cv.send(c, "S", dt=500_000, seq=c.isn, deliver=False, note="the client tries again, same ISN")
    cv.send(s, "RA", dt=40, seq=0, ack=syn_ack, note="refused again")
    cv.send(c, "S", dt=500_000, seq=c.isn, deliver=False, note="third attempt")
    cv.send(s, "RA", dt=40, seq=0, ack=syn_ack, note="refused a third time")
    return cv, """\
Nothing listens on the server's port.  The client's stack does not give up
at the first RST: it sends the same SYN (same port, same ISN) again 0.5 s
later, twice, and each one is refused by an RST+ACK that acknowledges it
(Windows retries a refused connect() this way before it reports
WSAECONNREFUSED; Linux reports ECONNREFUSED at the first RST).  Three SYNs,
three refusals: not one SYN retransmitted twice and then refused.
Handshake: refused, three times.
Close: none.
Final states: client CLOSED; server CLOSED (nothing listens)."""


def syn_then_client_reset():
    c, s = new_pair(cport=51104)
    cv = Conversation(c, s)
    cv.send(c, "S", dt=0, deliver=False)
    cv.send(c, "R", dt=309, seq=(c.isn + 1) & M32, ack=0, note="the client aborts its own attempt")
    return cv, """\
The client sends a SYN and, 309 us later, before any answer could come,
resets its own attempt (a bare RST at the sequence number after its SYN):
the application or a scanner abandoned the connect().  The server sends
nothing.  Nobody refused the connection, and nobody timed out: the client
aborted it.
Handshake: none (aborted by the client).
Close: none.
Final states: client CLOSED (it reset); server unknown (nothing from it)."""


def server_side_only():
    c, s = new_pair(cport=51105)
    cv = Conversation(c, s)
    cv.uncaptured = c
    cv.handshake()
    cv.exchange()
    cv.four_way(c, pause=20000)
    return cv, """\
A capture of one direction only (the server's; a span port or an
asymmetric route that carries just that way): an ordinary connection in
which the client opens, sends 120 bytes, gets 480, and closes first.  Not
one client segment is captured, yet the server's segments prove them: the
SYN+ACK acknowledges the client's SYN, the next ACK covers the 120-byte
request, and the ACK before the server's FIN covers the client's FIN.  The
report must not say the client's SYN went unanswered, that the client never
acknowledged, or flag the data and FIN as anomalies: it says what the
server's acknowledgments prove and that the other direction is missing.
Handshake: partly seen (SYN+ACK only; the client's SYN proven by its ack).
Close: four-way, the client closes first (its FIN proven by the server's ack).
Final states: client TIME_WAIT (its FIN acknowledged; the server's FIN
assumed delivered at the end of the capture); server LAST_ACK (the ACK of
its FIN is not in the capture)."""


def client_side_only():
    c, s = new_pair(cport=51106)
    cv = Conversation(c, s)
    cv.uncaptured = s
    cv.handshake()
    cv.exchange()
    cv.four_way(c, pause=20000)
    return cv, """\
A capture of one direction only (the client's), the mirror of
crafted-server-side-only: the client opens, sends 120 bytes, gets 480,
and closes first.  Not one server segment is captured, yet the client's
segments prove them: its third segment acknowledges the server's SYN+ACK,
a later ACK covers the 480-byte answer, and its last ACK covers the
server's FIN.  The report must not say the SYN went unanswered or the
server never answered: it says what the client's acknowledgments prove
and that the other direction is missing.
Handshake: partly seen (the SYN and the ACK; the SYN+ACK proven by its ack).
Close: the client closes first; whether the server's FIN carried its ACK
of the client's FIN (three waves) or came after a separate ACK (four
waves), only the missing direction could show: told as three waves, the
fewest segments the client's acknowledgments need, and said so.
Final states: client TIME_WAIT (the server's FIN proven by its ack);
server CLOSED (the client's last ACK assumeddelivered at the end of the capture)."""


def skip(cv, side, n, note):
    """side sent n bytes the capture missed (the peer received them)."""
    peer = cv.peer(side)
    side.snd_nxt = (side.snd_nxt + n) & M32
    peer.rcv_nxt = side.snd_nxt
    cv.lines.append("          %s > %s (%d bytes not captured: %s)" % (side.name, peer.name, n, note))


def swap_stamps(cv, i, j, why):
    """Frames i and j trade places in the file (each keeps its slot's
    stamp): the capture's order is not the wire's, as on a host that
    stamps packets on several queues or CPUs."""
    (ti, bi), (tj, bj) = cv.frames[i], cv.frames[j]
    cv.frames[i], cv.frames[j] = (ti, bj), (tj, bi)
    cv.lines.append("          frames %d and %d captured in each other's place: %s" % (i + 1, j + 1, why))


def reordered_capture():
    c, s = new_pair(cport=51120)
    cv = Conversation(c, s)
    cv.handshake()
    cv.exchange()
    cv.four_way(c, pause=20000)
    swap_stamps(cv, 1, 2, "the client's ACK before the SYN+ACK it answers")
    n = len(cv.frames)
    swap_stamps(cv, n - 2, n - 1, "the client's last ACK before the server's FIN it answers")
    return cv, """\
A capture whose order is not the wire's: the host stamped the packets on
two queues, so the client's handshake ACK is written (and stamped) before
the server's SYN+ACK it answers, and the client's last ACK before the
server's FIN.  Every packet is captured.  The report must not say the
SYN+ACK or the FIN was missed, nor that either was sent again: the ACK
proves each one first, the captured copy then takes its place, and the
capture's order is named once per segment.
Handshake: three-way (all three segments captured, two out of order).
Close: the client closes first, four waves.
Final states: client TIME_WAIT; server CLOSED."""


def uncaptured_answer():
    c, s = new_pair(cport=51100)
    cv = Conversation(c, s)
    cv.handshake()
    cv.send(c, "PA", 100, dt=200)
    skip(cv, s, 2902, "the whole answer")
    cv.send(c, "A", dt=900, note="acknowledges the 2902 bytes the capture missed")
    cv.four_way(s, pause=20000)
    return cv, """\
The client sends 100 bytes; the server's whole 2902-byte answer is missing
from the capture (a capture filter or a lossy span port), but the client's
ACK (ack = server ISN + 2903) and the server's FIN (seq = ISN + 2903) prove
it was sent and received.  The report must say the server sent 2902 stream
bytes, none of them captured, not that it sent 0 bytes.
Handshake: three-way.
Close: four-way, the server closes first.
Final states: client CLOSED; server TIME_WAIT."""


def uncaptured_gap():
    c, s = new_pair(cport=51101)
    cv = Conversation(c, s)
    cv.handshake()
    cv.send(c, "PA", 100, dt=200)
    cv.send(s, "A", 1000, dt=60)
    skip(cv, s, 1448, "the middle segment")
    cv.send(s, "PA", 454, dt=5)
    cv.send(c, "A", dt=60)
    cv.four_way(c, pause=20000)
    return cv, """\
The server answers in three segments (1000, 1448 and 454 bytes); the middle
one is missing from the capture and never retransmitted (the client's ACK
covers it: it arrived).  The server sent 2902 stream bytes, 1448 of them
not captured.
Handshake: three-way.
Close: four-way, the client closes first.
Final states: client TIME_WAIT; server CLOSED."""


def data_after_reset():
    c, s = new_pair(cport=51102)
    cv = Conversation(c, s)
    cv.handshake()
    cv.exchange()
    cv.send(s, "RA", dt=3000, note="the server aborts: accepted (seq = RCV.NXT)")
    cv.send(c, "PA", 200, dt=5000, deliver=False, note="data after the reset")
    cv.send(s, "R", dt=20, seq=s.snd_nxt, note="the server's stack answers it with RST")
    return cv, """\
After an exchange the server resets the connection (RST at RCV.NXT,
accepted: the client is CLOSED).  5 ms later the client still sends 200
bytes: the application wrote to a socket the peer had reset (the write
would fail with EPIPE/ECONNRESET on the next call), or the RST was lost
after the capture point.  The server's stack answers it with a bare RST.
The data after the reset must be flagged, not drawn as if nothing
happened.
Handshake: three-way.
Close: reset by the server.
Final states: client CLOSED; server CLOSED."""


def fin_crossed_window_update():
    c, s = new_pair(cport=51014)
    cv = Conversation(c, s)
    cv.handshake()
    cv.exchange()
    cv.send(c, "FA", dt=2000, note="the client closes first")
    cv.send(s, "FA", dt=60, deliver=False,
            note="the server acks the FIN and closes too; delayed after the capture point")
    cv.send(s, "A", dt=5, deliver=False, win=1024,
            note="window update from the server, delayed as well")
    cv.send(c, "FA", dt=200_000, seq=(c.snd_nxt - 1) & M32,
            note="client's FIN again: its ack does not cover the server's FIN")
    cv.send(s, "A", dt=60, note="the server ACKs the copy")
    c.rcv_nxt = s.snd_nxt  # the server's FIN and ACK reach the client now
    cv.send(c, "A", dt=40_000, note="the client finally acknowledges the server's FIN")
    return cv, """\
Captured near the server.  The client closes first; the server acknowledges
the FIN and closes in the same segment (FIN+ACK), then sends a window
update.  Both are held up on the way to the client, whose retransmission
timer fires: it sends its FIN again 0.2 s later with ack = the server's FIN
sequence number, so the server's FIN had not reached it (RFC 9293 3.10.7.4:
a FIN's arrival is what moves FIN-WAIT-1 on).  The server ACKs the copy;
the client's next ACK covers the server's FIN: only then has it arrived,
and the client goes to TIME_WAIT there.  The copy of the FIN was sent from
FIN_WAIT_1, not TIME_WAIT: a FIN retransmission, not an unexpected segment.
Handshake: three-way.
Close: three-way (FIN, FIN+ACK, ACK), the client first, with a FIN
retransmission.
Final states: client TIME_WAIT (entered at the last packet); server CLOSED."""


def vlan_ipv6():
    c, s = new_pair(ipv6=True, cport=51012, sport=8080)
    c.mss = s.mss = 1440
    cv = Conversation(c, s, ipv6=True, vlan=100)
    cv.handshake()
    cv.exchange(up=90, down=350)
    cv.send(c, "FA", dt=2000)
    cv.send(s, "FA", dt=60, note="FIN that also ACKs the client's FIN")
    cv.send(c, "A", dt=60)
    return cv, """\
Ethernet with an 802.1Q tag (VLAN 100) carrying IPv6 (2001:db8::10 port
51012 -> 2001:db8::20 port 8080); MSS 1440.
Handshake: three-way.
Data: 90 bytes up, 350 bytes down.
Close: three-way (merged): the client closes first; the server's FIN
acknowledges the client's FIN (FIN, FIN+ACK, ACK).
Final states: client TIME_WAIT (FIN_WAIT_1 -> TIME_WAIT directly);
server CLOSED (CLOSE_WAIT -> LAST_ACK -> CLOSED)."""


def tunnel_frames():
    """name -> a function making the whole frame around an inner IP packet
    (from_client: which way it goes), each tunnel between 203.0.113.1 and
    203.0.113.2 (or 2001:db8:ff::1/2), Ethernet outside."""
    from scapy.all import GRE, PPPoE, PPP, UDP
    from scapy.contrib.mpls import MPLS
    from scapy.contrib.geneve import GENEVE
    from scapy.contrib.gtp import GTP_U_Header
    from scapy.layers.vxlan import VXLAN

    def ends(from_client):
        a, b = "203.0.113.1", "203.0.113.2"
        return (a, b) if from_client else (b, a)

    def eth(from_client):
        a, b = ends(from_client)
        return Ether(src=pcaplib.mac_for(a), dst=pcaplib.mac_for(b))

    def outer(from_client, **kw):
        a, b = ends(from_client)
        return IP(src=a, dst=b, ttl=64, **kw)

    inner_eth = Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02")
    return [
        ("GRE", lambda p, fc: eth(fc) / outer(fc) / GRE() / p),
        ("GRE with a key", lambda p, fc: eth(fc) / outer(fc) / GRE(key_present=1, key=77) / p),
        ("IP-in-IP", lambda p, fc: eth(fc) / outer(fc, proto=4) / p),
        ("MPLS, two labels", lambda p, fc: eth(fc) / MPLS(label=100, s=0) / MPLS(label=200, s=1) / p),
        ("PPPoE", lambda p, fc: eth(fc) / PPPoE(sessionid=9) / PPP(proto=0x0021) / p),
        ("VXLAN", lambda p, fc: eth(fc) / outer(fc) / UDP(sport=49152, dport=4789) / VXLAN(vni=42) / inner_eth / p),
        ("Geneve", lambda p, fc: eth(fc) / outer(fc) / UDP(sport=49153, dport=6081) / GENEVE(vni=7, proto=0x0800) / p),
        ("GTP-U", lambda p, fc: eth(fc) / outer(fc) / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=5) / p),
    ]


def tunnels():
    frames, lines, truth = [], [], []
    for k, (name, encap) in enumerate(tunnel_frames()):
        c, s = new_pair(c_isn=1000000000 + k * 7919, s_isn=3000000000 + k * 104729, cport=52000 + k, sport=443)
        cv = Conversation(c, s, t0=T0 + k * 100000, encap=encap)
        cv.handshake()
        cv.exchange(up=60 + k, down=200 + k)
        cv.send(c, "FA", dt=2000)
        cv.send(s, "FA", dt=60, note="FIN that also ACKs the client's FIN")
        cv.send(c, "A", dt=60)
        frames += cv.frames
        lines += ["-- %s (client port %d)" % (name, 52000 + k)] + cv.lines
        truth.append("  %d. client port %d: %s; %d bytes up, %d down" % (k + 1, 52000 + k, name, 60 + k, 200 + k))
    frames.sort(key=lambda f: f[0])

    class Result:
        pass
    r = Result()
    r.frames, r.lines = frames, lines
    return r, """\
One connection through each of eight encapsulations, one after the other
(192.0.2.10 -> 198.51.100.20 port 443 inside; the tunnel endpoints are
203.0.113.1 and 203.0.113.2):
""" + "\n".join(truth) + """
Each: three-way handshake, one request and answer, three-way (merged)
close by the client: client TIME_WAIT, server CLOSED."""


SCENARIOS = [
    ("crafted-refused-retried", refused_retried),
    ("crafted-syn-then-client-reset", syn_then_client_reset),
    ("crafted-server-side-only", server_side_only),
    ("crafted-client-side-only", client_side_only),
    ("crafted-reordered-capture", reordered_capture),
    ("crafted-syn-retrans-then-answered", syn_retrans_then_answered),
    ("crafted-synack-retrans", synack_retrans),
    ("crafted-simultaneous-open", simultaneous_open),
    ("crafted-rst-out-of-window", rst_out_of_window),
    ("crafted-fin-retrans-time-wait", fin_retrans_time_wait),
    ("crafted-fin-retrans-after-linger", fin_retrans_after_linger),
    ("crafted-data-after-fin", data_after_fin),
    ("crafted-wraparound", wraparound),
    ("crafted-fin-before-last-data", fin_before_last_data),
    ("crafted-new-syn-in-time-wait", new_syn_in_time_wait),
    ("crafted-mid-stream-four-way", mid_stream_four_way),
    ("crafted-rst-in-syn-sent-bad-ack", rst_in_syn_sent_bad_ack),
    ("crafted-fin-crossed-window-update", fin_crossed_window_update),
    ("crafted-uncaptured-answer", uncaptured_answer),
    ("crafted-uncaptured-gap", uncaptured_gap),
    ("crafted-data-after-reset", data_after_reset),
    ("crafted-vlan-ipv6", vlan_ipv6),
    ("crafted-tunnels", tunnels),
]

NOTES = """{name}: crafted with scapy by samples/craft.py (not captured).

No kernel.json: no kernel took part; the truth below is by construction.
Addresses are from the documentation ranges (RFC 5737 / RFC 3849); date
2020-06-15; Linux-like windows, MSS, SACK-permitted, timestamps and window
scale 7; all checksums correct.

{truth}

Packets (time from the first, sender > receiver, flags, absolute seq/ack,
payload length):
{lines}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--only", action="append")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.list:
        print("\n".join(n for n, _ in SCENARIOS))
        return 0
    for name, fn in SCENARIOS:
        if args.only and name not in args.only:
            continue
        cv, truth = fn()
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        pcaplib.write_pcap(os.path.join(d, "capture.pcap"), cv.frames)
        with open(os.path.join(d, "notes.txt"), "w") as f:
            f.write(NOTES.format(name=name, truth=truth, lines="\n".join(cv.lines)))
        print("%-36s %2d packets" % (name, len(cv.frames)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
