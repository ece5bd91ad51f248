// capture/icmp: ICMP and ICMPv6 errors quoting TCP, from crafted bytes; the
// real ones (samples/failure-*) are checked through the pipeline in
// test_failure_lab.cpp.
#include <catch2/catch.hpp>
#include <pcap/pcap.h>

#include "capture/decoder.hpp"
#include "capture_packets.hpp"

using namespace tfe;
using namespace tfe::capture;
using namespace tfe::test;

namespace {

constexpr std::uint16_t kIpv4 = 0x0800, kIpv6 = 0x86DD;

// An ICMP error of `type`/`code` quoting `quoted` (the offending packet's
// IP header and what follows), sent by 192.0.2.254.
Frame icmp4(std::uint8_t type, std::uint8_t code, const Frame& quoted) {
    Frame msg{type, code, 0, 0, 0, 0, 0, 0};
    msg.insert(msg.end(), quoted.begin(), quoted.end());
    Ipv4Spec ip;
    ip.proto = 1;
    ip.src = 0xC00002FE;
    return ethernet(ipv4(msg, ip), kIpv4);
}

DecodeError decode(const Frame& f, Segment& s, IcmpError* icmp) {
    return decode_frame(DLT_EN10MB, f, std::uint32_t(f.size()), false, s, nullptr, icmp);
}

Frame quoted_syn(std::size_t tcp_bytes) {
    TcpSpec t;
    t.sport = 40000;
    t.dport = 80;
    t.seq = 123456;
    Frame seg = tcp(t);
    seg.resize(tcp_bytes);
    Ipv4Spec inner;  // 192.0.2.1 -> 198.51.100.7
    inner.total = 60;
    inner.fill_checksum = false;
    return ipv4(seg, inner);
}

}  // namespace

TEST_CASE("ICMP errors quoting TCP are read, with the quoted 4-tuple and seq", "[capture][icmp]") {
    Segment s;
    IcmpError e;
    for (std::uint8_t type : {3, 11}) {
        REQUIRE(decode(icmp4(type, 1, quoted_syn(20)), s, &e) == DecodeError::icmp_error);
        CHECK(e.version == 4);
        CHECK(e.type == type);
        CHECK(e.code == 1);
        CHECK(e.router == IpAddr::v4(0xC00002FE));
        CHECK(e.quoted_src == IpAddr::v4(0xC0000201));
        CHECK(e.quoted_dst == IpAddr::v4(0xC6336407));
        CHECK(e.quoted_sport == 40000);
        CHECK(e.quoted_dport == 80);
        CHECK(e.quoted_seq == SeqNum(123456));
        CHECK(e.flags_quoted);
        CHECK(e.quoted_flags.syn());
    }
    // RFC 792's minimum: 8 bytes of TCP, no flags.
    REQUIRE(decode(icmp4(3, 3, quoted_syn(8)), s, &e) == DecodeError::icmp_error);
    CHECK_FALSE(e.flags_quoted);
    CHECK(e.quoted_seq == SeqNum(123456));
    CHECK_FALSE(is_malformed(DecodeError::icmp_error));
}

TEST_CASE("Other ICMP messages and short quotes stay not_tcp", "[capture][icmp]") {
    Segment s;
    IcmpError e;
    CHECK(decode(icmp4(8, 0, quoted_syn(20)), s, &e) == DecodeError::not_tcp);  // echo request
    CHECK(decode(icmp4(3, 1, quoted_syn(7)), s, &e) == DecodeError::not_tcp);   // quote cut short
    CHECK(decode(icmp4(3, 1, Frame(10, 0)), s, &e) == DecodeError::not_tcp);    // not an IP header
    // Without somewhere to put it, an ICMP error is skipped as before.
    CHECK(decode(icmp4(3, 1, quoted_syn(20)), s, nullptr) == DecodeError::not_tcp);
}

TEST_CASE("ICMPv6 errors quoting TCP are read", "[capture][icmp]") {
    Segment s;
    IcmpError e;
    TcpSpec t;
    t.seq = 77;
    Frame quoted_tcp = tcp(t);
    Ipv6Spec inner;  // v6addr(1) -> v6addr(2)
    Frame quoted = ipv6(quoted_tcp, inner);
    Frame msg{1, 4, 0, 0, 0, 0, 0, 0};
    msg.insert(msg.end(), quoted.begin(), quoted.end());
    Ipv6Spec outer;
    outer.next = 58;
    outer.src = v6addr(9);
    REQUIRE(decode(ethernet(ipv6(msg, outer), kIpv6), s, &e) == DecodeError::icmp_error);
    CHECK(e.version == 6);
    CHECK(e.type == 1);
    CHECK(e.code == 4);
    CHECK(e.quoted_seq == SeqNum(77));
    CHECK(e.quoted_sport == 40000);
    msg[0] = 128;  // echo request
    CHECK(decode(ethernet(ipv6(msg, outer), kIpv6), s, &e) == DecodeError::not_tcp);
}
