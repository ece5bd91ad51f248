// capture/encapsulation: TCP inside MPLS, PPPoE, PBB, VN-Tag, E-Tag, GRE
// (plain, keyed, ERSPAN, PPTP), IP-in-IP, 6in4, VXLAN, VXLAN-GPE, Geneve and
// GTP-U decodes as the innermost packet's segment; what is not decoded is
// named; cut headers are malformed, never read past.
#include <catch2/catch.hpp>
#include <pcap/pcap.h>

#include <string>
#include <vector>

#include "capture/decoder.hpp"
#include "capture_packets.hpp"

using namespace tfe;
using namespace tfe::capture;
using namespace tfe::test;

namespace {

constexpr std::uint16_t kIpv4 = 0x0800, kIpv6 = 0x86DD;

// The connection inside: 10.1.1.1:51000 -> 10.2.2.2:443, 5 bytes.
Frame inner_ipv4() {
    TcpSpec t;
    t.sport = 51000; t.dport = 443; t.flags = 0x18; t.payload = Frame(5, 'x');
    Ipv4Spec ip;
    ip.src = 0x0A010101; ip.dst = 0x0A020202; ip.ttl = 61;
    return ipv4(tcp(t), ip);
}

Frame inner_ipv6() {
    TcpSpec t;
    t.sport = 51000; t.dport = 443; t.flags = 0x18; t.payload = Frame(5, 'x');
    return ipv6(tcp(t));
}

// An outer IPv4 packet from 192.0.2.1 to 198.51.100.7 carrying `payload`.
Frame outer(std::uint8_t proto, const Frame& payload) {
    Ipv4Spec ip;
    ip.proto = proto;
    return ipv4(payload, ip);
}

// The same from 2001:db8::9 to 2001:db8::8 (no checksum to fill: not TCP).
Frame outer6(std::uint8_t next, const Frame& payload) {
    Frame f;
    put32(f, 0x60000000); put16(f, unsigned(payload.size())); put8(f, next); put8(f, 64);
    append(f, v6addr(9)); append(f, v6addr(8));
    return cat(f, payload);
}

Frame udp(std::uint16_t dport, const Frame& payload) {
    Frame f;
    put16(f, 33333); put16(f, dport); put16(f, 8 + unsigned(payload.size())); put16(f, 0);
    return cat(f, payload);
}

Frame words(std::initializer_list<std::uint32_t> ws) {
    Frame f;
    for (std::uint32_t w : ws) put32(f, w);
    return f;
}

Frame mpls(const Frame& payload, int labels = 2) {
    Frame f;
    for (int i = 0; i < labels; ++i) put32(f, (100u + i) << 12 | (i == labels - 1 ? 0x100u : 0u) | 64u);
    return cat(f, payload);
}

Frame gre(std::uint16_t flags, std::uint16_t type, const Frame& payload, int optional_words = 0) {
    Frame f;
    put16(f, flags); put16(f, type);
    for (int i = 0; i < optional_words; ++i) put32(f, 0x01020304);
    return cat(f, payload);
}

struct Case {
    const char* name;
    int dlt;
    Frame frame;
    // A prefix cut before this offset (the UDP ports of the outermost
    // tunnel) cannot be told from other UDP: not TCP, not malformed.
    std::size_t udp_ports_end = 0;
};

constexpr std::size_t kOuterUdpPorts = 14 + 20 + 4;

std::vector<Case> decodable() {
    const Frame in4 = inner_ipv4(), in6 = inner_ipv6();
    const Frame eth_in4 = ethernet(in4, kIpv4);
    Frame pppoe = words({0x11000001});  // version 1, type 1, code 0, session 1
    put16(pppoe, unsigned(2 + in4.size())); put16(pppoe, 0x0021);
    Frame pppoe6 = words({0x11000001});
    put16(pppoe6, unsigned(2 + in6.size())); put16(pppoe6, 0x0057);
    Frame geneve{0x01, 0x00};  // one 4-byte option
    put16(geneve, kIpv4); put32(geneve, 0x00abcd00); put32(geneve, 0x01020304);
    Frame gtp{0x32, 0xFF};  // version 1, PT, S flag; G-PDU
    put16(gtp, unsigned(4 + 4 + in4.size())); put32(gtp, 0x1234);
    append(gtp, Frame{0x00, 0x07, 0x00, 0x85});  // seq, N-PDU, next extension: PDU session container
    append(gtp, Frame{0x01, 0x00, 0x09, 0x00});  // one 4-byte extension, then none
    return {
        {"MPLS, two labels", DLT_EN10MB, ethernet(mpls(in4), 0x8847)},
        {"MPLS inside VLAN", DLT_EN10MB, ethernet(mpls(in6, 1), 0x8847, {0x8100})},
        {"MPLS pseudowire with control word", DLT_EN10MB, ethernet(mpls(cat(words({0}), eth_in4)), 0x8847)},
        {"PPPoE session, IPv4", DLT_EN10MB, ethernet(cat(pppoe, in4), 0x8864)},
        {"PPPoE session, IPv6, in QinQ", DLT_EN10MB, ethernet(cat(pppoe6, in6), 0x8864, {0x88A8, 0x8100})},
        {"802.1ah PBB", DLT_EN10MB, ethernet(cat(words({0x00000123}), eth_in4), 0x88E7)},
        {"VN-Tag", DLT_EN10MB, ethernet(cat(words({0x80010002}), cat(Frame{0x08, 0x00}, in4)), 0x8926)},
        {"802.1BR E-Tag", DLT_EN10MB, ethernet(cat(Frame(6, 0), cat(Frame{0x08, 0x00}, in4)), 0x893F)},
        {"IP-in-IP", DLT_EN10MB, ethernet(outer(4, in4), kIpv4)},
        {"6in4", DLT_EN10MB, ethernet(outer(41, in6), kIpv4)},
        {"IPv4 in IPv6", DLT_EN10MB, ethernet(outer6(4, in4), kIpv6)},
        {"MPLS in IP", DLT_EN10MB, ethernet(outer(137, mpls(in4, 1)), kIpv4)},
        {"EtherIP", DLT_EN10MB, ethernet(outer(97, cat(Frame{0x30, 0x00}, eth_in4)), kIpv4)},
        {"GRE, IPv4", DLT_EN10MB, ethernet(outer(47, gre(0, kIpv4, in4)), kIpv4)},
        {"GRE with checksum, key and sequence", DLT_EN10MB, ethernet(outer(47, gre(0xB000, kIpv6, in6, 3)), kIpv4)},
        {"GRE transparent Ethernet bridging", DLT_EN10MB, ethernet(outer(47, gre(0x2000, 0x6558, eth_in4, 1)), kIpv4)},
        {"GRE ERSPAN type II", DLT_EN10MB, ethernet(outer(47, gre(0x1000, 0x88BE, cat(Frame(8, 0), eth_in4), 1)), kIpv4)},
        {"GRE ERSPAN type III with sub-header", DLT_EN10MB,
         ethernet(outer(47, gre(0x1000, 0x22EB, cat(cat(Frame(11, 0), Frame{1}), cat(Frame(8, 0), eth_in4)), 1)), kIpv4)},
        {"PPTP enhanced GRE, PPP", DLT_EN10MB,
         ethernet(outer(47, gre(0x3081, 0x880B, cat(Frame{0xFF, 0x03, 0x00, 0x21}, in4), 3)), kIpv4)},
        {"PPTP, compressed PPP protocol", DLT_EN10MB, ethernet(outer(47, gre(0x2001, 0x880B, cat(Frame{0x21}, in4), 1)), kIpv4)},
        {"VXLAN", DLT_EN10MB, ethernet(outer(17, udp(4789, cat(words({0x08000000, 0x00123400}), eth_in4))), kIpv4), kOuterUdpPorts},
        {"VXLAN, Linux's old port", DLT_EN10MB, ethernet(outer(17, udp(8472, cat(words({0x08000000, 0}), eth_in4))), kIpv4), kOuterUdpPorts},
        {"VXLAN-GPE, IPv6", DLT_EN10MB, ethernet(outer(17, udp(4790, cat(words({0x0C000002, 0}), in6))), kIpv4), kOuterUdpPorts},
        {"Geneve with an option", DLT_EN10MB, ethernet(outer(17, udp(6081, cat(geneve, in4))), kIpv4), kOuterUdpPorts},
        {"GTP-U with an extension header", DLT_EN10MB, ethernet(outer(17, udp(2152, cat(gtp, in4))), kIpv4), kOuterUdpPorts},
        {"GRE on Linux cooked v1", DLT_LINUX_SLL, sll(outer(47, gre(0, kIpv4, in4)), 0, kIpv4)},
        {"MPLS on raw IP's neighbour, cooked v2", DLT_LINUX_SLL2, sll2(mpls(in4), 0, 0x8847)},
        {"VXLAN in VXLAN", DLT_EN10MB,
         ethernet(outer(17, udp(4789, cat(words({0x08000000, 0}),
                                           ethernet(outer(17, udp(4789, cat(words({0x08000000, 0}), eth_in4))), kIpv4)))),
                  kIpv4),
         kOuterUdpPorts + 8 + 8 + 14 + 20},
    };
}

}  // namespace

