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

}  // namespace tfe
