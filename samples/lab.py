#!/usr/bin/python3
"""Real captures from the Linux TCP stack on loopback, with the kernel's view.

For every scenario: start tcpdump on lo (or -i any, or dumpcap) filtered to
the scenario's server port, wait for it to listen, run a real server and
client (Python sockets), take `ss -tanH` right after the traffic -- before
closing anything the scenario leaves open -- and write it as kernel.json,
then stop the capture (SIGINT) and close what is left.

Usage (as root, with Debian's python, which has scapy):
  /usr/bin/python3 samples/lab.py                 # all scenarios into samples/
  /usr/bin/python3 samples/lab.py --only half-close --only refused
  /usr/bin/python3 samples/lab.py --check-live    # into a temp dir, JSON summary
  /usr/bin/python3 samples/lab.py --list

Only loopback addresses are used; every wait is bounded.
"""

import argparse
import json
import multiprocessing
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO_TIMEOUT = 40          # seconds, hard limit per scenario
TCP_FASTOPEN = getattr(socket, "TCP_FASTOPEN", 23)
TCP_SYNCNT = getattr(socket, "TCP_SYNCNT", 7)
HEAD_START_MAX_NS = int(os.environ.get("LAB_HEAD_START_MAX_NS", "10000"))

_live_procs = []               # capture processes still running (killed at exit)


class LabError(Exception):
    pass


# ---------------------------------------------------------------------------
# Capture control