TEST_CASE("TCP inside each encapsulation decodes as the innermost packet's", "[capture][encapsulation]") {
    for (const Case& c : decodable()) {
        INFO(c.name);
        Segment s;
        REQUIRE(decode_frame(c.dlt, c.frame, std::uint32_t(c.frame.size()), true, s) == DecodeError::ok);
        CHECK(s.sport == 51000);
        CHECK(s.dport == 443);
        CHECK(s.payload_len == 5);
        CHECK(s.captured_len == 5);
        CHECK(s.checksum_checked);
        CHECK(s.checksum_ok);
        if (s.src.version == 4) {
            CHECK(s.src == IpAddr::v4(0x0A010101));
            CHECK(s.dst == IpAddr::v4(0x0A020202));
            CHECK(s.ip_ttl == 61);
        } else {
            CHECK(s.src.bytes[15] == 1);
            CHECK(s.dst.bytes[15] == 2);
        }
    }
}

TEST_CASE("Every prefix of an encapsulated frame is refused cleanly", "[capture][encapsulation]") {
    for (const Case& c : decodable()) {
        INFO(c.name);
        for (std::size_t n = 0; n < c.frame.size(); ++n) {
            Segment s;
            const Frame cut(c.frame.begin(), c.frame.begin() + std::ptrdiff_t(n));
            const DecodeError e = decode_frame(c.dlt, cut, std::uint32_t(c.frame.size()), true, s);
            // Cut inside the TCP payload: a segment, not checksummed.
            if (e == DecodeError::ok) {
                CHECK_FALSE(s.checksum_checked);
                CHECK(s.captured_len < 5);
            } else if (e == DecodeError::not_tcp) {
                CHECK(n < c.udp_ports_end);
            } else {
                CHECK(is_malformed(e));
            }
        }
    }
}

