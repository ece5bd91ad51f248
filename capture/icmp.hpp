// ICMP and ICMPv6 errors that quote a TCP segment: the message after its
// IP header, read into an IcmpError for the flow table to route (the
// decoder hands the message here; TCP frames never come this way).
#pragma once

#include "capture/byte_reader.hpp"
#include "core/icmp_error.hpp"

namespace tfe::capture {

// ICMP destination unreachable (type 3, any code) and time exceeded (11);
// ICMPv6 destination unreachable (1, any code) and time exceeded (3).
bool is_routed_icmp_error(int ip_version, std::uint8_t type);

// Reads the message `msg` (ICMP for ip_version 4, ICMPv6 for 6) sent by
// `router`. True when it is one of the errors above and quotes an IP header
// carrying TCP (first fragment) with at least the TCP header's first 8
// bytes (ports and sequence number, RFC 792's minimum); `out` is then
// filled except its frame and time. Anything else (echo, neighbour
// discovery, a quote of UDP, a quote cut short) is false.
bool decode_icmp_error(Bytes msg, int ip_version, const IpAddr& router, IcmpError& out);

}  // namespace tfe::capture