class Capture:
    """tcpdump (or dumpcap) running until stop(); started only once it says it
    is listening."""

    def __init__(self, path, port_filter, iface="lo", tool="tcpdump", snaplen=None):
        self.path = path
        if tool == "tcpdump":
            self.cmd = ["tcpdump", "-i", iface, "-B", "65536", "--immediate-mode", "-U",
                        "-w", path]
            if snaplen:
                self.cmd += ["-s", str(snaplen)]
            self.cmd.append(port_filter)
            self.ready_words = ("listening on",)
        elif tool == "dumpcap":
            self.cmd = ["dumpcap", "-i", iface, "-B", "64", "-f", port_filter, "-w", path]
            self.ready_words = ("Capturing on",)
        else:
            raise ValueError(tool)
        self.tool = tool
        self.iface = iface
        self.filter = port_filter
        self.snaplen = snaplen
        self.proc = None
        self.stderr_lines = []

    def describe(self):
        """The command line, with the output file named relative to the
        sample directory."""
        cmd = [os.path.basename(c) if c == self.path else c for c in self.cmd]
        return " ".join(c if " " not in c else "'%s'" % c for c in cmd)

    def start(self, timeout=10):
        try:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         text=True)
        except FileNotFoundError:
            raise LabError("%s is not installed (needed for the captures)" % self.tool)
        _live_procs.append(self.proc)
        ready = threading.Event()

        def reader():
            for line in self.proc.stderr:
                self.stderr_lines.append(line.rstrip())
                if any(w in line for w in self.ready_words):
                    ready.set()
        threading.Thread(target=reader, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.is_set():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise LabError("%s could not start capturing (%s): %s" % (
                    self.tool, self.describe(), " | ".join(self.stderr_lines) or "no output"))
            ready.wait(0.05)
        time.sleep(0.1)

    def stop(self):
        if not self.proc:
            return
        if self.proc.poll() is None:
            time.sleep(0.2)                       # let the last packets through
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc in _live_procs:
            _live_procs.remove(self.proc)
        if os.path.exists(self.path):
            os.chmod(self.path, 0o644)      # dumpcap writes 0600

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def _kill_leftovers():
    for p in list(_live_procs):
        if p.poll() is None:
            p.kill()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass


# ---------------------------------------------------------------------------
# The kernel's view

def fmt_addr(sockaddr):
    host, port = sockaddr[0], sockaddr[1]
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def ss_sockets(pairs):
    """Sockets of `ss -tanH` whose (local, peer) is one of the given
    (client, server) address pairs, in either orientation."""
    out = subprocess.run(["ss", "-tanH"], capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        raise LabError("ss failed: " + out.stderr)
    wanted = {}
    for client, server in pairs:
        wanted[(client, server)] = "client"
        wanted[(server, client)] = "server"
    found = []
    for line in out.stdout.splitlines():
        cols = line.split()
        if len(cols) < 5:
            continue
        state, local, peer = cols[0], cols[3], cols[4]
        side = wanted.get((local, peer))
        if side:
            found.append({"local": local, "peer": peer, "state": state, "side": side})
    found.sort(key=lambda s: (s["side"], s["local"]))
    return found


# ---------------------------------------------------------------------------
# Reading captures back (scapy), for the scenario checks

def segments(path):
    from scapy.all import rdpcap, IP, IPv6, TCP
    segs = []
    for pkt in rdpcap(path):
        if TCP not in pkt:
            continue
        tcp = pkt[TCP]
        if IP in pkt:
            ip = pkt[IP]
            src, dst = ip.src, ip.dst
            paylen = ip.len - ip.ihl * 4 - tcp.dataofs * 4
        else:
            ip = pkt[IPv6]
            src, dst = ip.src, ip.dst
            paylen = ip.plen - tcp.dataofs * 4
        segs.append({"t": float(pkt.time), "src": (src, tcp.sport), "dst": (dst, tcp.dport),
                     "flags": str(tcp.flags), "seq": tcp.seq, "ack": tcp.ack, "len": paylen,
                     "opts": [o[0] for o in tcp.options]})
    return segs


def covers(ack, seq):
    """True if acknowledgment number `ack` covers the byte/flag at `seq`."""
    return ((ack - seq - 1) & 0xFFFFFFFF) < 0x80000000


def _parse_addr(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def fin_analysis(segs, client, server):
    """For a connection with one FIN each way (client and server as `ss`
    prints them): who sent FIN first and whether each FIN's ack covers the
    other side's FIN."""
    client = _parse_addr(client)
    fins = {}
    for s in segs:
        if "F" in s["flags"] and s["src"] not in fins:
            fins[s["src"]] = s
    if len(fins) < 2:
        return None
    a, b = sorted(fins.values(), key=lambda s: s["t"])
    a_fin_seq = (a["seq"] + a["len"]) & 0xFFFFFFFF
    b_fin_seq = (b["seq"] + b["len"]) & 0xFFFFFFFF
    acked_before_b = any(s["src"] == b["src"] and "A" in s["flags"] and covers(s["ack"], a_fin_seq)
                         and s["t"] <= b["t"] and s is not b for s in segs)
    return {"first": "client" if a["src"] == client else "server",
            "second_fin_acks_first": covers(b["ack"], a_fin_seq),
            "first_fin_acks_second": covers(a["ack"], b_fin_seq),
            "first_fin_acked_before_second_fin": acked_before_b}


def _answers_stale_ack(conn, i, client):
    """The client's RST <SEQ=SEG.ACK> answering a bare ACK that did not
    acknowledge its SYN (from a TIME-WAIT server) before any SYN+ACK: RFC
    9293 3.10.7.3's reply from SYN-SENT, which closes nothing."""
    x = conn[i]
    if x["src"] != client or "A" in x["flags"] or any("S" in p["flags"] and "A" in p["flags"] for p in conn[:i]):
        return False
    before = [p for p in conn[:i] if p["src"] != client]
    return bool(before) and before[-1]["flags"] == "A" and before[-1]["ack"] == x["seq"]


def close_from_packets(segs, client, server):
    """The close kind the packets of (client, server) show, decided here from
    sequence and acknowledgment numbers, independently of tcpflow-explain
    (same definitions as docs/json-schema.md). Only the last connection on
    the 4-tuple counts: the kernel's view is of that one."""
    c, srv = _parse_addr(client), _parse_addr(server)
    conn = [x for x in segs if {x["src"], x["dst"]} == {c, srv}]
    syns = [i for i, x in enumerate(conn) if "S" in x["flags"] and "A" not in x["flags"]
            and x["src"] == c]
    if syns:
        isn = conn[syns[-1]]["seq"]
        conn = conn[min(i for i in syns if conn[i]["seq"] == isn):]
        if not any("S" in x["flags"] and "A" in x["flags"] for x in conn):
            return "none"  # unanswered or refused
    fins = {}
    for i, x in enumerate(conn):
        if "F" in x["flags"] and x["src"] not in fins:
            fins[x["src"]] = i
    rsts = [i for i, x in enumerate(conn) if "R" in x["flags"] and not _answers_stale_ack(conn, i, c)]
    second = max(fins.values()) if len(fins) == 2 else None
    if rsts and (second is None or rsts[0] < second):
        return "reset"
    if not fins:
        return "open"
    if len(fins) == 1:
        return "half-closed"
    ia, ib = sorted(fins.values())
    a, b = conn[ia], conn[ib]
    a_fin = (a["seq"] + a["len"]) & 0xFFFFFFFF
    if not covers(b["ack"], a_fin):
        return "simultaneous"  # the second FIN was sent before the first arrived
    first_ack = next(x for x in conn[ia + 1:]
                     if x["src"] == b["src"] and "A" in x["flags"] and covers(x["ack"], a_fin))
    return "three-way" if "F" in first_ack["flags"] else "four-way"


def annotate(sample_dir):
    """Adds close_from_packets to an existing sample's kernel.json."""
    path = os.path.join(sample_dir, "kernel.json")
    with open(path) as f:
        k = json.load(f)
    cap = next(os.path.join(sample_dir, n) for n in ("capture.pcap", "capture.pcapng")
               if os.path.exists(os.path.join(sample_dir, n)))
    k["close_from_packets"] = close_from_packets(segments(cap), k["client"], k["server"])
    with open(path, "w") as f:
        json.dump(k, f, indent=2)
        f.write("\n")
    return k["close_from_packets"]


# ---------------------------------------------------------------------------
# A run of one scenario

class Run:
    def __init__(self, name, outdir, port, description):
        self.name = name
        self.dir = os.path.join(outdir, name)
        self.port = port
        self.description = description
        self.capture = None
        self.kernel = None
        self.checks = []
        os.makedirs(self.dir, exist_ok=True)

    def pcap_path(self, ext="pcap"):
        return os.path.join(self.dir, "capture." + ext)

    def start_capture(self, iface="lo", tool="tcpdump", snaplen=None, port_filter=None):
        ext = "pcapng" if tool == "dumpcap" else "pcap"
        for old in ("capture.pcap", "capture.pcapng"):
            if os.path.exists(os.path.join(self.dir, old)):
                os.remove(os.path.join(self.dir, old))
        self.capture = Capture(self.pcap_path(ext), port_filter or "tcp port %d" % self.port,
                               iface=iface, tool=tool, snaplen=snaplen)
        self.capture.start()
        return self.capture

    def snapshot(self, client, server, others=(), settle=0.2):
        """Record the kernel's view of (client, server) [and other pairs]."""
        time.sleep(settle)
        pairs = [(client, server)] + list(others)
        self.kernel = {
            "scenario": self.name,
            "description": self.description,
            "client": client,
            "server": server,
            "other_connections": [{"client": c, "server": s} for c, s in others],
            "sockets": ss_sockets(pairs),
            "taken": "ss -tanH right after the traffic, before the capture stopped and "
                     "before anything left open was closed; LISTEN sockets omitted; a "
                     "side missing from 'sockets' has no socket any more (CLOSED)",
            "capture": self.capture.describe() if self.capture else None,
            "kernel_release": os.uname().release,
        }
        return self.kernel

    def states(self):
        return {s["side"] + " " + s["local"]: s["state"] for s in self.kernel["sockets"]}

    def state_of(self, side):
        return sorted(s["state"] for s in self.kernel["sockets"] if s["side"] == side)

    def check(self, ok, what):
        self.checks.append({"ok": bool(ok), "what": what})
        return ok

    def expect(self, side, states, what=None):
        """Check the states `ss` showed for one side: a state, or the sorted
        list of them ([] = no socket)."""
        states = [states] if isinstance(states, str) else states
        return self.check(self.state_of(side) == states, what or "%s in %s" % (side, states[0]))

    def finish(self):
        """Stop the capture, write kernel.json and notes.txt; returns the
        captured segments (for the checks on the packets)."""
        if self.capture:
            self.capture.stop()
        segs = segments(self.capture_file())
        self.kernel["close_from_packets"] = close_from_packets(segs, self.kernel["client"],
                                                              self.kernel["server"])
        with open(os.path.join(self.dir, "kernel.json"), "w") as f:
            json.dump(self.kernel, f, indent=2)
            f.write("\n")
        self.write_notes(segs)
        return segs

    def write_notes(self, segs):
        k = self.kernel
        view = "\n".join("  %-6s %-22s -> %-22s %s" % (s["side"], s["local"], s["peer"], s["state"])
                         for s in k["sockets"]) or "  (no socket left on either side)"
        missing = [side for side in ("client", "server")
                   if not any(s["side"] == side for s in k["sockets"])]
        with open(os.path.join(self.dir, "notes.txt"), "w") as f:
            f.write("%s: real capture of the Linux TCP stack on loopback, made by "
                    "samples/lab.py.\n\n" % self.name)
            f.write(textwrap.fill(k["description"], 76) + "\n\n")
            f.write("Client %s, server %s.\n" % (k["client"], k["server"]))
            for o in k["other_connections"]:
                f.write("Also in the capture: client %s -> server %s.\n" % (o["client"], o["server"]))
            f.write("\nThe kernel's view (kernel.json, `ss -tanH` taken before the capture "
                    "stopped):\n%s\n" % view)
            if k.get("fins"):
                fa = k["fins"]
                f.write("First FIN from the %s; the second FIN's ack %s the first FIN; the "
                        "first FIN's ack %s the second.\n" % (
                            fa["first"], "covers" if fa["second_fin_acks_first"] else "does not cover",
                            "covers" if fa["first_fin_acks_second"] else "does not cover"))
            if missing:
                f.write("No socket for the %s: CLOSED.\n" % " nor the ".join(missing))
            f.write("\nCapture: %s (%d packets)\nKernel: %s\n" % (
                k["capture"], len(segs), k["kernel_release"]))
        return segs

    def capture_file(self):
        for ext in ("pcap", "pcapng"):
            if os.path.exists(self.pcap_path(ext)):
                return self.pcap_path(ext)
        return None


def listener(host, port, backlog=8, family=socket.AF_INET, opts=()):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for level, name, value in opts:
        s.setsockopt(level, name, value)
    s.bind((host, port))
    s.listen(backlog)
    s.settimeout(5)
    return s


def client_socket(family=socket.AF_INET, bind=None, opts=()):
    c = socket.socket(family, socket.SOCK_STREAM)
    c.settimeout(5)
    if bind:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(bind)
    for level, name, value in opts:
        c.setsockopt(level, name, value)
    return c


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def recv_until_eof(s, limit=1 << 24):
    buf = b""
    while len(buf) < limit:
        chunk = s.recv(65536)
        if not chunk:
            return buf
        buf += chunk
    raise LabError("no EOF")


REQUEST = b"GET /hello HTTP/1.0\r\nHost: lab\r\n\r\n"
ANSWER = b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"


def linger_rst(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


class Conn:
    """One connection: the client's and the server's socket, and their
    addresses as `ss` prints them."""

    def __init__(self, cli, srv):
        self.cli, self.srv = cli, srv
        self.client = fmt_addr(cli.getsockname())
        self.server = fmt_addr(srv.getsockname())

    def exchange(self, request_sent=False, read_answer=True):
        """REQUEST from the client (unless already sent), ANSWER from the
        server (read by the client unless read_answer is false)."""
        if not request_sent:
            self.cli.sendall(REQUEST)
        recv_exact(self.srv, len(REQUEST))
        self.srv.sendall(ANSWER)
        if read_answer:
            recv_exact(self.cli, len(ANSWER))

    def close_client_first(self, pause):
        """The client closes; the server reads EOF, waits `pause` s, closes."""
        self.cli.close()
        recv_until_eof(self.srv)
        time.sleep(pause)
        self.srv.close()

    def close_server_first(self):
        """The server closes at once; the client closes as soon as it reads EOF."""
        self.srv.close()
        recv_until_eof(self.cli)
        self.cli.close()


class Stage:
    """A scenario's listener (on the run's port), capture and sockets.  As a
    context manager: the capture runs inside the `with`; on leaving it the
    capture is stopped first -- closing what the scenario left open is not
    captured -- and then every socket still open is closed, the listener last."""

    def __init__(self, run, host="127.0.0.1", family=socket.AF_INET, listen=True,
                 backlog=8, listen_opts=(), **capture_args):
        self.run = run
        self.family = family
        self.address = (host, run.port)
        self.capture_args = capture_args
        self.socks = []
        self.lst = listener(host, run.port, backlog, family, listen_opts) if listen else None

    def __enter__(self):
        try:
            self.run.start_capture(**self.capture_args)
        except BaseException:
            self.close_all()
            raise
        return self

    def __exit__(self, *exc):
        if self.run.capture:
            self.run.capture.stop()
        self.close_all()

    def close_all(self):
        for s in self.socks + ([self.lst] if self.lst else []):
            s.close()

    def keep(self, sock):
        """Close `sock` on leaving the stage (if it is still open)."""
        self.socks.append(sock)
        return sock

    def client(self, bind=None, opts=()):
        return self.keep(client_socket(self.family, bind, opts))

    def accept(self, timeout=None):
        srv = self.keep(self.lst.accept()[0])
        if timeout:
            srv.settimeout(timeout)
        return srv

    def connect(self, bind=None, opts=(), srv_timeout=None):
        """A new client (socket options `opts`), connected and accepted."""
        cli = self.client(bind, opts)
        cli.connect(self.address)
        return Conn(cli, self.accept(srv_timeout))


# ---------------------------------------------------------------------------
# Scenarios.  Each takes a Run, produces the capture and the snapshot, and
# adds checks (are the packets and the kernel what the scenario is about?).

def _four_way(run, host="127.0.0.1", family=socket.AF_INET, **capture_args):
    with Stage(run, host, family, **capture_args) as st:
        conn = st.connect(srv_timeout=5)
        conn.exchange()
        conn.close_client_first(pause=0.2)
        run.snapshot(conn.client, conn.server)
    run.expect("client", "TIME-WAIT")
    run.expect("server", [], "server socket gone (CLOSED)")
    fa = fin_analysis(run.finish(), conn.client, conn.server)
    run.check(fa and fa["first"] == "client" and fa["first_fin_acked_before_second_fin"],
              "four-way: client FIN first, ACKed before the server's FIN")


def sc_four_way_client_first(run):
    _four_way(run)


def sc_ipv6_four_way(run):
    _four_way(run, host="::1", family=socket.AF_INET6)


def sc_any_cooked(run):
    _four_way(run, iface="any")


def sc_pcapng(run):
    _four_way(run, tool="dumpcap")


def sc_three_way_server_first(run):
    with Stage(run) as st:
        conn = st.connect()
        conn.exchange(read_answer=False)
        conn.close_server_first()       # answer and close at once; the client on EOF
        run.snapshot(conn.client, conn.server)
    run.expect("server", "TIME-WAIT")
    run.expect("client", [], "client socket gone (CLOSED)")
    fa = fin_analysis(run.finish(), conn.client, conn.server)
    run.check(fa and fa["first"] == "server" and fa["second_fin_acks_first"]
              and not fa["first_fin_acked_before_second_fin"],
              "merged close: the client's FIN is the first segment to ACK the server's FIN")


def sc_half_close(run):
    with Stage(run) as st:
        conn = st.connect()
        conn.cli.sendall(REQUEST)
        conn.cli.shutdown(socket.SHUT_WR)
        recv_until_eof(conn.srv)
        for i in range(3):
            conn.srv.sendall(b"message %d after the client's FIN\n" % i)
            time.sleep(0.05)
        got = recv_exact(conn.cli, 3 * len(b"message 0 after the client's FIN\n"))
        run.check(len(got) == 3 * 33, "client read the 3 messages after its FIN")
        run.snapshot(conn.client, conn.server)
    run.expect("client", "FIN-WAIT-2")
    run.expect("server", "CLOSE-WAIT")
    run.finish()


def sc_both_open(run):
    with Stage(run) as st:
        conn = st.connect()
        for _ in range(3):
            conn.exchange()
        run.snapshot(conn.client, conn.server)
    run.expect("client", "ESTAB", "client ESTAB")
    run.expect("server", "ESTAB", "server ESTAB")
    run.finish()


def sc_nested_lifetimes(run):
    with Stage(run) as st:
        outer = st.connect(srv_timeout=5)
        outer.exchange()
        inner = st.connect(srv_timeout=5)
        inner.exchange()
        inner.close_client_first(pause=0.05)
        time.sleep(2.5)  # past --linger: the second is reported while the first is open
        outer.exchange()
        outer.close_client_first(pause=0.05)
        run.snapshot(outer.client, outer.server, others=[(inner.client, inner.server)])
    run.expect("client", ["TIME-WAIT", "TIME-WAIT"], "both clients in TIME-WAIT")
    segs = run.finish()
    fins = [s for s in segs if "F" in s["flags"]]
    run.check(len(fins) == 4 and fins[0]["src"] == _parse_addr(inner.client)
              and fins[-1]["src"] == _parse_addr(outer.server),
              "the second connection closed entirely before the first")


def sc_close_wait_pileup(run, count=3):
    """Clients that close after their answer, to a server that reads EOF and
    never calls close(): each of its sockets is left in CLOSE-WAIT."""
    with Stage(run) as st:
        conns = []
        for _ in range(count):
            conn = st.connect(srv_timeout=5)
            conn.exchange()
            conn.cli.close()
            recv_until_eof(conn.srv)
            conns.append(conn)
        first, rest = conns[0], conns[1:]
        run.snapshot(first.client, first.server, others=[(c.client, c.server) for c in rest])
    run.expect("server", ["CLOSE-WAIT"] * count, "every server socket in CLOSE-WAIT")
    run.expect("client", ["FIN-WAIT-2"] * count, "every client in FIN-WAIT-2")
    segs = run.finish()
    fins = [s for s in segs if "F" in s["flags"]]
    run.check(len(fins) == count and all(f["dst"][1] == run.port for f in fins),
              "only the clients sent FIN")


def _abort(run, aborter):
    with Stage(run) as st:
        conn = st.connect()
        conn.exchange()
        linger_rst(conn.cli if aborter == "client" else conn.srv)
        run.snapshot(conn.client, conn.server)
    run.check(run.kernel["sockets"] == [], "both sockets gone after the RST")
    rst = [s for s in run.finish() if "R" in s["flags"]]
    run.check(len(rst) == 1 and rst[0]["src"] == _parse_addr(getattr(conn, aborter)),
              "one RST, from the %s" % aborter)


def sc_abort_client(run):
    _abort(run, "client")


def sc_abort_server(run):
    _abort(run, "server")


def sc_refused(run):
    with Stage(run, listen=False) as st:
        cli = st.client()
        err = cli.connect_ex(st.address)
        run.check(err == 111, "connect refused (errno %s)" % err)
        run.snapshot(fmt_addr(cli.getsockname()), "127.0.0.1:%d" % run.port)
    run.check([s["flags"] for s in run.finish()] == ["S", "RA"], "SYN answered by RST+ACK")


def sc_unanswered(run):
    with Stage(run, backlog=0) as st:
        fill = st.client()
        fill.connect(st.address)                     # fills the accept queue (never accepted)
        time.sleep(0.1)
        cli = st.client(opts=[(socket.IPPROTO_TCP, TCP_SYNCNT, 2)])
        cli.setblocking(False)
        err = cli.connect_ex(st.address)
        run.check(err == 115, "connect in progress (EINPROGRESS)")
        time.sleep(3.5)                              # SYN at 0 s, 1 s, 3 s
        server = "127.0.0.1:%d" % run.port
        run.snapshot(fmt_addr(cli.getsockname()), server,
                     others=[(fmt_addr(fill.getsockname()), server)], settle=0)
    run.expect("client", ["ESTAB", "SYN-SENT"],
               "the waiting client in SYN-SENT (the queued one ESTAB)")
    port = _parse_addr(run.kernel["client"])[1]
    syns = [s for s in run.finish() if s["src"][1] == port]
    run.check(len(syns) >= 3 and all(s["flags"] == "S" for s in syns)
              and len({s["seq"] for s in syns}) == 1,
              "the SYN sent %d times with one ISN, never answered" % len(syns))


def _sim_child(sock, cpu, me, other, go_ns, head_start_ns):
    """Pinned to one CPU: wait until the other process is ready too, spin
    until the common start time (CLOCK_MONOTONIC is one clock for all CPUs)
    plus this side's head start, then shutdown(SHUT_WR)."""
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        pass
    me.value = 1
    deadline = time.monotonic() + 5
    while other.value == 0:
        if time.monotonic() > deadline:
            os._exit(3)
    t_go = go_ns.value + head_start_ns
    while time.monotonic_ns() < t_go:
        pass
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(3)
    try:
        recv_until_eof(sock)
    except Exception:
        os._exit(4)
    sock.close()
    os._exit(0)


def sim_close_attempt(port, head_start_ns):
    """One connection whose two ends call shutdown(SHUT_WR) at the same
    moment from two processes on two CPUs; one side (at random) waits
    head_start_ns longer.  Returns (client, server)."""
    ctx = multiprocessing.get_context("fork")
    lst = listener("127.0.0.1", port)
    cli = client_socket()
    cli.connect(("127.0.0.1", port))
    conn = Conn(cli, lst.accept()[0])
    conn.exchange()
    srv = conn.srv
    ready_c, ready_s = ctx.RawValue("i", 0), ctx.RawValue("i", 0)
    go = ctx.RawValue("q", time.monotonic_ns() + 50_000_000)   # 50 ms from now
    hs_c, hs_s = (head_start_ns, 0) if random.random() < 0.5 else (0, head_start_ns)
    pc = ctx.Process(target=_sim_child, args=(cli, 0, ready_c, ready_s, go, hs_c))
    ps = ctx.Process(target=_sim_child, args=(srv, 1, ready_s, ready_c, go, hs_s))
    pc.start()
    ps.start()
    cli.close()
    srv.close()
    lst.close()
    for p in (pc, ps):
        p.join(8)
        if p.is_alive():
            p.kill()
            p.join(2)
    return conn.client, conn.server


def sc_simultaneous_close(run, outdir, port_base, keep_good=2, attempts=80):
    """Many attempts, each on its own server port, under one capture; keeps
    up to `keep_good` true simultaneous closes and one merged close."""
    capdir = tempfile.mkdtemp(prefix="simclose-")
    raw = os.path.join(capdir, "all.pcap")
    cap = Capture(raw, "tcp portrange %d-%d" % (port_base, port_base + attempts - 1))
    results = []
    try:
        cap.start()
        for i in range(attempts):
            port = port_base + i
            # A small random head start: FIN delivery on lo takes a few us,
            # so this mixes crossing FINs and merged closes.
            client, server = sim_close_attempt(port, random.randint(0, HEAD_START_MAX_NS))
            time.sleep(0.05)
            socks = ss_sockets([(client, server)])
            results.append((port, client, server, socks))
            good = [r for r in results if [s["state"] for s in r[3]] == ["TIME-WAIT", "TIME-WAIT"]]
            merged = [r for r in results if sorted(s["state"] for s in r[3]) == ["TIME-WAIT"]]
            if len(good) >= keep_good and merged:
                break
    finally:
        cap.stop()
    from scapy.all import rdpcap, wrpcap  # noqa: F401
    kept = {"simultaneous": [], "merged": []}
    names = ["simultaneous-close", "simultaneous-close-2"][:keep_good]
    summary = []
    for port, client, server, socks in results:
        sub = os.path.join(capdir, "%d.pcap" % port)
        subprocess.run(["tcpdump", "-r", raw, "-w", sub, "tcp port %d" % port],
                       capture_output=True, timeout=30)
        fa = fin_analysis(segments(sub), client, server)
        states = sorted(s["state"] for s in socks)
        crossing = fa and not fa["second_fin_acks_first"] and not fa["first_fin_acks_second"]
        merged = fa and states == ["TIME-WAIT"] and fa["second_fin_acks_first"] \
            and not fa["first_fin_acked_before_second_fin"]
        summary.append({"port": port, "states": states, "crossing_fins": bool(crossing)})
        if states == ["TIME-WAIT", "TIME-WAIT"] and crossing and len(kept["simultaneous"]) < keep_good:
            kept["simultaneous"].append((names[len(kept["simultaneous"])], port, client, server, socks, sub, fa))
        elif merged and not kept["merged"]:
            kept["merged"].append(("race-merged-close", port, client, server, socks, sub, fa))
    runs = []
    for name, port, client, server, socks, sub, fa in kept["simultaneous"] + kept["merged"]:
        r = Run(name, outdir, port, DESCRIPTIONS[name])
        os.replace(sub, r.pcap_path())
        r.kernel = {
            "scenario": name, "description": DESCRIPTIONS[name], "client": client,
            "server": server, "other_connections": [], "sockets": socks,
            "taken": "ss -tanH right after both processes had shut down and read EOF "
                     "(attempt %d of %d of a race between two CPUs); LISTEN sockets "
                     "omitted; a side missing from 'sockets' has no socket (CLOSED)"
                     % (results.index(next(x for x in results if x[0] == port)) + 1, len(results)),
            "capture": cap.describe() + "  (then tcpdump -r ... -w capture.pcap 'tcp port %d')" % port,
            "kernel_release": os.uname().release,
            "fins": fa,
        }
        r.check(True, "kept from %d attempts" % len(results))
        r.finish()
        runs.append(r)
    for f in os.listdir(capdir):
        os.remove(os.path.join(capdir, f))
    os.rmdir(capdir)
    n_sim = sum(1 for s in summary if s["states"] == ["TIME-WAIT", "TIME-WAIT"] and s["crossing_fins"])
    run.check(len(kept["simultaneous"]) > 0,
              "%d of %d attempts were true simultaneous closes" % (n_sim, len(results)))
    return runs, summary


def sc_large_transfer(run):
    size = 3 * 1024 * 1024
    with Stage(run, snaplen=96) as st:
        conn = st.connect(srv_timeout=10)
        done = {}

        def reader():
            done["n"] = len(recv_exact(conn.srv, size))
            conn.srv.sendall(b"got it")
        t = threading.Thread(target=reader)
        t.start()
        conn.cli.sendall(bytes(size))
        run.check(recv_exact(conn.cli, 6) == b"got it", "server read %s bytes" % size)
        t.join(10)
        conn.close_client_first(pause=0.1)
        run.snapshot(conn.client, conn.server)
    run.expect("client", "TIME-WAIT")
    segs = run.finish()
    up = [s for s in segs if s["src"] == _parse_addr(conn.client)]
    isn = up[0]["seq"]
    top = max((s["seq"] - isn - 1 + s["len"]) & 0xFFFFFFFF for s in up if s["len"])
    sent = sum(s["len"] for s in up)
    run.check(top == size, "IP lengths reach byte %d of the client stream (want %d); %d bytes "
              "sent in all, %d of them again" % (top, size, sent, sent - top))
    run.check("WScale" in segs[0]["opts"], "window scaling offered")


KEEPALIVE_OPTS = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
                  (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1),
                  (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)]


def sc_keepalive(run):
    with Stage(run) as st:
        conn = st.connect(opts=KEEPALIVE_OPTS)
        conn.exchange()
        time.sleep(3.5)
        conn.close_client_first(pause=0.1)
        run.snapshot(conn.client, conn.server)
    run.expect("client", "TIME-WAIT")
    c = _parse_addr(conn.client)
    probes = []
    nxt = None
    for s in run.finish():
        if s["src"] == c:
            if nxt is not None and s["len"] == 0 and s["seq"] == (nxt - 1) & 0xFFFFFFFF:
                probes.append(s)
            end = (s["seq"] + s["len"] + ("S" in s["flags"]) + ("F" in s["flags"])) & 0xFFFFFFFF
            nxt = end if nxt is None or covers(end, nxt) or end == nxt else nxt
    run.check(len(probes) >= 2, "%d keep-alive probes (seq = next - 1)" % len(probes))


def sc_port_reuse(run, client_port):
    with Stage(run) as st:
        for i in range(2):
            conn = st.connect(bind=("127.0.0.1", client_port))
            conn.exchange(read_answer=False)
            conn.close_server_first()                # so the client never waits
            time.sleep(0.2)
        run.snapshot("127.0.0.1:%d" % client_port, "127.0.0.1:%d" % run.port)
    run.expect("server", "TIME-WAIT", "server in TIME-WAIT (second connection)")
    run.expect("client", [], "client socket gone")
    syns = [s for s in run.finish() if s["flags"] == "S"]
    run.check(len(syns) == 2 and syns[0]["seq"] != syns[1]["seq"]
              and syns[0]["src"] == syns[1]["src"],
              "two SYNs from one client port with different ISNs")


def sc_fast_open(run):
    path = "/proc/sys/net/ipv4/tcp_fastopen"
    try:
        old = open(path).read().strip()
    except OSError:
        run.check(False, "skipped: no %s" % path)
        return "skipped"
    try:
        with open(path, "w") as f:
            f.write("3")
        subprocess.run(["ip", "tcp_metrics", "delete", "127.0.0.1"], capture_output=True, timeout=5)
        with Stage(run, listen_opts=[(socket.IPPROTO_TCP, TCP_FASTOPEN, 5)]) as st:
            clients = []
            for i in range(2):
                cli = st.keep(socket.socket())
                # Blocking: without a cookie sendto() waits for the handshake
                # (a non-blocking one returns EINPROGRESS and sends nothing).
                cli.sendto(REQUEST, socket.MSG_FASTOPEN, st.address)
                cli.settimeout(5)
                conn = Conn(cli, st.accept(timeout=5))
                conn.exchange(request_sent=True)
                clients.append(conn.client)
                conn.close_client_first(pause=0.1)
                time.sleep(0.1)
            server = "127.0.0.1:%d" % run.port
            run.snapshot(clients[1], server, others=[(clients[0], server)])
    except OSError as e:
        run.check(False, "skipped: fast open not usable: %s" % e)
        return "skipped"
    finally:
        with open(path, "w") as f:
            f.write(old)
    syns = [s for s in run.finish() if s["flags"] == "S"]
    run.check(len(syns) == 2 and syns[0]["len"] == 0 and syns[1]["len"] == len(REQUEST),
              "first SYN asks for a cookie, second carries %d bytes" % len(REQUEST))
    run.expect("client", ["TIME-WAIT", "TIME-WAIT"], "both clients in TIME-WAIT")


DESCRIPTIONS = {
    "four-way-client-first": "HTTP-like request and answer; the client closes first, the server "
                             "closes 0.2 s after reading EOF: four-way close (FIN, ACK, FIN, ACK). "
                             "Client ends in TIME-WAIT, server CLOSED.",
    "three-way-server-first": "The server sends its answer and closes at once; the client closes "
                              "as soon as recv() returns EOF, so its FIN also acknowledges the "
                              "server's FIN: merged three-segment close (FIN, FIN+ACK, ACK). "
                              "Server ends in TIME-WAIT, client CLOSED.",
    "half-close": "The client sends a request and shutdown(SHUT_WR); the server keeps sending "
                  "3 messages and leaves its socket open. Client FIN-WAIT-2, server CLOSE-WAIT.",
    "both-open": "Three request/answer rounds, both sockets left open: ESTAB / ESTAB.",
    "abort-client": "After one exchange the client closes with SO_LINGER {1,0}: a RST from "
                    "the client, both sockets gone.",
    "abort-server": "After one exchange the server closes with SO_LINGER {1,0}: a RST from "
                    "the server, both sockets gone.",
    "refused": "connect() to a port nobody listens on: SYN answered by RST+ACK.",
    "unanswered": "A listener with backlog 0 whose accept queue is filled by one connection "
                  "it never accepts; the next client's SYNs are dropped and retransmitted "
                  "with the same ISN (TCP_SYNCNT=2 bounds it; this kernel, with "
                  "net.ipv4.tcp_syn_linear_timeouts=4, retransmits every 1 s: SYNs at 0, 1, "
                  "2, 3 s; older kernels back off 1 s, 3 s); the kernel's view is taken at "
                  "3.5 s with the client still in SYN-SENT. The queued connection stays ESTAB.",
    "simultaneous-close": "Two processes pinned to two CPUs meet at a spin barrier, spin until "
                          "a common start time on CLOCK_MONOTONIC (one of them 0-10 us later, "
                          "at random) and both call shutdown(SHUT_WR): each FIN is sent before the other's is ACKed "
                          "(each FIN's ack does not cover the other FIN). Both end in TIME-WAIT.",
    "simultaneous-close-2": "A second true simultaneous close from the same race (see "
                            "simultaneous-close). Both end in TIME-WAIT.",
    "race-merged-close": "An attempt of the simultaneous-close race in which one FIN arrived "
                         "first and the other side's FIN also acknowledged it: merged close; "
                         "only the first closer ends in TIME-WAIT.",
    "large-transfer": "3 MiB client->server with window scaling, answer 'got it', client "
                      "closes first. Captured with -s 96: payload truncated, headers kept "
                      "(sequence space comes from the IP length).",
    "keepalive": "SO_KEEPALIVE with TCP_KEEPIDLE=1, TCP_KEEPINTVL=1 on the client; 3.5 s idle "
                 "(keep-alive probes with seq = next - 1, each ACKed), then the client closes "
                 "and the server closes after EOF.",
    "port-reuse": "Two connections in a row from the same client port (SO_REUSEADDR + bind) to "
                  "the same server; the server closes each first so the client is never in "
                  "TIME-WAIT. Two complete connections on one 4-tuple, different ISNs.",
    "fast-open": "TCP Fast Open (net.ipv4.tcp_fastopen=3 during the run, restored after): the "
                 "first connection's SYN asks for a cookie, the second's SYN carries the "
                 "request. Each connection: client closes first.",
    "ipv6-four-way": "As four-way-client-first, over ::1.",
    "any-cooked": "As four-way-client-first, captured with tcpdump -i any (Linux cooked v2, "
                  "LINKTYPE_LINUX_SLL2). -i any on loopback may show a frame twice (outgoing "
                  "and incoming); on this kernel each frame appears once, packet type 0 "
                  "(host), interface index 1 (lo). Kept as captured.",
    "pcapng": "As four-way-client-first, captured with dumpcap into pcapng.",
    "nested-lifetimes": "Two connections to one server: the first opens and exchanges a round, the "
                        "second opens, exchanges and closes (client first), then the first exchanges "
                        "again, 2.5 s later (past the 2 s linger), and closes (client first). The "
                        "second is settled first: the reports still come in the order the "
                        "connections opened.",
    "close-wait-pileup": "Three clients each send a request, read the answer and close(); the "
                         "server reads EOF and never closes: three server sockets left in "
                         "CLOSE-WAIT at one endpoint, each client in FIN-WAIT-2 (a leaking "
                         "server, the summary's pile-up).",
}

# name -> (function, port offset).  The simultaneous-close race uses its own
# block of ports (offset 100 onwards).
SCENARIOS = [
    ("four-way-client-first", sc_four_way_client_first, 1),
    ("three-way-server-first", sc_three_way_server_first, 2),
    ("half-close", sc_half_close, 3),
    ("both-open", sc_both_open, 4),
    ("abort-client", sc_abort_client, 5),
    ("abort-server", sc_abort_server, 6),
    ("refused", sc_refused, 7),
    ("unanswered", sc_unanswered, 8),
    ("simultaneous-close", None, 100),
    ("large-transfer", sc_large_transfer, 9),
    ("keepalive", sc_keepalive, 10),
    ("port-reuse", None, 11),
    ("fast-open", sc_fast_open, 12),
    ("ipv6-four-way", sc_ipv6_four_way, 13),
    ("any-cooked", sc_any_cooked, 14),
    ("pcapng", sc_pcapng, 15),
    ("nested-lifetimes", sc_nested_lifetimes, 16),
    ("close-wait-pileup", sc_close_wait_pileup, 17),
]


def _alarm(signum, frame):
    raise TimeoutError("scenario took too long (limit %d s, 3x for the race)" % SCENARIO_TIMEOUT)


def run_one(name, fn, offset, outdir, port_base):
    port = port_base + offset
    run = Run(name, outdir, port, DESCRIPTIONS[name])
    extra_runs = []
    status = "ok"
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SCENARIO_TIMEOUT * (3 if name == "simultaneous-close" else 1))
    try:
        if name == "simultaneous-close":
            os.rmdir(run.dir) if not os.listdir(run.dir) else None
            extra_runs, summary = sc_simultaneous_close(run, outdir, port)
            run.checks.append({"ok": True, "what": "attempts: " + json.dumps(summary)})
        elif name == "port-reuse":
            status = sc_port_reuse(run, client_port=port_base + 500 + offset) or "ok"
        else:
            status = fn(run) or "ok"
    except LabError:
        raise
    except Exception as e:  # one scenario failing does not stop the others
        status = "error: %s: %s" % (type(e).__name__, e)
    finally:
        signal.alarm(0)
        if run.capture:
            run.capture.stop()
        _kill_leftovers()
    if status == "skipped" and os.path.isdir(run.dir):
        for f in os.listdir(run.dir):
            os.remove(os.path.join(run.dir, f))
        os.rmdir(run.dir)
    results = []
    if name == "simultaneous-close":
        for r in extra_runs:
            results.append(_result(r, "ok"))
        if not extra_runs:
            results.append(_result(run, "error: no true simultaneous close in the attempts"))
        else:
            results[0]["checks"] += run.checks
    else:
        results.append(_result(run, status))
    return results


def _result(run, status):
    ok = status == "ok" and all(c["ok"] for c in run.checks)
    return {"name": run.name, "status": status if status != "ok" or ok else "checks failed",
            "dir": run.dir,
            "capture": run.capture.path if run.capture else os.path.join(run.dir, "capture.pcap"),
            "kernel": {s["side"] + " " + s["local"]: s["state"]
                       for s in (run.kernel or {}).get("sockets", [])},
            "checks": run.checks}


def main():
    ap = argparse.ArgumentParser(description="Real loopback captures with the kernel's view.")
    ap.add_argument("--only", action="append", help="scenario name (repeatable)")
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--port-base", type=int, default=None,
                    help="server port = base + offset (default 41000; 45000 with --check-live)")
    ap.add_argument("--check-live", action="store_true",
                    help="run into a fresh temp dir and print a JSON summary")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--annotate", action="store_true",
                    help="add close_from_packets to every kernel.json under --out, from its capture")
    args = ap.parse_args()
    if args.list:
        for name, _, _ in SCENARIOS:
            print(name)
        return 0
    if args.annotate:
        for d in sorted(os.listdir(args.out)):
            if os.path.exists(os.path.join(args.out, d, "kernel.json")):
                print("%-24s %s" % (d, annotate(os.path.join(args.out, d))))
        return 0
    if os.geteuid() != 0:
        print("lab.py: needs root (live capture and ss)", file=sys.stderr)
        return 2
    names = [n for n, _, _ in SCENARIOS]
    for o in args.only or []:
        if o not in names:
            print("lab.py: unknown scenario %r (see --list)" % o, file=sys.stderr)
            return 2
    outdir = args.out
    if args.check_live:
        outdir = tempfile.mkdtemp(prefix="tcpflow-live-")
    port_base = args.port_base or (45000 if args.check_live else 41000)
    random.seed()
    results = []
    try:
        for name, fn, offset in SCENARIOS:
            if args.only and name not in args.only:
                continue
            t0 = time.monotonic()
            res = run_one(name, fn, offset, outdir, port_base)
            for r in res:
                r["seconds"] = round(time.monotonic() - t0, 1)
                results.append(r)
                if not args.check_live:
                    print("%-24s %-14s %s" % (r["name"], r["status"],
                                              ", ".join("%s=%s" % kv for kv in r["kernel"].items())
                                              or "(no sockets)"))
                    for c in r["checks"]:
                        if not c["ok"]:
                            print("    FAILED CHECK: " + c["what"])
    except LabError as e:
        print("lab.py: " + str(e), file=sys.stderr)
        return 2
    finally:
        _kill_leftovers()
    failed = [r for r in results if r["status"] not in ("ok", "skipped")]
    if args.check_live:
        print(json.dumps({"dir": outdir, "port_base": port_base,
                          "kernel_release": os.uname().release,
                          "ok": not failed, "scenarios": results}, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
