#!/usr/bin/python3
"""Real captures of TCP connection failures, with the kernel's and the
application's view, made with network namespaces and veth pairs.

Topology (made at the start, deleted at the end and on any failure):

    tfe-client  veth-c  192.0.2.10/25     2001:db8:1::10/64 --+
                                                              |  veth-rc   192.0.2.1     2001:db8:1::1
    tfe-client2 veth-c2 192.0.2.130/25    2001:db8:3::30/64 --+- tfe-router (forwarding on)
                                                              |  veth-rc2  192.0.2.129   2001:db8:3::1
    tfe-server  veth-s  198.51.100.20/24  2001:db8:2::20/64 --+  veth-rs   198.51.100.1  2001:db8:2::1

For every scenario: tcpdump runs inside tfe-client on veth-c (the capture
point is next to the client), the router gets the scenario's route, the
client application (Python sockets created inside the namespaces with
setns(2)) makes its calls, and what each call returned goes into
kernel.json as "application"; `ss -tanH` is taken inside tfe-client and
tfe-server right after the calls -- before anything left open is closed --
then the capture stops (SIGINT) and the route is removed.

Usage (as root, with Debian's python, which has scapy):
  /usr/bin/python3 samples/netns_lab.py                  # all scenarios into samples/failure-*
  /usr/bin/python3 samples/netns_lab.py --only refused --only no-answer
  /usr/bin/python3 samples/netns_lab.py --list

Only documentation addresses are used, inside namespaces of their own;
every wait is bounded; the whole run takes about 20 s.
"""

import argparse
import ctypes
import errno
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lab  # noqa: E402  (Capture, segments, close_from_packets, fmt_addr)

SCENARIO_TIMEOUT = 20          # seconds, hard limit per scenario
RUN_TIMEOUT = 110              # seconds, hard limit for the whole run
PORT_BASE = 42000
TCP_SYNCNT = getattr(socket, "TCP_SYNCNT", 7)
CLONE_NEWNET = 0x40000000

NS_CLIENT, NS_CLIENT2, NS_ROUTER, NS_SERVER = "tfe-client", "tfe-client2", "tfe-router", "tfe-server"
NAMESPACES = (NS_CLIENT, NS_CLIENT2, NS_ROUTER, NS_SERVER)
CLIENT_IF = "veth-c"

# namespace -> (interface, IPv4/len, IPv6/len, (peer namespace, peer interface, peer IPv4/len, peer IPv6/len))
LINKS = [
    (NS_CLIENT, "veth-c", "192.0.2.10/25", "2001:db8:1::10/64",
     (NS_ROUTER, "veth-rc", "192.0.2.1/25", "2001:db8:1::1/64")),
    (NS_CLIENT2, "veth-c2", "192.0.2.130/25", "2001:db8:3::30/64",
     (NS_ROUTER, "veth-rc2", "192.0.2.129/25", "2001:db8:3::1/64")),
    (NS_SERVER, "veth-s", "198.51.100.20/24", "2001:db8:2::20/64",
     (NS_ROUTER, "veth-rs", "198.51.100.1/24", "2001:db8:2::1/64")),
]
ADDR = {NS_CLIENT: ("192.0.2.10", "2001:db8:1::10"),
        NS_CLIENT2: ("192.0.2.130", "2001:db8:3::30"),
        NS_SERVER: ("198.51.100.20", "2001:db8:2::20")}
GATEWAY = {NS_CLIENT: ("192.0.2.1", "2001:db8:1::1"),
           NS_CLIENT2: ("192.0.2.129", "2001:db8:3::1"),
           NS_SERVER: ("198.51.100.1", "2001:db8:2::1")}
TOPOLOGY = {
    "namespaces": {
        NS_CLIENT: "the measured client; veth-c 192.0.2.10/25, 2001:db8:1::10/64; default via the router",
        NS_CLIENT2: "a second client (fills accept queues; not on the captured link); veth-c2 "
                    "192.0.2.130/25, 2001:db8:3::30/64",
        NS_ROUTER: "forwarding on (net.ipv4.ip_forward=1, net.ipv6.conf.all.forwarding=1); "
                   "veth-rc 192.0.2.1, 2001:db8:1::1; veth-rc2 192.0.2.129, 2001:db8:3::1; "
                   "veth-rs 198.51.100.1, 2001:db8:2::1",
        NS_SERVER: "the server; veth-s 198.51.100.20/24, 2001:db8:2::20/64; default via the router",
    },
    "capture_point": "veth-c inside tfe-client (next to the client)",
}

REQUEST = lab.REQUEST

_libc = ctypes.CDLL(None, use_errno=True)


class LabError(Exception):
    pass


# ---------------------------------------------------------------------------
# Namespaces

def sh(*cmd, ns=None, check=True, timeout=10):
    """Runs a command (inside namespace `ns`); returns its stdout."""
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    out = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
    if check and out.returncode != 0:
        raise LabError("%s failed: %s" % (" ".join(full), out.stderr.strip() or out.returncode))
    return out.stdout


