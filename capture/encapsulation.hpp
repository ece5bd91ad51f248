// The headers between a frame's link layer and the IP packet that carries
// TCP: MPLS, PPPoE, 802.1ah PBB, VN-Tag and E-Tag after an EtherType;
// IP-in-IP, 6in4, MPLS-in-IP, EtherIP, GRE (with ERSPAN and PPTP's PPP)
// and the UDP tunnels VXLAN, VXLAN-GPE, Geneve and GTP-U after an IP
// header. Each step reads one header with bounds checks and says what the
// next one is; decode_frame loops over them, up to a depth.
#pragma once

#include <cstdint>

#include "capture/byte_reader.hpp"
#include "capture/decoder.hpp"

namespace tfe::capture::encapsulation {

// What the next header is.
enum class Next : std::uint8_t { ipv4, ipv6, ip_by_version, ethernet };

// More nested headers than this in one frame are malformed.
inline constexpr int kMaxDepth = 16;

// Past an EtherType (also SLL's protocol, GRE's and Geneve's protocol
// type): VLAN tags, then the header it names. `r` is at the next header.
// not_ip for known families that carry no IP (ARP, LLDP, 802.3 lengths),
// encapsulation_not_decoded (with `why`) for the rest.
DecodeError after_ethertype(std::uint16_t type, ByteReader& r, Next& next, Undecoded& why);

// An Ethernet header (addresses, type) and what follows it.
DecodeError after_ethernet(ByteReader& r, Next& next, Undecoded& why);

// Past an IP header whose protocol (or IPv6 next header) is not TCP:
// not_tcp unless it is a tunnel this file decodes.
DecodeError after_ip_protocol(std::uint8_t protocol, ByteReader& r, Next& next, Undecoded& why);

}  // namespace tfe::capture::encapsulation
