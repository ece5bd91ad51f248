#!/usr/bin/env python3
"""Writes the crafted pcapng files beside this script (tests/test_pcapng.cpp
reads them):  python3 tests/data/pcapng/make_pcapng.py

Each file is one case of the pcapng format the reader must take: several
interfaces with their own link type, snapshot length and time stamp
resolution (powers of ten and of two, if_tsoffset), Enhanced, Simple and
obsolete Packet Blocks, blocks of unknown type, several sections, both byte
orders. Plain struct packing, no scapy: every byte is spelled out here.
Deterministic: the same bytes on every run."""

import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
BASE_NS = 1_700_000_000 * 10**9 + 123_456_789  # the first frame's time

LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL2 = 1, 101, 276
LINKTYPE_USB_LINUX = 189
SHB, IDB, PB, SPB, NRB, ISB, EPB = 0x0A0D0D0A, 1, 2, 3, 4, 5, 6
IF_NAME, IF_TSRESOL, IF_TSOFFSET = 2, 9, 14


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_ipv4(src, dst, sport, dport, seq, ack, flags, payload=b""):
    """An IPv4 packet carrying one TCP segment, both checksums right."""
    s, d = bytes(src), bytes(dst)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = s + d + struct.pack("!BBH", 0, 6, len(hdr) + len(payload))
    c = checksum(pseudo + hdr + payload)
    seg = hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0x1234, 0, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + seg


def ethernet(ip):
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip


def conversation(cport, sport=80, client=(192, 0, 2, 1), server=(198, 51, 100, 7)):
    """A whole connection as IPv4 packets: handshake, a request, a reply,
    the four-way close. `cport` tells one conversation from another."""
    c_isn, s_isn = 1000 + cport, 900000 + cport
    req, rep = b"GET / HTTP/1.0\r\n\r\n", b"HTTP/1.0 200 OK\r\n\r\nhello"
    c, s = (client, server, cport, sport), (server, client, sport, cport)
    return [
        tcp_ipv4(*c, c_isn, 0, 0x02),
        tcp_ipv4(*s, s_isn, c_isn + 1, 0x12),
        tcp_ipv4(*c, c_isn + 1, s_isn + 1, 0x10),
        tcp_ipv4(*c, c_isn + 1, s_isn + 1, 0x18, req),
        tcp_ipv4(*s, s_isn + 1, c_isn + 1 + len(req), 0x18, rep),
        tcp_ipv4(*c, c_isn + 1 + len(req), s_isn + 1 + len(rep), 0x11),
        tcp_ipv4(*s, s_isn + 1 + len(rep), c_isn + 2 + len(req), 0x11),
        tcp_ipv4(*c, c_isn + 2 + len(req), s_isn + 2 + len(rep), 0x10),
    ]


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


class Pcapng:
    """One file being written: sections, interfaces, packets, in one byte
    order per section ('<' or '>')."""

    def __init__(self):
        self.out = bytearray()
        self.order = "<"
        self.ifaces = []  # this section's (units per second, offset seconds)

    def block(self, btype, body, order=None):
        o = order or self.order
        body = pad4(body)
        total = 12 + len(body)
        self.out += struct.pack(o + "II", btype, total) + body + struct.pack(o + "I", total)

    def options(self, opts):
        o = self.order
        raw = b"".join(struct.pack(o + "HH", code, len(v)) + pad4(v) for code, v in opts)
        return raw + struct.pack(o + "HH", 0, 0) if opts else b""

    def shb(self, order="<", minor=0):
        self.order, self.ifaces = order, []
        self.block(SHB, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, minor, -1)
                   + self.options([(4, b"make_pcapng.py")]))

    def idb(self, linktype, snaplen, name=None, tsresol=None, tsoffset=0):
        o, opts = self.order, []
        if name:
            opts.append((IF_NAME, name.encode()))
        if tsresol is not None:
            opts.append((IF_TSRESOL, bytes([tsresol])))
        if tsoffset:
            opts.append((IF_TSOFFSET, struct.pack(o + "q", tsoffset)))
        res = tsresol if tsresol is not None else 6
        units = 2 ** (res & 0x7F) if res & 0x80 else 10 ** res
        self.ifaces.append((units, tsoffset))
        self.block(IDB, struct.pack(o + "HHI", linktype, 0, snaplen) + self.options(opts))

    def stamp(self, iface, ns):
        units, offset = self.ifaces[iface]
        sec, frac = divmod(ns - offset * 10**9, 10**9)
        return sec * units + frac * units // 10**9

    def epb(self, iface, ns, data, snaplen=None, opts=()):
        o, t = self.order, self.stamp(iface, ns)
        cap = data[:snaplen] if snaplen else data
        self.block(EPB, struct.pack(o + "IIIII", iface, t >> 32, t & 0xFFFFFFFF, len(cap), len(data))
                   + pad4(cap) + self.options(list(opts)))

    def pb(self, iface, ns, data):
        o, t = self.order, self.stamp(iface, ns)
        self.block(PB, struct.pack(o + "HHIIII", iface, 0, t >> 32, t & 0xFFFFFFFF, len(data), len(data))
                   + pad4(data))

    def spb(self, data):
        self.block(SPB, struct.pack(self.order + "I", len(data)) + pad4(data))

    def write(self, name):
        (HERE / name).write_bytes(bytes(self.out))


