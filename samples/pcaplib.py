"""Small helpers shared by seeds.py and craft.py: a classic-pcap writer that
takes exact integer microsecond timestamps (no float rounding), and frame
builders on top of scapy.  Run with /usr/bin/python3 (Debian's scapy)."""

import struct

LINKTYPE_ETHERNET = 1

# Linux lo frames carry an Ethernet header with zero MACs.
LOOPBACK_MAC = "00:00:00:00:00:00"


def write_pcap(path, frames, linktype=LINKTYPE_ETHERNET, snaplen=262144):
    """frames: iterable of (micros_since_epoch, bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        for micros, data in frames:
            sec, usec = divmod(int(micros), 1_000_000)
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)


def mac_for(addr):
    """A stable, locally administered MAC derived from an IP address string."""
    if ":" in addr:  # IPv6: use the last 4 bytes of the textual hash
        h = sum(ord(c) * (i + 1) for i, c in enumerate(addr)) & 0xFFFFFFFF
        octets = [(h >> s) & 0xFF for s in (24, 16, 8, 0)]
    else:
        octets = [int(x) for x in addr.split(".")]
    return "02:00:" + ":".join("%02x" % o for o in octets)


def seq_add(a, b):
    return (a + b) & 0xFFFFFFFF