TEST_CASE("Headers that may carry TCP but are not decoded are named", "[capture][encapsulation]") {
    const Frame in4 = inner_ipv4();
    struct Undecodable {
        Frame frame;
        std::string named;
    };
    Frame pppoe = words({0x11000001});
    put16(pppoe, 2); put16(pppoe, 0x002B);  // IPX over PPP
    const std::vector<Undecodable> cases = {
        {ethernet(Frame(40, 0), 0x88E5), "EtherType 0x88e5"},  // MACsec: encrypted
        {ethernet(Frame(40, 0), 0x1234, {0x8100}), "EtherType 0x1234"},
        {ethernet(pppoe, 0x8864), "PPP protocol 0x002b"},
        {ethernet(outer(47, gre(0x0002, kIpv4, in4)), kIpv4), "GRE version 2"},
        {ethernet(outer(47, gre(0, 0x9999, in4)), kIpv4), "EtherType 0x9999"},
        {ethernet(mpls(cat(Frame{0x90}, Frame(30, 0))), 0x8847), "MPLS payload starting with nibble 9"},
        {ethernet(outer(17, udp(4790, cat(words({0x0C000004, 0}), in4))), kIpv4), "VXLAN-GPE next protocol 4"},
    };
    for (const Undecodable& c : cases) {
        INFO(c.named);
        Segment s;
        Undecoded why;
        CHECK(decode_frame(DLT_EN10MB, c.frame, std::uint32_t(c.frame.size()), false, s, &why) ==
              DecodeError::encapsulation_not_decoded);
        CHECK(to_string(why) == c.named);
    }
    CHECK_FALSE(is_malformed(DecodeError::encapsulation_not_decoded));
    // Families that carry no IP stay "not IP"; other UDP stays "not TCP".
    Segment s;
    CHECK(decode_frame(DLT_EN10MB, ethernet(Frame(46, 0), 0x88CC), 60, false, s) == DecodeError::not_ip);
    const Frame dns = ethernet(outer(17, udp(53, Frame(20, 0))), kIpv4);
    CHECK(decode_frame(DLT_EN10MB, dns, std::uint32_t(dns.size()), false, s) == DecodeError::not_tcp);
}

TEST_CASE("Tunnels nested past the depth limit are malformed", "[capture][encapsulation]") {
    Frame f = inner_ipv4();
    for (int i = 0; i < 20; ++i) f = outer(4, f);
    Segment s;
    const Frame frame = ethernet(f, kIpv4);
    CHECK(decode_frame(DLT_EN10MB, frame, std::uint32_t(frame.size()), false, s) == DecodeError::too_many_encapsulations);
    CHECK(is_malformed(DecodeError::too_many_encapsulations));
}

TEST_CASE("A tunnel inside an outer first fragment decodes, unchecked", "[capture][encapsulation]") {
    const Frame in4 = inner_ipv4();
    Ipv4Spec ip;
    ip.proto = 4;
    ip.frag = 0x2000;  // MF, offset 0: the inner packet goes on in the next fragment
    const Frame cut(in4.begin(), in4.end() - 2);
    const Frame frame = ethernet(ipv4(cut, ip), kIpv4);
    Segment s;
    REQUIRE(decode_frame(DLT_EN10MB, frame, std::uint32_t(frame.size()), true, s) == DecodeError::ok);
    CHECK(s.payload_len == 5);
    CHECK(s.captured_len == 3);
    CHECK_FALSE(s.checksum_checked);
}
