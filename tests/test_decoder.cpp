// capture/decoder: every link type, IPv4/IPv6, options, malformed headers,
// truncation, fragments and checksums, from crafted bytes.
#include <catch2/catch.hpp>
#include <pcap/pcap.h>

#include <set>
#include <string>

#include "capture/byte_reader.hpp"
#include "capture/decoder.hpp"
#include "capture_packets.hpp"

using namespace tfe;
using namespace tfe::capture;
using namespace tfe::test;

namespace {

constexpr std::uint16_t kIpv4 = 0x0800, kIpv6 = 0x86DD;

DecodeError decode(int dlt, const Frame& f, Segment& s, bool verify = false, std::uint32_t wire = 0) {
    return decode_frame(dlt, f, wire ? wire : std::uint32_t(f.size()), verify, s);
}

Frame simple_tcp(Frame payload = {}, std::uint8_t flags = 0x18) {
    TcpSpec t;
    t.flags = flags;
    t.payload = std::move(payload);
    return tcp(t);
}

Frame eth4(const Frame& l4, const Ipv4Spec& ip = {}) { return ethernet(ipv4(l4, ip), kIpv4); }

Frame options(std::initializer_list<std::uint8_t> bytes) { return Frame(bytes); }

}  // namespace

// ---------------------------------------------------------------- ByteReader

TEST_CASE("ByteReader reads big-endian and refuses to read past the span", "[capture][reader]") {
    const Frame b{0x12, 0x34, 0x56, 0x78, 0x9a};
    ByteReader r(b);
    std::uint16_t v16 = 0;
    std::uint32_t v32 = 0;
    REQUIRE(r.u16(v16));
    CHECK(v16 == 0x1234);
    CHECK_FALSE(r.u32(v32));  // only 3 left
    CHECK(v32 == 0);
    CHECK(r.position() == 2);  // a failed read does not move
    CHECK_FALSE(r.skip(4));
    Bytes taken;
    REQUIRE(r.take(3, taken));
    CHECK(taken.size() == 3);
    std::uint8_t v8 = 0;
    CHECK_FALSE(r.u8(v8));
    CHECK(r.remaining() == 0);
}

TEST_CASE("ByteReader reads little-endian only when asked", "[capture][reader]") {
    const Frame b{0x02, 0, 0, 0};
    ByteReader r(b);
    std::uint32_t v = 0;
    REQUIRE(r.u32_le(v));
    CHECK(v == 2);
}

// ---------------------------------------------------------------- Ethernet + IPv4

TEST_CASE("Ethernet IPv4 SYN decodes every field and option", "[capture][decoder]") {
    TcpSpec t;
    t.sport = 51234; t.dport = 443; t.seq = 0xfffffff0; t.ack = 0; t.flags = 0x02 | 0x40 | 0x80;
    t.window = 64240; t.urgent = 7;
    t.options = options({2, 4, 0x05, 0xb4,            // MSS 1460
                         1, 3, 3, 7,                   // NOP, wscale 7
                         4, 2,                          // SACK permitted
                         8, 10, 0, 0, 0, 1, 0, 0, 0, 2}); // timestamps 1, 2
    Ipv4Spec ip;
    ip.ttl = 57; ip.id = 0xbeef;
    const Frame f = eth4(tcp(t), ip);
    Segment s;
    s.frame = 42; s.ts = 123456789;
    REQUIRE(decode(DLT_EN10MB, f, s) == DecodeError::ok);
    CHECK(s.frame == 42);  // left to the caller
    CHECK(s.ts == 123456789);
    CHECK(s.src == IpAddr::v4(0xC0000201));
    CHECK(s.dst == IpAddr::v4(0xC6336407));
    CHECK(s.sport == 51234);
    CHECK(s.dport == 443);
    CHECK(s.seq == SeqNum(0xfffffff0));
    CHECK(s.flags.bits == (0x02 | 0x40 | 0x80));
    CHECK(s.window == 64240);
    CHECK(s.urgent == 7);
    CHECK(s.payload_len == 0);
    CHECK(s.captured_len == 0);
    CHECK(s.wire_len == f.size());
    CHECK(s.ip_ttl == 57);
    CHECK(s.ip_id == 0xbeef);
    CHECK(s.direction == PacketDirection::unknown);
    CHECK_FALSE(s.checksum_checked);
    CHECK(s.options.has_mss);
    CHECK(s.options.mss == 1460);
    CHECK(s.options.has_wscale);
    CHECK(s.options.wscale == 7);
    CHECK(s.options.sack_permitted);
    CHECK(s.options.has_timestamps);
    CHECK(s.options.ts_val == 1);
    CHECK(s.options.ts_ecr == 2);
    CHECK_FALSE(s.options.has_fast_open);
    CHECK(s.seq_len() == 1);
}

