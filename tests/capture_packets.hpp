// Test helpers for capture/: build frames byte by byte (link, IP, TCP) and
// write small pcap files. Independent of the decoder on purpose: the
// checksum here is a second implementation of RFC 1071.
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

namespace tfe::test {

using Frame = std::vector<std::uint8_t>;

inline void put8(Frame& f, unsigned v) { f.push_back(static_cast<std::uint8_t>(v)); }
inline void put16(Frame& f, unsigned v) { put8(f, (v >> 8) & 0xFF); put8(f, v & 0xFF); }
inline void put32(Frame& f, std::uint32_t v) { put16(f, v >> 16); put16(f, v & 0xFFFF); }
inline void append(Frame& f, const Frame& tail) { f.insert(f.end(), tail.begin(), tail.end()); }
inline Frame cat(Frame a, const Frame& b) { append(a, b); return a; }

struct TcpSpec {
    std::uint16_t sport = 40000, dport = 80;
    std::uint32_t seq = 1000, ack = 0;
    std::uint8_t flags = 0x02;  // SYN
    std::uint16_t window = 65535, urgent = 0;
    Frame options;              // padded to 4 bytes with EOL
    Frame payload;
    int data_offset = -1;       // -1: computed from options
};

inline Frame tcp(const TcpSpec& s) {
    Frame opts = s.options;
    while (opts.size() % 4 != 0) opts.push_back(0);
    const unsigned doff = s.data_offset >= 0 ? unsigned(s.data_offset) : unsigned(5 + opts.size() / 4);
    Frame f;
    put16(f, s.sport); put16(f, s.dport); put32(f, s.seq); put32(f, s.ack);
    put8(f, doff << 4); put8(f, s.flags); put16(f, s.window);
    put16(f, 0);  // checksum, filled by ipv4()/ipv6()
    put16(f, s.urgent);
    append(f, opts);
    append(f, s.payload);
    return f;
}

inline std::uint16_t ones_complement(const Frame& pseudo, const Frame& seg) {
    std::uint32_t sum = 0;
    auto add = [&sum](const Frame& b) {
        for (std::size_t i = 0; i < b.size(); i += 2)
            sum += (unsigned(b[i]) << 8) | (i + 1 < b.size() ? b[i + 1] : 0u);
    };
    add(pseudo);
    add(seg);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

// A bare SYN from 40000 to 80.
inline Frame simple_syn() { return tcp(TcpSpec{}); }

struct Ipv4Spec {
    std::uint32_t src = 0xC0000201, dst = 0xC6336407;  // 192.0.2.1, 198.51.100.7
    std::uint8_t proto = 6, ttl = 64, ihl = 5;
    std::uint16_t id = 0x4242, frag = 0;   // flags + offset field
    int total = -1;                        // -1: computed
    bool fill_checksum = true;
};

inline Frame ipv4(Frame l4, const Ipv4Spec& s = {}) {
    if (s.proto == 6 && s.fill_checksum && l4.size() >= 18) {
        Frame pseudo;
        put32(pseudo, s.src); put32(pseudo, s.dst); put16(pseudo, 6); put16(pseudo, unsigned(l4.size()));
        const std::uint16_t c = ones_complement(pseudo, l4);
        l4[16] = std::uint8_t(c >> 8); l4[17] = std::uint8_t(c);
    }
    Frame f;
    put8(f, 0x40 | s.ihl); put8(f, 0);
    put16(f, s.total >= 0 ? unsigned(s.total) : unsigned(20 + l4.size()));
    put16(f, s.id); put16(f, s.frag); put8(f, s.ttl); put8(f, s.proto); put16(f, 0);
    put32(f, s.src); put32(f, s.dst);
    append(f, l4);
    return f;
}

inline Frame v6addr(std::uint8_t last) {
    Frame a{0x20, 0x01, 0x0d, 0xb8};
    a.resize(15, 0);
    a.push_back(last);
    return a;
}

struct Ipv6Spec {
    Frame src = v6addr(1), dst = v6addr(2);
    std::uint8_t next = 6, hop_limit = 63;
    Frame extensions;    // already chained; `next` names the first one
    int payload = -1;    // -1: computed
};

inline Frame ipv6(Frame l4, const Ipv6Spec& s = {}) {
    if (l4.size() >= 18) {
        Frame pseudo = cat(s.src, s.dst);
        put32(pseudo, std::uint32_t(l4.size())); put32(pseudo, 6);
        const std::uint16_t c = ones_complement(pseudo, l4);
        l4[16] = std::uint8_t(c >> 8); l4[17] = std::uint8_t(c);
    }
    Frame f;
    put32(f, 0x60000000);
    put16(f, s.payload >= 0 ? unsigned(s.payload) : unsigned(s.extensions.size() + l4.size()));
    put8(f, s.next); put8(f, s.hop_limit);
    append(f, s.src); append(f, s.dst); append(f, s.extensions);
    append(f, l4);
    return f;
}

// An 8-byte options-style extension header (hop-by-hop, routing, dest opts)
// with PadN filling, or a fragment header.
inline Frame ext_header(std::uint8_t next, std::uint8_t len_units = 0) {
    Frame f{next, len_units};
    f.resize((len_units + 1u) * 8u, 0);
    if (f.size() >= 8) { f[2] = 1; f[3] = std::uint8_t(f.size() - 4); }  // PadN
    return f;
}
inline Frame fragment_header(std::uint8_t next, std::uint16_t offset_units, bool more) {
    Frame f{next, 0};
    put16(f, unsigned(offset_units << 3) | (more ? 1u : 0u));
    put32(f, 0xabcdef01);
    return f;
}

inline Frame ethernet(const Frame& payload, std::uint16_t ethertype,
                      std::initializer_list<std::uint16_t> tags = {}) {
    Frame f{0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    for (std::uint16_t tpid : tags) { put16(f, tpid); put16(f, 100); }  // VLAN 100
    put16(f, ethertype);
    append(f, payload);
    return f;
}

inline Frame sll(const Frame& payload, std::uint16_t packet_type, std::uint16_t proto) {
    Frame f;
    put16(f, packet_type); put16(f, 772 /* ARPHRD_LOOPBACK */); put16(f, 6);
    for (int i = 0; i < 8; ++i) put8(f, 0);
    put16(f, proto);
    append(f, payload);
    return f;
}

inline Frame sll2(const Frame& payload, std::uint8_t packet_type, std::uint16_t proto) {
    Frame f;
    put16(f, proto); put16(f, 0); put32(f, 1 /* ifindex */); put16(f, 772);
    put8(f, packet_type); put8(f, 6);
    for (int i = 0; i < 8; ++i) put8(f, 0);
    append(f, payload);
    return f;
}

inline Frame bsd_loopback(const Frame& payload, std::uint32_t family, bool big_endian) {
    Frame f;
    if (big_endian) put32(f, family);
    else for (int i = 0; i < 4; ++i) put8(f, (family >> (8 * i)) & 0xFF);
    append(f, payload);
    return f;
}

inline Frame from_hex(const std::string& hex) {
    Frame f;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) f.push_back(std::uint8_t(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return f;
}

// ---------------------------------------------------------------- pcap files

struct Record {
    std::uint32_t sec = 0, frac = 0;  // frac: micro- or nanoseconds
    Frame bytes;
    std::uint32_t wire_len = 0;       // 0: bytes.size()
};

inline void le32(Frame& f, std::uint32_t v) { for (int i = 0; i < 4; ++i) put8(f, (v >> (8 * i)) & 0xFF); }
inline void le16(Frame& f, unsigned v) { put8(f, v & 0xFF); put8(f, (v >> 8) & 0xFF); }

// The classic pcap format (little-endian), https://www.tcpdump.org/manpages/pcap-savefile.5.html
inline Frame pcap_file_bytes(std::uint32_t linktype, const std::vector<Record>& records, bool nano = false) {
    Frame f;
    le32(f, nano ? 0xa1b23c4d : 0xa1b2c3d4); le16(f, 2); le16(f, 4);
    le32(f, 0); le32(f, 0); le32(f, 262144); le32(f, linktype);
    for (const Record& r : records) {
        le32(f, r.sec); le32(f, r.frac); le32(f, std::uint32_t(r.bytes.size()));
        le32(f, r.wire_len ? r.wire_len : std::uint32_t(r.bytes.size()));
        append(f, r.bytes);
    }
    return f;
}

inline void write_file(const std::string& path, const Frame& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return;
    if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), f);  // data() of an empty vector may be null
    std::fclose(f);
}

}  // namespace tfe::test