def ms(n):
    return BASE_NS + n * 1_000_000


def multi_snaplen():
    """The issue's case: two Ethernet interfaces, snapshot lengths 65535 and
    64 (the second's data segments are cut short). libpcap refuses the
    second IDB."""
    f = Pcapng()
    f.shb()
    f.idb(LINKTYPE_ETHERNET, 65535, "eth0")
    f.idb(LINKTYPE_ETHERNET, 64, "eth1")
    for i, (a, b) in enumerate(zip(conversation(40001), conversation(40002))):
        f.epb(0, ms(2 * i), ethernet(a))
        f.epb(1, ms(2 * i + 1), ethernet(b), snaplen=64)
    f.write("multi-snaplen.pcapng")


def multi_linktype():
    """Ethernet, raw IP and Linux USB (not decoded) interfaces in one file.
    libpcap refuses the second IDB."""
    f = Pcapng()
    f.shb()
    f.idb(LINKTYPE_ETHERNET, 262144, "eth0")
    f.idb(LINKTYPE_RAW, 262144, "tun0", tsresol=9)
    f.idb(LINKTYPE_USB_LINUX, 262144, "usbmon1")
    for i, (a, b) in enumerate(zip(conversation(40011), conversation(40012))):
        f.epb(0, ms(3 * i), ethernet(a))
        f.epb(1, ms(3 * i + 1), b)
        if i % 3 == 0:
            f.epb(2, ms(3 * i + 2), bytes(range(48)))
    f.write("multi-linktype.pcapng")


def tsresol():
    """One link type and snapshot length, five time stamp resolutions:
    microseconds (default), nanoseconds, 2^-20, 2^-32 and milliseconds with an
    if_tsoffset. libpcap reads it: the reference for the conversions."""
    f = Pcapng()
    f.shb()
    f.idb(LINKTYPE_ETHERNET, 65535, "us")
    f.idb(LINKTYPE_ETHERNET, 65535, "ns", tsresol=9)
    f.idb(LINKTYPE_ETHERNET, 65535, "bin20", tsresol=0x80 | 20)
    f.idb(LINKTYPE_ETHERNET, 65535, "bin32", tsresol=0x80 | 32)
    f.idb(LINKTYPE_ETHERNET, 65535, "ms+offset", tsresol=3, tsoffset=1_600_000_000)
    conv = conversation(40021)
    for i, pkt in enumerate(conv):
        f.epb(i % 5, ms(i) + 777 * i, ethernet(pkt))
    f.write("tsresol.pcapng")


def block_kinds():
    """Enhanced, Simple and obsolete Packet Blocks, EPB options, and blocks
    the reader does not know (name resolution, statistics, a custom block,
    an unassigned type), all skipped by their length. libpcap reads it."""
    f = Pcapng()
    f.shb()
    f.block(0x0BAD, b"block before any interface")
    f.idb(LINKTYPE_ETHERNET, 65535, "eth0")
    f.block(NRB, struct.pack("<HH4s", 1, 12, bytes([192, 0, 2, 1])) + b"host.test\0\0\0" + b"\0" * 4)
    for i, pkt in enumerate(conversation(40031)):
        frame = ethernet(pkt)
        kind = i % 3
        if kind == 0:
            f.epb(0, ms(i), frame, opts=[(2, struct.pack("<I", 1)), (1, b"a comment")])
        elif kind == 1:
            f.spb(frame)
        else:
            f.pb(0, ms(i), frame)
        f.block(0x40000BAD, struct.pack("<I", 32473) + b"custom data")
    f.block(ISB, struct.pack("<III", 0, 0, 0))
    f.block(0x7777, b"")
    f.write("block-kinds.pcapng")