class netns:
    """`with netns(name):` the calling thread is in that network namespace;
    sockets made inside stay in it for good."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                e = ctypes.get_errno()
                raise OSError(e, "setns(%s): %s" % (self.name, os.strerror(e)))
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        try:
            if _libc.setns(self.home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back to our namespace failed")
        finally:
            os.close(self.home)


def teardown():
    existing = set(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else set()
    for ns in NAMESPACES:
        if ns in existing:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


def setup():
    teardown()                                  # leftovers of an interrupted run
    for ns in NAMESPACES:
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
           "net.ipv6.conf.default.accept_dad=0", ns=ns)
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", ns=NS_ROUTER)
    for ns, ifname, a4, a6, (pns, pif, p4, p6) in LINKS:
        sh("ip", "-n", ns, "link", "add", ifname, "type", "veth", "peer", "name", pif, "netns", pns)
        for n, i, x4, x6 in ((ns, ifname, a4, a6), (pns, pif, p4, p6)):
            sh("ip", "-n", n, "addr", "add", x4, "dev", i)
            sh("ip", "-n", n, "addr", "add", x6, "dev", i, "nodad")
            sh("ip", "-n", n, "link", "set", i, "up")
        sh("ip", "-n", ns, "route", "add", "default", "via", GATEWAY[ns][0])
        sh("ip", "-n", ns, "-6", "route", "add", "default", "via", GATEWAY[ns][1])
    # Both clients reach the server over both families (this also resolves
    # the neighbours, so the scenarios' first packets are not held for ARP/ND).
    for fam, idx in ((socket.AF_INET, 0), (socket.AF_INET6, 1)):
        with netns(NS_SERVER):
            lst = socket.socket(fam, socket.SOCK_STREAM)
        try:
            lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            lst.bind((ADDR[NS_SERVER][idx], PORT_BASE))
            lst.listen(8)
            lst.settimeout(5)
            for cns in (NS_CLIENT, NS_CLIENT2):
                with netns(cns):
                    c = socket.socket(fam, socket.SOCK_STREAM)
                c.settimeout(5)
                try:
                    c.connect((ADDR[NS_SERVER][idx], PORT_BASE))
                    lst.accept()[0].close()
                except OSError as e:
                    raise LabError("topology check: %s cannot reach %s: %s" % (
                        cns, ADDR[NS_SERVER][idx], e))
                finally:
                    c.close()
        finally:
            lst.close()


class Route:
    """A route added in the router for the scenario, removed on leaving."""

    def __init__(self, *spec, family="4", note="for the whole scenario"):
        self.spec = list(spec)
        self.family = family
        self.note = note

    def describe(self):
        return "ip%s route add %s" % (" -6" if self.family == "6" else "", " ".join(self.spec))

    def __enter__(self):
        sh("ip", "-n", NS_ROUTER, "-" + self.family, "route", "add", *self.spec)
        return self

    def __exit__(self, *exc):
        sh("ip", "-n", NS_ROUTER, "-" + self.family, "route", "del", *self.spec, check=False)


def set_sysctl(ns, name, value):
    sh("sysctl", "-qw", "%s=%s" % (name, value), ns=ns)
    got = sh("sysctl", "-n", name, ns=ns).strip()
    if got != str(value):
        raise LabError("sysctl %s in %s is %s, not %s" % (name, ns, got, value))


# ---------------------------------------------------------------------------
# The kernel's view

def ss_lines(ns, *opts):
    out = subprocess.run(["ip", "netns", "exec", ns, "ss", "-tanH"] + list(opts),
                         capture_output=True, text=True, timeout=10)
    if out.returncode != 0:
        raise LabError("ss in %s failed: %s" % (ns, out.stderr))
    return [line.split() for line in out.stdout.splitlines() if len(line.split()) >= 5]


def ss_sockets(pairs, client_ns=NS_CLIENT):
    """The sockets of the (client, server) pairs: the client ends from `ss`
    in the client's namespace, the server ends from `ss` in tfe-server."""
    found = []
    for ns, side in ((client_ns, "client"), (NS_SERVER, "server")):
        wanted = {(c, s) if side == "client" else (s, c) for c, s in pairs}
        for cols in ss_lines(ns):
            if (cols[3], cols[4]) in wanted:
                found.append({"local": cols[3], "peer": cols[4], "state": cols[0],
                              "side": side, "netns": ns})
    found.sort(key=lambda s: (s["side"], s["local"]))
    return found


def listener_queue(port):
    """(Recv-Q, Send-Q) of the LISTEN socket on `port` in tfe-server: the
    accept queue's length and its limit (the backlog)."""
    for cols in ss_lines(NS_SERVER, "-l"):
        if cols[3].endswith(":%d" % port):
            return int(cols[1]), int(cols[2])
    return None


def netstat(ns, names):
    """Counters of /proc/net/netstat and /proc/net/snmp inside `ns`
    ("TcpExt.ListenOverflows", ...); the namespaces are new for each
    scenario, so they count this scenario only."""
    vals = {}
    for f in ("/proc/net/netstat", "/proc/net/snmp"):
        lines = sh("cat", f, ns=ns).splitlines()
        for head, row in zip(lines[::2], lines[1::2]):
            prefix, keys = head.split(":", 1)
            for k, v in zip(keys.split(), row.split(":", 1)[1].split()):
                vals["%s.%s" % (prefix, k)] = int(v)
    return {n: vals.get(n) for n in names}