TEST_CASE("All eight TCP flags are decoded", "[capture][decoder]") {
    Segment s;
    REQUIRE(decode(DLT_EN10MB, eth4(simple_tcp({}, 0xFF)), s) == DecodeError::ok);
    CHECK(s.flags.bits == 0xFF);
}

TEST_CASE("Payload length and first payload byte", "[capture][decoder]") {
    Segment s;
    REQUIRE(decode(DLT_EN10MB, eth4(simple_tcp({'x', 'y', 'z'})), s) == DecodeError::ok);
    CHECK(s.payload_len == 3);
    CHECK(s.captured_len == 3);
    CHECK(s.first_payload_byte == 'x');
}

TEST_CASE("Ethernet padding beyond the IP total length is not payload", "[capture][decoder]") {
    Frame f = eth4(simple_tcp({}, 0x10));  // 54 bytes
    f.resize(60, 0xEE);                    // minimum Ethernet frame
    Segment s;
    REQUIRE(decode(DLT_EN10MB, f, s) == DecodeError::ok);
    CHECK(s.payload_len == 0);
    CHECK(s.captured_len == 0);
    CHECK(s.wire_len == 60);
}

TEST_CASE("VLAN tags: single, stacked 802.1ad, 0x9100", "[capture][decoder]") {
    const Frame ip = ipv4(simple_tcp());
    const auto tags = GENERATE(std::vector<std::uint16_t>{0x8100}, std::vector<std::uint16_t>{0x88a8, 0x8100},
                               std::vector<std::uint16_t>{0x9100, 0x8100}, std::vector<std::uint16_t>{0x88a8, 0x9100, 0x8100});
    Frame f{0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    for (auto tpid : tags) { put16(f, tpid); put16(f, 5); }
    put16(f, kIpv4);
    append(f, ip);
    Segment s;
    REQUIRE(decode(DLT_EN10MB, f, s) == DecodeError::ok);
    CHECK(s.sport == 40000);
}

TEST_CASE("Too many VLAN tags is malformed", "[capture][decoder]") {
    Frame f{0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    for (int i = 0; i < 9; ++i) { put16(f, 0x8100); put16(f, 5); }
    put16(f, kIpv4);
    append(f, ipv4(simple_tcp()));
    Segment s;
    CHECK(decode(DLT_EN10MB, f, s) == DecodeError::too_many_vlan_tags);
}

TEST_CASE("Non-IP and non-TCP frames are skipped, not malformed", "[capture][decoder]") {
    Segment s;
    const Frame arp = ethernet(Frame(28, 0), 0x0806);
    CHECK(decode(DLT_EN10MB, arp, s) == DecodeError::not_ip);
    Ipv4Spec udp;
    udp.proto = 17;
    CHECK(decode(DLT_EN10MB, eth4(Frame(8, 0), udp), s) == DecodeError::not_tcp);
    Ipv4Spec icmp;
    icmp.proto = 1;
    CHECK(decode(DLT_EN10MB, eth4(Frame(8, 0), icmp), s) == DecodeError::not_tcp);
    const Frame llc = ethernet(Frame(40, 0), 40);  // 802.3 length field
    CHECK(decode(DLT_EN10MB, llc, s) == DecodeError::not_ip);
    CHECK_FALSE(is_malformed(DecodeError::not_ip));
    CHECK_FALSE(is_malformed(DecodeError::not_tcp));
    CHECK_FALSE(is_malformed(DecodeError::non_first_fragment));
    CHECK_FALSE(is_malformed(DecodeError::ok));
}

// ---------------------------------------------------------------- Linux cooked

TEST_CASE("Linux cooked v1: packet type gives the direction", "[capture][decoder]") {
    const Frame ip = ipv4(simple_tcp());
    const auto [type, expected] = GENERATE(table<std::uint16_t, PacketDirection>({
        {0, PacketDirection::incoming}, {1, PacketDirection::incoming},
        {2, PacketDirection::incoming}, {3, PacketDirection::unknown},
        {4, PacketDirection::outgoing}}));
    Segment s;
    REQUIRE(decode(DLT_LINUX_SLL, sll(ip, type, kIpv4), s) == DecodeError::ok);
    CHECK(s.direction == expected);
    CHECK(s.sport == 40000);
}

TEST_CASE("Linux cooked v2: packet type gives the direction, IPv4 and IPv6", "[capture][decoder]") {
    Segment s;
    REQUIRE(decode(DLT_LINUX_SLL2, sll2(ipv4(simple_tcp()), 4, kIpv4), s) == DecodeError::ok);
    CHECK(s.direction == PacketDirection::outgoing);
    REQUIRE(decode(DLT_LINUX_SLL2, sll2(ipv6(simple_tcp()), 0, kIpv6), s) == DecodeError::ok);
    CHECK(s.direction == PacketDirection::incoming);
    CHECK(s.src.version == 6);
    CHECK(decode(DLT_LINUX_SLL2, sll2(Frame(28, 0), 0, 0x0806), s) == DecodeError::not_ip);
}

TEST_CASE("Linux cooked headers cut short", "[capture][decoder]") {
    Segment s;
    Frame f = sll2(ipv4(simple_tcp()), 0, kIpv4);
    f.resize(19);
    CHECK(decode(DLT_LINUX_SLL2, f, s) == DecodeError::truncated_link_header);
    Frame g = sll(ipv4(simple_tcp()), 0, kIpv4);
    g.resize(15);
    CHECK(decode(DLT_LINUX_SLL, g, s) == DecodeError::truncated_link_header);
}

// ---------------------------------------------------------------- raw, NULL, LOOP

TEST_CASE("Raw IP link types take the version from the first nibble", "[capture][decoder]") {
    Segment s;
    for (int dlt : {DLT_RAW, 101}) {
        REQUIRE(decode(dlt, ipv4(simple_tcp()), s) == DecodeError::ok);
        CHECK(s.src.version == 4);
        REQUIRE(decode(dlt, ipv6(simple_tcp()), s) == DecodeError::ok);
        CHECK(s.src.version == 6);
        CHECK(decode(dlt, Frame{0x50, 0, 0, 0}, s) == DecodeError::not_ip);
        CHECK(decode(dlt, Frame{}, s) == DecodeError::truncated_ip_header);
    }
    REQUIRE(decode(DLT_IPV4, ipv4(simple_tcp()), s) == DecodeError::ok);
    REQUIRE(decode(DLT_IPV6, ipv6(simple_tcp()), s) == DecodeError::ok);
    CHECK(s.src == IpAddr::v6(v6addr(1).data()));
    CHECK(decode(DLT_IPV4, ipv6(simple_tcp()), s) == DecodeError::ip_version_mismatch);
}

TEST_CASE("BSD loopback NULL (either byte order) and LOOP (network order)", "[capture][decoder]") {
    Segment s;
    for (bool big : {false, true}) {
        REQUIRE(decode(DLT_NULL, bsd_loopback(ipv4(simple_tcp()), 2, big), s) == DecodeError::ok);
        CHECK(s.src.version == 4);
        for (std::uint32_t af6 : {24u, 28u, 30u}) {
            REQUIRE(decode(DLT_NULL, bsd_loopback(ipv6(simple_tcp()), af6, big), s) == DecodeError::ok);
            CHECK(s.src.version == 6);
        }
    }
    REQUIRE(decode(DLT_LOOP, bsd_loopback(ipv4(simple_tcp()), 2, true), s) == DecodeError::ok);
    REQUIRE(decode(DLT_LOOP, bsd_loopback(ipv6(simple_tcp()), 30, true), s) == DecodeError::ok);
    CHECK(decode(DLT_LOOP, bsd_loopback(ipv4(simple_tcp()), 2, false), s) == DecodeError::not_ip);
    CHECK(decode(DLT_NULL, bsd_loopback(ipv4(simple_tcp()), 7, false), s) == DecodeError::not_ip);
    CHECK(decode(DLT_NULL, Frame{2, 0}, s) == DecodeError::truncated_link_header);
}

TEST_CASE("Link type support and names", "[capture][decoder]") {
    for (int dlt : {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, 101, DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP})
        CHECK(linktype_supported(dlt));
    CHECK_FALSE(linktype_supported(189));  // USB_LINUX
    CHECK(linktype_name(DLT_EN10MB) == "EN10MB");
    CHECK(linktype_name(DLT_LINUX_SLL2) == "LINUX_SLL2");
    CHECK(linktype_name(99999) == "DLT 99999");
    Segment s;
    CHECK(decode(189, Frame(64, 0), s) == DecodeError::unsupported_link_type);
}

// ---------------------------------------------------------------- IPv6

TEST_CASE("IPv6 extension headers are walked to TCP", "[capture][decoder]") {
    // hop-by-hop(0) -> routing(43) -> fragment(44, first, no MF) -> dest opts(60) -> TCP
    Ipv6Spec ip;
    ip.next = 0;
    ip.extensions = cat(cat(ext_header(43), ext_header(44, 1)), cat(fragment_header(60, 0, false), ext_header(6)));
    const Frame f = ethernet(ipv6(simple_tcp({'a', 'b'}), ip), kIpv6);
    Segment s;
    REQUIRE(decode(DLT_EN10MB, f, s, true) == DecodeError::ok);
    CHECK(s.payload_len == 2);
    CHECK(s.captured_len == 2);
    CHECK(s.ip_ttl == 63);
    CHECK(s.ip_id == 0);
    CHECK(s.checksum_checked);
    CHECK(s.checksum_ok);
}

TEST_CASE("IPv6 non-TCP next headers are skipped", "[capture][decoder]") {
    Segment s;
    for (std::uint8_t next : {std::uint8_t{59}, std::uint8_t{50}, std::uint8_t{17}, std::uint8_t{58}}) {
        Ipv6Spec ip;
        ip.next = next;
        CHECK(decode(DLT_IPV6, ipv6(Frame(8, 0), ip), s) == DecodeError::not_tcp);
    }
    Ipv6Spec hbh;  // hop-by-hop then no next header
    hbh.next = 0;
    hbh.extensions = ext_header(59);
    CHECK(decode(DLT_IPV6, ipv6(Frame{}, hbh), s) == DecodeError::not_tcp);
}

TEST_CASE("IPv6 fragments: non-first is skipped, first with M decodes unchecked", "[capture][decoder]") {
    Segment s;
    Ipv6Spec later;
    later.next = 44;
    later.extensions = fragment_header(6, 185, false);
    CHECK(decode(DLT_IPV6, ipv6(Frame(40, 0), later), s) == DecodeError::non_first_fragment);
    Ipv6Spec first;
    first.next = 44;
    first.extensions = fragment_header(6, 0, true);
    REQUIRE(decode(DLT_IPV6, ipv6(simple_tcp({1, 2, 3}), first), s, true) == DecodeError::ok);
    CHECK(s.payload_len == 3);
    CHECK_FALSE(s.checksum_checked);  // the checksum covers the whole datagram
}

TEST_CASE("IPv6 malformed extension chains", "[capture][decoder]") {
    Segment s;
    Ipv6Spec cut;
    cut.next = 0;
    cut.extensions = ext_header(6, 2);  // claims 24 bytes
    Frame f = ipv6(Frame{}, cut);
    const auto wire = std::uint32_t(f.size());
    f.resize(40 + 10);  // snaplen cut inside the extension header
    CHECK(decode(DLT_IPV6, f, s, false, wire) == DecodeError::truncated_ipv6_extension_header);
    Ipv6Spec many;
    many.next = 60;
    for (int i = 0; i < 9; ++i) append(many.extensions, ext_header(60));
    CHECK(decode(DLT_IPV6, ipv6(simple_tcp(), many), s) == DecodeError::too_many_ipv6_extension_headers);
    Ipv6Spec short_payload;  // payload length covers only the extension header
    short_payload.next = 60;
    short_payload.extensions = ext_header(6);
    short_payload.payload = 4;
    CHECK(decode(DLT_IPV6, ipv6(simple_tcp(), short_payload), s) == DecodeError::ipv6_extension_beyond_payload);
    CHECK(decode(DLT_IPV6, Frame(39, 0x60), s) == DecodeError::truncated_ip_header);
}

TEST_CASE("IPv6 payload length 0 (jumbogram, GSO) uses the frame length", "[capture][decoder]") {
    Ipv6Spec ip;
    ip.next = 0;
    ip.extensions = ext_header(6);
    ip.payload = 0;
    Segment s;
    REQUIRE(decode(DLT_IPV6, ipv6(simple_tcp(Frame(100, 'j')), ip), s, true) == DecodeError::ok);
    CHECK(s.payload_len == 100);
    CHECK(s.captured_len == 100);
    CHECK_FALSE(s.checksum_checked);
}

// ---------------------------------------------------------------- malformed

TEST_CASE("Malformed headers are named", "[capture][decoder]") {
    Segment s;
    SECTION("short Ethernet frame") {
        CHECK(decode(DLT_EN10MB, Frame(10, 0), s) == DecodeError::truncated_link_header);
    }
    SECTION("IPv4 header cut short") {
        CHECK(decode(DLT_EN10MB, ethernet(Frame{0x45, 0, 0, 40, 0, 0}, kIpv4), s) == DecodeError::truncated_ip_header);
    }
    SECTION("IHL below 5") {
        Ipv4Spec ip;
        ip.ihl = 4;
        CHECK(decode(DLT_EN10MB, eth4(simple_tcp(), ip), s) == DecodeError::ip_header_length_below_5);
    }
    SECTION("IHL beyond the bytes") {
        Ipv4Spec ip;
        ip.ihl = 15;
        const Frame f = ethernet(ipv4(Frame(20, 0), ip), kIpv4);
        CHECK(decode(DLT_EN10MB, Frame(f.begin(), f.begin() + 14 + 30), s) == DecodeError::truncated_ip_header);
    }
    SECTION("IPv4 version nibble wrong") {
        Frame f = eth4(simple_tcp());
        f[14] = 0x65;
        CHECK(decode(DLT_EN10MB, f, s) == DecodeError::ip_version_mismatch);
    }
    SECTION("IP total length beyond the frame on the wire") {
        Ipv4Spec ip;
        ip.total = 400;
        CHECK(decode(DLT_EN10MB, eth4(simple_tcp(), ip), s) == DecodeError::ip_length_beyond_frame);
    }
    SECTION("IP total length below the header") {
        Ipv4Spec ip;
        ip.total = 12;
        CHECK(decode(DLT_EN10MB, eth4(simple_tcp(), ip), s) == DecodeError::ip_total_length_below_header);
    }
    SECTION("TCP header cut short") {
        Frame f = eth4(simple_tcp());
        const auto wire = std::uint32_t(f.size());
        f.resize(14 + 20 + 12);
        CHECK(decode(DLT_EN10MB, f, s, false, wire) == DecodeError::truncated_tcp_header);
    }
    SECTION("IP length too small for a TCP header") {
        Ipv4Spec ip;
        ip.total = 20 + 12;
        CHECK(decode(DLT_EN10MB, eth4(simple_tcp(), ip), s) == DecodeError::tcp_header_beyond_ip_length);
    }
    SECTION("data offset below 5") {
        TcpSpec t;
        t.data_offset = 4;
        CHECK(decode(DLT_EN10MB, eth4(tcp(t)), s) == DecodeError::tcp_data_offset_below_5);
    }
    SECTION("data offset beyond the IP length") {
        TcpSpec t;
        t.data_offset = 15;
        CHECK(decode(DLT_EN10MB, eth4(tcp(t)), s) == DecodeError::tcp_header_beyond_ip_length);
    }
    SECTION("options cut by snaplen") {
        TcpSpec t;
        t.options = options({2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 1, 1});
        Frame f = eth4(tcp(t));
        const auto wire = std::uint32_t(f.size());
        f.resize(14 + 20 + 28);
        CHECK(decode(DLT_EN10MB, f, s, false, wire) == DecodeError::tcp_header_beyond_capture);
    }
    SECTION("every error is malformed except the skips") {
        for (auto e : {DecodeError::truncated_link_header, DecodeError::ip_header_length_below_5,
                       DecodeError::tcp_data_offset_below_5, DecodeError::ip_length_beyond_frame})
            CHECK(is_malformed(e));
    }
}

TEST_CASE("Every DecodeError has a distinct snake_case name", "[capture][decoder]") {
    std::set<std::string> names;
    for (int i = 0; i < int(DecodeError::count); ++i) {
        const std::string n = to_string(DecodeError(i));
        CHECK(n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos);
        names.insert(n);
    }
    CHECK(names.size() == std::size_t(DecodeError::count));
    CHECK(std::string(to_string(DecodeError::ip_header_length_below_5)) == "ip_header_length_below_5");
    CHECK(std::string(to_string(DecodeError::non_first_fragment)) == "non_first_fragment");
}

TEST_CASE("No prefix of a valid frame, nor any byte flip, reads out of bounds", "[capture][decoder]") {
    TcpSpec t;
    t.options = options({2, 4, 5, 0xb4, 3, 3, 7, 4, 2, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2});
    t.payload = Frame(20, 'p');
    Ipv6Spec ip6;
    ip6.next = 0;
    ip6.extensions = cat(ext_header(44), fragment_header(6, 0, false));
    const Frame frames[] = {eth4(tcp(t)), ethernet(ipv6(tcp(t), ip6), kIpv6, {0x88a8, 0x8100})};
    Segment s;
    for (const Frame& full : frames) {
        for (std::size_t n = 0; n <= full.size(); ++n) {
            const Frame cut(full.begin(), full.begin() + long(n));
            const DecodeError e = decode_frame(DLT_EN10MB, cut, std::uint32_t(full.size()), true, s);
            if (e == DecodeError::ok) CHECK(s.captured_len <= s.payload_len);
        }
        for (std::size_t i = 0; i < full.size(); ++i) {
            Frame flipped = full;
            flipped[i] ^= 0xFF;
            (void)decode_frame(DLT_EN10MB, flipped, std::uint32_t(full.size()), true, s);
        }
    }
    SUCCEED();
}

// ---------------------------------------------------------------- options

TEST_CASE("TCP options: EOL ends, NOP skips, bad lengths stop the loop", "[capture][decoder][options]") {
    Segment s;
    auto with = [&s](Frame opts) {
        TcpSpec t;
        t.options = std::move(opts);
        return decode(DLT_EN10MB, eth4(tcp(t)), s);
    };
    SECTION("EOL ends the list") {
        REQUIRE(with(options({0, 2, 4, 5, 0xb4})) == DecodeError::ok);
        CHECK_FALSE(s.options.has_mss);
    }
    SECTION("length 0 stops the loop, segment still decodes") {
        REQUIRE(with(options({2, 4, 5, 0xb4, 99, 0, 3, 3, 7})) == DecodeError::ok);
        CHECK(s.options.has_mss);
        CHECK_FALSE(s.options.has_wscale);
    }
    SECTION("length 1 stops the loop") {
        REQUIRE(with(options({1, 1, 3, 1, 3, 3, 7})) == DecodeError::ok);
        CHECK_FALSE(s.options.has_wscale);
    }
    SECTION("length beyond the header stops the loop") {
        REQUIRE(with(options({4, 2, 8, 40, 0, 0})) == DecodeError::ok);
        CHECK(s.options.sack_permitted);
        CHECK_FALSE(s.options.has_timestamps);
    }
    SECTION("option kind alone at the end") {
        REQUIRE(with(options({1, 1, 1, 2})) == DecodeError::ok);
        CHECK_FALSE(s.options.has_mss);
    }
    SECTION("wrong length for a known option ignores it and continues") {
        REQUIRE(with(options({2, 3, 5, 3, 3, 7})) == DecodeError::ok);
        CHECK_FALSE(s.options.has_mss);
        CHECK(s.options.has_wscale);
    }
    SECTION("window scale clamped to 14 (RFC 7323 2.3)") {
        REQUIRE(with(options({3, 3, 15})) == DecodeError::ok);
        CHECK(s.options.wscale == 14);
        REQUIRE(with(options({3, 3, 14})) == DecodeError::ok);
        CHECK(s.options.wscale == 14);
    }
    SECTION("SACK blocks are counted") {
        Frame sack{1, 1, 5, 18};
        sack.resize(4 + 16, 0x11);
        REQUIRE(with(sack) == DecodeError::ok);
        CHECK(s.options.sack_blocks == 2);
    }
    SECTION("unknown options are skipped by length") {
        REQUIRE(with(options({30, 4, 0, 0, 2, 4, 1, 0})) == DecodeError::ok);
        CHECK(s.options.mss == 256);
    }
}

TEST_CASE("TCP Fast Open option 34 and experimental 254/0xF989", "[capture][decoder][options]") {
    Segment s;
    auto with = [&s](Frame opts) {
        TcpSpec t;
        t.options = std::move(opts);
        t.payload = {'G', 'E', 'T'};
        return decode(DLT_EN10MB, eth4(tcp(t)), s);
    };
    REQUIRE(with(options({34, 10, 1, 2, 3, 4, 5, 6, 7, 8})) == DecodeError::ok);
    CHECK(s.options.has_fast_open);
    CHECK(s.options.fast_open_cookie_len == 8);
    CHECK(s.payload_len == 3);
    CHECK(s.seq_len() == 4);  // SYN + data (pitfall 8)
    REQUIRE(with(options({34, 2})) == DecodeError::ok);
    CHECK(s.options.has_fast_open);
    CHECK(s.options.fast_open_cookie_len == 0);  // cookie request
    REQUIRE(with(options({254, 8, 0xF9, 0x89, 1, 2, 3, 4})) == DecodeError::ok);
    CHECK(s.options.has_fast_open);
    CHECK(s.options.fast_open_cookie_len == 4);
    REQUIRE(with(options({254, 8, 0x12, 0x34, 1, 2, 3, 4})) == DecodeError::ok);
    CHECK_FALSE(s.options.has_fast_open);
}

// ---------------------------------------------------------------- lengths

TEST_CASE("IP total length 0: TSO super-segment uses the captured length", "[capture][decoder]") {
    Ipv4Spec ip;
    ip.total = 0;
    Segment s;
    REQUIRE(decode(DLT_EN10MB, eth4(simple_tcp(Frame(3000, 'a')), ip), s, true) == DecodeError::ok);
    CHECK(s.payload_len == 3000);
    CHECK(s.captured_len == 3000);
    CHECK_FALSE(s.checksum_checked);  // offloaded: the NIC computes it later
}

TEST_CASE("Snaplen truncation: sequence length from IP, captured length from the bytes", "[capture][decoder]") {
    Frame f = eth4(simple_tcp(Frame(1000, 'a')));
    const auto wire = std::uint32_t(f.size());
    f.resize(14 + 20 + 20 + 100);
    Segment s;
    REQUIRE(decode(DLT_EN10MB, f, s, true, wire) == DecodeError::ok);
    CHECK(s.payload_len == 1000);
    CHECK(s.captured_len == 100);
    CHECK(s.wire_len == wire);
    CHECK(s.first_payload_byte == 'a');
    CHECK_FALSE(s.checksum_checked);
    SECTION("cut right after the TCP header") {
        f.resize(14 + 40);
        REQUIRE(decode(DLT_EN10MB, f, s, true, wire) == DecodeError::ok);
        CHECK(s.payload_len == 1000);
        CHECK(s.captured_len == 0);
        CHECK(s.first_payload_byte == 0);
    }
}

TEST_CASE("IPv4 fragments", "[capture][decoder]") {
    Segment s;
    Ipv4Spec later;
    later.frag = 0x2000 | 185;  // MF, offset 1480
    CHECK(decode(DLT_EN10MB, eth4(Frame(100, 0), later), s) == DecodeError::non_first_fragment);
    later.frag = 185;           // last fragment
    CHECK(decode(DLT_EN10MB, eth4(Frame(100, 0), later), s) == DecodeError::non_first_fragment);
    Ipv4Spec first;
    first.frag = 0x2000;        // MF, offset 0: the TCP header is here
    REQUIRE(decode(DLT_EN10MB, eth4(simple_tcp(Frame(8, 'f')), first), s, true) == DecodeError::ok);
    CHECK(s.payload_len == 8);
    CHECK_FALSE(s.checksum_checked);
    Ipv4Spec df;
    df.frag = 0x4000;           // DF only: not a fragment
    REQUIRE(decode(DLT_EN10MB, eth4(simple_tcp(), df), s, true) == DecodeError::ok);
    CHECK(s.checksum_checked);
}

// ---------------------------------------------------------------- checksums

TEST_CASE("Checksums are verified only when asked, never drop the segment", "[capture][decoder][checksum]") {
    const Frame good = eth4(simple_tcp({'o', 'd', 'd'}));  // odd length exercises padding
    Segment s;
    REQUIRE(decode(DLT_EN10MB, good, s, false) == DecodeError::ok);
    CHECK_FALSE(s.checksum_checked);
    REQUIRE(decode(DLT_EN10MB, good, s, true) == DecodeError::ok);
    CHECK(s.checksum_checked);
    CHECK(s.checksum_ok);
    Frame bad = good;
    bad.back() ^= 0x01;
    REQUIRE(decode(DLT_EN10MB, bad, s, true) == DecodeError::ok);
    CHECK(s.checksum_checked);
    CHECK_FALSE(s.checksum_ok);
    Frame bad6 = ethernet(ipv6(simple_tcp({1, 2})), kIpv6);
    REQUIRE(decode(DLT_EN10MB, bad6, s, true) == DecodeError::ok);
    CHECK(s.checksum_ok);
    bad6[14 + 40 + 4] ^= 0x80;  // sequence number
    REQUIRE(decode(DLT_EN10MB, bad6, s, true) == DecodeError::ok);
    CHECK_FALSE(s.checksum_ok);
}

TEST_CASE("Checksums agree with frames built by scapy", "[capture][decoder][checksum]") {
    // scapy: Ether()/IP(192.0.2.1 > 198.51.100.7)/TCP(40000 > 443, PA, NOP NOP TS)/"hello, world!"
    const Frame v4 = from_hex(
        "00112233445566778899aabb080045000041123400003d067f47c0000201c63364079c4001bbfffffff0"
        "01020304801801f5851700000101080a0000000b0000001668656c6c6f2c20776f726c6421");
    // scapy: Ether()/IPv6(2001:db8::1 > ::2)/HopByHop/DestOpt/TCP(5555 > 80, A)/"abc"
    const Frame v6 = from_hex(
        "00112233445566778899aabb86dd600000000027003f20010db800000000000000000000000120010db8"
        "0000000000000000000000023c00010400000000060001040000000015b300500000000700000009501003e875ff0000616263");
    Segment s;
    REQUIRE(decode(DLT_EN10MB, v4, s, true) == DecodeError::ok);
    CHECK(s.checksum_ok);
    CHECK(s.sport == 40000);
    CHECK(s.dport == 443);
    CHECK(s.seq == SeqNum(0xfffffff0));
    CHECK(s.ack == SeqNum(0x01020304));
    CHECK(s.payload_len == 13);
    CHECK(s.options.ts_val == 11);
    CHECK(s.options.ts_ecr == 22);
    CHECK(s.ip_ttl == 61);
    CHECK(s.ip_id == 0x1234);
    REQUIRE(decode(DLT_EN10MB, v6, s, true) == DecodeError::ok);
    CHECK(s.checksum_ok);
    CHECK(s.sport == 5555);
    CHECK(s.payload_len == 3);
    CHECK(s.ip_ttl == 63);
}