def sections(second_order="<", second_snaplen=65535, name="sections.pcapng"):
    """Two captures concatenated: each section has its own interfaces and
    interface numbers start again at 0."""
    f = Pcapng()
    f.shb()
    f.idb(LINKTYPE_ETHERNET, 65535, "eth0")
    for i, pkt in enumerate(conversation(40041)):
        f.epb(0, ms(i), ethernet(pkt))
    f.shb(order=second_order, minor=2)
    f.idb(LINKTYPE_ETHERNET, 65535, "lo", tsresol=9)
    f.idb(LINKTYPE_ETHERNET, second_snaplen, "eth9", tsresol=9)
    for i, pkt in enumerate(conversation(40042)):
        f.epb(1, ms(100 + i), ethernet(pkt))
    f.write(name)


def big_endian():
    """A file written on a big-endian host, nanosecond stamps and an
    offset. libpcap reads it."""
    f = Pcapng()
    f.shb(order=">")
    f.idb(LINKTYPE_ETHERNET, 65535, "en0", tsresol=9, tsoffset=-3600)
    f.idb(LINKTYPE_ETHERNET, 65535, "en1")
    for i, pkt in enumerate(conversation(40051)):
        f.epb(i % 2, ms(i), ethernet(pkt))
    f.spb(ethernet(conversation(40052)[0]))
    f.write("big-endian.pcapng")


def usb_only():
    """Two interfaces, neither of a link type the tool decodes: the file is
    skipped whole, as a classic pcap of such a link type is."""
    f = Pcapng()
    f.shb()
    f.idb(LINKTYPE_USB_LINUX, 262144, "usbmon1")
    f.idb(LINKTYPE_USB_LINUX, 262144, "usbmon2")
    for i in range(4):
        f.epb(i % 2, ms(i), bytes(range(i, 48 + i)))
    f.write("usb-only.pcapng")


def forwarded(ip):
    """The same IPv4 packet one hop later: TTL down by one, header checksum
    redone."""
    ip = ip[:8] + bytes([ip[8] - 1]) + ip[9:10] + b"\0\0" + ip[12:]
    return ip[:10] + struct.pack("!H", checksum(ip[:20])) + ip[12:]


def router():
    """A router's interfaces: the connection from port 40061 crosses it,
    each frame seen arriving on one interface and, 50 us later and one hop
    older, leaving on the other; the one from 40062 is routed
    asymmetrically, the client's frames seen on eth0 only, the server's on
    eth1 only; a third, unnamed interface carries the one from 40063."""
    f = Pcapng()
    f.shb()
    f.idb(LINKTYPE_ETHERNET, 65535, "eth0")
    f.idb(LINKTYPE_ETHERNET, 65535, "eth1")
    f.idb(LINKTYPE_ETHERNET, 65535)
    from_client = {0, 2, 3, 5, 7}
    for i, pkt in enumerate(conversation(40061)):
        arrive, leave = (0, 1) if i in from_client else (1, 0)
        f.epb(arrive, ms(i), ethernet(pkt))
        f.epb(leave, ms(i) + 50_000, ethernet(forwarded(pkt)))
    for i, pkt in enumerate(conversation(40062)):
        f.epb(0 if i in from_client else 1, ms(20 + i), ethernet(pkt))
    for i, pkt in enumerate(conversation(40063)):
        f.epb(2, ms(40 + i), ethernet(pkt))
    f.write("router.pcapng")


def main():
    multi_snaplen()
    multi_linktype()
    tsresol()
    block_kinds()
    sections()
    sections(second_snaplen=1500, name="sections-snaplen.pcapng")
    sections(second_order=">", name="sections-byte-order.pcapng")
    big_endian()
    usb_only()
    router()


if __name__ == "__main__":
    main()