def wait_for(pred, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


# ---------------------------------------------------------------------------
# Reading captures back

def packets(path):
    """Every packet as a dict: TCP segments (as lab.segments) and ICMP/ICMPv6
    errors with the TCP ports of the packet they quote."""
    from scapy.all import rdpcap, IP, IPv6, TCP, ICMP, TCPerror, IPerror
    from scapy.layers.inet6 import _ICMPv6Error, IPerror6, TCPerror as TCPerror6  # noqa: F401
    out = []
    for pkt in rdpcap(path):
        t = float(pkt.time)
        if ICMP in pkt:
            ic = pkt[ICMP]
            q = pkt[TCPerror] if TCPerror in pkt else None
            out.append({"t": t, "kind": "icmp", "src": pkt[IP].src, "type": ic.type,
                        "code": ic.code, "quoted_sport": q.sport if q else None,
                        "quoted_ttl": pkt[IPerror].ttl if IPerror in pkt else None})
        elif IPv6 in pkt and isinstance(pkt[IPv6].payload, _ICMPv6Error):
            ic = pkt[IPv6].payload
            q = pkt[TCPerror6] if TCPerror6 in pkt else None
            out.append({"t": t, "kind": "icmp6", "src": pkt[IPv6].src, "type": ic.type,
                        "code": ic.code, "quoted_sport": q.sport if q else None})
        elif TCP in pkt and TCPerror not in pkt:
            out.append(dict(kind="tcp", **_seg(pkt)))
    return out


def _seg(pkt):
    from scapy.all import IP, IPv6, TCP
    tcp = pkt[TCP]
    if IP in pkt:
        ip = pkt[IP]
        paylen = ip.len - ip.ihl * 4 - tcp.dataofs * 4
    else:
        ip = pkt[IPv6]
        paylen = ip.plen - tcp.dataofs * 4
    return {"t": float(pkt.time), "src": (ip.src, tcp.sport), "dst": (ip.dst, tcp.dport),
            "flags": str(tcp.flags), "seq": tcp.seq, "ack": tcp.ack, "len": paylen}


def tcpdump_lines(path):
    out = subprocess.run(["tcpdump", "-nn", "-r", path], capture_output=True, text=True, timeout=20)
    return out.stdout.splitlines()


# ---------------------------------------------------------------------------
# A run of one scenario

class NsCapture(lab.Capture):
    """lab.Capture's tcpdump, run inside a namespace."""

    def __init__(self, path, port_filter, ns=NS_CLIENT, iface=CLIENT_IF, snaplen=None):
        super().__init__(path, port_filter, iface=iface, snaplen=snaplen)
        self.cmd = ["ip", "netns", "exec", ns] + self.cmd


def errname(e):
    return errno.errorcode.get(e, str(e))


class FailRun:
    def __init__(self, name, outdir, port, description):
        self.name = name
        self.dir = os.path.join(outdir, "failure-" + name)
        self.port = port
        self.description = description
        self.capture = None
        self.kernel = None
        self.checks = []
        self.application = []
        self.sysctls = {}
        self.sysctls_read = {}
        self.netstat = {}
        self.socket_options = {}
        self.route = None
        self.extra = {}
        os.makedirs(self.dir, exist_ok=True)

    def pcap_path(self):
        return os.path.join(self.dir, "capture.pcap")

    def start_capture(self, port_filter=None, snaplen=None):
        if os.path.exists(self.pcap_path()):
            os.remove(self.pcap_path())
        self.capture = NsCapture(self.pcap_path(), port_filter or "tcp port %d" % self.port,
                                 snaplen=snaplen)
        self.capture.start()
        return self.capture

    def read_sysctls(self, ns, *names):
        """Records sysctls the scenario depends on but does not set."""
        for name in names:
            self.sysctls_read.setdefault(ns, {})[name] = sh("sysctl", "-n", name, ns=ns).strip()

    def counters(self, ns, *names):
        self.netstat.setdefault(ns, {}).update(netstat(ns, names))
        return self.netstat[ns]

    def sysctl(self, ns, name, value):
        set_sysctl(ns, name, value)
        self.sysctls.setdefault(ns, {})[name] = value

    def call(self, what, fn, **extra):
        """Makes one of the application's calls and records what it
        returned (or its errno) and how long it took."""
        t0 = time.monotonic()
        entry = {"call": what}
        try:
            r = fn()
        except OSError as e:
            if e.errno is None:
                raise
            entry["errno"] = errname(e.errno)
            r = e
        else:
            if isinstance(r, (bytes, bytearray)):
                entry["result"] = "%d bytes" % len(r) if r else "0 bytes (EOF)"
            elif isinstance(r, int):
                entry["result"] = r
            else:
                entry["result"] = "ok"
        entry["seconds"] = round(time.monotonic() - t0, 3)
        entry.update(extra)
        self.application.append(entry)
        return r

    def errno_of(self, call):
        return next((a.get("errno") for a in self.application if a["call"] == call), None)

    def snapshot(self, client, server, settle=0.1, fill=()):
        time.sleep(settle)
        self.kernel = {
            "scenario": self.name,
            "description": self.description,
            "client": client,
            "server": server,
            "other_connections": [],
            "sockets": ss_sockets([(client, server)]),
            "taken": "ss -tanH inside tfe-client and tfe-server right after the application's "
                     "calls, before the capture stopped and before anything left open was "
                     "closed; LISTEN sockets omitted; a side missing from 'sockets' has no "
                     "socket any more (CLOSED)",
            "capture": self.capture.describe() if self.capture else None,
            "kernel_release": os.uname().release,
        }
        if fill:
            self.kernel["fill_connections"] = [
                {"client": c, "server": s, "netns": NS_CLIENT2,
                 "note": "not in the capture (another link of the router)"} for c, s in fill]
            self.kernel["fill_sockets"] = ss_sockets(list(fill), client_ns=NS_CLIENT2)
        return self.kernel

    def state_of(self, side):
        return sorted(s["state"] for s in self.kernel["sockets"] if s["side"] == side)

    def check(self, ok, what):
        self.checks.append({"ok": bool(ok), "what": what})
        return ok

    def expect_errno(self, call, name):
        got = self.errno_of(call)
        return self.check(got == name, "%s failed with %s (got %s)" % (call, name, got))

    def finish(self, notes):
        """Stops the capture, writes kernel.json and notes.txt (`notes`: the
        two-line human description); returns the packets."""
        if self.capture:
            self.capture.stop()
        k = self.kernel
        k["application"] = self.application
        k["sysctls"] = self.sysctls
        if self.sysctls_read:
            k["sysctls_read"] = self.sysctls_read
        if self.netstat:
            k["netstat"] = self.netstat
        if self.socket_options:
            k["socket_options"] = self.socket_options
        if self.route:
            k["router_route"] = "%s   (in tfe-router, %s)" % (self.route.describe(), self.route.note)
        k.update(self.extra)
        k["topology"] = TOPOLOGY
        segs = lab.segments(self.pcap_path())
        k["close_from_packets"] = lab.close_from_packets(segs, k["client"], k["server"])
        with open(os.path.join(self.dir, "kernel.json"), "w") as f:
            json.dump(k, f, indent=2)
            f.write("\n")
        pk = packets(self.pcap_path())
        self.write_notes(notes, pk)
        return pk

    def write_notes(self, notes, pk):
        k = self.kernel
        lines = [" ".join(n.split()) for n in notes]
        assert len(lines) == 2 and all(lines)
        view = "\n".join("  %-6s %-28s -> %-28s %s" % (s["side"], s["local"], s["peer"], s["state"])
                         for s in k["sockets"]) or "  (no socket left on either side: CLOSED)"
        app = "\n".join("  %s -> %s (%.3f s)" % (a["call"], a.get("errno", a.get("result")),
                                                   a["seconds"]) for a in k["application"])
        with open(os.path.join(self.dir, "notes.txt"), "w") as f:
            f.write("\n".join(lines) + "\n\n")
            f.write("failure-%s: real capture of the Linux TCP stack across network namespaces "
                    "(client -> router -> server), made by samples/netns_lab.py; captured on "
                    "the client's veth.\n" % self.name)
            f.write("Client %s, server %s.%s\n" % (
                k["client"], k["server"],
                "  Router: %s (%s)." % (self.route.describe(), self.route.note) if self.route else ""))
            if self.sysctls:
                f.write("Sysctls: %s.\n" % "; ".join(
                    "%s %s=%s" % (ns, n, v) for ns, d in self.sysctls.items() for n, v in d.items()))
            f.write("\nThe application's calls:\n%s\n" % app)
            f.write("\nThe kernel's view (kernel.json, `ss -tanH` in both namespaces):\n%s\n" % view)
            for s in k.get("fill_sockets", []):
                f.write("  (fill) %-28s -> %-28s %s  [%s, not captured]\n" % (
                    s["local"], s["peer"], s["state"], s["netns"]))
            f.write("\nCapture: %s (%d packets)\nKernel: %s\n" % (k["capture"], len(pk),
                                                               k["kernel_release"]))


# ---------------------------------------------------------------------------
# Client sockets

def client_socket(family=socket.AF_INET, opts=(), ns=NS_CLIENT, send_timeout=10):
    """A blocking socket in `ns`: connect() and send() are bounded by
    SO_SNDTIMEO, so the kernel's own errors come through unchanged."""
    with netns(ns):
        c = socket.socket(family, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", send_timeout, 0))
    for level, name, value in opts:
        c.setsockopt(level, name, value)
    return c


def set_recv_timeout(sock, seconds):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", seconds, 0))


def server_address(family):
    return ADDR[NS_SERVER][0 if family == socket.AF_INET else 1]


def client_address(cli, run):
    """The client's address: a socket whose connect() failed has given its
    ephemeral port back, so then it is the source of the first SYN captured."""
    name = cli.getsockname()
    if name[1] and name[0] not in ("0.0.0.0", "::"):
        return lab.fmt_addr(name)
    time.sleep(0.1)                                 # tcpdump -U writes each packet at once
    syns = [s for s in lab.segments(run.pcap_path()) if s["flags"] == "S"]
    if not syns:
        raise LabError("no SYN in the capture")
    return lab.fmt_addr(syns[0]["src"])


def _connect_fails(run, family=socket.AF_INET, opts=(), route=None, port_filter=None):
    """The client connects to the server port; returns the client socket
    address (the socket has failed, so it comes from the capture if need be)."""
    host = server_address(family)
    run.route = route
    run.read_sysctls(NS_CLIENT, "net.ipv4.tcp_syn_retries", "net.ipv4.tcp_syn_linear_timeouts")
    run.start_capture(port_filter)
    cli = client_socket(family, opts)
    try:
        if route:
            route.__enter__()
        try:
            run.call("connect", lambda: cli.connect((host, run.port)))
            client = client_address(cli, run)
            run.counters(NS_CLIENT, "TcpExt.LockDroppedIcmps", "Tcp.AttemptFails",
                         "Tcp.RetransSegs")
            run.snapshot(client, lab.fmt_addr((host, run.port)))
        finally:
            if route:
                route.__exit__()
    finally:
        cli.close()
    return client


# ---------------------------------------------------------------------------
# Scenarios

def sc_refused(run):
    _connect_fails(run)
    run.expect_errno("connect", "ECONNREFUSED")
    pk = run.finish([
        "connect() to 198.51.100.20:%d, where nobody listens: the server's kernel answers the "
        "SYN with RST+ACK." % run.port,
        "connect() fails at once with %s; no socket is left on either side." % run.errno_of("connect")])
    run.check([p["flags"] for p in pk if p["kind"] == "tcp"] == ["S", "RA"], "SYN answered by RST+ACK")


def _syn_times(syns):
    return ", ".join("%g" % round(p["t"] - syns[0]["t"], 1) for p in syns)


def sc_no_answer(run):
    run.socket_options = {"client": {"TCP_SYNCNT": 2}}
    _connect_fails(run, opts=[(socket.IPPROTO_TCP, TCP_SYNCNT, 2)],
                   route=Route("blackhole", "198.51.100.20/32"))
    run.expect_errno("connect", "ETIMEDOUT")
    secs = run.application[0]["seconds"]
    # The kernel's own numbers, read before the run (for the notes).
    lin = run.sysctls_read[NS_CLIENT]["net.ipv4.tcp_syn_linear_timeouts"]
    syns = [p for p in lab.segments(run.pcap_path()) if p["flags"] == "S"]
    pk = run.finish([
        "The router drops everything for the server (blackhole route); the client's SYN "
        "(TCP_SYNCNT=2) is sent %d times with one ISN, at %s s, never answered." % (
            len(syns), _syn_times(syns)),
        "connect() fails with %s after %.1f s (SYN-SENT retries = TCP_SYNCNT + "
        "tcp_syn_linear_timeouts = 2 + %s); no socket is left." % (
            run.errno_of("connect"), secs, lin)])
    tcp = [p for p in pk if p["kind"] == "tcp"]
    run.check(len(tcp) >= 3 and all(p["flags"] == "S" for p in tcp)
              and len({p["seq"] for p in tcp}) == 1,
              "%d SYNs, one ISN, nothing else (%s)" % (len(tcp), [p["flags"] for p in tcp]))
    run.check(not any(p["kind"] != "tcp" for p in pk), "no ICMP")


ICMP_FILTER4 = "tcp port %d or icmp"
ICMP_FILTER6 = "tcp port %d or (icmp6 and ip6[40] < 128)"   # ICMPv6 errors, not ND

SOFT_FIRST = ("the first ICMP came back inside the connect() call, socket held: a soft error "
              "only (LockDroppedIcmps=%s); the next one aborted it")


def _icmp_scenario(run, route, icmp_type, icmp_code, icmp_name, want_errno,
                   family=socket.AF_INET, opts=(), kind="icmp", cause=None):
    flt = (ICMP_FILTER4 if family == socket.AF_INET else ICMP_FILTER6) % run.port
    client = _connect_fails(run, family, opts, route, flt)
    run.expect_errno("connect", want_errno)
    port = lab._parse_addr(client)[1]
    syns = [p for p in lab.segments(run.pcap_path()) if p["src"][1] == port]
    n = len(syns)
    err, secs = run.errno_of("connect"), run.application[0]["seconds"]
    locked = run.netstat[NS_CLIENT]["TcpExt.LockDroppedIcmps"]
    pk = run.finish([
        "%s: the router answers %s with %s %s (%d/%d)." % (
            cause or "The router has '%s'" % route.describe(),
            "the SYN" if n == 1 else "each of the %d SYNs (one ISN)" % n,
            "ICMPv6" if kind == "icmp6" else "ICMP", icmp_name, icmp_type, icmp_code),
        "connect() fails with %s after %.1f s%s; no socket is left." % (
            err, secs, ": " + SOFT_FIRST % locked if n == 2 else "")])
    tcp = [p for p in pk if p["kind"] == "tcp"]
    icmps = [p for p in pk if p["kind"] == kind]
    run.check(tcp and all(p["flags"] == "S" for p in tcp) and len({p["seq"] for p in tcp}) == 1,
              "only SYNs, one ISN (%s)" % [p["flags"] for p in tcp])
    run.check(len(icmps) == len(tcp) and all(
        p["type"] == icmp_type and p["code"] == icmp_code and p["quoted_sport"] == port
        and p["src"] == GATEWAY[NS_CLIENT][0 if kind == "icmp" else 1] for p in icmps),
              "each SYN answered by %s %d/%d from the router quoting it (%s)" % (
                  kind.upper(), icmp_type, icmp_code,
                  [(p["type"], p["code"], p["src"], p["quoted_sport"]) for p in icmps]))
    return pk


def sc_host_unreachable(run):
    _icmp_scenario(run, Route("unreachable", "198.51.100.20/32"), 3, 1,
                   "destination unreachable, host unreachable", "EHOSTUNREACH")


def sc_prohibited(run):
    # IPv4 maps 3/13 to EHOSTUNREACH (icmp_err_convert), IPv6's 1/1 to EACCES.
    _icmp_scenario(run, Route("prohibit", "198.51.100.20/32"), 3, 13,
                   "destination unreachable, communication administratively prohibited",
                   "EHOSTUNREACH")


def sc_net_unreachable(run):
    # A 'throw' route in the main table ends the lookup with no route at all:
    # the router answers as for a network it has no route to.
    _icmp_scenario(run, Route("throw", "198.51.100.20/32"), 3, 0,
                   "destination unreachable, net unreachable", "ENETUNREACH",
                   cause="The router's lookup for the server ends in a 'throw' route (no route)")


def sc_ttl_exceeded(run):
    run.socket_options = {"client": {"IP_TTL": 1}}
    _icmp_scenario(run, None, 11, 0, "time exceeded in transit", "EHOSTUNREACH",
                   opts=[(socket.IPPROTO_IP, socket.IP_TTL, 1)],
                   cause="The client's socket has IP_TTL=1")


def sc_v6_prohibited(run):
    _icmp_scenario(run, Route("prohibit", "2001:db8:2::20/128", family="6"), 1, 1,
                   "destination unreachable, administratively prohibited", "EACCES",
                   family=socket.AF_INET6, kind="icmp6")


def sc_v6_no_route(run):
    _icmp_scenario(run, Route("unreachable", "2001:db8:2::20/128", family="6"), 1, 0,
                   "destination unreachable, no route to destination", "ENETUNREACH",
                   family=socket.AF_INET6, kind="icmp6")


def _backlog(run, abort):
    """The measured connection's handshake completes at the client while the
    server's accept queue is full.  A SYN that finds the queue already full
    is dropped (that is lab.py's 'unanswered'), so the order is: the measured
    SYN makes a request socket (queue empty) -- its SYN+ACK is dropped by a
    blackhole route in the router for 192.0.2.10 -- then a connection from
    tfe-client2 fills the queue (backlog 0: one connection), the route goes,
    and at the 1 s retransmissions the SYN+ACK reaches the client, whose ACK
    now finds the queue full."""
    run.sysctl(NS_SERVER, "net.ipv4.tcp_abort_on_overflow", 1 if abort else 0)
    host = server_address(socket.AF_INET)
    server = lab.fmt_addr((host, run.port))
    with netns(NS_SERVER):
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    socks = [lst]
    try:
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind((host, run.port))
        lst.listen(0)                              # never accepted
        run.start_capture()
        cli = client_socket()
        socks.append(cli)
        set_recv_timeout(cli, 3)
        hold = Route("blackhole", "192.0.2.10/32",
                     note="from before the measured SYN until the fill connection was queued, "
                          "about 0.3 s: it drops the first SYN+ACK")
        run.route = hold
        res = {}
        with hold:
            t = threading.Thread(target=lambda: res.setdefault(
                "r", run.call("connect", lambda: cli.connect((host, run.port)))), daemon=True)
            t.start()
            syn_recv = wait_for(lambda: [c for c in ss_lines(NS_SERVER)
                                         if c[0] == "SYN-RECV" and c[3] == server], 2)
            run.check(syn_recv, "the measured SYN made a request socket (SYN-RECV)")
            client = lab.fmt_addr(cli.getsockname())   # bound now; a reset takes it back
            fill = client_socket(ns=NS_CLIENT2)
            socks.append(fill)
            fill.settimeout(3)
            fill.connect((host, run.port))
            q = wait_for(lambda: (listener_queue(run.port) or (0, 0))[0] >= 1 and
                         listener_queue(run.port), 2)
            run.check(q and q[0] > q[1], "accept queue full before the SYN+ACK gets through "
                      "(Recv-Q/Send-Q %s)" % (q,))
            run.extra["accept_queue"] = {"listen_backlog": 0, "ss_recv_q_send_q": list(q or ()),
                                         "note": "ss -ltn Recv-Q (queued connections) / Send-Q "
                                                 "(backlog) of the listener after the fill "
                                                 "connection"}
            time.sleep(0.2)
        t.join(5)
        run.check(not t.is_alive(), "connect() returned")
        if run.errno_of("connect") is None:
            time.sleep(0.1)                         # the application's think time
            run.call("send", lambda: cli.send(REQUEST))
            run.call("recv", lambda: cli.recv(4096), timeout_s=3)
        run.counters(NS_SERVER, "TcpExt.ListenOverflows", "TcpExt.ListenDrops",
                     "TcpExt.TCPReqQFullDrop", "Tcp.OutRsts")
        run.snapshot(client, server, settle=0.1,
                     fill=[(lab.fmt_addr(fill.getsockname()), server)])
    finally:
        if run.capture:
            run.capture.stop()
        for s in socks:
            s.close()
    return client


def sc_backlog_full(run):
    client = _backlog(run, abort=False)
    run.check(run.state_of("client") == ["ESTAB"], "client ESTAB")
    run.check(run.state_of("server") == ["SYN-RECV"], "server SYN-RECV (%s)" % run.state_of("server"))
    app = ", ".join("%s %s" % (a["call"], a.get("errno", a.get("result"))) for a in run.application)
    pk = run.finish([
        "Server listen(0), never accepts, tcp_abort_on_overflow=0; the client's handshake completes "
        "(ESTAB) while the accept queue is full, so the server drops its ACK and its data.",
        "The server stays in SYN-RECV re-sending SYN+ACK; the client sent its request and "
        "waited: %s." % app])
    c = lab._parse_addr(client)
    tcp = [p for p in pk if p["kind"] == "tcp"]
    synacks = [p for p in tcp if p["flags"] == "SA"]
    data = [p for p in tcp if p["src"] == c and p["len"] > 0]
    run.check(len(synacks) >= 2, "SYN+ACK sent %d times" % len(synacks))
    run.check(data, "client data sent (%d segments)" % len(data))
    run.check(not any("R" in p["flags"] for p in tcp), "no RST")
    run.check(run.errno_of("recv") == "EAGAIN", "recv timed out (EAGAIN)")


def sc_backlog_abort(run):
    client = _backlog(run, abort=True)
    run.check(run.kernel["sockets"] == [], "no socket on either side")
    app = ", ".join("%s %s" % (a["call"], a.get("errno", a.get("result"))) for a in run.application)
    pk = run.finish([
        "As backlog-full but with tcp_abort_on_overflow=1: the server answers the client's "
        "handshake ACK, which finds the accept queue full, with a RST.",
        "The client's TCP went ESTAB, then CLOSED by the RST before connect() returned: %s." % app])
    c = lab._parse_addr(client)
    tcp = [p for p in pk if p["kind"] == "tcp"]
    rst = [p for p in tcp if "R" in p["flags"]]
    acks = [p for p in tcp if p["src"] == c and p["flags"] == "A"]
    run.check(rst and all(p["dst"] == c for p in rst) and len(rst) == len(acks),
              "each of the client's %d handshake ACKs answered by a RST from the server "
              "(%d RSTs)" % (len(acks), len(rst)))
    run.check("ECONNRESET" in [a.get("errno") for a in run.application], "ECONNRESET seen")


BULK = 32 << 20      # bytes: more than the ISN clock (1 per 64 ns) moves in 2 s


def _bulk_then_server_closes(run, lst, host):
    """The first connection on a fixed client port: BULK bytes from the
    client, then the server closes first and keeps the 4-tuple in TIME-WAIT.
    Returns the client's address."""
    cli = client_socket(opts=[(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)])
    try:
        cli.bind((ADDR[NS_CLIENT][0], 0))
        cli.connect((host, run.port))
        srv = lst.accept()[0]
        got = []
        reader = threading.Thread(target=lambda: got.append(len(lab.recv_exact(srv, BULK))), daemon=True)
        reader.start()
        cli.sendall(b"x" * BULK)
        reader.join(10)
        srv.close()                                # the server closes first: TIME-WAIT is its
        lab.recv_until_eof(cli)
        client = lab.fmt_addr(cli.getsockname())
    finally:
        cli.close()
    run.check(got == [BULK], "the server read %d bytes" % BULK)
    return client


def _reconnect_into_time_wait(run, rfc1337):
    """A new SYN on a 4-tuple the server holds in TIME-WAIT, with a sequence
    number before the old connection's end: answered by a bare ACK.
    Returns the client's address."""
    run.sysctl(NS_CLIENT, "net.ipv4.tcp_timestamps", 0)   # else a newer TSval admits the SYN
    run.sysctl(NS_SERVER, "net.ipv4.tcp_rfc1337", rfc1337)  # 1: the client's RST does not end TIME-WAIT
    run.socket_options = {"client": {"SO_REUSEADDR": 1, "TCP_SYNCNT": 1}}
    run.read_sysctls(NS_CLIENT, "net.ipv4.tcp_syn_retries", "net.ipv4.tcp_syn_linear_timeouts")
    host = server_address(socket.AF_INET)
    server = lab.fmt_addr((host, run.port))
    with netns(NS_SERVER):
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cli = None
    try:
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind((host, run.port))
        lst.listen(8)
        run.start_capture(snaplen=96)              # headers: the bulk data is not the point
        client = _bulk_then_server_closes(run, lst, host)
        tw = wait_for(lambda: [c for c in ss_lines(NS_SERVER) if c[0] == "TIME-WAIT"], 2)
        run.check(tw, "the server holds the first connection in TIME-WAIT")
        cli = client_socket(opts=[(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1),
                                  (socket.IPPROTO_TCP, TCP_SYNCNT, 1)], send_timeout=15)
        cli.bind(lab._parse_addr(client))
        run.call("connect", lambda: cli.connect((host, run.port)))
        run.snapshot(client, server)
    finally:
        if run.capture:
            run.capture.stop()
        for sock in (cli, lst):
            if sock:
                sock.close()
    return client


def sc_time_wait_reset(run):
    client = _reconnect_into_time_wait(run, rfc1337=0)
    run.check(run.errno_of("connect") is None, "connect() succeeded")
    gap = _resend_gap(lab.segments(run.pcap_path()), client)
    pk = run.finish([
        "As time-wait-collision, with the default tcp_rfc1337=0: the client's RST answering the "
        "TIME-WAIT socket's ACK ends TIME-WAIT.",
        "The client's SYN sent again %d ms later finds the listener: connect() succeeds after "
        "%.3f s." % (round(1000 * gap), run.application[-1]["seconds"])])
    c = lab._parse_addr(client)
    tcp = [p for p in pk if p["kind"] == "tcp"]
    last_fin = max(i for i, p in enumerate(tcp) if "F" in p["flags"])
    flags = [p["flags"] for p in tcp[last_fin + 2:]]
    run.check(flags[:5] == ["S", "A", "R", "S", "SA"],
              "SYN, bare ACK, RST, SYN again, SYN+ACK (%s)" % flags[:6])
    run.check(run.state_of("client") == ["ESTAB"], "client ESTAB")


def _resend_gap(pk, client):
    c = lab._parse_addr(client)
    rst = next(p for p in pk if p["src"] == c and p["flags"] == "R")
    syn = next(p for p in pk if p["src"] == c and p["flags"] == "S" and p["t"] > rst["t"])
    return syn["t"] - rst["t"]


def sc_time_wait_collision(run):
    client = _reconnect_into_time_wait(run, rfc1337=1)
    run.expect_errno("connect", "ETIMEDOUT")
    pk = run.finish([
        "The client sends 32 MiB, the server closes first and holds the 4-tuple in TIME-WAIT "
        "(tcp_rfc1337=1); the client connects again from the same port at once, its ISN (the "
        "clock's, 1 per 64 ns) before the old connection's end.",
        "Each SYN is answered by the TIME-WAIT socket's bare ACK, each ACK by the client's RST; "
        "connect() fails with %s after %.1f s." % (run.errno_of("connect"),
                                                  run.application[-1]["seconds"])])
    c = lab._parse_addr(client)
    tcp = [p for p in pk if p["kind"] == "tcp"]
    last_fin = max(i for i, p in enumerate(tcp) if "F" in p["flags"])
    after = tcp[last_fin + 2:]                     # past the last FIN and its ACK
    syns = [p for p in after if p["flags"] == "S"]
    acks = [p for p in after if p["src"] != c and p["flags"] == "A"]
    rsts = [p for p in after if p["src"] == c and p["flags"] == "R"]
    run.check(len(syns) >= 3 and len(acks) >= 3 and len(rsts) == len(acks),
              "SYNs answered by bare ACKs, each ACK by a RST (%d SYNs, %d ACKs, %d RSTs)" % (
                  len(syns), len(acks), len(rsts)))
    run.check(not any(p["flags"] == "SA" for p in tcp[last_fin + 1:]), "no SYN+ACK for the new SYNs")


_SOFT = (" On veth the ICMP for the first SYN comes back inside the connect() call, while "
         "the socket is still held (sock_owned_by_user), so it is only a soft error; the SYN "
         "re-sent 1 s later gets the ICMP that aborts the connection: two SYN/ICMP pairs, "
         "connect() fails after 1 s.")
DESCRIPTIONS = {
    "refused": "connect() to a port of the server nobody listens on: the SYN is answered by "
               "RST+ACK; connect() fails at once with ECONNREFUSED.",
    "no-answer": "The router has 'ip route add blackhole 198.51.100.20/32': the SYN goes nowhere. "
                 "The client socket has TCP_SYNCNT=2, but in SYN-SENT this kernel allows "
                 "TCP_SYNCNT + net.ipv4.tcp_syn_linear_timeouts (4) retransmissions, the linear "
                 "ones 1 s apart: SYNs at 0, 1, 2, 3, 4, 5 s and connect() fails with ETIMEDOUT "
                 "at about 7 s.",
    "host-unreachable": "The router has 'ip route add unreachable 198.51.100.20/32' and answers "
                        "each SYN with ICMP 3/1 (host unreachable); connect() fails with "
                        "EHOSTUNREACH." + _SOFT,
    "prohibited": "The router has 'ip route add prohibit 198.51.100.20/32' and answers each SYN "
                  "with ICMP 3/13 (communication administratively prohibited); connect() fails "
                  "with EHOSTUNREACH (IPv4 maps 3/13 to EHOSTUNREACH; IPv6's 1/1 gives "
                  "EACCES)." + _SOFT,
    "net-unreachable": "The router has 'ip route add throw 198.51.100.20/32' in its main table: "
                       "the lookup ends with no route and the router answers each SYN with "
                       "ICMP 3/0 (net unreachable); connect() fails with ENETUNREACH." + _SOFT,
    "ttl-exceeded": "The client socket has IP_TTL=1: the router cannot forward the SYN and "
                    "answers with ICMP 11/0 (time to live exceeded in transit); Linux treats it "
                    "like host unreachable: connect() fails with EHOSTUNREACH." + _SOFT,
    "v6-prohibited": "IPv6: the router has 'ip -6 route add prohibit 2001:db8:2::20/128' and "
                     "answers each SYN with ICMPv6 1/1 (administratively prohibited); connect() "
                     "fails with EACCES." + _SOFT,
    "v6-no-route": "IPv6: the router has 'ip -6 route add unreachable 2001:db8:2::20/128' and "
                   "answers each SYN with ICMPv6 1/0 (no route to destination); connect() fails "
                   "with ENETUNREACH." + _SOFT,
    "backlog-full": "The server listens with backlog 0 and never accepts; "
                    "net.ipv4.tcp_abort_on_overflow=0 in tfe-server. A SYN that finds the accept "
                    "queue full is dropped (lab.py's 'unanswered'), so the measured SYN comes "
                    "first and makes a request socket while the queue is empty; its SYN+ACK is "
                    "dropped in the router (blackhole route for 192.0.2.10, removed after the "
                    "fill) while a connection from tfe-client2 (another link, not captured) "
                    "fills the queue. At 1 s the client re-sends its SYN and the server's "
                    "request timer fires: two SYN+ACKs, each ACKed; the client is ESTAB, but the "
                    "server drops the ACKs (queue full), and the 34-byte request sent 0.1 s "
                    "later, keeps the request socket in SYN-RECV and re-sends SYN+ACK at 3 s "
                    "(answered by a duplicate ACK); the client re-sends its request. recv() with "
                    "SO_RCVTIMEO 3 s. ss taken in both namespaces in that state.",
    "backlog-abort": "As backlog-full, with net.ipv4.tcp_abort_on_overflow=1 in tfe-server: each "
                     "of the client's handshake ACKs finds the accept queue full and the server "
                     "answers it with a RST. The SYN+ACK, ACK and RST all happen in one softirq "
                     "pass on veth, before the woken connect() runs: connect() itself fails "
                     "with ECONNRESET although the client's TCP was ESTAB for a moment; no "
                     "request is sent.",
    "time-wait-collision": "The client (net.ipv4.tcp_timestamps=0 in tfe-client) sends 32 MiB "
                           "from a fixed port; the server closes first and holds the 4-tuple in "
                           "TIME-WAIT (net.ipv4.tcp_rfc1337=1 in tfe-server: a RST does not end "
                           "it). The client connects again from the same port at once "
                           "(SO_REUSEADDR, TCP_SYNCNT=1); its ISN, from the clock, is before the "
                           "old connection's last sequence number, so the TIME-WAIT socket "
                           "answers each SYN with a bare ACK of the old connection; the client's "
                           "SYN-SENT answers each such ACK with a RST (RFC 9293 3.10.7.3) and "
                           "connect() fails with ETIMEDOUT. Captured with a 96-byte snapshot "
                           "length: the bulk data's headers only.",
    "time-wait-reset": "As time-wait-collision, with net.ipv4.tcp_rfc1337=0 in tfe-server "
                       "(Linux's default): the client's RST answering the TIME-WAIT socket's ACK "
                       "ends TIME-WAIT (RFC 9293 3.10.7.4), and the SYN the client's stack sends "
                       "again at once (Linux re-arms its SYN timer at its minimum after such a "
                       "RST) is answered by the listener: connect() succeeds, some 10 ms late.",
}

SCENARIOS = [
    ("refused", sc_refused, 1),
    ("no-answer", sc_no_answer, 2),
    ("host-unreachable", sc_host_unreachable, 3),
    ("prohibited", sc_prohibited, 4),
    ("net-unreachable", sc_net_unreachable, 5),
    ("ttl-exceeded", sc_ttl_exceeded, 6),
    ("v6-prohibited", sc_v6_prohibited, 7),
    ("v6-no-route", sc_v6_no_route, 8),
    ("backlog-full", sc_backlog_full, 9),
    ("backlog-abort", sc_backlog_abort, 10),
    ("time-wait-collision", sc_time_wait_collision, 11),
    ("time-wait-reset", sc_time_wait_reset, 12),
]


def _alarm(signum, frame):
    raise TimeoutError("scenario took too long (limit %d s)" % SCENARIO_TIMEOUT)


def _terminate(signum, frame):
    raise SystemExit("netns_lab.py: signal %d" % signum)   # so `finally` tears down


def run_one(name, fn, offset, outdir):
    run = FailRun(name, outdir, PORT_BASE + offset, DESCRIPTIONS[name])
    status = "ok"
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SCENARIO_TIMEOUT)
    try:
        fn(run)
    except LabError:
        raise
    except Exception as e:
        status = "error: %s: %s" % (type(e).__name__, e)
    finally:
        signal.alarm(0)
        if run.capture:
            run.capture.stop()
        lab._kill_leftovers()
    ok = status == "ok" and all(c["ok"] for c in run.checks)
    return run, (status if status != "ok" or ok else "checks failed")


def main():
    ap = argparse.ArgumentParser(description="Real captures of TCP connection failures "
                                             "across network namespaces.")
    ap.add_argument("--only", action="append", help="scenario name (repeatable)")
    ap.add_argument("--out", default=HERE, help="writes OUT/failure-NAME/ (default: samples/)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each capture (tcpdump -nn -r)")
    args = ap.parse_args()
    if args.list:
        for name, _, _ in SCENARIOS:
            print(name)
        return 0
    if os.geteuid() != 0:
        print("netns_lab.py: needs root (namespaces, capture)", file=sys.stderr)
        return 2
    names = [n for n, _, _ in SCENARIOS]
    for o in args.only or []:
        if o not in names:
            print("netns_lab.py: unknown scenario %r (see --list)" % o, file=sys.stderr)
            return 2
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    t_start = time.monotonic()
    failed = []
    try:
        for name, fn, offset in SCENARIOS:
            if args.only and name not in args.only:
                continue
            if time.monotonic() - t_start > RUN_TIMEOUT:
                print("netns_lab.py: run time limit reached, %s not run" % name, file=sys.stderr)
                failed.append(name)
                continue
            t0 = time.monotonic()
            # A fresh topology for each scenario: the router's ICMP rate
            # limits (per client address, shared by ip_error() and icmp_send())
            # and the kernels' caches start full/empty every time.
            setup()
            try:
                run, status = run_one(name, fn, offset, args.out)
            finally:
                teardown()
            if status != "ok":
                failed.append(name)
            print("%-18s %-14s %-40s %4.1f s" % (
                name, status,
                ", ".join("%s=%s" % (a["call"], a.get("errno", a.get("result")))
                          for a in run.application), time.monotonic() - t0))
            for c in run.checks:
                if not c["ok"]:
                    print("    FAILED CHECK: " + c["what"])
            if args.verbose and os.path.exists(run.pcap_path()):
                for line in tcpdump_lines(run.pcap_path()):
                    print("    | " + line)
    except LabError as e:
        print("netns_lab.py: " + str(e), file=sys.stderr)
        return 2
    finally:
        lab._kill_leftovers()
        teardown()
    print("total %.1f s" % (time.monotonic() - t_start))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
