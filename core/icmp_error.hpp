// One ICMP or ICMPv6 error that quotes a TCP segment, as capture/ decodes
// it (capture/icmp.cpp) and the flow table routes it: to the connection of
// the quoted 4-tuple, as a packet that connection's endpoint `quoted_src`
// sent (RFC 792, RFC 4443 section 2.4: the error carries the start of the
// offending packet).
#pragma once

#include <cstdint>

#include "core/segment.hpp"
#include "core/seq.hpp"

namespace tfe {

struct IcmpError {
    std::uint64_t frame = 0;
    TimeNs ts = 0;
    IpAddr router;                  // who sent the error (the ICMP packet's source)
    std::uint8_t version = 4;       // 4: ICMP, 6: ICMPv6
    std::uint8_t type = 0, code = 0;
    // The quoted packet: an endpoint's own segment, src -> dst.
    IpAddr quoted_src, quoted_dst;
    std::uint16_t quoted_sport = 0, quoted_dport = 0;
    SeqNum quoted_seq;
    // The quoted TCP flags, when the error quotes more than the first 8
    // TCP bytes (RFC 1812 routers and Linux quote as much as fits).
    bool flags_quoted = false;
    TcpFlags quoted_flags;
};

// Whether Linux ends a SYN-SENT socket on this error (tcp_v4_err,
// tcp_v6_err: every destination unreachable and time exceeded aborts the
// attempt unless the socket is busy at that instant, net/ipv4/icmp.c
// icmp_err_convert, net/ipv6/icmp.c tab_unreach). Not fragmentation needed
// (ICMP 3/4: path MTU discovery), nor a code Linux does not know (over 15
// for ICMP; over 6, the codes RFC 4443 defines, for ICMPv6). RFC 1122
// 4.2.3.9 calls unreachable codes 0, 1 and 5 soft errors, but RFC 5461
// section 4 records that stacks abort connection establishment on them.
constexpr bool ends_connection_attempt(const IcmpError& e) {
    if (e.version == 4) return e.type == 11 || (e.type == 3 && e.code <= 15 && e.code != 4);
    return e.type == 3 || (e.type == 1 && e.code <= 6);
}

}  // namespace tfe
